"""Twilio's side of the bot: the signed WhatsApp webhook and the signed status callback. Thin: verify, turn the
form into an Inbound, hand it to the conversation handler, answer empty TwiML (replies go out through the REST
API from the outbox, see README "Design")."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from bot import outbox, phones
from bot.dialogue import Inbound
from integrations.twilio.signing import is_valid

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _signed_by_twilio() -> bool:
    services = current_app.extensions["services"]
    token = services.config.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = services.config.public_base_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return is_valid(token, url, request.form.to_dict(flat=True), signature)


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


@bp.post("/webhooks/twilio/whatsapp")
def whatsapp_inbound() -> Response:
    if not _signed_by_twilio():
        log.warning("refused an unsigned or forged WhatsApp webhook")
        return _plain("invalid signature", 403)
    form = request.form
    sid = form.get("MessageSid", "").strip()
    phone = phones.e164(form.get("From", ""))
    if not sid or len(sid) > 64 or phone is None:
        return _plain("MessageSid and a From number are required", 400)
    services = current_app.extensions["services"]
    inbound = Inbound(message_sid=sid, phone=phone, text=form.get("Body", ""), received_at=services.clock(),
                      payload=form.get("ButtonPayload") or None, profile_name=form.get("ProfileName") or None)
    current_app.extensions["handler"].handle(inbound)
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.post("/webhooks/twilio/status")
def message_status() -> Response:
    if not _signed_by_twilio():
        log.warning("refused an unsigned or forged status callback")
        return _plain("invalid signature", 403)
    sid, status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not sid or not status:
        return _plain("MessageSid and MessageStatus are required", 400)
    code_text = request.form.get("ErrorCode", "").strip()
    error_code = int(code_text) if code_text.isdigit() else None
    ref = request.args.get("outbox", "")  # our message's id, in the StatusCallback URL we gave Twilio
    outbox_id = int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 12 else None
    known = outbox.record_status(current_app.extensions["services"], sid, status, error_code, outbox_id)
    return _plain("ok" if known else "unknown message", 200)
