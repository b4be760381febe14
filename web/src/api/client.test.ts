import { describe, expect, it, vi } from "vitest";
import { memoryTokenStore } from "../auth/tokens";
import { apiError, fakeServer, ok } from "../test/fakeServer";
import { USER } from "../test/fixtures";
import { ApiClient } from "./client";
import { ApiError } from "./errors";

const NOW = 1_700_000_000_000;
const auth = (n: number) => ({
  access_token: `access-${n}`,
  refresh_token: `refresh-${n}`,
  token_type: "bearer" as const,
  expires_in: 900,
  user: USER,
});

function client(fetch: typeof globalThis.fetch, expiresAt = NOW + 600_000) {
  const tokens = memoryTokenStore({ accessToken: "access-1", accessExpiresAt: expiresAt });
  const ended = vi.fn();
  return { api: new ApiClient({ tokens, fetch, onSessionEnded: ended, now: () => NOW }), tokens, ended };
}

describe("ApiClient", () => {
  it("refreshes an expired access token once, stores the rotated tokens and retries the request", async () => {
    const server = fakeServer({
      "GET /api/v1/me": (request) =>
        request.authorization === "Bearer access-2" ? ok(USER) : apiError(401, "token_expired"),
      "POST /api/v1/auth/refresh": [ok(auth(2))],
    });
    const { api, tokens, ended } = client(server.fetch);

    await expect(api.call("get", "/api/v1/me")).resolves.toEqual(USER);

    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      "GET /api/v1/me",
      "POST /api/v1/auth/refresh",
      "GET /api/v1/me",
    ]);
    // The refresh token travels only in the HttpOnly cookie: no body, and the CSRF header goes along.
    expect(server.calls[1]?.body).toBeUndefined();
    expect(tokens.read()).toEqual({ accessToken: "access-2", accessExpiresAt: NOW + 900_000 });
    expect(ended).not.toHaveBeenCalled();
  });

  it("refreshes before sending when the stored token is known to have expired", async () => {
    const server = fakeServer({
      "GET /api/v1/me": (request) => (request.authorization === "Bearer access-2" ? ok(USER) : apiError(401, "token_expired")),
      "POST /api/v1/auth/refresh": [ok(auth(2))],
    });
    const { api } = client(server.fetch, NOW - 1);
    await api.call("get", "/api/v1/me");
    expect(server.calls.map((c) => c.path)).toEqual(["/api/v1/auth/refresh", "/api/v1/me"]);
  });

  it("shares one refresh between concurrent requests (a rotated refresh token is never replayed)", async () => {
    const server = fakeServer({
      "GET /api/v1/me": (request) => (request.authorization === "Bearer access-2" ? ok(USER) : apiError(401, "token_expired")),
      "GET /api/v1/results": (request) =>
        request.authorization === "Bearer access-2" ? ok({ items: [], total: 0, limit: 20, offset: 0 }) : apiError(401, "token_expired"),
      "POST /api/v1/auth/refresh": [ok(auth(2)), apiError(401, "token_reused")],
    });
    const { api, ended } = client(server.fetch);
    await Promise.all([api.call("get", "/api/v1/me"), api.call("get", "/api/v1/results"), api.call("get", "/api/v1/me")]);
    expect(server.calls.filter((c) => c.path === "/api/v1/auth/refresh")).toHaveLength(1);
    expect(ended).not.toHaveBeenCalled();
  });

  it("ends the session on a 401 that a refresh cannot fix", async () => {
    const server = fakeServer({ "GET /api/v1/me": [apiError(401, "invalid_token")] });
    const { api, tokens, ended } = client(server.fetch);
    await expect(api.call("get", "/api/v1/me")).rejects.toMatchObject({ status: 401, code: "invalid_token" });
    expect(ended).toHaveBeenCalledWith("invalid_token");
    expect(tokens.read()).toBeNull();
  });

  it("ends the session when the refresh token was already used", async () => {
    const server = fakeServer({
      "GET /api/v1/me": [apiError(401, "token_expired")],
      "POST /api/v1/auth/refresh": [apiError(401, "token_reused")],
    });
    const { api, tokens, ended } = client(server.fetch);
    await expect(api.call("get", "/api/v1/me")).rejects.toMatchObject({ code: "token_reused" });
    expect(ended).toHaveBeenCalledWith("token_reused");
    expect(tokens.read()).toBeNull();
  });

  it("reports network loss as network_error and keeps the session", async () => {
    const fetch = vi.fn().mockRejectedValue(new TypeError("Failed to fetch"));
    const { api, tokens, ended } = client(fetch);
    const error = await api.call("get", "/api/v1/me").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 0, code: "network_error", isNetworkError: true });
    expect(tokens.read()).not.toBeNull();
    expect(ended).not.toHaveBeenCalled();
  });

  it("reads the error envelope, the correlation id and Retry-After", async () => {
    const server = fakeServer({
      "POST /api/v1/auth/login": [apiError(429, "too_many_attempts", {}, { "retry-after": "30" })],
    });
    const { api } = client(server.fetch);
    const error = await api
      .call("post", "/api/v1/auth/login", { auth: false, body: { email: "a@b.c", password: "x" } })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 429, code: "too_many_attempts", correlationId: "cid-too_many_attempts", retryAfterSeconds: 30 });
  });

  it("fills path and query parameters", async () => {
    const server = fakeServer({ "GET /api/v1/results": [ok({ items: [], total: 0, limit: 5, offset: 10 })] });
    const { api } = client(server.fetch);
    await api.call("get", "/api/v1/results", { query: { limit: 5, offset: 10 } });
    expect(server.calls[0]?.query.toString()).toBe("limit=5&offset=10");
  });

  it("restores a session from the refresh cookie under the cross-tab lock, without a body", async () => {
    const held: string[] = [];
    Object.defineProperty(navigator, "locks", {
      configurable: true,
      value: { request: (name: string, work: () => Promise<unknown>) => (held.push(name), work()) },
    });
    try {
      const server = fakeServer({ "POST /api/v1/auth/refresh": [ok({ ...auth(3), refresh_token: null })] });
      const tokens = memoryTokenStore(null);
      const ended = vi.fn();
      const api = new ApiClient({ tokens, fetch: server.fetch, onSessionEnded: ended, now: () => NOW });
      await expect(api.restoreSession()).resolves.toEqual(USER);
      expect(held).toEqual(["verae-token-refresh"]);
      expect(server.calls[0]).toMatchObject({ body: undefined, requestedWith: "verae-web" });
      expect(tokens.read()).toEqual({ accessToken: "access-3", accessExpiresAt: NOW + 900_000 });
      expect(ended).not.toHaveBeenCalled();
    } finally {
      Reflect.deleteProperty(navigator, "locks");
    }
  });

  it("a visitor without a refresh cookie is simply anonymous (no 'session ended')", async () => {
    const server = fakeServer({});
    const tokens = memoryTokenStore(null);
    const ended = vi.fn();
    const api = new ApiClient({ tokens, fetch: server.fetch, onSessionEnded: ended, now: () => NOW });
    await expect(api.restoreSession()).resolves.toBeNull();
    expect(ended).not.toHaveBeenCalled();
    expect(tokens.read()).toBeNull();
  });
});
