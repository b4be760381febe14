import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, fakeServer, ok } from "../test/fakeServer";
import { USER } from "../test/fixtures";
import { renderWithApp } from "../test/render";
import { App } from "../App";

const AUTH = { access_token: "a-1", refresh_token: null, token_type: "bearer", expires_in: 900, user: USER };

describe("login and sign-up", () => {
  it("sends a logged-out visit to the login page and returns there after login", async () => {
    window.history.replaceState(null, "", "/history");
    const server = fakeServer({
      "POST /api/v1/auth/login": [ok(AUTH)],
      "GET /api/v1/results": [ok({ items: [], total: 0, limit: 100, offset: 0 })],
      "GET /api/v1/jobs": [ok({ items: [], total: 0, limit: 20, offset: 0 })],
    });
    const { store } = renderWithApp(<App />, { fetch: server.fetch, tokens: null });
    await waitFor(() => expect(window.location.pathname + window.location.search).toBe("/login?next=%2Fhistory"));

    await userEvent.type(await screen.findByLabelText("Email"), "anna@example.org");
    await userEvent.type(screen.getByLabelText("Password"), "secret-pass-1");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));

    await screen.findByRole("heading", { name: "History", level: 1 });
    expect(window.location.pathname).toBe("/history");
    expect(server.calls[0]?.body).toEqual({ email: "anna@example.org", password: "secret-pass-1" });
    expect(store.read()).toMatchObject({ accessToken: "a-1" });
  });

  it("shows a wrong password with the reference for support, and keeps the visitor logged out", async () => {
    window.history.replaceState(null, "", "/login");
    const server = fakeServer({ "POST /api/v1/auth/login": [apiError(401, "invalid_credentials")] });
    const { store } = renderWithApp(<App />, { fetch: server.fetch, tokens: null });
    await userEvent.type(await screen.findByLabelText("Email"), "anna@example.org");
    await userEvent.type(screen.getByLabelText("Password"), "wrong-pass-1");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The email or password is wrong.");
    expect(alert).toHaveTextContent("Reference for support: cid-invalid_credentials");
    expect(store.read()).toBeNull();
    expect(window.location.pathname).toBe("/login");
  });

  it("says how long to wait after too many attempts", async () => {
    window.history.replaceState(null, "", "/login");
    const server = fakeServer({
      "POST /api/v1/auth/login": [apiError(429, "too_many_attempts", {}, { "retry-after": "120" })],
    });
    renderWithApp(<App />, { fetch: server.fetch, tokens: null });
    await userEvent.type(await screen.findByLabelText("Email"), "anna@example.org");
    await userEvent.type(screen.getByLabelText("Password"), "wrong-pass-1");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Please wait 120 seconds");
  });

  it("signs up and continues to the profile", async () => {
    window.history.replaceState(null, "", "/signup");
    const server = fakeServer({ "POST /api/v1/auth/register": [ok(AUTH, 201)] });
    renderWithApp(<App />, { fetch: server.fetch, tokens: null });
    await userEvent.type(await screen.findByLabelText("Email"), "new@example.org");
    await userEvent.type(screen.getByLabelText("Password"), "secret-pass-1");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    await screen.findByRole("heading", { name: "Profile", level: 1 });
    expect(window.location.search).toBe("?welcome=1");
  });

  it("goes back to login with a notice when the session can no longer be refreshed", async () => {
    window.history.replaceState(null, "", "/history");
    const server = fakeServer({
      "GET /api/v1/me": [apiError(401, "token_expired")],
      "POST /api/v1/auth/refresh": [apiError(401, "token_reused")],
    });
    const { store } = renderWithApp(<App />, { fetch: server.fetch });
    expect(await screen.findByText("Your session has ended. Please log in again.")).toBeInTheDocument();
    expect(window.location.pathname + window.location.search).toBe("/login?next=%2Fhistory");
    expect(store.read()).toBeNull();
  });
});
