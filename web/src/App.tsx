import { useEffect, useRef, useState, type ReactNode } from "react";
import { useSession } from "./auth/session";
import { LANGS, useI18n, type Lang } from "./i18n/i18n";
import { Link, matchPath, navigate, useLocation } from "./router";
import { AuthScreen } from "./screens/AuthScreen";
import { HistoryScreen } from "./screens/HistoryScreen";
import { ForgotPasswordScreen, ResetPasswordScreen } from "./screens/PasswordResetScreens";
import { JobScreen } from "./screens/JobScreen";
import { ProfileScreen } from "./screens/ProfileScreen";
import { ResultScreen } from "./screens/ResultScreen";
import { SharedScreen } from "./screens/SharedScreen";
import { ReviewScreen } from "./screens/ReviewScreen";
import { UploadScreen } from "./screens/UploadScreen";
import { useStaffRole } from "./screens/admin/AdminNav";
import { AuditScreen } from "./screens/admin/AuditScreen";
import { JobsScreen } from "./screens/admin/JobsScreen";
import { OverviewScreen } from "./screens/admin/OverviewScreen";
import { SettingsScreen } from "./screens/admin/SettingsScreen";
import { UsersScreen } from "./screens/admin/UsersScreen";

const PUBLIC = new Set(["/login", "/signup"]);

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

/** The staff console: for anyone else these pages do not exist, as the API's routes do not. */
function adminScreen(pathname: string, role: "support" | "admin" | null): ReactNode {
  if (role === null) return <NotFound />;
  if (pathname === "/admin") return <OverviewScreen />;
  if (pathname === "/admin/jobs") return <JobsScreen />;
  if (pathname === "/admin/users") return <UsersScreen />;
  if (pathname === "/admin/audit") return <AuditScreen />;
  if (pathname === "/admin/settings" && role === "admin") return <SettingsScreen />;
  return <NotFound />;
}

function privateScreen(pathname: string, role: "support" | "admin" | null): ReactNode {
  if (pathname === "/admin" || pathname.startsWith("/admin/")) return adminScreen(pathname, role);
  if (pathname === "/" ) return <Redirect to="/upload" />;
  if (pathname === "/upload") return <UploadScreen />;
  if (pathname === "/history") return <HistoryScreen />;
  if (pathname === "/profile") return <ProfileScreen />;
  let params = matchPath("/jobs/:id/review", pathname);
  if (params?.id) return <ReviewScreen key={params.id} jobId={params.id} />;
  params = matchPath("/jobs/:id", pathname);
  if (params?.id) return <JobScreen key={params.id} jobId={params.id} />;
  params = matchPath("/results/:id", pathname);
  if (params?.id) return <ResultScreen key={params.id} resultId={params.id} />;
  return <NotFound />;
}

/** The console's link stays marked on every console page. */
function isCurrent(to: string, pathname: string): boolean {
  return to === "/admin" ? pathname === "/admin" || pathname.startsWith("/admin/") : pathname === to;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section className="card">
      <h1>{t("notFound.title")}</h1>
      <Link to="/">{t("notFound.home")}</Link>
    </section>
  );
}

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div className="lang-switch" role="group" aria-label={t("lang.label")}>
      {LANGS.map((code: Lang) => (
        <button
          key={code}
          type="button"
          lang={code}
          className={`lang${code === lang ? " active" : ""}`}
          aria-pressed={code === lang}
          onClick={() => setLang(code)}
          title={t(`lang.${code}`)}
        >
          {code.toUpperCase()}
        </button>
      ))}
    </div>
  );
}

function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}

export function App() {
  const { t } = useI18n();
  const session = useSession();
  const { pathname, href } = useLocation();
  const online = useOnline();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  const isPublic = PUBLIC.has(pathname);
  const authenticated = session.status === "authenticated";
  const staffRole = useStaffRole();

  // After a client-side navigation, move focus to the new page so keyboard and screen-reader users start there.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
  }, [pathname]);

  let content: ReactNode;
  if (session.status === "loading") {
    content = <p className="muted">{t("common.loading")}</p>;
  } else if (session.status === "unreachable") {
    content = (
      <div className="notice notice-error" role="alert">
        <p>{t("error.network_error")}</p>
        <button type="button" className="button secondary" onClick={session.reload}>
          {t("common.retry")}
        </button>
      </div>
    );
  } else if (pathname === "/shared") {
    // A doctor's view of a share link: no login, whether or not this browser has a session.
    content = <SharedScreen />;
  } else if (pathname === "/reset-password") {
    content = <ResetPasswordScreen />;
  } else if (pathname === "/forgot-password") {
    content = authenticated ? <Redirect to="/profile" /> : <ForgotPasswordScreen />;
  } else if (isPublic) {
    content = authenticated ? <Redirect to="/upload" /> : <AuthScreen key={pathname} mode={pathname === "/signup" ? "signup" : "login"} />;
  } else if (!authenticated) {
    const next = href === "/" ? "/login" : `/login?next=${encodeURIComponent(href)}`;
    content = <Redirect to={next} />;
  } else {
    content = privateScreen(pathname, staffRole);
  }

  const navItems = [
    { to: "/upload", label: t("nav.upload") },
    { to: "/history", label: t("nav.history") },
    { to: "/profile", label: t("nav.profile") },
    ...(staffRole ? [{ to: "/admin", label: t("nav.admin") }] : []),
  ];

  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to={authenticated ? "/upload" : "/login"} className="brand">
            <span className="brand-dot" aria-hidden="true" />
            {t("app.name")}
          </Link>
          {authenticated && (
            <nav aria-label={t("nav.main")} className="nav">
              {navItems.map((item) => (
                <Link
                  key={item.to}
                  to={item.to}
                  className={`nav-link${isCurrent(item.to, pathname) ? " active" : ""}`}
                  aria-current={isCurrent(item.to, pathname) ? "page" : undefined}
                >
                  {item.label}
                </Link>
              ))}
              <button type="button" className="nav-link as-link" onClick={() => void session.logout()}>
                {t("nav.logout")}
              </button>
            </nav>
          )}
          <LanguageSwitch />
        </div>
      </header>
      {!online && (
        <p className="offline-banner" role="status">
          {t("common.offline")}
        </p>
      )}
      <main id="main" ref={mainRef} tabIndex={-1} className="main">
        {isPublic && <p className="tagline muted">{t("app.tagline")}</p>}
        {content}
      </main>
    </>
  );
}
