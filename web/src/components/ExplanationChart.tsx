import type { Explanation } from "../api/types";
import { useI18n } from "../i18n/i18n";
import { analyteName } from "../lib/analytes";

/** A diverging bar chart of the model's explanation: each input's signed contribution, biggest first. Plain
 * HTML, so it reflows down to phone width and screen readers read every row with its sentence. */
export function ExplanationChart({ explanations, limit = 8 }: { explanations: Explanation[]; limit?: number }) {
  const { t, lang, formatNumber } = useI18n();
  const rows = [...explanations]
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, limit);
  const largest = Math.max(...rows.map((row) => Math.abs(row.contribution)), 1e-9);
  if (rows.length === 0) return null;
  return (
    <figure className="explanations">
      <figcaption className="muted small">{t("result.explanations.legend")}</figcaption>
      <div className="bar-axis small muted" aria-hidden="true">
        <span />
        <span className="axis-halves">
          <span className="axis-lowers">{t("result.axisLowers")}</span>
          <span className="axis-raises">{t("result.axisRaises")}</span>
        </span>
      </div>
      <ul className="bars">
        {rows.map((row) => {
          const label = analyteName(t, row.feature);
          const width = `${(Math.abs(row.contribution) / largest) * 100}%`;
          const raises = row.direction === "raises";
          return (
            <li key={row.feature} className="bar-row" data-feature={row.feature} data-direction={row.direction}>
              <div className="bar-label">
                <strong>{label}</strong>
                {row.value !== null && (
                  <span className="muted">
                    {" "}
                    {formatNumber(row.value)} {row.unit ?? ""}
                  </span>
                )}
              </div>
              <div
                className="bar-track"
                role="img"
                aria-label={`${label}: ${t(raises ? "result.raises" : "result.lowers")} ${formatNumber(Math.abs(row.contribution), 3)}`}
              >
                <div className="bar-half bar-left">
                  {!raises && <div className="bar bar-lowers" style={{ width }} />}
                </div>
                <div className="bar-half bar-right">
                  {raises && <div className="bar bar-raises" style={{ width }} />}
                </div>
              </div>
              <p className="bar-text small">{row.text[lang]}</p>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
