import { useEffect, useRef, useState, type FormEvent } from "react";
import type { ProfileUpdate, Sex } from "../api/types";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../components/ErrorNotice";
import { NewPasswordField } from "../components/NewPasswordField";
import { SexSelect } from "../components/SexSelect";
import { useI18n } from "../i18n/i18n";
import { parseDecimal } from "../lib/format";
import { Link, useLocation } from "../router";
import { saveFile } from "./SharePanel";

function numberText(value: number | null): string {
  return value === null ? "" : String(value);
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function ProfileScreen() {
  const { t } = useI18n();
  const { user, api, setUser } = useSession();
  const { search } = useLocation();
  const welcome = search.get("welcome") === "1";
  const [sex, setSex] = useState<Sex | "">(user?.sex ?? "");
  const [birthDate, setBirthDate] = useState(user?.birth_date ?? "");
  const [height, setHeight] = useState(numberText(user?.height_cm ?? null));
  const [weight, setWeight] = useState(numberText(user?.weight_kg ?? null));
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (!user) return null;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    const body: ProfileUpdate = {
      sex: sex === "" ? null : sex,
      birth_date: birthDate === "" ? null : birthDate,
      height_cm: parseDecimal(height),
      weight_kg: parseDecimal(weight),
    };
    try {
      setUser(await api.call("patch", "/api/v1/me", { body }));
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <section className="card" aria-labelledby="profile-title">
        <h1 id="profile-title">{t("profile.title")}</h1>
        {welcome && (
          <p className="notice notice-ok" role="status">
            {t("profile.welcome")}
          </p>
        )}
        <p className="muted">{t("profile.email", { email: user.email })}</p>
        <p>{t("profile.intro")}</p>
        <form onSubmit={save} className="grid-form">
          <div className="field">
            <label htmlFor="profile-sex">{t("profile.sex")}</label>
            <SexSelect id="profile-sex" value={sex} onChange={setSex} />
          </div>
          <div className="field">
            <label htmlFor="profile-birth">{t("profile.birthDate")}</label>
            <input
              id="profile-birth"
              type="date"
              min="1900-01-01"
              max={today()}
              value={birthDate}
              onChange={(event) => setBirthDate(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="profile-height">{t("profile.height")}</label>
            <input
              id="profile-height"
              type="number"
              inputMode="decimal"
              min={40}
              max={250}
              step="0.1"
              value={height}
              onChange={(event) => setHeight(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="profile-weight">{t("profile.weight")}</label>
            <input
              id="profile-weight"
              type="number"
              inputMode="decimal"
              min={2}
              max={400}
              step="0.1"
              value={weight}
              onChange={(event) => setWeight(event.target.value)}
            />
          </div>
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={busy}>
              {t("common.save")}
            </button>
            {welcome && (
              <Link to="/upload" className="button secondary">
                {t("profile.continue")}
              </Link>
            )}
          </div>
          {saved && (
            <p className="notice notice-ok" role="status">
              {t("profile.saved")}
            </p>
          )}
          {error !== null && <ErrorNotice error={error} />}
        </form>
      </section>
      <ChangePassword />
      <Sessions />
      <DataExport />
      <DeleteAccount />
    </>
  );
}

function ChangePassword() {
  const { t } = useI18n();
  const { api } = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api.call("post", "/api/v1/me/password", { body: { current_password: current, new_password: next } });
      setCurrent("");
      setNext("");
      setDone(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">{t("profile.password.title")}</h2>
      <form onSubmit={submit} className="grid-form">
        <div className="field">
          <label htmlFor="password-current">{t("profile.password.current")}</label>
          <input
            id="password-current"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
          />
        </div>
        <NewPasswordField id="password-new" value={next} onChange={setNext} />
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={busy}>
            {t("profile.password.submit")}
          </button>
        </div>
        {done && (
          <p className="notice notice-ok" role="status">
            {t("profile.password.done")}
          </p>
        )}
        {error !== null && <ErrorNotice error={error} />}
      </form>
    </section>
  );
}

function Sessions() {
  const { t } = useI18n();
  const { logoutEverywhere } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const endAll = async () => {
    setBusy(true);
    setError(null);
    try {
      await logoutEverywhere();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t("profile.sessions.title")}</h2>
      <p>{t("profile.sessions.text")}</p>
      {error !== null && <ErrorNotice error={error} />}
      <button type="button" className="button secondary" onClick={endAll} disabled={busy}>
        {t("profile.sessions.button")}
      </button>
    </section>
  );
}

function DataExport() {
  const { t } = useI18n();
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      saveFile(await api.download("/api/v1/me/export"), "verae-export.zip");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">{t("export.allTitle")}</h2>
      <p>{t("export.allText")}</p>
      {error !== null && <ErrorNotice error={error} />}
      <button type="button" className="button secondary" onClick={() => void download()} disabled={busy}>
        {t("export.all")}
      </button>
    </section>
  );
}

function DeleteAccount() {
  const { t } = useI18n();
  const { deleteAccount } = useSession();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);

  const close = () => {
    setOpen(false);
    setPassword("");
    setError(null);
    requestAnimationFrame(() => openerRef.current?.focus());
  };

  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    if (!password) return;
    setBusy(true);
    setError(null);
    try {
      await deleteAccount(password);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section className="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">{t("profile.delete.title")}</h2>
      <p>{t("profile.delete.text")}</p>
      {!open ? (
        <button ref={openerRef} type="button" className="button danger" onClick={() => setOpen(true)}>
          {t("profile.delete.button")}
        </button>
      ) : (
        <form
          role="alertdialog"
          aria-labelledby="delete-confirm-title"
          aria-describedby="delete-confirm-text"
          onSubmit={confirm}
          onKeyDown={(event) => {
            if (event.key === "Escape") close();
          }}
          className="confirm"
        >
          <h3 id="delete-confirm-title">{t("profile.delete.confirmTitle")}</h3>
          <p id="delete-confirm-text">{t("profile.delete.confirmText")}</p>
          <div className="field">
            <label htmlFor="delete-confirm">{t("profile.delete.password")}</label>
            <input
              id="delete-confirm"
              ref={inputRef}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          {error !== null && <ErrorNotice error={error} />}
          <div className="form-actions">
            <button type="submit" className="button danger" disabled={busy || !password}>
              {t("profile.delete.confirm")}
            </button>
            <button type="button" className="button secondary" onClick={close}>
              {t("common.cancel")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
