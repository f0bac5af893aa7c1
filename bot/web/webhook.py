"""Twilio's side of the bot: the signed WhatsApp webhook and the signed status callback. Thin: verify, turn the
form into an Inbound, hand it to the conversation handler, answer empty TwiML (replies go out through the REST
API from the outbox, see README "Design")."""
from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, request

from bot.core import phones
from bot.dialogue.context import Inbound
from bot.services import outbox
from integrations.twilio.fields import MalformedField, incoming_message, status_callback
from integrations.twilio.signing import is_valid

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


MAX_FIELDS = 200  # Twilio posts a few dozen


def _form() -> dict[str, str] | None:
    """The POSTed form, one value per name (the first, as werkzeug's `to_dict` gives it): what Twilio's signature
    covers and what the fields are read from. Twilio posts application/x-www-form-urlencoded, parsed here straight
    from the body (a third of werkzeug's form machinery per webhook); anything else goes through werkzeug. None
    when it holds far more fields than Twilio ever sends. The body's size is bounded by MAX_CONTENT_LENGTH (413)."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return request.form.to_dict(flat=True)
    form: dict[str, str] = {}
    try:
        pairs = parse_qsl(request.get_data().decode("utf-8", "replace"), keep_blank_values=True,
                          errors="replace", max_num_fields=MAX_FIELDS)
    except ValueError:
        return None
    for name, value in pairs:
        form.setdefault(name, value)
    return form


def _signed_by_twilio(form: dict[str, str] | None) -> bool:
    services = current_app.extensions["services"]
    token = services.config.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature or form is None:
        return False
    url = services.config.public_base_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return is_valid(token, url, form, signature)


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def _malformed(what: str, bad: MalformedField) -> Response:
    log.warning("refused a signed %s: %s", what, bad)  # names the field, never its value
    return _plain(str(bad), 400)


@bp.post("/webhooks/twilio/whatsapp")
def whatsapp_inbound() -> Response:
    form = _form()
    if not _signed_by_twilio(form):
        log.warning("refused an unsigned or forged WhatsApp webhook")
        return _plain("invalid signature", 403)
    try:
        fields = incoming_message(form)
    except MalformedField as bad:
        return _malformed("WhatsApp webhook", bad)
    phone = phones.e164(fields.sender)
    if phone is None:
        return _malformed("WhatsApp webhook", MalformedField("From"))
    services = current_app.extensions["services"]
    inbound = Inbound(message_sid=fields.message_sid, phone=phone, text=fields.body, received_at=services.clock(),
                      payload=fields.button_payload, profile_name=fields.profile_name)
    current_app.extensions["handler"].handle(inbound)
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.post("/webhooks/twilio/status")
def message_status() -> Response:
    form = _form()
    if not _signed_by_twilio(form):
        log.warning("refused an unsigned or forged status callback")
        return _plain("invalid signature", 403)
    try:
        fields = status_callback(form)
    except MalformedField as bad:
        return _malformed("status callback", bad)
    ref = request.args.get("outbox", "")  # our message's id, in the StatusCallback URL we gave Twilio
    outbox_id = int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 12 else None
    known = outbox.record_status(current_app.extensions["services"], fields.message_sid, fields.status,
                                 fields.error_code, outbox_id)
    return _plain("ok" if known else "unknown message", 200)
