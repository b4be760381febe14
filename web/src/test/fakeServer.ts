import { matchPath } from "../router";

export interface FakeRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  authorization: string | null;
  requestedWith: string | null;
  headers: Headers;
}

export type FakeAnswer = { status: number; body?: unknown; headers?: Record<string, string> };
export type Handler = (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

export const ok = (body: unknown, status = 200): FakeAnswer => ({ status, body });
export const apiError = (
  status: number,
  code: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): FakeAnswer => ({
  status,
  body: { error: { code, message: code, details, correlation_id: `cid-${code}` } },
  headers: { "x-correlation-id": `cid-${code}`, ...headers },
});

/** A stand-in for the HTTP boundary in component tests: routes like "GET /api/v1/jobs/:id" answer with a
 * handler, or with a list of answers consumed one per call (the last one repeats). Every request is
 * recorded. The browser tests (e2e/) drive the real server instead. */
export function fakeServer(routes: Record<string, Handler | FakeAnswer[]>) {
  const calls: FakeRequest[] = [];
  const queues = new Map<string, FakeAnswer[]>();
  for (const [key, route] of Object.entries(routes)) if (Array.isArray(route)) queues.set(key, [...route]);

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), "http://localhost");
    const method = (init.method ?? "GET").toUpperCase();
    const headers = new Headers(init.headers);
    const body = typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
    for (const [key, route] of Object.entries(routes)) {
      const [routeMethod, pattern] = key.split(" ") as [string, string];
      if (routeMethod !== method) continue;
      const params = matchPath(pattern, url.pathname);
      if (!params) continue;
      const request: FakeRequest = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        body,
        authorization: headers.get("authorization"),
        requestedWith: headers.get("x-requested-with"),
        headers,
      };
      calls.push(request);
      let answer: FakeAnswer;
      if (Array.isArray(route)) {
        const queue = queues.get(key)!;
        answer = queue.length > 1 ? queue.shift()! : queue[0]!;
      } else {
        answer = await route(request);
      }
      const text = answer.body === undefined ? null : JSON.stringify(answer.body);
      return new Response(answer.status === 204 ? null : text, {
        status: answer.status,
        headers: { "content-type": "application/json", ...answer.headers },
      });
    }
    if (method === "POST" && url.pathname === "/api/v1/auth/refresh") {
      // Unless a test routes it: a browser without the refresh cookie, as on a first visit.
      const answer = apiError(401, "invalid_token");
      return new Response(JSON.stringify(answer.body), { status: 401, headers: answer.headers });
    }
    throw new Error(`fake server: no route for ${method} ${url.pathname}`);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}
