"""The fake Twilio is as strict as the Messages create operation in Twilio's spec, answers like Twilio, and posts
status callbacks (and inbound messages) signed exactly as Twilio does."""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, request
from twilio.request_validator import RequestValidator

from integrations.serving import serve_wsgi
from integrations.twilio.fake import FakeTwilio, default_spec_path
from integrations.twilio.signing import SIGNATURE_HEADER
from tests.fixtures.twilio import ServedFakeTwilio, _fake_twilio_server, fake_twilio  # noqa: F401  (fixtures)

CUSTOMER = "whatsapp:+15551234567"
TEMPLATE_SID = "HX" + "c" * 32
ERROR_KEYS = {"code", "message", "more_info", "status"}


def post(served: ServedFakeTwilio, data: dict[str, Any] | list[tuple[str, str]], *,
         auth: tuple[str, str] | None = None, account_sid: str | None = None) -> requests.Response:
    path = f"/2010-04-01/Accounts/{account_sid or served.account_sid}/Messages.json"
    return requests.post(served.url + path, data=data, auth=auth or (served.account_sid, served.auth_token),
                         timeout=5)


def text(served: ServedFakeTwilio, **extra: str) -> dict[str, str]:
    return {"To": CUSTOMER, "From": served.sender, "Body": "hello", **extra}


def assert_twilio_error(response: requests.Response, status: int, code: int) -> None:
    assert response.status_code == status, response.text
    payload = response.json()
    assert set(payload) == ERROR_KEYS
    assert payload["code"] == code and payload["status"] == status
    assert payload["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


# --- accepted requests --------------------------------------------------------------------------------------------


def test_accepted_message_looks_like_twilios_resource(fake_twilio: ServedFakeTwilio) -> None:
    response = post(fake_twilio, text(fake_twilio, StatusCallback="https://bot.example/status"))

    assert response.status_code == 201
    resource = response.json()
    assert re.fullmatch(r"SM[0-9a-f]{32}", resource["sid"])
    assert (resource["status"], resource["to"], resource["from"], resource["body"]) == (
        "queued", CUSTOMER, fake_twilio.sender, "hello")
    assert resource["account_sid"] == fake_twilio.account_sid and resource["direction"] == "outbound-api"
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000", resource["date_created"])
    spec = json.loads(default_spec_path().read_text())
    assert set(resource) <= set(spec["components"]["schemas"]["api.v2010.account.message"]["properties"])
    assert fake_twilio.fake.messages == [{
        "sid": resource["sid"], "to": CUSTOMER, "from": fake_twilio.sender, "body": "hello", "content_sid": None,
        "media_urls": [], "content_variables": None, "status_callback": "https://bot.example/status", "status": "queued",
    }]


@pytest.mark.parametrize("media, code", [(["ftp://bot.example/qr.png"], 21620), (["not a url"], 21620),
                                         (["https://bot.example/a.png", "https://bot.example/b.png"], 21623)])
def test_bad_media_is_refused_as_twilio_does(fake_twilio: ServedFakeTwilio, media, code) -> None:
    response = post(fake_twilio, [*text(fake_twilio).items(), *(("MediaUrl", url) for url in media)])
    assert_twilio_error(response, 400, code)


def test_template_and_messaging_service_are_accepted(fake_twilio: ServedFakeTwilio) -> None:
    fake_twilio.template(TEMPLATE_SID)
    data = {"To": CUSTOMER, "MessagingServiceSid": "MG" + "d" * 32, "ContentSid": TEMPLATE_SID,
            "ContentVariables": '{"1": "Yoga"}'}

    response = post(fake_twilio, data)

    assert response.status_code == 201 and response.json()["status"] == "accepted"
    assert fake_twilio.fake.messages[0]["content_variables"] == {"1": "Yoga"}
    assert fake_twilio.fake.bodies_to(CUSTOMER) == []


def test_body_of_exactly_1600_chars_is_accepted(fake_twilio: ServedFakeTwilio) -> None:
    assert post(fake_twilio, text(fake_twilio, Body="é" * 1600)).status_code == 201


# --- strictness ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"Colour": "blue"}, 400, 20001),  # not a parameter of the operation
        ({"MessageIntent": "x"}, 400, 20001),  # sent by newer clients, absent from this spec
        ({"To": None}, 400, 21604),
        ({"To": "whatsapp:5551234567"}, 400, 21211),
        ({"From": None}, 400, 21603),
        ({"From": "whatsapp:+15550000000"}, 400, 63007),
        ({"To": "+15551234567"}, 400, 21910),  # SMS recipient, WhatsApp sender
        ({"Body": None}, 400, 21619),
        ({"Body": ""}, 400, 21619),
        ({"Body": "x" * 1601}, 400, 21617),
        ({"ContentSid": "HX123"}, 400, 21655),
        ({"ContentSid": TEMPLATE_SID, "ContentVariables": "not json"}, 400, 21656),
        ({"ContentSid": TEMPLATE_SID, "ContentVariables": '["a"]'}, 400, 21656),
        ({"ContentVariables": '{"1": "a"}'}, 400, 21654),  # variables without a template
        ({"StatusCallback": "/relative/path"}, 400, 21609),
        ({"ValidityPeriod": "soon"}, 400, 20422),
        ({"ForceDelivery": "yes"}, 400, 20422),
        ({"RiskCheck": "maybe"}, 400, 20422),
        ({"MessagingServiceSid": "MG1"}, 400, 20422),
    ],
)
def test_invalid_requests_get_twilios_error(
    fake_twilio: ServedFakeTwilio, change: dict[str, str | None], status: int, code: int
) -> None:
    fake_twilio.template(TEMPLATE_SID)
    data = {k: v for k, v in {**text(fake_twilio), **change}.items() if v is not None}

    assert_twilio_error(post(fake_twilio, data), status, code)
    assert fake_twilio.fake.messages == []


