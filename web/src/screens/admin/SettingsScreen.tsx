import { useEffect, useState, type FormEvent } from "react";
import { ApiError } from "../../api/errors";
import type { RuntimeOverrides } from "../../api/types";
import { useSession } from "../../auth/session";
import { ErrorNotice } from "../../components/ErrorNotice";
import type { MessageKey } from "../../i18n/en";
import { useI18n } from "../../i18n/i18n";
import { useResource } from "../../lib/useResource";
import { AdminNav } from "./AdminNav";

const FIELDS = [
  "max_queue_depth",
  "max_upload_bytes",
  "upload_max_waiting_jobs_per_user",
  "upload_max_bytes_per_day",
  "login_max_failures_per_account_and_address",
  "login_max_failures_per_ip",
] as const;
type Field = (typeof FIELDS)[number];

/** Runtime settings: blank means the environment's value (shown as the placeholder). Saving sends the
 * version read as If-Match; if someone else saved in between, the server answers 412 and the form reloads. */
export function SettingsScreen() {
  const { t, formatNumber } = useI18n();
  const { api } = useSession();
  const settings = useResource((signal) => api.call("get", "/api/v1/admin/settings", { signal }), "settings");
  const [draft, setDraft] = useState<Record<Field, string>>(() => Object.fromEntries(FIELDS.map((f) => [f, ""])) as Record<Field, string>);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    if (!settings.data) return;
    const values = settings.data.values;
    setDraft(Object.fromEntries(FIELDS.map((field) => [field, values[field] == null ? "" : String(values[field])])) as Record<Field, string>);
  }, [settings.data]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!settings.data) return;
    setSaveError(null);
    setNotice(null);
    const body: RuntimeOverrides = {};
    for (const field of FIELDS) {
      const text = draft[field].trim();
      body[field] = text === "" ? null : Number(text);
    }
    try {
      await api.call("put", "/api/v1/admin/settings", { body, headers: { "If-Match": `"${settings.data.version}"` } });
      setNotice(t("admin.settings.saved"));
      settings.reload();
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "precondition_failed") {
        setNotice(t("admin.settings.stale"));
        settings.reload();
      } else {
        setSaveError(caught);
      }
    }
  };

  return (
    <section className="card admin" aria-labelledby="admin-settings-title">
      <AdminNav />
      <h1 id="admin-settings-title">{t("admin.settings.title")}</h1>
      <p className="muted">{t("admin.settings.intro")}</p>
      {settings.error !== null && <ErrorNotice error={settings.error} onRetry={settings.reload} />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {saveError !== null && <ErrorNotice error={saveError} />}
      {settings.data && (
        <form onSubmit={(event) => void save(event)} className="settings-form">
          {FIELDS.map((field) => (
            <label key={field} className="field">
              <span>{t(`admin.settings.${field}` as MessageKey)}</span>
              <input
                inputMode="numeric"
                name={field}
                value={draft[field]}
                placeholder={formatNumber(settings.data?.effective[field] ?? 0)}
                onChange={(event) => setDraft({ ...draft, [field]: event.target.value })}
              />
              <span className="muted small">{t("admin.settings.inForce", { value: formatNumber(settings.data?.effective[field] ?? 0) })}</span>
            </label>
          ))}
          <button type="submit" className="button primary">
            {t("common.save")}
          </button>
        </form>
      )}
    </section>
  );
}
