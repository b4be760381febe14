import type { StoredTokens, TokenStore } from "../auth/tokens";
import { ApiError, errorFromResponse, networkError } from "./errors";
import type { ApiPaths, AuthResponse } from "./types";

type HttpMethod = "get" | "post" | "put" | "patch" | "delete";
type Path = keyof ApiPaths;
/** The methods a path really has (openapi-typescript marks the others `?: never`). */
export type MethodOf<P extends Path> = {
  [M in HttpMethod]: ApiPaths[P][M] extends undefined ? never : M;
}[HttpMethod];
type Operation<P extends Path, M extends MethodOf<P>> = NonNullable<ApiPaths[P][M]>;

type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : undefined;
type SuccessStatus = 200 | 201 | 202 | 204;
export type SuccessBody<O> = O extends { responses: infer R }
  ? { [S in keyof R & SuccessStatus]: JsonOf<R[S]> }[keyof R & SuccessStatus]
  : never;
type RequestBody<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? B
  : O extends { requestBody?: { content: { "application/json": infer B } } }
    ? B
    : never;
type PathParams<O> = O extends { parameters: { path: infer P } } ? P : never;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Q : never;

export type CallOptions<O> = {
  path?: PathParams<O>;
  query?: QueryParams<O>;
  body?: RequestBody<O>;
  /** Send the access token (and refresh it when it has expired). Default true. */
  auth?: boolean;
  /** Extra request headers (If-Match for a compare-and-set write, a share link's PIN). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

export type SessionEndReason =
  | "token_expired"
  | "token_reused"
  | "invalid_token"
  | "missing_token"
  | "session_expired"
  | "logged_out";

/** Sent on every request: it marks the web app, whose refresh token stays in the HttpOnly cookie, and is the
 * CSRF proof the server requires of a refresh through that cookie (a cross-site form cannot set it). */
export const CLIENT_HEADER = { "X-Requested-With": "verae-web" } as const;

export interface ApiClientOptions {
  tokens: TokenStore;
  /** The session is over (refresh refused, token revoked, ...): the app returns to the login page. */
  onSessionEnded?: (reason: SessionEndReason) => void;
  fetch?: typeof fetch;
  baseUrl?: string;
  now?: () => number;
}

/** Refresh this long before the access token's stated expiry, so a request does not race the clock. */
const EXPIRY_SKEW_MS = 5_000;
const REFRESH_LOCK = "verae-token-refresh";

export function tokensFrom(auth: AuthResponse, now: number): StoredTokens {
  return {
    accessToken: auth.access_token,
    accessExpiresAt: now + auth.expires_in * 1000,
  };
}

function fillPath(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return "";
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A typed client for /api/v1: bodies, path and query parameters and answers are checked against the
 * OpenAPI contract at compile time. It owns the session's token life cycle: an expired access token is
 * refreshed once (one refresh at a time, across tabs) and the request retried; any other 401 ends the
 * session. */
export class ApiClient {
  private readonly tokens: TokenStore;
  private readonly onSessionEnded: (reason: SessionEndReason) => void;
  private readonly fetchImpl: typeof fetch;
  private readonly baseUrl: string;
  private readonly now: () => number;
  private refreshing: Promise<StoredTokens> | null = null;

  constructor(options: ApiClientOptions) {
    this.tokens = options.tokens;
    this.onSessionEnded = options.onSessionEnded ?? (() => undefined);
    this.fetchImpl = options.fetch ?? ((input, init) => window.fetch(input, init));
    this.baseUrl = options.baseUrl ?? "";
    this.now = options.now ?? Date.now;
  }

  hasSession(): boolean {
    return this.tokens.read() !== null;
  }

  /** After a page load: a new access token from the refresh cookie, if the browser has a live one.
   * Resolves to the session's user, or null when there is no session to restore. */
  async restoreSession(): Promise<AuthResponse["user"] | null> {
    try {
      // Under the same cross-tab lock as every refresh: tabs opened together must not send the same cookie
      // twice (the second use of a rotated token would end the session for all of them).
      const auth = await this.withLock(() => this.call("post", "/api/v1/auth/refresh", { auth: false }));
      this.startSession(auth);
      return auth.user;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
      throw error;
    }
  }

  /** Store the tokens of a login, registration or refresh. */
  startSession(auth: AuthResponse): void {
    this.tokens.write(tokensFrom(auth, this.now()));
  }

  /** Forget the tokens locally (after logout or account deletion). */
  endSession(reason: SessionEndReason): void {
    this.tokens.clear();
    this.onSessionEnded(reason);
  }

  url(path: string): string {
    return this.baseUrl + path;
  }

  async call<P extends Path, M extends MethodOf<P>>(
    method: M,
    path: P,
    options: CallOptions<Operation<P, M>> = {},
  ): Promise<SuccessBody<Operation<P, M>>> {
    const url =
      this.baseUrl +
      fillPath(path, options.path as Record<string, unknown> | undefined) +
      queryString(options.query as Record<string, unknown> | undefined);
    // Same origin by default, so the browser sends the refresh cookie to /api/v1/auth.
    const init: RequestInit = {
      method: method.toUpperCase(),
      headers: { Accept: "application/json", ...CLIENT_HEADER, ...options.headers },
      credentials: "same-origin",
    };
    if (options.signal) init.signal = options.signal;
    if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    }
    const useAuth = options.auth ?? true;
    const response = useAuth ? await this.sendAuthorized(url, init) : await this.send(url, init);
    if (response.status === 204) return undefined as SuccessBody<Operation<P, M>>;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as SuccessBody<Operation<P, M>>;
  }

  /** A file the API answers (a PDF report, the data export): the same errors and token handling as `call`. */
  async download(
    path: string,
    options: { auth?: boolean; headers?: Record<string, string> } = {},
  ): Promise<Blob> {
    const init: RequestInit = { method: "GET", headers: { ...CLIENT_HEADER, ...options.headers }, credentials: "same-origin" };
    const url = this.baseUrl + path;
    const response = (options.auth ?? true) ? await this.sendAuthorized(url, init) : await this.send(url, init);
    return response.blob();
  }

  /** A valid access token for requests the client does not make itself (the upload's XMLHttpRequest). */
  async accessToken(): Promise<string> {
    const tokens = this.tokens.read();
    if (!tokens || tokens.accessExpiresAt - EXPIRY_SKEW_MS <= this.now()) {
      return (await this.refresh(tokens?.accessToken ?? "")).accessToken;
    }
    return tokens.accessToken;
  }

  /** After an authorised request answered 401: refresh when the token had merely expired, end the session
   * otherwise. Resolves to the token to retry with. */
  async recoverFrom401(error: ApiError, usedToken: string): Promise<string> {
    if (error.code !== "token_expired") {
      this.endSession(error.code === "missing_token" ? "missing_token" : "invalid_token");
      throw error;
    }
    return (await this.refresh(usedToken)).accessToken;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, init);
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw networkError();
    }
    if (!response.ok) {
      throw errorFromResponse(response.status, await response.text(), (name) => response.headers.get(name));
    }
    return response;
  }

  private async sendAuthorized(url: string, init: RequestInit): Promise<Response> {
    const token = await this.accessToken();
    try {
      return await this.send(url, withBearer(init, token));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      const fresh = await this.recoverFrom401(error, token);
      try {
        return await this.send(url, withBearer(init, fresh));
      } catch (retryError) {
        if (retryError instanceof ApiError && retryError.status === 401) this.endSession("invalid_token");
        throw retryError;
      }
    }
  }

  /** One refresh at a time: in this tab through a shared promise, across tabs through a Web Lock. Inside the
   * lock the stored tokens are read again, so a tab that lost the race uses the winner's new tokens instead
   * of replaying the already-rotated refresh token (which the server would treat as theft). */
  private refresh(staleAccessToken: string): Promise<StoredTokens> {
    if (!this.refreshing) {
      this.refreshing = this.withLock(() => this.refreshUnlocked(staleAccessToken)).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    if (!locks) return work();
    return locks.request(REFRESH_LOCK, work);
  }

  private async refreshUnlocked(staleAccessToken: string): Promise<StoredTokens> {
    const stored = this.tokens.read();
    if (stored && stored.accessToken !== staleAccessToken && stored.accessExpiresAt - EXPIRY_SKEW_MS > this.now()) {
      return stored;
    }
    let auth: AuthResponse;
    try {
      // No body: the refresh token travels in the HttpOnly cookie (the X-Requested-With header goes along).
      auth = await this.call("post", "/api/v1/auth/refresh", { auth: false });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        this.endSession(
          error.code === "token_reused" ? "token_reused" : error.code === "session_expired" ? "session_expired" : "token_expired",
        );
      }
      throw error;
    }
    const fresh = tokensFrom(auth, this.now());
    this.tokens.write(fresh);
    return fresh;
  }
}

function withBearer(init: RequestInit, token: string): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` } };
}
