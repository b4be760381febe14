import { useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../api/errors";
import type { SharedResult, SharedView } from "../api/types";
import { useSession } from "../auth/session";
import { describeError, ErrorNotice } from "../components/ErrorNotice";
import { ExplanationChart } from "../components/ExplanationChart";
import { RiskBadge } from "../components/RiskBadge";
import { useI18n } from "../i18n/i18n";
import { ValuesTable } from "./ResultScreen";
import { saveFile } from "./SharePanel";

const PIN_CODES = new Set(["share_pin_required", "share_pin_wrong"]);

/** The token travels after `#`: browsers never send the fragment to a server nor in a Referer header. */
export function tokenFromHash(hash: string): string {
  return decodeURIComponent(hash.replace(/^#/, "")).trim();
}

type State = { view: SharedView | null; error: unknown; loading: boolean };

/** What a doctor sees through a share link: no login, read-only, a PIN form when the link has one. */
export function SharedScreen() {
  const { t, lang, formatDateTime } = useI18n();
  const { api } = useSession();
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const [pin, setPin] = useState("");
  const [usedPin, setUsedPin] = useState<string | null>(null);
  const [state, setState] = useState<State>({ view: null, error: null, loading: token !== "" });
  const [pdfError, setPdfError] = useState<unknown>(null);
  const headers = usedPin ? { "X-Share-Pin": usedPin } : undefined;

  useEffect(() => {
    if (!token) return;
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    api.call("get", "/api/v1/shared/{token}", { path: { token }, auth: false, headers, signal: controller.signal }).then(
      (view) => setState({ view, error: null, loading: false }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ view: null, error, loading: false });
      },
    );
    return () => controller.abort();
    // `headers` follows `usedPin`.
  }, [token, usedPin]);

  const openWithPin = (event: FormEvent) => {
    event.preventDefault();
    if (pin) setUsedPin(pin);
  };

  const downloadPdf = async () => {
    setPdfError(null);
    try {
      saveFile(
        await api.download(`/api/v1/shared/${encodeURIComponent(token)}/pdf?lang=${lang}`, { auth: false, headers }),
        "verae-report.pdf",
      );
    } catch (caught) {
      setPdfError(caught);
    }
  };

  const needsPin = state.error instanceof ApiError && PIN_CODES.has(state.error.code);
  return (
    <>
      <section className="card" aria-labelledby="shared-title">
        <h1 id="shared-title">{t("shared.title")}</h1>
        <p>{t("shared.intro")}</p>
        {!token && <p className="notice notice-error">{t("shared.noToken")}</p>}
        {state.loading && <p className="muted">{t("common.loading")}</p>}
        {state.error !== null && !needsPin && <ErrorNotice error={state.error} />}
        {needsPin && (
          <form onSubmit={openWithPin} noValidate aria-labelledby="shared-pin-title">
            <h2 id="shared-pin-title" className="h3">
              {t("shared.pinTitle")}
            </h2>
            {usedPin !== null && (
              <p className="notice notice-error" role="alert">
                {describeError(t, state.error, lang)}
              </p>
            )}
            <div className="field">
              <label htmlFor="shared-pin">{t("shared.pin")}</label>
              <input
                id="shared-pin"
                inputMode="numeric"
                autoComplete="off"
                maxLength={8}
                value={pin}
                onChange={(event) => setPin(event.target.value.trim())}
              />
            </div>
            <button type="submit" className="button primary" disabled={!pin || state.loading}>
              {t("shared.open")}
            </button>
          </form>
        )}
        {state.view && (
          <>
            <p className="muted small">{t("shared.until", { date: formatDateTime(state.view.expires_at) })}</p>
            {pdfError !== null && <ErrorNotice error={pdfError} />}
            <button type="button" className="button secondary" onClick={() => void downloadPdf()}>
              {t("shared.pdf")}
            </button>
          </>
        )}
      </section>
      {state.view && state.view.results.length === 0 && <p className="muted">{t("shared.none")}</p>}
      {state.view?.results.map((result, index) => <SharedResultCard key={index} result={result} />)}
    </>
  );
}

function SharedResultCard({ result }: { result: SharedResult }) {
  const { t, lang, formatDate, formatNumber } = useI18n();
  const { risk, report } = result;
  const date = formatDate(result.collection_date ?? result.created_at);
  return (
    <article className={`card result-hero tier-border-${risk.risk_tier}`} data-testid="shared-result">
      <h2>{t("shared.result", { date })}</h2>
      <p>
        <span className={`percent tier-text-${risk.risk_tier}`}>{Math.round(risk.risk_percent)}%</span>{" "}
        <RiskBadge tier={risk.risk_tier} />
      </p>
      <p className="next-step">{risk.clinical_action[lang]}</p>
      {risk.measured_iron_status && (
        <p className="measured">
          <strong>{t("result.measured")}:</strong> {risk.measured_iron_status.text[lang]}
        </p>
      )}
      {(report.sex || report.age != null) && (
        <p className="muted small">
          {t("result.sexAge")}:{" "}
          {[report.sex ? t(`profile.sex.${report.sex}`) : null, report.age != null ? formatNumber(report.age, 0) : null]
            .filter(Boolean)
            .join(", ")}
        </p>
      )}
      {risk.explanations.length > 0 && (
        <>
          <h3>{t("result.explanations")}</h3>
          <ExplanationChart explanations={risk.explanations} />
        </>
      )}
      <h3>{t("result.values")}</h3>
      <ValuesTable values={report.values ?? []} />
      <p className="muted small disclaimer-text">{risk.disclaimer[lang]}</p>
    </article>
  );
}
