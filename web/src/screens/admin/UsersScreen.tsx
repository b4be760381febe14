import { useState, type FormEvent } from "react";
import type { AdminUser } from "../../api/types";
import { useSession } from "../../auth/session";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useI18n } from "../../i18n/i18n";
import { useResource } from "../../lib/useResource";
import { AdminNav, useStaffRole } from "./AdminNav";

export function UsersScreen() {
  const { t, formatDateTime } = useI18n();
  const { api } = useSession();
  const role = useStaffRole();
  const [draft, setDraft] = useState("");
  const [email, setEmail] = useState("");
  const [actionError, setActionError] = useState<unknown>(null);
  const users = useResource(
    (signal) => api.call("get", "/api/v1/admin/users", { query: { limit: 50, offset: 0, ...(email ? { email } : {}) }, signal }),
    `users-${email}`,
  );
  const search = (event: FormEvent) => {
    event.preventDefault();
    setEmail(draft.trim());
  };
  const toggle = async (user: AdminUser) => {
    setActionError(null);
    try {
      const path = { user_id: user.id };
      if (user.disabled_at) await api.call("post", "/api/v1/admin/users/{user_id}/enable", { path });
      else await api.call("post", "/api/v1/admin/users/{user_id}/disable", { path });
      users.reload();
    } catch (caught) {
      setActionError(caught);
    }
  };

  return (
    <section className="card admin" aria-labelledby="admin-users-title">
      <AdminNav />
      <h1 id="admin-users-title">{t("admin.users.title")}</h1>
      <form className="filters" onSubmit={search} role="search">
        <label className="inline-field">
          {t("admin.users.search")}
          <input type="search" value={draft} onChange={(event) => setDraft(event.target.value)} />
        </label>
        <button type="submit" className="button secondary">
          {t("admin.users.find")}
        </button>
      </form>
      {actionError !== null && <ErrorNotice error={actionError} />}
      {users.error !== null && <ErrorNotice error={users.error} onRetry={users.reload} />}
      {users.data && (
        <>
          <p className="muted small">{t("admin.common.total", { total: users.data.total })}</p>
          <div className="table-scroll">
            <table className="admin-table" data-testid="admin-users">
              <thead>
                <tr>
                  <th scope="col">{t("auth.email")}</th>
                  <th scope="col">{t("admin.users.role")}</th>
                  <th scope="col">{t("admin.users.uploads")}</th>
                  <th scope="col">{t("admin.users.jobs")}</th>
                  <th scope="col">{t("admin.users.failedJobs")}</th>
                  <th scope="col">{t("admin.users.results")}</th>
                  <th scope="col">{t("admin.common.created")}</th>
                  <th scope="col">{t("admin.users.state")}</th>
                  {role === "admin" && <th scope="col">{t("admin.common.actions")}</th>}
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((user) => (
                  <tr key={user.id} data-email={user.email}>
                    <td>{user.email}</td>
                    <td>{user.role}</td>
                    <td>{user.counts.uploads}</td>
                    <td>{user.counts.jobs}</td>
                    <td>{user.counts.failed_jobs}</td>
                    <td>{user.counts.results}</td>
                    <td>{formatDateTime(user.created_at)}</td>
                    <td>{user.disabled_at ? t("admin.users.disabled") : t("admin.users.active")}</td>
                    {role === "admin" && (
                      <td>
                        <button type="button" className="button secondary small" onClick={() => void toggle(user)}>
                          {user.disabled_at ? t("admin.users.enable") : t("admin.users.disable")}
                        </button>
                      </td>
                    )}
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
