"""Outgoing email: the `Mailer` interface, an SMTP implementation, a console one and a mailbox (the sandbox's
local mail sink) for development.

Flows hand an `Email` value to whatever `Mailer` the app was built with. `SMTPMailer` turns it into a proper MIME
message (UTF-8, Message-ID, Date, attachments such as calendar invitations) and raises `MailUnavailable` for any
delivery problem so the caller can keep the mail and retry later. An `Email` may carry its own stable Message-ID: a
mail sent again after an answer that never came (the server may have taken it) is then recognisably the same mail,
for the recipient's client and in the mail logs. Passwords and bodies are never logged.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import smtplib
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Literal, Protocol, TextIO, get_args
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("ssl", 465),
}
_MESSAGE_ID = re.compile(r"<[!#-;=?-~]+@[A-Za-z0-9.-]+>")  # RFC 5322 msg-id, dot-atom forms only
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "application/pdf" or "text/calendar; method=REQUEST; charset=UTF-8"
    data: bytes


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = None  # "<stable-id@domain>", the same each time this mail is sent; else a fresh one


class MailUnavailable(Exception):
    """The mail could not be handed over (SMTP down, refused, timed out, 4xx/5xx): keep it and retry later.

    `code` is the SMTP reply code when the server answered with one, else None. `maybe_sent` is True when the whole
    message went to the server and its answer never came: the server may have taken it.
    """

    def __init__(self, message: str, code: int | None = None, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.maybe_sent = maybe_sent


class Mailer(Protocol):
    def send(self, email: Email) -> None: ...


def build_message(email: Email, mail_from: str, now: datetime) -> EmailMessage:
    """The MIME message for `email`: text/plain UTF-8 body, plus one part per attachment."""
    _, from_address = parseaddr(mail_from)
    domain = from_address.rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now.astimezone(timezone.utc))
    if email.message_id is not None and not _MESSAGE_ID.fullmatch(email.message_id):
        raise ValueError("email.message_id must look like <id@domain>")
    message["Message-ID"] = email.message_id or make_msgid(domain=domain)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message.set_content(email.text, charset="utf-8")
    for attachment in email.attachments:
        maintype, subtype, params = _split_content_type(attachment.content_type)
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename, params=params
        )
    return message


def mask_address(address: str) -> str:
    """For logs: 'Priya <priya.s@example.com>' -> 'p***@example.com'."""
    bare = parseaddr(address)[1] or address
    local, _, domain = bare.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class SMTPMailer:
    """Sends each `Email` over one short SMTP connection (plain, STARTTLS or implicit TLS)."""

    def __init__(
        self,
        host: str,
        port: int,
        mail_from: str,
        *,
        username: str | None = None,
        password: str | None = None,
        security: Security = "none",
        timeout: float = 10.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if security not in get_args(Security):
            raise ValueError(f"security must be one of {get_args(Security)}, not {security!r}")
        if (username is None) != (password is None):
            raise ValueError("username and password go together")
        if not host or not 0 < port < 65536:
            raise ValueError("SMTP host and a port in 1..65535 are required")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.host = host
        self.port = port
        self.mail_from = mail_from
        self.username = username
        self._password = password
        self.security: Security = security
        self.timeout = timeout
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    @classmethod
    def from_url(cls, url: str, mail_from: str) -> "SMTPMailer":
        """smtp://host:25, smtp://user:pass@host:587?starttls=1, smtp+starttls://..., smtps://user:pass@host:465,
        optional ?timeout=5. User and password are percent-decoded."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a non-numeric or out-of-range port
        except ValueError:
            raise ValueError("malformed SMTP URL (bad host or port)") from None
        shown = _redact(url)
        if parts.scheme not in _SCHEMES:
            raise ValueError(f"unsupported SMTP URL scheme in {shown!r}: use smtp, smtp+starttls or smtps")
        security, default_port = _SCHEMES[parts.scheme]
        if not parts.hostname:
            raise ValueError(f"SMTP URL {shown!r} has no host")
        if parts.path not in ("", "/") or parts.fragment:
            raise ValueError(f"SMTP URL {shown!r} must not have a path or fragment")
        try:
            query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError:
            raise ValueError(f"SMTP URL {shown!r} has a malformed query") from None
        unknown = set(query) - {"starttls", "timeout"}
        if unknown:
            raise ValueError(f"SMTP URL {shown!r} has unknown options: {', '.join(sorted(unknown))}")
        if "starttls" in query:
            flag = query["starttls"][-1].lower()
            if flag not in _TRUE | _FALSE:
                raise ValueError(f"SMTP URL {shown!r}: starttls must be 1/0, true/false, yes/no")
            if flag in _TRUE:
                if security == "ssl":
                    raise ValueError(f"SMTP URL {shown!r}: smtps already uses TLS, drop starttls")
                security, default_port = "starttls", 587
        timeout = 10.0
        if "timeout" in query:
            try:
                timeout = float(query["timeout"][-1])
            except ValueError:
                raise ValueError(f"SMTP URL {shown!r}: timeout must be a number of seconds") from None
            if not timeout > 0:
                raise ValueError(f"SMTP URL {shown!r}: timeout must be positive")
        port = parts.port if parts.port is not None else default_port
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        if bool(username) != bool(password is not None):
            raise ValueError(f"SMTP URL {shown!r} needs both a user and a password, or neither")
        return cls(
            parts.hostname,
            port,
            mail_from,
            username=username or None,
            password=password if username else None,
            security=security,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        return f"SMTPMailer({self.security} {user}{self.host}:{self.port})"

    def send(self, email: Email) -> None:
        message = build_message(email, self.mail_from, self._clock())
        _, envelope_from = parseaddr(self.mail_from)
        _, envelope_to = parseaddr(email.to)
        if "@" not in envelope_to:
            raise ValueError("email.to is not an email address")
        smtp: _TrackingSMTP | _TrackingSMTPSSL | None = None
        try:
            smtp = self._connect()
            try:
                if self.username is not None and self._password is not None:
                    smtp.login(self.username, self._password)
                smtp.send_message(message, from_addr=envelope_from, to_addrs=[envelope_to])
            finally:
                _close_quietly(smtp)
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else None
            raise self._unavailable("recipient refused", code) from exc
        except smtplib.SMTPResponseException as exc:
            raise self._unavailable(f"server answered {exc.smtp_code}", exc.smtp_code) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout, TLS failure
            if smtp is not None and smtp.data_sent:
                log.warning("mail to %s: no answer after the whole message went to %s:%d; it may have been "
                            "delivered (message_id=%s)", mask_address(email.to), self.host, self.port,
                            message["Message-ID"])
                raise self._unavailable(f"no answer after the data ({type(exc).__name__})", None,
                                        maybe_sent=True) from exc
            raise self._unavailable(type(exc).__name__, None) from exc
        log.info("mail sent to %s message_id=%s attachments=%d", mask_address(email.to), message["Message-ID"],
                 len(email.attachments))

    def _connect(self) -> "_TrackingSMTP | _TrackingSMTPSSL":
        if self.security == "ssl":
            return _TrackingSMTPSSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        smtp = _TrackingSMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _unavailable(self, reason: str, code: int | None, maybe_sent: bool = False) -> MailUnavailable:
        log.warning("mail not sent via %s:%d: %s", self.host, self.port, reason)
        return MailUnavailable(f"SMTP {self.host}:{self.port}: {reason}", code, maybe_sent)


class _Tracking:
    """Mixed into smtplib's SMTP classes: knows whether the message itself was sent (after that, an answer that
    never comes may hide a delivery)."""

    data_sent = False
    _in_data = False

    def data(self, msg):  # type: ignore[no-untyped-def]
        self._in_data = True
        try:
            return super().data(msg)  # type: ignore[misc]
        finally:
            self._in_data = False

    def send(self, s):  # type: ignore[no-untyped-def]
        super().send(s)  # type: ignore[misc]
        if self._in_data and isinstance(s, bytes):  # the message (the DATA command itself is sent as a str)
            self.data_sent = True


class _TrackingSMTP(_Tracking, smtplib.SMTP):
    pass


class _TrackingSMTPSSL(_Tracking, smtplib.SMTP_SSL):
    pass


class ConsoleMailer:
    """Development/offline mailer: prints a short summary of each mail and keeps them in `.sent`."""

    def __init__(self, stream: TextIO | None = None, *, preview_lines: int = 3) -> None:
        self._stream = stream
        self.preview_lines = preview_lines
        self.sent: list[Email] = []

    def send(self, email: Email) -> None:
        self.sent.append(email)
        stream = self._stream or sys.stdout
        lines = [f"[mail] to={email.to} subject={email.subject}"]
        body = email.text.splitlines()
        lines += [f"    {line}" for line in body[: self.preview_lines]]
        if len(body) > self.preview_lines:
            lines.append(f"    ... ({len(body) - self.preview_lines} more lines)")
        if email.attachments:
            lines.append("    attachments: " + ", ".join(a.filename for a in email.attachments))
        stream.write("\n".join(lines) + "\n")
        stream.flush()


@dataclass(frozen=True)
class StoredMail:
    """One mail in the mailbox, as the sandbox page shows it."""

    id: str  # the file's name without .eml
    to: str
    subject: str
    date: str
    text: str
    attachments: tuple[str, ...]  # file names


class MailboxMailer:
    """Development mail sink: each mail is stored as an .eml file (the MIME message SMTP would have carried) in
    `directory`, newest listed first; the sandbox page reads them, and any mail client opens them."""

    _NAME = re.compile(r"[0-9]{8}T[0-9]{12}-[0-9a-f]{8}")

    def __init__(self, directory: Path, mail_from: str, clock: Callable[[], datetime] | None = None) -> None:
        self.directory = Path(directory)
        self.mail_from = mail_from
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def __repr__(self) -> str:
        return f"MailboxMailer({self.directory})"

    def send(self, email: Email) -> None:
        now = self._clock()
        data = bytes(build_message(email, self.mail_from, now))
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}"
        temp = self.directory / f".{name}.tmp"
        temp.write_bytes(data)
        os.replace(temp, self.directory / f"{name}.eml")  # listed whole or not at all
        log.info("mail to %s stored in the mailbox as %s.eml", mask_address(email.to), name)

    def messages(self) -> list[StoredMail]:
        if not self.directory.is_dir():
            return []
        found = sorted((p for p in self.directory.glob("*.eml") if self._NAME.fullmatch(p.stem)), reverse=True)
        return [self._stored(path.stem, self._parse(path)) for path in found]

    def attachment(self, mail_id: str, filename: str) -> Attachment | None:
        """The attachment `filename` of mail `mail_id`, or None when there is no such mail or attachment."""
        path = self.directory / f"{mail_id}.eml"
        if not self._NAME.fullmatch(mail_id) or not path.is_file():
            return None
        for part in self._parse(path).iter_attachments():
            if part.get_filename() == filename:
                return Attachment(filename, part.get_content_type(), part.get_payload(decode=True) or b"")
        return None

    @staticmethod
    def _parse(path: Path) -> EmailMessage:
        return message_from_bytes(path.read_bytes(), policy=policy.default)  # type: ignore[return-value]

    @staticmethod
    def _stored(mail_id: str, message: EmailMessage) -> StoredMail:
        body = message.get_body(("plain",))
        return StoredMail(id=mail_id, to=str(message["To"]), subject=" ".join(str(message["Subject"]).split()),
                          date=str(message["Date"]), text=body.get_content() if body is not None else "",
                          attachments=tuple(p.get_filename() or "" for p in message.iter_attachments()))


def _close_quietly(smtp: smtplib.SMTP) -> None:
    """Say QUIT but never fail a send that already went through because the goodbye went wrong."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _split_content_type(content_type: str) -> tuple[str, str, dict[str, str]]:
    probe = EmailMessage()
    probe["Content-Type"] = content_type
    if "/" not in content_type or probe.get_content_type() != content_type.split(";")[0].strip().lower():
        raise ValueError(f"invalid attachment content type {content_type!r}")
    params = {k: v for k, v in (probe.get_params() or [])[1:]}
    return probe.get_content_maintype(), probe.get_content_subtype(), params


def _redact(url: str) -> str:
    """The URL with any password replaced by ***, safe for error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()
