import { useState } from "react";
import type { AdminJob, JobStatus } from "../../api/types";
import { useSession } from "../../auth/session";
import { ErrorNotice } from "../../components/ErrorNotice";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/i18n";
import { useResource } from "../../lib/useResource";
import { AdminNav, shortId, useStaffRole } from "./AdminNav";

const STATUSES: readonly JobStatus[] = ["failed", "queued", "processing", "needs_input", "done"];

export function JobsScreen() {
  const { t, formatDateTime } = useI18n();
  const { api } = useSession();
  const role = useStaffRole();
  const [status, setStatus] = useState<JobStatus | "">("failed");
  const [errorCode, setErrorCode] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [preview, setPreview] = useState<string[] | null>(null);
  const query = { limit: 100, offset: 0, ...(status ? { status: [status] } : {}), ...(errorCode ? { error_code: errorCode } : {}) };
  const jobs = useResource((signal) => api.call("get", "/api/v1/admin/jobs", { query, signal }), JSON.stringify(query));

  const act = async (work: () => Promise<void>) => {
    setActionError(null);
    setNotice(null);
    try {
      await work();
    } catch (caught) {
      setActionError(caught);
    }
  };
  const requeueOne = (job: AdminJob) =>
    act(async () => {
      const outcome = await api.call("post", "/api/v1/admin/jobs/{job_id}/requeue", { path: { job_id: job.id } });
      setNotice(outcome.requeued ? t("admin.jobs.requeued", { id: shortId(job.id) }) : t("admin.jobs.notRequeued"));
      jobs.reload();
    });
  const bulk = (dryRun: boolean) =>
    act(async () => {
      const body = { dry_run: dryRun, limit: 500, ...(errorCode ? { error_code: errorCode } : {}) };
      const outcome = await api.call("post", "/api/v1/admin/jobs/requeue", { body });
      if (dryRun) {
        setPreview(outcome.job_ids);
      } else {
        setPreview(null);
        setNotice(t("admin.jobs.bulkDone", { count: outcome.job_ids.length }));
        jobs.reload();
      }
    });

  return (
    <section className="card admin" aria-labelledby="admin-jobs-title">
      <AdminNav />
      <h1 id="admin-jobs-title">{t("admin.jobs.title")}</h1>
      <div className="filters">
        <label className="inline-field">
          {t("admin.jobs.status")}
          <select value={status} onChange={(event) => setStatus(event.target.value as JobStatus | "")}>
            <option value="">{t("admin.jobs.anyStatus")}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(`admin.status.${value}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          {t("admin.jobs.errorCode")}
          <input value={errorCode} onChange={(event) => setErrorCode(event.target.value.trim())} placeholder="parse_failed" />
        </label>
      </div>
      {role === "admin" && (
        <div className="actions">
          <button type="button" className="button secondary" onClick={() => void bulk(true)}>
            {t("admin.jobs.dryRun")}
          </button>
          {preview !== null && (
            <>
              <span role="status" data-testid="requeue-preview">
                {t("admin.jobs.wouldRequeue", { count: preview.length })}
              </span>
              {preview.length > 0 && (
                <button type="button" className="button primary" onClick={() => void bulk(false)}>
                  {t("admin.jobs.requeueAll", { count: preview.length })}
                </button>
              )}
            </>
          )}
        </div>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {actionError !== null && <ErrorNotice error={actionError} />}
      {jobs.error !== null && <ErrorNotice error={jobs.error} onRetry={jobs.reload} />}
      {jobs.data && (
        <>
          <p className="muted small">{t("admin.common.total", { total: jobs.data.total })}</p>
          <div className="table-scroll">
            <table className="admin-table" data-testid="admin-jobs">
              <thead>
                <tr>
                  <th scope="col">{t("admin.jobs.id")}</th>
                  <th scope="col">{t("admin.jobs.status")}</th>
                  <th scope="col">{t("admin.jobs.attempts")}</th>
                  <th scope="col">{t("admin.jobs.errorCode")}</th>
                  <th scope="col">{t("admin.jobs.history")}</th>
                  <th scope="col">{t("admin.common.created")}</th>
                  {role === "admin" && <th scope="col">{t("admin.common.actions")}</th>}
                </tr>
              </thead>
              <tbody>
                {jobs.data.items.map((job) => (
                  <tr key={job.id} data-job-id={job.id} data-status={job.status}>
                    <td>
                      <code title={job.id}>{shortId(job.id)}</code>
                    </td>
                    <td>{t(`admin.status.${job.status}` as MessageKey)}</td>
                    <td>
                      {job.attempts}/{job.max_attempts}
                    </td>
                    <td>{job.error_code ? <code>{job.error_code}</code> : "—"}</td>
                    <td className="small">{job.errors.map((entry) => `#${entry.attempt ?? "?"} ${entry.code}`).join(", ") || "—"}</td>
                    <td>{formatDateTime(job.created_at)}</td>
                    {role === "admin" && (
                      <td>
                        {job.status === "failed" && (
                          <button type="button" className="button secondary small" onClick={() => void requeueOne(job)}>
                            {t("admin.jobs.requeue")}
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {jobs.data.items.length === 0 && <p className="muted">{t("admin.common.none")}</p>}
        </>
      )}
    </section>
  );
}
