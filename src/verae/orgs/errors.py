"""The error codes of organisations and API keys."""

from __future__ import annotations

from verae.kit.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthenticated


class InvalidApiKey(Unauthenticated):
    code = "invalid_api_key"
    default_message = "The API key is not valid (unknown, revoked or past its rotation grace period)."


class InsufficientScope(Forbidden):
    code = "insufficient_scope"
    default_message = "This API key's scopes do not allow this request."


class ApiKeyRequired(Forbidden):
    code = "api_key_required"
    default_message = "This endpoint is for organisations' API keys."


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"
    default_message = "No such organisation."


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"
    default_message = "No such API key."


class OrganisationNameTaken(Conflict):
    code = "organisation_name_taken"
    default_message = "An organisation with this name already exists."


class ApiKeyRevoked(Conflict):
    code = "api_key_revoked"
    default_message = "This API key is revoked or expired; create a new one."


class ApiKeyRateLimited(TooManyRequests):
    code = "api_key_rate_limited"
    default_message = "This API key made more requests this minute than its limit allows."
