"""The password-reset email: composed here, sent after the request has committed."""

from __future__ import annotations

import smtplib
from urllib.parse import quote

from verae.config import Settings
from verae.kit.mail import MailNotConfigured, send_mail
from verae.observability.logging import get_logger

log = get_logger("verae.auth.reset_mail")

RESET_PATH = "/reset-password"


def reset_link(settings: Settings, token: str) -> str:
    # In the fragment, so the token never reaches a server log or a Referer header.
    return f"{settings.public_url.rstrip('/')}{RESET_PATH}#token={quote(token)}"


def send_reset_email(settings: Settings, to: str, token: str) -> None:
    """Send the reset link; a failure is logged by its kind only (never the address or the token), and the
    person can ask again."""
    minutes = settings.password_reset_ttl_minutes
    text = (
        "Someone (hopefully you) asked to reset the password of your Verae account.\n\n"
        f"Choose a new password here within {minutes} minutes:\n{reset_link(settings, token)}\n\n"
        "The link works once. Setting a new password logs out every device.\n"
        "If you did not ask for this, ignore this message; your password stays as it is.\n\n"
        "Кто-то (надеемся, вы) запросил сброс пароля вашей учётной записи Verae.\n"
        f"Выберите новый пароль по ссылке выше в течение {minutes} минут. "
        "Если это были не вы, просто проигнорируйте письмо.\n"
    )
    try:
        send_mail(settings, to=to, subject="Reset your Verae password", text=text)
    except MailNotConfigured:
        log.warning("password_reset_email_not_sent", error_code="smtp_not_configured")
    except (OSError, smtplib.SMTPException) as error:
        log.warning("password_reset_email_not_sent", error_code=type(error).__name__)
