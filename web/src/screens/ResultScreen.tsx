import type { LabValue, Result } from "../api/types";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../components/ErrorNotice";
import { ExplanationChart } from "../components/ExplanationChart";
import { RiskBadge } from "../components/RiskBadge";
import { WarningList } from "../components/WarningList";
import { useI18n } from "../i18n/i18n";
import { analyteName } from "../lib/analytes";
import { useResource } from "../lib/useResource";
import { Link } from "../router";
import { ResultDownloads, SharePanel } from "./SharePanel";

type FlagKind = "high" | "low" | "abnormal";

/** Labs print flags in many ways (H, L, ↑, ↓, *, "выше"): read the direction when there is one. */
export function flagKind(flag: string | null | undefined): FlagKind | null {
  if (!flag || !flag.trim()) return null;
  const text = flag.trim().toLowerCase();
  if (["h", "hh", "↑", "high", "+", "выше", "повышен"].some((mark) => text.startsWith(mark))) return "high";
  if (["l", "ll", "↓", "low", "-", "ниже", "понижен"].some((mark) => text.startsWith(mark))) return "low";
  return "abnormal";
}

export function ResultScreen({ resultId }: { resultId: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const result = useResource(
    (signal) => api.call("get", "/api/v1/results/{result_id}", { path: { result_id: resultId }, signal }),
    resultId,
  );
  if (result.error) return <ErrorNotice error={result.error} onRetry={result.reload} />;
  if (!result.data) return <p className="muted">{t("common.loading")}</p>;
  return (
    <>
      <ResultView result={result.data} />
      <ResultDownloads resultId={resultId} />
      <SharePanel resultId={resultId} />
    </>
  );
}

export function ResultView({ result }: { result: Result }) {
  const { t, lang, formatDate, formatDateTime, formatNumber } = useI18n();
  const { risk, report } = result;
  const percent = Math.round(risk.risk_percent);
  return (
    <>
      <section className={`card result-hero tier-border-${risk.risk_tier}`} aria-labelledby="result-title">
        <h1 id="result-title">{t("result.title")}</h1>
        <div className="hero-grid">
          <div className="risk-number">
            <span className="muted small">{t("result.riskPercent")}</span>
            <span className={`percent tier-text-${risk.risk_tier}`} data-testid="risk-percent">
              {percent}%
            </span>
            <span>
              <span className="visually-hidden">{t("result.tier")}: </span>
              <RiskBadge tier={risk.risk_tier} />
            </span>
            <div
              className="meter"
              role="meter"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={percent}
              aria-label={t("result.riskPercent")}
            >
              <div className={`meter-fill tier-bg-${risk.risk_tier}`} style={{ width: `${percent}%` }} />
            </div>
          </div>
          <div>
            <h2 className="h3">{t("result.nextStep")}</h2>
            <p className="next-step" data-testid="next-step">
              {risk.clinical_action[lang]}
            </p>
            <p className="muted small">{t("result.confidence", { level: t(`result.confidence.${risk.confidence}`) })}</p>
            {risk.age_caveat && (
              <p className="muted small" data-testid="age-caveat">
                {risk.age_caveat[lang]}
              </p>
            )}
            {risk.pattern && (
              <p className="pattern" data-testid="blood-pattern">
                {risk.pattern.text[lang]}
              </p>
            )}
            {(risk.outside_training_range ?? []).length > 0 && (
              <ul className="muted small outside-range" data-testid="outside-training-range">
                {(risk.outside_training_range ?? []).map((note) => (
                  <li key={note.feature}>{note.text[lang]}</li>
                ))}
              </ul>
            )}
            {risk.measured_iron_status && (
              // the measured panel beside the estimate, never instead of it
              <section className="measured" data-testid="measured-panel" aria-labelledby="measured-title">
                <h2 className="h3" id="measured-title">
                  {t("result.measured")}
                </h2>
                <p>
                  <strong>{t(`result.measured.${risk.measured_iron_status.status}`)}.</strong>{" "}
                  {risk.measured_iron_status.ferritin_unreliable && t("result.measured.inflammation")}
                </p>
                <ul className="small">
                  {(risk.measured_iron_status.readings ?? []).map((reading) => (
                    <li key={reading.analyte} className={`reading-${reading.reading}`}>
                      {reading.text[lang]}
                    </li>
                  ))}
                </ul>
                <p className="muted small">{t("result.measured.beside")}</p>
              </section>
            )}
          </div>
        </div>
        <dl className="meta">
          <div>
            <dt>{t("result.collectionDate")}</dt>
            <dd>{result.collection_date ? formatDate(result.collection_date) : t("result.notStated")}</dd>
          </div>
          <div>
            <dt>{t("result.computedAt")}</dt>
            <dd>{formatDateTime(result.created_at)}</dd>
          </div>
          {result.source_filename && (
            <div>
              <dt>{t("result.source")}</dt>
              <dd className="source-file" data-testid="source-file">
                {result.source_filename}
              </dd>
            </div>
          )}
          <div>
            <dt>{t("result.modelVersion")}</dt>
            <dd data-testid="model-version">{risk.model_version}</dd>
          </div>
          {(report.sex || report.age != null) && (
            <div>
              <dt>{t("result.sexAge")}</dt>
              <dd>
                {[report.sex ? t(`profile.sex.${report.sex}`) : null, report.age != null ? formatNumber(report.age, 0) : null]
                  .filter(Boolean)
                  .join(", ")}
              </dd>
            </div>
          )}
        </dl>
      </section>

      {risk.explanations.length > 0 && (
        <section className="card" aria-labelledby="explanations-title">
          <h2 id="explanations-title">{t("result.explanations")}</h2>
          <ExplanationChart explanations={risk.explanations} />
        </section>
      )}

      <section className="card" aria-labelledby="values-title">
        <h2 id="values-title">{t("result.values")}</h2>
        <ValuesTable values={report.values ?? []} />
        <WarningList warnings={report.warnings ?? []} level="h3" />
        <p>
          <Link to={`/jobs/${result.job_id}/review`} className="button secondary">
            {t("result.review")}
          </Link>
        </p>
      </section>

      <aside className="card disclaimer" aria-labelledby="disclaimer-title">
        <h2 id="disclaimer-title" className="h4">
          {t("result.disclaimer")}
        </h2>
        <p data-testid="disclaimer">{risk.disclaimer[lang]}</p>
      </aside>
    </>
  );
}

export function ValuesTable({ values }: { values: LabValue[] }) {
  const { t, formatNumber } = useI18n();
  return (
    <table className="values-table">
      <thead>
        <tr>
          <th scope="col">{t("result.col.test")}</th>
          <th scope="col">{t("result.col.value")}</th>
          <th scope="col">{t("result.col.reference")}</th>
          <th scope="col">{t("result.col.flag")}</th>
        </tr>
      </thead>
      <tbody>
        {values.map((value) => {
          const kind = flagKind(value.flag);
          const converted = value.unit != null && value.unit !== value.normalized_unit;
          return (
            <tr key={value.analyte} data-analyte={value.analyte} className={kind ? `flag-${kind}` : undefined}>
              <th scope="row">{analyteName(t, value.analyte)}</th>
              <td data-label={t("result.col.value")}>
                {value.qualifier ?? ""}
                {formatNumber(value.value)} {value.unit ?? value.normalized_unit}
                {converted && (
                  <span className="muted small">
                    {" "}
                    (= {formatNumber(value.normalized_value)} {value.normalized_unit})
                  </span>
                )}
              </td>
              <td data-label={t("result.col.reference")} className={value.reference_range ? undefined : "empty"}>
                {value.reference_range ?? "—"}
              </td>
              <td data-label={t("result.col.flag")} className={kind ? undefined : "empty"}>
                {kind ? (
                  <span className={`flag flag-badge-${kind}`} title={value.flag ?? undefined}>
                    {kind === "high" ? "↑ " : kind === "low" ? "↓ " : ""}
                    {t(`result.flag.${kind}`)}
                  </span>
                ) : (
                  "—"
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
