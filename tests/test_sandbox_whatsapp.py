"""The WhatsApp sandbox behind the page at /sandbox (the page itself runs in Chromium in test_sandbox_browser.py):
development only, the real signed path both ways, the mailbox, the shared clock and the operator's sweep."""
from __future__ import annotations

import fnmatch
import re
import tomllib
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from bot.bootstrap import SANDBOX_TWILIO_TOKEN, build_services, create_app
from bot.core import messages as msg
from bot.core.config import ConfigError, load_config
from bot.web.sandbox import PAGE_CSP
from integrations.clock import OffsetClock
from integrations.mail import Attachment, Email, MailboxMailer
from integrations.twilio.content import Item, Rich, definition
from integrations.twilio.signing import sign

PAGE = Path(__file__).resolve().parent.parent / "bot" / "web" / "static" / "sandbox" / "index.html"
PRODUCTION = {"APP_ENV": "production", "DATABASE_URL": "postgresql://db/x", "PUBLIC_BASE_URL": "https://bot.example",
              "SECRET_KEY": "a-real-secret", "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t",
              "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886", "SMTP_URL": "smtp://mail:25",
              "TOKEN_ENCRYPTION_KEY": "dGVzdC1vbmx5LWtleS10ZXN0LW9ubHkta2V5LTEyMzQ="}


def test_on_by_default_in_development_without_twilio_and_refused_in_production():
    assert load_config({}).whatsapp_sandbox
    assert not load_config({"TWILIO_ACCOUNT_SID": "AC" + "0" * 32}).whatsapp_sandbox
    assert not load_config({"WHATSAPP_SANDBOX": "0"}).whatsapp_sandbox
    assert not load_config({"APP_ENV": "test"}).whatsapp_sandbox
    assert not load_config(PRODUCTION).whatsapp_sandbox
    with pytest.raises(ConfigError, match="WHATSAPP_SANDBOX"):
        load_config({**PRODUCTION, "WHATSAPP_SANDBOX": "1"})


