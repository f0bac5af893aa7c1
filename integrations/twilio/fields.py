"""The shape of the fields Twilio posts to our two webhooks (an incoming WhatsApp message, a message status
callback), checked before anything is stored: a signed request whose fields Twilio would never send is answered
400, never turned into a 500 by the database (PostgreSQL refuses NUL in text and integers above 2^31-1)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# Twilio's Message resource statuses (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values).
MESSAGE_STATUSES = frozenset({"queued", "sending", "sent", "failed", "delivered", "undelivered", "receiving",
                              "received", "accepted", "scheduled", "read", "partially_delivered", "canceled"})
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
WHATSAPP_ADDRESS = re.compile(r"whatsapp:(\+[1-9][0-9]{6,14})")
ERROR_CODE = re.compile(r"[0-9]{1,10}")
MAX_ERROR_CODE = 2**31 - 1  # the error_code column is a 32-bit integer; Twilio's codes have five digits
PROFILE_NAME_LIMIT = 256  # WhatsApp allows 25 characters; anything far longer is not a profile name
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MalformedField(ValueError):
    """A field is missing or has a shape Twilio never sends; `field` names it (the value is never echoed: it may
    be a phone number)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"missing or malformed {field}")
        self.field = field


@dataclass(frozen=True)
class IncomingMessage:
    message_sid: str
    sender: str  # '+919940790402', from 'whatsapp:+919940790402'
    body: str  # as typed: the conversation handler cleans it
    button_payload: str | None
    profile_name: str | None  # None when absent or unusable (it is decoration, never a reason to drop a message)


@dataclass(frozen=True)
class StatusCallback:
    message_sid: str
    status: str
    error_code: int | None


def _message_sid(form: Mapping[str, str]) -> str:
    sid = form.get("MessageSid", "")
    if not MESSAGE_SID.fullmatch(sid):
        raise MalformedField("MessageSid")
    return sid


def incoming_message(form: Mapping[str, str]) -> IncomingMessage:
    """The fields of Twilio's incoming-message webhook we use; MalformedField names the first that is wrong."""
    sid = _message_sid(form)
    sender = WHATSAPP_ADDRESS.fullmatch(form.get("From", ""))
    if sender is None:
        raise MalformedField("From")
    profile = form.get("ProfileName", "")
    if _CONTROL.search(profile) or len(profile) > PROFILE_NAME_LIMIT:
        profile = ""
    return IncomingMessage(message_sid=sid, sender=sender.group(1), body=form.get("Body", ""),
                           button_payload=form.get("ButtonPayload") or form.get("ListId") or None, profile_name=profile.strip() or None)


def status_callback(form: Mapping[str, str]) -> StatusCallback:
    """The fields of Twilio's status callback we use; MalformedField names the first that is wrong."""
    sid = _message_sid(form)
    status = form.get("MessageStatus", "")
    if status not in MESSAGE_STATUSES:
        raise MalformedField("MessageStatus")
    code_text = form.get("ErrorCode", "")
    if code_text and not (ERROR_CODE.fullmatch(code_text) and int(code_text) <= MAX_ERROR_CODE):
        raise MalformedField("ErrorCode")
    return StatusCallback(message_sid=sid, status=status, error_code=int(code_text) if code_text else None)