def test_a_scalar_parameter_given_twice_is_rejected(fake_twilio: ServedFakeTwilio) -> None:
    data = [("To", CUSTOMER), ("From", fake_twilio.sender), ("Body", "a"), ("Body", "b")]
    assert_twilio_error(post(fake_twilio, data), 400, 20422)


@pytest.mark.parametrize("wrong", ["account_sid", "auth_token", "both_empty"])
def test_wrong_credentials_are_401(fake_twilio: ServedFakeTwilio, wrong: str) -> None:
    auth = {
        "account_sid": ("AC" + "f" * 32, fake_twilio.auth_token),
        "auth_token": (fake_twilio.account_sid, "wrong-token"),
        "both_empty": ("", ""),
    }[wrong]
    assert_twilio_error(post(fake_twilio, text(fake_twilio), auth=auth), 401, 20003)
    assert fake_twilio.fake.messages == []


def test_missing_credentials_are_401(fake_twilio: ServedFakeTwilio) -> None:
    response = requests.post(f"{fake_twilio.url}/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json",
                             data=text(fake_twilio), timeout=5)
    assert_twilio_error(response, 401, 20003)


def test_account_in_path_must_be_the_authenticated_one(fake_twilio: ServedFakeTwilio) -> None:
    response = post(fake_twilio, text(fake_twilio), account_sid="AC" + "e" * 32)
    assert_twilio_error(response, 404, 20404)


def test_other_resources_are_twilio_404s(fake_twilio: ServedFakeTwilio) -> None:
    response = requests.get(f"{fake_twilio.url}/2010-04-01/Accounts/{fake_twilio.account_sid}/Calls.json",
                            timeout=5)
    assert_twilio_error(response, 404, 20404)


def test_fail_next_injects_errors_then_recovers(fake_twilio: ServedFakeTwilio) -> None:
    fake_twilio.fake.fail_next(status=503, code=20503, times=2)

    assert_twilio_error(post(fake_twilio, text(fake_twilio)), 503, 20503)
    assert_twilio_error(post(fake_twilio, text(fake_twilio)), 503, 20503)
    assert post(fake_twilio, text(fake_twilio)).status_code == 201
    assert len(fake_twilio.fake.messages) == 1