def test_without_the_sandbox_its_routes_are_absent(client):
    for path in ("/sandbox", "/sandbox/static/sandbox.js", "/sandbox/api/state",
                 "/sandbox/twilio/2010-04-01/Accounts/AC0/Messages.json"):
        assert client.get(path).status_code == 404, path
    assert client.post("/sandbox/api/send", json={"number": "+447700900123", "body": "hi"}).status_code == 404


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_page_loads_everything_from_the_app_and_nothing_inline(sandbox):
    page = requests.get(sandbox.url + "/sandbox", timeout=5)
    assert page.status_code == 200 and page.headers["Content-Security-Policy"] == PAGE_CSP
    assert "'unsafe-inline'" not in PAGE_CSP and "script-src 'self'" in PAGE_CSP
    tags = _Tags()
    tags.feed(page.text)
    assert not [t for t, a in tags.tags if t in ("style",) or "style" in a or any(k.startswith("on") for k in a)]
    scripts = [a["src"] for t, a in tags.tags if t == "script"]
    sheets = [a["href"] for t, a in tags.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert scripts and sheets and all(u.startswith("/sandbox/static/") for u in scripts + sheets)
    for url in scripts + sheets:
        assert requests.get(sandbox.url + url, timeout=5).status_code == 200
    assert PAGE.read_text(encoding="utf-8") == page.text


def test_what_the_page_sends_goes_through_the_signed_webhook_and_replies_are_what_twilio_got(sandbox):
    services, base = sandbox.services, sandbox.url
    assert services.config.twilio_auth_token == SANDBOX_TWILIO_TOKEN
    assert services.config.twilio_api_base_url == base + "/sandbox/twilio"
    sent = requests.post(base + "/sandbox/api/send", json={"number": "+44 7700 900123", "name": "Ravi",
                                                           "body": "hi"}, timeout=10)
    assert sent.status_code == 200, sent.text
    state = requests.get(base + "/sandbox/api/state", params={"number": "+447700900123"}, timeout=5).json()
    chat = state["chats"]["+447700900123"]
    assert [m["direction"] for m in chat] == ["in", "out"] and chat[0]["body"] == "hi"
    assert msg.WELCOME.format(name_part=" Ravi") in chat[1]["body"]
    assert sandbox.app.extensions["sandbox"].twilio.bodies_to("whatsapp:+447700900123") == [chat[1]["body"]]
    # The webhook is the real one: a request the sandbox did not sign is refused.
    form = {"MessageSid": "SM" + "1" * 32, "From": "whatsapp:+447700900123", "Body": "hi"}
    forged = requests.post(base + "/webhooks/twilio/whatsapp", data=form, timeout=5,
                           headers={"X-Twilio-Signature": sign("not-the-token", base + "/webhooks/twilio/whatsapp",
                                                               form)})
    assert forged.status_code == 403


@pytest.mark.parametrize("payload, status", [
    ({"number": "not a number", "body": "hi"}, 400),
    ({"number": "+447700900123", "body": "   "}, 400),
    ({"number": "+447700900123", "body": "x" * 4097}, 400),
    ({"number": "+447700900123", "body": "hi", "payload": 3}, 400),
])
def test_the_send_endpoint_refuses_what_whatsapp_would_not_carry(sandbox, payload, status):
    assert requests.post(sandbox.url + "/sandbox/api/send", json=payload, timeout=5).status_code == status


def test_the_api_takes_json_only(sandbox):
    form = requests.post(sandbox.url + "/sandbox/api/send", data={"number": "+447700900123", "body": "hi"}, timeout=5)
    assert form.status_code == 415
    assert requests.post(sandbox.url + "/sandbox/api/clock", data="hours=1", timeout=5).status_code == 415


def test_the_clock_is_one_file_shared_by_the_web_app_and_the_worker(sandbox):
    clock = sandbox.services.clock
    assert isinstance(clock, OffsetClock) and clock.offset() == timedelta(0)
    worker = build_services(sandbox.services.config)  # what `flask --app wsgi worker` builds, in its own process
    try:
        moved = requests.post(sandbox.url + "/sandbox/api/clock", json={"hours": 36}, timeout=5).json()
        assert moved["clock_offset_hours"] == 36
        assert worker.clock.offset() == timedelta(hours=36)
        assert abs(worker.clock() - clock()) < timedelta(seconds=5)
        for bad in ({"hours": -1}, {"hours": 0}, {"hours": "1"}, {"hours": True}, {"hours": 24 * 61}):
            assert requests.post(sandbox.url + "/sandbox/api/clock", json=bad, timeout=5).status_code == 400
        requests.post(sandbox.url + "/sandbox/api/clock", json={"reset": True}, timeout=5)
        assert worker.clock.offset() == timedelta(0)
    finally:
        worker.engine.dispose()


def test_the_sweep_button_runs_the_workers_sweep(sandbox):
    done = requests.post(sandbox.url + "/sandbox/api/sweep", json={}, timeout=10).json()["done"]
    assert set(done) == {"messages", "tickets", "meetings", "emails", "reminders", "busy_times"}


def test_the_mailbox_keeps_each_mail_as_an_eml_file_with_its_attachments(sandbox, tmp_path):
    mailbox = sandbox.services.mailer
    assert isinstance(mailbox, MailboxMailer)
    mailbox.send(Email(to="ravi@example.com", subject="Booked: a very long subject " * 4, text="Hi Ravi,\nsee you",
                       attachments=(Attachment("invite.ics", "text/calendar; method=REQUEST; charset=UTF-8",
                                               b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),)))
    files = list(mailbox.directory.glob("*.eml"))
    assert len(files) == 1 and b"Subject: Booked" in files[0].read_bytes()
    mail = requests.get(sandbox.url + "/sandbox/api/state", timeout=5).json()["mail"]
    assert [(m["to"], m["subject"], m["text"]) for m in mail] == [
        ("ravi@example.com", ("Booked: a very long subject " * 4).strip(), "Hi Ravi,\nsee you\n")]
    invite = requests.get(sandbox.url + mail[0]["attachments"][0]["url"], timeout=5)
    assert invite.status_code == 200 and invite.content.startswith(b"BEGIN:VCALENDAR")
    assert invite.headers["Content-Type"].startswith("text/calendar")
    assert invite.headers["Content-Disposition"] == 'attachment; filename="invite.ics"'
    for wrong in (f"/sandbox/mail/{mail[0]['id']}/other.ics", "/sandbox/mail/..%2F..%2Fetc/passwd",
                  "/sandbox/mail/20250101T000000000000-00000000/invite.ics"):
        assert requests.get(sandbox.url + wrong, timeout=5).status_code == 404, wrong
    assert MailboxMailer(tmp_path / "none", "x@y.z").messages() == []


def test_without_smtp_in_development_mail_goes_to_the_mailbox(config, tmp_path):
    services = build_services(config.with_(whatsapp_sandbox=True, smtp_url="", instance_dir=str(tmp_path)))
    try:
        assert isinstance(services.mailer, MailboxMailer) and services.mailer.directory == tmp_path / "mailbox"
        app = create_app(services=services)
        assert re.fullmatch(r"HX[0-9a-f]{32}", services.config.twilio_template_content_sid)
        assert services.config.twilio_template_content_sid in app.extensions["sandbox"].content
    finally:
        services.engine.dispose()


def test_a_tapped_button_arrives_as_twilio_sends_a_quick_reply(sandbox):
    """A tap on a rich message's button (issue 8) is posted with its ButtonPayload, which picks the option."""
    chat = sandbox.app.extensions["sandbox"]
    send = lambda body, payload=None: requests.post(  # noqa: E731
        sandbox.url + "/sandbox/api/send", json={"number": "+447700900123", "body": body, "payload": payload},
        timeout=10)
    assert send("hi").status_code == 200
    assert send(msg.OPT_MY_BOOKINGS, "my_bookings").status_code == 200
    assert msg.MB_NONE in chat.twilio.bodies_to("whatsapp:+447700900123")[-1]


def test_the_page_gets_every_content_the_fake_twilio_knows(sandbox):
    """The page draws rich messages from their definitions: the sandbox's template, and what the bot creates through
    the Content API (which the messenger sends to the fake under /sandbox/twilio, as it does the messages)."""
    services = sandbox.services
    payload, _ = definition(Rich("quick-reply", "Book it?", (Item("yes", "Yes"), Item("no", "No"))))
    sid = services.messenger.create_content(payload)
    content = requests.get(sandbox.url + "/sandbox/api/state", timeout=5).json()["content"]
    assert content[sid] == payload
    assert content[services.config.twilio_template_content_sid]["types"] == {"twilio/text": {"body": "{{1}}"}}


def test_the_pages_files_are_package_data():
    """A plain `pip install .` (a wheel) carries the page: pyproject's package-data names every file of it."""
    root = PAGE.parents[4]
    globs = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["bot"]
    files = [p.relative_to(root / "bot").as_posix() for p in PAGE.parent.iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, g) for g in globs) for f in files), (files, globs)
