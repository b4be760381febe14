"""Outgoing email over SMTP (standard library), configured by the VERAE_SMTP_* settings."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from verae.config import Settings


class MailNotConfigured(Exception):
    """VERAE_SMTP_HOST is not set, so nothing can be sent."""


def send_mail(settings: Settings, *, to: str, subject: str, text: str) -> None:
    """Send one plain-text message; raises (OSError, smtplib.SMTPException, MailNotConfigured) when it
    cannot. Blocking: call it after the request's transaction, e.g. from a background task."""
    if not settings.smtp_host:
        raise MailNotConfigured()
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user and settings.smtp_password is not None:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
