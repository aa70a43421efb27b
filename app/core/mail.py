"""Sending email over SMTP (the standard library's smtplib), or logging it in development."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("tribune.mail")


def send(to: str, subject: str, body: str) -> bool:
    """Send a plain-text message; False (and the error logged) if the server refused it.

    Call it after the commit: a message must not announce what a rollback undid.
    """
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not config["MAIL_SERVER"]:
        log.info("mail not sent (no MAIL_SERVER) to %s: %s\n%s", to, subject, body)
        return True
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("mail to %s failed: %s", to, subject)
        return False
    return True
