"""The error codes of share links, for their owner and for whoever opens one."""

from __future__ import annotations

from verae.kit.errors import AppError, NotFound, TooManyRequests, Unauthenticated


class Gone(AppError):
    status = 410


class ShareLinkNotFound(NotFound):
    code = "share_link_not_found"
    default_message = "No such share link."


class ShareLinkExpired(Gone):
    code = "share_link_expired"
    default_message = "This share link has expired."


class ShareLinkRevoked(Gone):
    code = "share_link_revoked"
    default_message = "This share link was revoked by its owner."


class ShareLinkLocked(Gone):
    code = "share_link_locked"
    default_message = "This share link was closed after too many wrong PINs."


class SharePinRequired(Unauthenticated):
    code = "share_pin_required"
    default_message = "This share link needs its PIN (X-Share-Pin header)."


class SharePinWrong(Unauthenticated):
    code = "share_pin_wrong"
    default_message = "The PIN is wrong."


class TooManyPinAttempts(TooManyRequests):
    code = "too_many_pin_attempts"
    default_message = "Too many PIN attempts from this address. Try again later."
