import { useState, type FormEvent } from "react";
import { useSession } from "../../auth/session";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useI18n } from "../../i18n/i18n";
import { useResource } from "../../lib/useResource";
import { AdminNav, shortId } from "./AdminNav";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function AuditScreen() {
  const { t, formatDateTime } = useI18n();
  const { api } = useSession();
  const [draft, setDraft] = useState({ action: "", actor: "", object: "" });
  const [filters, setFilters] = useState(draft);
  const query = {
    limit: 100,
    offset: 0,
    ...(filters.action ? { action: filters.action } : {}),
    ...(UUID.test(filters.actor) ? { actor_id: filters.actor } : {}),
    ...(filters.object ? { object_id: filters.object } : {}),
  };
  const audit = useResource((signal) => api.call("get", "/api/v1/admin/audit", { query, signal }), JSON.stringify(query));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ action: draft.action.trim(), actor: draft.actor.trim(), object: draft.object.trim() });
  };

  return (
    <section className="card admin" aria-labelledby="admin-audit-title">
      <AdminNav />
      <h1 id="admin-audit-title">{t("admin.audit.title")}</h1>
      <form className="filters" onSubmit={apply}>
        <label className="inline-field">
          {t("admin.audit.action")}
          <input value={draft.action} placeholder="admin.job_requeued" onChange={(event) => setDraft({ ...draft, action: event.target.value })} />
        </label>
        <label className="inline-field">
          {t("admin.audit.actor")}
          <input value={draft.actor} onChange={(event) => setDraft({ ...draft, actor: event.target.value })} />
        </label>
        <label className="inline-field">
          {t("admin.audit.object")}
          <input value={draft.object} onChange={(event) => setDraft({ ...draft, object: event.target.value })} />
        </label>
        <button type="submit" className="button secondary">
          {t("admin.audit.apply")}
        </button>
      </form>
      {audit.error !== null && <ErrorNotice error={audit.error} onRetry={audit.reload} />}
      {audit.data && (
        <>
          <p className="muted small">{t("admin.common.total", { total: audit.data.total })}</p>
          <div className="table-scroll">
            <table className="admin-table" data-testid="admin-audit">
              <thead>
                <tr>
                  <th scope="col">{t("admin.audit.when")}</th>
                  <th scope="col">{t("admin.audit.action")}</th>
                  <th scope="col">{t("admin.audit.actor")}</th>
                  <th scope="col">{t("admin.audit.object")}</th>
                  <th scope="col">{t("admin.audit.details")}</th>
                </tr>
              </thead>
              <tbody>
                {audit.data.items.map((entry) => (
                  <tr key={entry.id} data-action={entry.action}>
                    <td>{formatDateTime(entry.created_at)}</td>
                    <td>
                      <code>{entry.action}</code>
                    </td>
                    <td>{entry.actor_id ? <code title={entry.actor_id}>{shortId(entry.actor_id)}</code> : "—"}</td>
                    <td>
                      {entry.object_type ?? ""} {entry.object_id ? <code title={entry.object_id}>{shortId(entry.object_id)}</code> : ""}
                    </td>
                    <td className="small">
                      <code>{JSON.stringify(entry.details)}</code>
                    </td>
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