def test_concurrent_requests_are_all_recorded(fake_twilio: ServedFakeTwilio) -> None:
    def send(n: int) -> None:
        for i in range(5):
            assert post(fake_twilio, text(fake_twilio, Body=f"{n}-{i}")).status_code == 201

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(fake_twilio.fake.bodies_to(CUSTOMER)) == sorted(f"{n}-{i}" for n in range(6) for i in range(5))
    assert len({m["sid"] for m in fake_twilio.fake.messages}) == 30


# --- callbacks ----------------------------------------------------------------------------------------------------


@dataclass
class Receiver:
    url: str
    hits: list[tuple[str, dict[str, str], str]] = field(default_factory=list)


@pytest.fixture(scope="module")
def _receiver_server() -> Iterator[Receiver]:
    """A tiny webhook endpoint that records (path, form, signature) of each POST."""
    app = Flask("receiver")
    receiver = Receiver("")

    @app.post("/<path:path>")
    def hook(path: str) -> tuple[str, int]:
        receiver.hits.append((request.full_path, request.form.to_dict(), request.headers.get(SIGNATURE_HEADER, "")))
        return "", 204

    served = serve_wsgi(app)
    receiver.url = served.url
    try:
        yield receiver
    finally:
        served.stop()


@pytest.fixture
def receiver(_receiver_server: Receiver) -> Receiver:
    _receiver_server.hits.clear()
    return _receiver_server


def test_deliver_posts_a_status_callback_signed_like_twilio(
    fake_twilio: ServedFakeTwilio, receiver: Receiver
) -> None:
    callback = f"{receiver.url}/twilio/status?booking=42"
    sid = post(fake_twilio, text(fake_twilio, StatusCallback=callback)).json()["sid"]

    response = fake_twilio.fake.deliver(sid, status="undelivered", error_code=63016)

    assert response.status_code == 204
    ((path, form, signature),) = receiver.hits
    assert path == "/twilio/status?booking=42"
    assert form["MessageSid"] == sid and form["MessageStatus"] == "undelivered" and form["ErrorCode"] == "63016"
    assert (form["To"], form["From"], form["AccountSid"]) == (CUSTOMER, fake_twilio.sender, fake_twilio.account_sid)
    assert RequestValidator(fake_twilio.auth_token).validate(callback, form, signature)
    assert not RequestValidator("another-token").validate(callback, form, signature)
    assert fake_twilio.fake.messages[0]["status"] == "undelivered"


def test_deliver_without_error_code_sends_none(fake_twilio: ServedFakeTwilio, receiver: Receiver) -> None:
    sid = post(fake_twilio, text(fake_twilio, StatusCallback=f"{receiver.url}/s")).json()["sid"]
    fake_twilio.fake.deliver(sid)
    assert "ErrorCode" not in receiver.hits[0][1] and receiver.hits[0][1]["MessageStatus"] == "delivered"


def test_deliver_needs_a_known_message_with_a_callback(fake_twilio: ServedFakeTwilio) -> None:
    sid = post(fake_twilio, text(fake_twilio)).json()["sid"]
    with pytest.raises(ValueError):
        fake_twilio.fake.deliver(sid)
    with pytest.raises(KeyError):
        fake_twilio.fake.deliver("SM" + "0" * 32)


def test_send_inbound_posts_a_signed_incoming_message(fake_twilio: ServedFakeTwilio, receiver: Receiver) -> None:
    url = f"{receiver.url}/twilio/inbound"

    fake_twilio.fake.send_inbound(url, CUSTOMER, "book yoga", profile_name="Ana")

    ((_, form, signature),) = receiver.hits
    assert (form["From"], form["To"], form["Body"], form["ProfileName"]) == (
        CUSTOMER, fake_twilio.sender, "book yoga", "Ana")
    assert form["WaId"] == "15551234567"
    assert RequestValidator(fake_twilio.auth_token).validate(url, form, signature)


# --- the spec ------------------------------------------------------------------------------------------------------


def test_spec_path_is_a_constructor_argument(tmp_path: Path) -> None:
    copy = tmp_path / "twilio.json"
    copy.write_bytes(default_spec_path().read_bytes())
    assert FakeTwilio(spec_path=copy).app is not None
    with pytest.raises(FileNotFoundError):
        FakeTwilio(spec_path=tmp_path / "missing.json")
