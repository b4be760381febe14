import { useState } from "react";
import type { AdminStats } from "../../api/types";
import { useSession } from "../../auth/session";
import { ErrorNotice } from "../../components/ErrorNotice";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/i18n";
import { useResource } from "../../lib/useResource";
import { AdminNav } from "./AdminNav";

const PERIODS = [1, 7, 14, 30, 90] as const;

function stepLabel(step: string): MessageKey {
  return `admin.funnel.${step}` as MessageKey;
}

/** The funnel as horizontal bars: people per step, scaled to the first step, with the step's conversion. */
function FunnelChart({ funnel }: { funnel: AdminStats["funnel"] }) {
  const { t, formatNumber } = useI18n();
  const top = Math.max(1, ...funnel.map((step) => step.people));
  return (
    <ol className="funnel" aria-label={t("admin.funnel.title")}>
      {funnel.map((step) => (
        <li key={step.step} className="funnel-step" data-step={step.step} data-people={step.people}>
          <span className="funnel-label">{t(stepLabel(step.step))}</span>
          <span className="funnel-bar-track" aria-hidden="true">
            <span className="funnel-bar" style={{ width: `${(100 * step.people) / top}%` }} />
          </span>
          <span className="funnel-value">
            {formatNumber(step.people)}
            {step.conversion !== null && (
              <span className="muted small"> · {formatNumber(step.conversion * 100, 0)}%</span>
            )}
          </span>
        </li>
      ))}
    </ol>
  );
}

export function OverviewScreen() {
  const { t, formatNumber, formatDate } = useI18n();
  const { api } = useSession();
  const [days, setDays] = useState<number>(14);
  const stats = useResource((signal) => api.call("get", "/api/v1/admin/stats", { query: { days }, signal }), `stats-${days}`);
  const seconds = (value: number | null | undefined) => (value == null ? "—" : `${formatNumber(value, 1)} s`);
  const processing = stats.data?.processing;

  return (
    <section className="card admin" aria-labelledby="admin-overview-title">
      <AdminNav />
      <h1 id="admin-overview-title">{t("admin.overview.title")}</h1>
      <label className="inline-field">
        {t("admin.overview.period")}
        <select value={days} onChange={(event) => setDays(Number(event.target.value))}>
          {PERIODS.map((period) => (
            <option key={period} value={period}>
              {t("admin.overview.days", { days: period })}
            </option>
          ))}
        </select>
      </label>
      {stats.error !== null && <ErrorNotice error={stats.error} onRetry={stats.reload} />}
      {!stats.data && stats.error === null && <p className="muted">{t("common.loading")}</p>}
      {stats.data && processing && (
        <>
          <div className="stat-tiles">
            <div className="stat-tile" data-testid="processing-p50">
              <span className="muted small">{t("admin.processing.p50")}</span>
              <strong>{seconds(processing.p50_seconds)}</strong>
            </div>
            <div className="stat-tile" data-testid="processing-p95">
              <span className="muted small">{t("admin.processing.p95")}</span>
              <strong>{seconds(processing.p95_seconds)}</strong>
            </div>
            <div className="stat-tile">
              <span className="muted small">{t("admin.processing.finished")}</span>
              <strong>{formatNumber(processing.finished)}</strong>
            </div>
            <div className="stat-tile">
              <span className="muted small">{t("admin.processing.failedShare")}</span>
              <strong>{processing.failed_share == null ? "—" : `${formatNumber(processing.failed_share * 100, 1)}%`}</strong>
            </div>
          </div>
          <h2>{t("admin.funnel.title")}</h2>
          <p className="muted small">{t("admin.funnel.explained")}</p>
          <FunnelChart funnel={stats.data.funnel} />
          {Object.keys(processing.error_codes).length > 0 && (
            <>
              <h2>{t("admin.processing.errorCodes")}</h2>
              <ul>
                {Object.entries(processing.error_codes).map(([code, count]) => (
                  <li key={code}>
                    <code>{code}</code>: {formatNumber(count)}
                  </li>
                ))}
              </ul>
            </>
          )}
          <h2>{t("admin.funnel.perDay")}</h2>
          <div className="table-scroll">
            <table className="admin-table">
              <thead>
                <tr>
                  <th scope="col">{t("admin.funnel.day")}</th>
                  {stats.data.funnel.map((step) => (
                    <th scope="col" key={step.step}>
                      {t(stepLabel(step.step))}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {[...stats.data.days].reverse().map((day) => (
                  <tr key={day.day}>
                    <td>{formatDate(day.day)}</td>
                    {stats.data?.funnel.map((step) => <td key={step.step}>{formatNumber(day.people[step.step] ?? 0)}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
