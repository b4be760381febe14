import { useState, type FormEvent } from "react";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../components/ErrorNotice";
import { NewPasswordField } from "../components/NewPasswordField";
import { useI18n } from "../i18n/i18n";
import { Link, navigate } from "../router";

/** "Forgot password": asks for the email; the answer is the same whether or not it has an account. */
export function ForgotPasswordScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.call("post", "/api/v1/auth/password-reset", { auth: false, body: { email: email.trim() } });
      setSent(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card narrow" aria-labelledby="forgot-title">
      <h1 id="forgot-title">{t("forgot.title")}</h1>
      {sent ? (
        <p className="notice notice-ok" role="status">
          {t("forgot.sent")}
        </p>
      ) : (
        <form onSubmit={submit}>
          <p>{t("forgot.text")}</p>
          <div className="field">
            <label htmlFor="forgot-email">{t("auth.email")}</label>
            <input
              id="forgot-email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          </div>
          {error !== null && <ErrorNotice error={error} />}
          <button type="submit" className="button primary wide" disabled={busy}>
            {busy ? t("auth.busy") : t("forgot.submit")}
          </button>
        </form>
      )}
      <p className="switch">
        <Link to="/login">{t("auth.signup.toLogin")}</Link>
      </p>
    </section>
  );
}

/** The token arrives in the link's fragment (#token=…), which no server or Referer header ever sees. */
function tokenFromFragment(): string | null {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  return params.get("token");
}

/** Reached from the emailed link: choose a new password; every session of the account ends. */
export function ResetPasswordScreen() {
  const { t } = useI18n();
  const { api } = useSession();
  const [token] = useState(tokenFromFragment);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!token) return;
    setBusy(true);
    setError(null);
    try {
      await api.call("post", "/api/v1/auth/password-reset/confirm", {
        auth: false,
        body: { token, new_password: password },
      });
      if (api.hasSession()) api.endSession("logged_out");
      navigate("/login?reset=1", { replace: true });
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <section className="card narrow" aria-labelledby="reset-title">
      <h1 id="reset-title">{t("reset.title")}</h1>
      {!token ? (
        <p className="notice notice-error" role="alert">
          {t("reset.missing")} <Link to="/forgot-password">{t("auth.forgot")}</Link>
        </p>
      ) : (
        <form onSubmit={submit}>
          <NewPasswordField id="reset-password" value={password} onChange={setPassword} />
          {error !== null && <ErrorNotice error={error} />}
          <button type="submit" className="button primary wide" disabled={busy}>
            {busy ? t("auth.busy") : t("reset.submit")}
          </button>
        </form>
      )}
    </section>
  );
}
