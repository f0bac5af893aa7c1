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


def test_a_tap_arrives_with_the_buttons_payload_and_text(fake_twilio: ServedFakeTwilio, receiver: Receiver) -> None:
    fake_twilio.fake.send_inbound(f"{receiver.url}/twilio/inbound", CUSTOMER, "Mon 3 Apr", button_payload="day-3")

    ((_, form, _),) = receiver.hits
    assert (form["Body"], form["ButtonPayload"], form["ButtonText"]) == ("Mon 3 Apr", "day-3", "Mon 3 Apr")


# --- the Content API over HTTP ------------------------------------------------------------------------------------

LIST_CONTENT = {"friendly_name": "days", "language": "en", "variables": {"1": "Pick", "2": "Mon", "3": "d1"},
                "types": {"twilio/list-picker": {"body": "{{1}}", "button": "Days",
                                                 "items": [{"item": "{{2}}", "id": "{{3}}"}]}}}


def content(served: ServedFakeTwilio, method: str, path: str = "", **kwargs: Any) -> requests.Response:
    kwargs.setdefault("auth", (served.account_sid, served.auth_token))
    return requests.request(method, f"{served.url}/v1/Content{path}", timeout=5, **kwargs)


def test_a_created_content_looks_like_twilios(fake_twilio: ServedFakeTwilio) -> None:
    response = content(fake_twilio, "POST", json=LIST_CONTENT)

    assert response.status_code == 201
    resource = response.json()
    sid = resource["sid"]
    assert re.fullmatch(r"HX[0-9a-f]{32}", sid)
    assert resource == {**LIST_CONTENT, "sid": sid, "account_sid": fake_twilio.account_sid,
                        "url": f"https://content.twilio.com/v1/Content/{sid}",
                        "date_created": resource["date_created"], "date_updated": resource["date_created"],
                        "links": {"approval_create": f"https://content.twilio.com/v1/Content/{sid}/ApprovalRequests"
                                                     "/whatsapp",
                                  "approval_fetch": f"https://content.twilio.com/v1/Content/{sid}/ApprovalRequests"}}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", resource["date_created"])
    assert content(fake_twilio, "GET", f"/{sid}").json() == resource


def test_contents_are_listed_in_pages_like_twilios(fake_twilio: ServedFakeTwilio) -> None:
    sids = [content(fake_twilio, "POST", json=LIST_CONTENT).json()["sid"] for _ in range(3)]

    first = content(fake_twilio, "GET", params={"PageSize": 2}).json()
    second = requests.get(first["meta"]["next_page_url"].replace("https://content.twilio.com", fake_twilio.url),
                          auth=(fake_twilio.account_sid, fake_twilio.auth_token), timeout=5).json()

    assert [c["sid"] for c in first["contents"]] == sids[:2] and [c["sid"] for c in second["contents"]] == sids[2:]
    assert first["meta"]["key"] == "contents" and first["meta"]["page_size"] == 2
    assert first["meta"]["previous_page_url"] is None and second["meta"]["next_page_url"] is None
    assert second["meta"]["page"] == 1 and second["meta"]["previous_page_url"]
    assert_twilio_error(content(fake_twilio, "GET", params={"Colour": "blue"}), 400, 20001)
    assert_twilio_error(content(fake_twilio, "GET", params={"PageSize": 0}), 400, 20001)


def test_deleting_a_content_is_204_then_404(fake_twilio: ServedFakeTwilio) -> None:
    sid = content(fake_twilio, "POST", json=LIST_CONTENT).json()["sid"]

    deleted = content(fake_twilio, "DELETE", f"/{sid}")

    assert deleted.status_code == 204 and deleted.content == b""
    assert_twilio_error(content(fake_twilio, "DELETE", f"/{sid}"), 404, 20404)
    assert_twilio_error(content(fake_twilio, "GET", f"/{sid}"), 404, 20404)
    assert fake_twilio.fake.contents() == {}


@pytest.mark.parametrize("request_", [
    {"data": {"friendly_name": "x"}},  # form-encoded, as the Messages resource takes
    {"data": "{not json", "headers": {"Content-Type": "application/json"}},
    {"json": ["a list"]},
    {"json": LIST_CONTENT, "params": {"Extra": "1"}},
], ids=["form-encoded", "not JSON", "not an object", "a query parameter"])
def test_a_malformed_create_request_is_refused(fake_twilio: ServedFakeTwilio, request_: dict[str, Any]) -> None:
    response = content(fake_twilio, "POST", **request_)
    assert response.status_code == 400 and set(response.json()) == ERROR_KEYS
    assert fake_twilio.fake.contents() == {}


@pytest.mark.parametrize(("method", "path"), [("POST", ""), ("GET", ""), ("GET", "/HX" + "0" * 32),
                                              ("DELETE", "/HX" + "0" * 32)])
def test_the_content_api_needs_the_accounts_credentials(fake_twilio: ServedFakeTwilio, method: str,
                                                        path: str) -> None:
    assert_twilio_error(content(fake_twilio, method, path, json=LIST_CONTENT, auth=("AC" + "f" * 32, "x")),
                        401, 20003)
    assert_twilio_error(content(fake_twilio, method, path, json=LIST_CONTENT, auth=None), 401, 20003)


def test_fail_next_applies_to_the_content_api_too(fake_twilio: ServedFakeTwilio) -> None:
    fake_twilio.fake.fail_next(status=503, code=20503)
    assert_twilio_error(content(fake_twilio, "POST", json=LIST_CONTENT), 503, 20503)
    assert content(fake_twilio, "POST", json=LIST_CONTENT).status_code == 201


def test_a_content_message_needs_a_known_content_and_all_its_variables(fake_twilio: ServedFakeTwilio) -> None:
    sid = content(fake_twilio, "POST", json=LIST_CONTENT).json()["sid"]
    fake_twilio.fake.received(CUSTOMER)
    base = {"To": CUSTOMER, "From": fake_twilio.sender, "ContentSid": sid}

    assert_twilio_error(post(fake_twilio, {**base, "ContentSid": "HX" + "9" * 32}), 400, 21655)
    assert_twilio_error(post(fake_twilio, base), 400, 21656)  # its variables unfilled
    assert_twilio_error(post(fake_twilio, {**base, "ContentVariables": '{"1": "a", "2": "b"}'}), 400, 21656)
    assert_twilio_error(post(fake_twilio, {**base, "ContentVariables": '{"1": "a", "2": "b", "3": "c", "4": "d"}'}),
                        400, 21656)
    assert_twilio_error(post(fake_twilio, {**base, "ContentVariables": '{"1": "a", "2": null, "3": "c"}'}), 400,
                        21656)
    assert post(fake_twilio, {**base, "ContentVariables": '{"1": "a", "2": "b", "3": "c"}'}).status_code == 201
    assert [m["content_variables"] for m in fake_twilio.fake.messages] == [{"1": "a", "2": "b", "3": "c"}]


# --- the spec ------------------------------------------------------------------------------------------------------


def test_spec_path_is_a_constructor_argument(tmp_path: Path) -> None:
    copy = tmp_path / "twilio.json"
    copy.write_bytes(default_spec_path().read_bytes())
    assert FakeTwilio(spec_path=copy).app is not None
    with pytest.raises(FileNotFoundError):
        FakeTwilio(spec_path=tmp_path / "missing.json")
