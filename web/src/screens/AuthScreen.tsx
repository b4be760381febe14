import { useId, useState, type FormEvent } from "react";
import { useSession } from "../auth/session";
import { ErrorNotice } from "../components/ErrorNotice";
import { useI18n } from "../i18n/i18n";
import { Link, navigate, useLocation } from "../router";

/** Only same-site paths are followed after login (an open redirect would be a phishing aid). */
function safeNext(next: string | null): string | null {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : null;
}

export function AuthScreen({ mode }: { mode: "login" | "signup" }) {
  const { t } = useI18n();
  const session = useSession();
  const { search } = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const hintId = useId();
  const signup = mode === "signup";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signup) {
        await session.register(email.trim(), password);
        navigate("/profile?welcome=1", { replace: true });
      } else {
        await session.login(email.trim(), password);
        navigate(safeNext(search.get("next")) ?? "/upload", { replace: true });
      }
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const notice =
    !signup && search.get("reset") === "1"
      ? t("auth.passwordReset")
      : !signup && session.notice === "session_ended"
      ? t("auth.sessionEnded")
      : !signup && session.notice === "logged_out"
        ? t("auth.loggedOut")
        : !signup && session.notice === "account_deleted"
          ? t("auth.accountDeleted")
          : null;

  return (
    <section className="card narrow" aria-labelledby="auth-title">
      <h1 id="auth-title">{t(signup ? "auth.signup.title" : "auth.login.title")}</h1>
      {notice && (
        <p className="notice notice-info" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={submit} noValidate={false}>
        <div className="field">
          <label htmlFor="email">{t("auth.email")}</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="password">{t("auth.password")}</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete={signup ? "new-password" : "current-password"}
            required
            minLength={signup ? 8 : undefined}
            maxLength={128}
            aria-describedby={signup ? hintId : undefined}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          {signup && (
            <p id={hintId} className="hint">
              {t("auth.passwordHint")}
            </p>
          )}
        </div>
        {error !== null && <ErrorNotice error={error} />}
        {!signup && (
          <p className="hint">
            <Link to="/forgot-password">{t("auth.forgot")}</Link>
          </p>
        )}
        <button type="submit" className="button primary wide" disabled={busy}>
          {busy ? t("auth.busy") : t(signup ? "auth.signup.submit" : "auth.login.submit")}
        </button>
      </form>
      <p className="switch">
        {signup ? t("auth.signup.haveAccount") : t("auth.login.noAccount")}{" "}
        <Link to={signup ? "/login" : "/signup"}>{t(signup ? "auth.signup.toLogin" : "auth.login.toSignup")}</Link>
      </p>
    </section>
  );
}
