"""Creating organisations (each with its service principal), and issuing, rotating and revoking keys."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from verae.config import Settings
from verae.kit.time import utcnow
from verae.models import ApiKey, Organisation, User
from verae.models.organisation import ORGANISATION_ROLE
from verae.observability.audit import record_audit
from verae.orgs import repository
from verae.orgs.errors import ApiKeyNotFound, ApiKeyRevoked, OrganisationNameTaken, OrganisationNotFound
from verae.orgs.keys import new_key
from verae.orgs.schemas import ApiKeyCreated, ApiKeyOut, OrganisationOut
from verae.orgs.scopes import Scope

# Not an argon2 hash, so no password ever verifies against it: the principal cannot log in.
NO_PASSWORD = "!organisation"


def create_organisation(
    session: Session, name: str, *, retention_days: int | None, actor_id: uuid.UUID | None
) -> OrganisationOut:
    if repository.organisation_named(session, name) is not None:
        raise OrganisationNameTaken()
    principal = User(
        email=f"organisation-{uuid.uuid4().hex}@organisations.invalid",
        password_hash=NO_PASSWORD,
        role=ORGANISATION_ROLE,
    )
    session.add(principal)
    session.flush()
    organisation = Organisation(name=name, user_id=principal.id, retention_days=retention_days)
    session.add(organisation)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent creation under the same name won
        raise OrganisationNameTaken() from error
    record_audit(
        session,
        "organisation.created",
        user_id=actor_id,
        object_type="organisation",
        object_id=organisation.id,
    )
    return OrganisationOut.model_validate(organisation)


def find_organisation(session: Session, name_or_id: str) -> Organisation:
    organisation = repository.find_organisation(session, name_or_id)
    if organisation is None:
        raise OrganisationNotFound()
    return organisation


def list_organisations(session: Session) -> list[OrganisationOut]:
    return [OrganisationOut.model_validate(found) for found in repository.list_organisations(session)]


def _issue(
    session: Session, organisation_id: uuid.UUID, scopes: list[Scope], rate_limit_per_minute: int
) -> ApiKeyCreated:
    issued = new_key()
    key = ApiKey(
        organisation_id=organisation_id,
        prefix=issued.prefix,
        secret_hash=issued.secret_hash,
        scopes=sorted(set(scopes)),
        rate_limit_per_minute=rate_limit_per_minute,
    )
    session.add(key)
    session.flush()
    return ApiKeyCreated(key=issued.token, **ApiKeyOut.model_validate(key).model_dump())


def create_key(
    session: Session,
    settings: Settings,
    organisation: Organisation,
    scopes: list[Scope],
    *,
    rate_limit_per_minute: int | None,
    actor_id: uuid.UUID | None,
) -> ApiKeyCreated:
    limit = rate_limit_per_minute or settings.api_key_rate_limit_per_minute
    created = _issue(session, organisation.id, scopes, limit)
    record_audit(
        session,
        "api_key.created",
        user_id=actor_id,
        object_type="api_key",
        object_id=created.id,
        details={"organisation_id": str(organisation.id), "scopes": created.scopes},
    )
    return created


def _usable_key(session: Session, key_id: uuid.UUID) -> ApiKey:
    key = repository.get_key(session, key_id)
    if key is None:
        raise ApiKeyNotFound()
    if not repository.key_is_usable(key, utcnow()):
        raise ApiKeyRevoked()
    return key


def rotate_key(
    session: Session, settings: Settings, key_id: uuid.UUID, *, actor_id: uuid.UUID | None
) -> ApiKeyCreated:
    """A new key with the same scopes and limit; the old one keeps working for the grace period, so a
    partner can deploy the new one without downtime."""
    old = _usable_key(session, key_id)
    grace_end = utcnow() + timedelta(hours=settings.api_key_rotation_grace_hours)
    old.expires_at = min(old.expires_at, grace_end) if old.expires_at else grace_end
    created = _issue(session, old.organisation_id, old.scopes, old.rate_limit_per_minute)
    record_audit(
        session,
        "api_key.rotated",
        user_id=actor_id,
        object_type="api_key",
        object_id=old.id,
        details={"new_key_id": str(created.id), "old_key_valid_until": grace_end.isoformat()},
    )
    return created


def revoke_key(session: Session, key_id: uuid.UUID, *, actor_id: uuid.UUID | None) -> ApiKeyOut:
    """At once: the next request with the key answers 401."""
    key = repository.get_key(session, key_id)
    if key is None:
        raise ApiKeyNotFound()
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        record_audit(session, "api_key.revoked", user_id=actor_id, object_type="api_key", object_id=key.id)
    return ApiKeyOut.model_validate(key)


def list_keys(session: Session, organisation: Organisation) -> list[ApiKeyOut]:
    return [
        ApiKeyOut.model_validate(key) for key in repository.keys_of_organisation(session, organisation.id)
    ]
