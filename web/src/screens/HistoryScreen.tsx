import { useState } from "react";
import type { ResultSummary } from "../api/types";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../components/ErrorNotice";
import { RiskBadge } from "../components/RiskBadge";
import { TrendChart, type TrendPoint } from "../components/TrendChart";
import { useI18n } from "../i18n/i18n";
import { useResource } from "../lib/useResource";
import { Link } from "../router";
import { SharePanel } from "./SharePanel";

const PAGE = 100;
/** The trend series, with the unit the API reports key_values in. */
const TREND_SERIES = [
  { key: "hemoglobin", unit: "g/L" },
  { key: "mcv", unit: "fL" },
  { key: "ferritin", unit: "µg/L" },
] as const;

/** Newest test first: by the date the blood was taken when the report states it, else by upload time. */
export function newestFirst(items: ResultSummary[]): ResultSummary[] {
  const key = (item: ResultSummary) => item.collection_date ?? item.created_at.slice(0, 10);
  return [...items].sort((a, b) => key(b).localeCompare(key(a)) || b.created_at.localeCompare(a.created_at));
}

export function trendPoints(items: ResultSummary[], key: string): TrendPoint[] {
  const points: TrendPoint[] = [];
  for (const item of items) {
    const value = item.key_values[key];
    if (typeof value === "number" && Number.isFinite(value)) {
      points.push({ date: item.collection_date ?? item.created_at, value });
    }
  }
  return points;
}

export function HistoryScreen() {
  const { t, formatDate, formatDateTime } = useI18n();
  const { api } = useSession();
  const results = useResource(
    (signal) => api.call("get", "/api/v1/results", { query: { limit: PAGE, offset: 0 }, signal }),
    "results",
  );
  const [more, setMore] = useState<ResultSummary[]>([]);
  const [moreError, setMoreError] = useState<unknown>(null);
  const loaded = [...(results.data?.items ?? []), ...more];
  const items = newestFirst(loaded);
  const loadMore = async () => {
    setMoreError(null);
    try {
      const page = await api.call("get", "/api/v1/results", { query: { limit: PAGE, offset: loaded.length } });
      setMore((previous) => [...previous, ...page.items]);
    } catch (caught) {
      setMoreError(caught);
    }
  };
  const jobs = useResource((signal) => api.call("get", "/api/v1/jobs", { query: { limit: 20, offset: 0 }, signal }), "jobs");
  const unfinished = (jobs.data?.items ?? []).filter((job) => job.status !== "done");

  return (
    <>
      <section className="card" aria-labelledby="history-title">
        <h1 id="history-title">{t("history.title")}</h1>
        {results.error !== null && <ErrorNotice error={results.error} onRetry={results.reload} />}
        {!results.data && results.error === null && <p className="muted">{t("common.loading")}</p>}
        {results.data && items.length === 0 && (
          <p>
            {t("history.empty")} <Link to="/upload">{t("history.emptyLink")}</Link>
          </p>
        )}
        {results.data && items.length > 0 && (
          <>
            <h2>{t("history.trends")}</h2>
            <div className="trends">
              {TREND_SERIES.map((series) => (
                <TrendChart
                  key={series.key}
                  title={t(`analyte.${series.key}`)}
                  unit={series.unit}
                  points={trendPoints(items, series.key)}
                />
              ))}
            </div>
            <h2>{t("history.results")}</h2>
            <ol className="history-list" data-testid="history-list">
              {items.map((item) => {
                const date = formatDate(item.collection_date ?? item.created_at);
                return (
                  <li key={item.id} className="history-item" data-tier={item.risk_tier}>
                    <Link to={`/results/${item.id}`} aria-label={t("history.open", { date })} className="history-link">
                      <span className="history-date">{date}</span>
                      <span className={`history-percent tier-text-${item.risk_tier}`}>{Math.round(item.risk_percent)}%</span>
                      <RiskBadge tier={item.risk_tier} />
                      {item.source_filename && (
                        <span className="history-file muted small" data-testid="history-file">
                          {item.source_filename}
                        </span>
                      )}
                      <span className="history-values muted small">
                        {TREND_SERIES.filter((s) => typeof item.key_values[s.key] === "number")
                          .map((s) => `${t(`analyte.${s.key}`)} ${item.key_values[s.key]}`)
                          .join(" · ")}
                      </span>
                    </Link>
                  </li>
                );
              })}
            </ol>
            {moreError !== null && <ErrorNotice error={moreError} />}
            {results.data.total > loaded.length && (
              <button type="button" className="button secondary" onClick={() => void loadMore()}>
                {t("history.more")}
              </button>
            )}
          </>
        )}
      </section>
      {unfinished.length > 0 && (
        <section className="card" aria-labelledby="pending-title">
          <h2 id="pending-title">{t("history.pending")}</h2>
          <ul className="pending-list">
            {unfinished.map((job) => (
              <li key={job.id}>
                <Link to={`/jobs/${job.id}`}>
                  {t("history.job", { date: formatDateTime(job.created_at), status: t(`job.status.${job.status}`) })}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {results.data && items.length > 0 && <SharePanel />}
    </>
  );
}
