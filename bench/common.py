"""Credentials and helpers shared by the benchmark's processes."""
from __future__ import annotations

import uuid

from integrations.twilio.fake import DEFAULT_ACCOUNT_SID, DEFAULT_SENDER
from integrations.twilio.signing import sign

ACCOUNT_SID = DEFAULT_ACCOUNT_SID
AUTH_TOKEN = "bench-twilio-token"
SENDER = DEFAULT_SENDER
KEY = "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXktMTI="
PATH = "/webhooks/twilio/whatsapp"
# Each answer is one WhatsApp message, so replies can be counted against the messages sent.
SCRIPT = ["hi", "help", "1", "menu", "what?", "2", "back", "menu"]


def signed_form(base_url: str, phone: str, body: str) -> tuple[dict[str, str], str]:
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{phone}",
            "To": SENDER, "Body": body, "NumMedia": "0", "WaId": phone.lstrip("+")}
    return form, sign(AUTH_TOKEN, base_url + PATH, form)
