/** A failed API call, carrying the stable error code and the correlation id support needs to find the log
 * line. `status` 0 with code `network_error` means the server could not be reached at all. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly correlationId: string | null;
  readonly retryAfterSeconds: number | null;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    details?: Record<string, unknown>;
    correlationId?: string | null;
    retryAfterSeconds?: number | null;
  }) {
    super(init.message);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? {};
    this.correlationId = init.correlationId ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

export const NETWORK_ERROR = "network_error";

export function networkError(): ApiError {
  return new ApiError({ status: 0, code: NETWORK_ERROR, message: "The server could not be reached." });
}

interface ErrorEnvelope {
  error?: { code?: unknown; message?: unknown; details?: unknown; correlation_id?: unknown };
}

/** Build an ApiError from a non-2xx answer; `text` is the raw body (any shape, possibly not JSON). */
export function errorFromResponse(
  status: number,
  text: string,
  header: (name: string) => string | null,
): ApiError {
  let envelope: ErrorEnvelope = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object") envelope = parsed as ErrorEnvelope;
  } catch {
    // A proxy's HTML error page, for instance: fall back to the status alone.
  }
  const body = envelope.error ?? {};
  const retryAfter = Number(header("retry-after"));
  return new ApiError({
    status,
    code: typeof body.code === "string" ? body.code : `http_${status}`,
    message: typeof body.message === "string" ? body.message : `HTTP ${status}`,
    details: body.details && typeof body.details === "object" ? (body.details as Record<string, unknown>) : {},
    correlationId:
      (typeof body.correlation_id === "string" ? body.correlation_id : null) ?? header("x-correlation-id"),
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  });
}
