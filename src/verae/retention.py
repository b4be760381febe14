"""Least data kept (SECURITY.md, "Data kept"): login attempts go after `login_attempt_retention_days`,
client addresses in audit rows after `audit_ip_retention_days`, rate-limit windows (keyed by client
address) once they have ended, share links and their access logs `share_link_retention_days` after they
expired or were revoked. Run by every worker each hour and by `verae db prune`; running it twice, or in
several processes at once, deletes nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from verae.auth import repository as auth
from verae.config import Settings
from verae.kit.db import Database
from verae.kit.limiter import delete_windows_ended_before
from verae.kit.time import utcnow
from verae.observability import audit
from verae.sharing import repository as sharing

PURGE_INTERVAL_SECONDS = 3600.0


@dataclass(frozen=True)
class PurgeReport:
    login_attempts_deleted: int
    audit_addresses_erased: int
    rate_limit_windows_deleted: int
    share_links_deleted: int


def purge_expired_personal_data(db: Database, settings: Settings) -> PurgeReport:
    now = utcnow()
    with db.unit_of_work() as session:
        attempts = auth.delete_login_attempts_before(
            session, now - timedelta(days=settings.login_attempt_retention_days)
        )
        addresses = audit.erase_addresses_before(
            session, now - timedelta(days=settings.audit_ip_retention_days)
        )
        windows = delete_windows_ended_before(session, now.timestamp())
        links = sharing.delete_links_ended_before(
            session, now - timedelta(days=settings.share_link_retention_days)
        )
    return PurgeReport(
        login_attempts_deleted=attempts,
        audit_addresses_erased=addresses,
        rate_limit_windows_deleted=windows,
        share_links_deleted=links,
    )
