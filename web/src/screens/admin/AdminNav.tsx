import { useSession } from "../../auth/session";
import { useI18n } from "../../i18n/i18n";
import { Link, useLocation } from "../../router";

export type StaffRole = "support" | "admin";

/** The staff role of the signed-in person, or null for everyone else (who never sees the console). */
export function useStaffRole(): StaffRole | null {
  const { user } = useSession();
  return user?.role === "admin" || user?.role === "support" ? user.role : null;
}

/** The console's own navigation; Settings is for admins only (the API answers 404 to support). */
export function AdminNav() {
  const { t } = useI18n();
  const { pathname } = useLocation();
  const role = useStaffRole();
  const items = [
    { to: "/admin", label: t("admin.nav.overview") },
    { to: "/admin/jobs", label: t("admin.nav.jobs") },
    { to: "/admin/users", label: t("admin.nav.users") },
    { to: "/admin/audit", label: t("admin.nav.audit") },
    ...(role === "admin" ? [{ to: "/admin/settings", label: t("admin.nav.settings") }] : []),
  ];
  return (
    <nav aria-label={t("admin.nav.label")} className="admin-nav">
      {items.map((item) => (
        <Link
          key={item.to}
          to={item.to}
          className={`nav-link${pathname === item.to ? " active" : ""}`}
          aria-current={pathname === item.to ? "page" : undefined}
        >
          {item.label}
        </Link>
      ))}
      <span className="muted small admin-role">{t(role === "admin" ? "admin.role.admin" : "admin.role.support")}</span>
    </nav>
  );
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
