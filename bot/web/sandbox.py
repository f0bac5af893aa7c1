"""The sandbox page (development only, mounted by the bootstrap with WHATSAPP_SANDBOX): a WhatsApp-like page at
/sandbox where you play a provider and a customer side by side, with the mailbox and buttons for the operator.

It exercises the real path: what you type or tap is signed with the sandbox's Twilio auth token exactly as Twilio
signs it and POSTed over HTTP to our own /webhooks/twilio/whatsapp; what the page shows as the bot's replies is
what the strict fake Twilio (mounted under /sandbox/twilio, where the messenger sends) received. The page polls
/sandbox/api/state; its script and style are static files (the policy allows 'self' only, no inline code)."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import requests
from flask import Blueprint, Response, abort, current_app, jsonify, request

from bot.core import phones
from integrations.clock import OffsetClock
from integrations.mail import MailboxMailer
from integrations.twilio.fake import FakeTwilio

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox", static_folder="static/sandbox",
               static_url_path="/static")
# The page's own policy: its script, style, images and API from this origin only; nothing inline, no framing.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
BODY_LIMIT = 4096  # WhatsApp's own limit for a typed message
MAX_CLOCK_STEP = timedelta(days=60)
# The sandbox's out-of-window template, as the real account's approved one would be defined (Content API shape). The
# page draws every content the fake Twilio knows (this one, and the lists and buttons the bot creates) from their
# definitions ("types" → "twilio/text", "twilio/quick-reply", "twilio/list-picker"...).
TEMPLATE_CONTENT = {"friendly_name": "sandbox_template", "language": "en", "variables": {"1": "message"},
                    "types": {"twilio/text": {"body": "{{1}}"}}}


@dataclass
class Sandbox:
    """What the sandbox page reads and drives, built by the bootstrap."""

    twilio: FakeTwilio  # the messenger's Twilio: what it received is what the bot said
    webhook_url: str  # our own signed webhook, as Twilio calls it
    sweep: Callable[[], dict[str, int]]  # the worker's periodic sweep, run now
    clock: OffsetClock | None = None  # the clock every process of the app reads, if it is the sandbox's
    mailbox: MailboxMailer | None = None  # where mail goes when SMTP_URL is unset
    content: dict[str, dict[str, Any]] = field(default_factory=dict)  # approved templates the fake Twilio must know
    _typed: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for sid, definition in self.content.items():
            self.twilio.add_content(sid, definition)

    def send(self, phone: str, body: str, name: str | None, payload: str | None) -> requests.Response:
        """Write to the bot as `phone`: a signed webhook over HTTP, as Twilio delivers a WhatsApp message."""
        with self._lock:
            self._typed.append({"direction": "in", "number": phone, "body": body, "at": time.time()})
        return self.twilio.send_inbound(self.webhook_url, f"whatsapp:{phone}", body, profile_name=name,
                                        button_payload=payload)

    def transcript(self, phone: str) -> list[dict[str, Any]]:
        """The chat of `phone`, oldest first: what the page sent as them and what the fake Twilio received."""
        address = f"whatsapp:{phone}"
        sent = [{"direction": "out", "at": m["accepted_at"], "sid": m["sid"], "body": m["body"],
                 "media_urls": m["media_urls"], "content_sid": m["content_sid"],
                 "content_variables": m["content_variables"]} for m in self.twilio.log() if m["to"] == address]
        with self._lock:
            typed = [dict(m) for m in self._typed if m["number"] == phone]
        return sorted(typed + sent, key=lambda m: m["at"])


def _sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]


def _phone(raw: object) -> str:
    phone = phones.e164(raw) if isinstance(raw, str) else None
    if phone is None:
        abort(Response("a WhatsApp number in international form, such as +447700900123\n", 400,
                       mimetype="text/plain"))
    return phone


def _json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)  # JSON only: a cross-site form cannot post here without a preflight
    if not request.is_json or not isinstance(data, dict):
        abort(Response("a JSON object is expected\n", 415, mimetype="text/plain"))
    return data


@bp.get("")
@bp.get("/")
def page() -> Response:
    response = bp.send_static_file("index.html")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/state")
def state() -> Response:
    sandbox = _sandbox()
    numbers = [_phone(raw) for raw in request.args.getlist("number")[:4]]
    clock = sandbox.clock
    mail = None if sandbox.mailbox is None else [
        {**asdict(m), "attachments": [{"filename": f, "url": f"/sandbox/mail/{m.id}/{f}"} for f in m.attachments]}
        for m in sandbox.mailbox.messages()]
    services = current_app.extensions["services"]
    return jsonify(now=services.clock().isoformat(timespec="seconds"),
                   clock_offset_hours=None if clock is None else clock.offset().total_seconds() / 3600,
                   chats={number: sandbox.transcript(number) for number in numbers}, mail=mail,
                   content=sandbox.twilio.contents())


@bp.post("/api/send")
def send() -> Response | tuple[Response, int]:
    data = _json_body()
    phone, body = _phone(data.get("number")), data.get("body")
    name, payload = data.get("name") or None, data.get("payload") or None
    if not isinstance(body, str) or not body.strip() or len(body) > BODY_LIMIT:
        return jsonify(error=f"a message of 1 to {BODY_LIMIT} characters"), 400
    if not all(v is None or (isinstance(v, str) and len(v) <= 256) for v in (name, payload)):
        return jsonify(error="name and payload are short texts"), 400
    answer = _sandbox().send(phone, body, name, payload)
    if answer.status_code != 200:
        return jsonify(error=f"the webhook answered {answer.status_code}: {answer.text[:200]}"), 502
    return jsonify(ok=True)


@bp.post("/api/sweep")
def sweep() -> Response:
    return jsonify(done=_sandbox().sweep())


@bp.post("/api/clock")
def move_clock() -> Response | tuple[Response, int]:
    clock, data = _sandbox().clock, _json_body()
    if clock is None:
        return jsonify(error="this app's clock is not the sandbox's"), 409
    if data.get("reset") is True:
        clock.reset()
    else:
        hours = data.get("hours")
        if not isinstance(hours, (int, float)) or isinstance(hours, bool) \
                or not timedelta(0) < timedelta(hours=hours) <= MAX_CLOCK_STEP:
            return jsonify(error=f"hours: a number up to {MAX_CLOCK_STEP.days * 24}"), 400
        clock.advance(timedelta(hours=hours))
    return jsonify(clock_offset_hours=clock.offset().total_seconds() / 3600,
                   now=clock().isoformat(timespec="seconds"))


@bp.get("/mail/<mail_id>/<filename>")
def attachment(mail_id: str, filename: str) -> Response:
    mailbox = _sandbox().mailbox
    found = mailbox.attachment(mail_id, filename) if mailbox is not None else None
    if found is None:
        abort(404)
    return Response(found.data, mimetype=found.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{found.filename}"'})
