import { ApiError } from "../api/errors";
import { isMessageKey, type Lang, type Translate } from "../i18n/i18n";
import { useI18n } from "../i18n/i18n";
import { formatBytes } from "../lib/format";

/** A person-readable sentence for any failure: API codes are translated, anything else is generic. */
export function describeError(t: Translate, error: unknown, lang: Lang): string {
  if (error instanceof ApiError) {
    const maxBytes = error.details.max_bytes;
    if (error.code === "payload_too_large" && typeof maxBytes === "number") {
      return t("error.payload_too_large_than", { size: formatBytes(maxBytes, lang) });
    }
    if (error.code === "too_many_attempts") {
      return error.retryAfterSeconds
        ? t("error.too_many_attempts", { seconds: Math.ceil(error.retryAfterSeconds) })
        : t("error.too_many_attempts_later");
    }
    const key = `error.${error.code}`;
    if (isMessageKey(key)) return t(key);
    if (error.status === 404) return t("error.not_found");
    if (error.status >= 500) return t("error.internal_error");
    return t("error.generic", { code: error.code });
  }
  return t("error.generic", { code: "client_error" });
}

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t, lang } = useI18n();
  const correlationId = error instanceof ApiError ? error.correlationId : null;
  const code = error instanceof ApiError ? error.code : "client_error";
  return (
    <div className="notice notice-error" role="alert" data-error-code={code}>
      <p>{describeError(t, error, lang)}</p>
      {correlationId && (
        <p className="muted small">
          {t("common.reference", { id: correlationId })}
        </p>
      )}
      {onRetry && (
        <button type="button" className="button secondary" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}
