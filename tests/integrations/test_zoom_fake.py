"""The fake Zoom is as strict as Zoom: bad authorize/token requests, tokens in query strings, invalid meeting
bodies per the published spec, other users' resources; plus its failure injection and signed webhooks."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jsonschema
import pytest
import requests
import yaml
from flask import Flask, Response, request

from integrations.serving import serve_wsgi
from integrations.video import MeetingRequest, TokenSet, pkce_pair
from integrations.zoom.fake import FakeZoom, UrlValidationFailed, default_spec_path
from integrations.zoom.webhooks import url_validation_response, verify_zoom_webhook
from tests.fixtures.consent_page import consent
from tests.fixtures.zoom import ServedFakeZoom, fake_zoom, zoom_server  # noqa: F401  (fixtures)

REDIRECT = "http://127.0.0.1:5999/zoom/callback"
WEBHOOK_SECRET = "test-zoom-webhook-secret"
MEETING = {"type": 2, "topic": "Yoga", "start_time": "2025-04-02T10:30:00Z", "duration": 45, "timezone": "UTC"}


def authorize_params(zoom: ServedFakeZoom, **override: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": zoom.client_id,
        "redirect_uri": REDIRECT,
        "state": "st",
        "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }
    params.update(override)
    return {k: v for k, v in params.items() if v != "<omit>"}


@pytest.fixture
def zoom(fake_zoom: ServedFakeZoom) -> ServedFakeZoom:
    fake_zoom.fake.redirect_uris.append(REDIRECT)
    return fake_zoom


@pytest.fixture
def tokens(zoom: ServedFakeZoom) -> TokenSet:
    provider = zoom.provider()
    verifier, challenge = pkce_pair()
    code = consent(provider.authorize_url(state="s", code_challenge=challenge, redirect_uri=REDIRECT))["code"]
    return provider.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)


def bearer(tokens: TokenSet) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.access_token}"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    with open(default_spec_path(), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def assert_matches_spec(spec: dict[str, Any], schema_name: str, body: Any) -> None:
    schema = {"components": spec["components"], "$ref": f"#/components/schemas/{schema_name}"}
    jsonschema.Draft4Validator(schema).validate(body)


# --- OAuth strictness -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "override",
    [
        {"response_type": "token"},
        {"client_id": "someone-else"},
        {"redirect_uri": "https://evil.example/cb"},
        {"state": "<omit>"},
        {"code_challenge": "<omit>"},
        {"code_challenge_method": "plain"},
        {"code_challenge_method": "<omit>"},
    ],
)
def test_bad_authorize_request_gets_400_page_and_no_redirect(zoom: ServedFakeZoom, override: dict[str, str]) -> None:
    url = f"{zoom.url}/oauth/authorize?{urlencode(authorize_params(zoom, **override))}"
    page = requests.get(url, timeout=5, allow_redirects=False)
    assert page.status_code == 400 and "Location" not in page.headers
    posted = requests.post(
        f"{zoom.url}/oauth/authorize",
        data={**authorize_params(zoom, **override), "user_id": zoom.user.id, "decision": "allow"},
        timeout=5,
        allow_redirects=False,
    )
    assert posted.status_code == 400 and "Location" not in posted.headers


def test_consent_page_lists_users_and_allow_needs_a_known_user(zoom: ServedFakeZoom) -> None:
    page = requests.get(f"{zoom.url}/oauth/authorize?{urlencode(authorize_params(zoom))}", timeout=5)
    assert page.status_code == 200 and zoom.user.email in page.text and "Allow" in page.text and "Deny" in page.text
    posted = requests.post(
        f"{zoom.url}/oauth/authorize",
        data={**authorize_params(zoom), "user_id": "nobody", "decision": "allow"},
        timeout=5,
        allow_redirects=False,
    )
    assert posted.status_code == 400


def test_redirect_keeps_existing_query_of_redirect_uri(zoom: ServedFakeZoom) -> None:
    zoom.fake.redirect_uris.append(REDIRECT + "?src=wa")
    url = f"{zoom.url}/oauth/authorize?{urlencode(authorize_params(zoom, redirect_uri=REDIRECT + '?src=wa'))}"
    assert consent(url)["src"] == "wa"


def test_token_endpoint_requires_basic_auth_and_form_body(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
    no_auth = requests.post(f"{zoom.url}/oauth/token", data=form, timeout=5)
    assert no_auth.status_code == 401 and no_auth.json()["error"] == "invalid_client"
    with_secret_in_form = requests.post(
        f"{zoom.url}/oauth/token",
        data={**form, "client_id": zoom.client_id, "client_secret": zoom.client_secret},
        timeout=5,
    )
    assert with_secret_in_form.status_code == 401
    as_json = requests.post(f"{zoom.url}/oauth/token", json=form, auth=(zoom.client_id, zoom.client_secret), timeout=5)
    assert as_json.status_code == 400
    in_query = requests.post(
        f"{zoom.url}/oauth/token?{urlencode(form)}", auth=(zoom.client_id, zoom.client_secret), timeout=5
    )
    assert in_query.status_code == 400 and in_query.json()["error"] == "invalid_request"
    unsupported = requests.post(
        f"{zoom.url}/oauth/token", data={"grant_type": "password"}, auth=(zoom.client_id, zoom.client_secret), timeout=5
    )
    assert unsupported.json()["error"] == "unsupported_grant_type"
    ok = requests.post(f"{zoom.url}/oauth/token", data=form, auth=(zoom.client_id, zoom.client_secret), timeout=5)
    assert ok.status_code == 200 and ok.json()["expires_in"] == 3600


def test_access_token_only_in_authorization_header(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    in_query = requests.get(f"{zoom.url}/v2/users/me?access_token={tokens.access_token}", timeout=5)
    assert in_query.status_code == 401 and in_query.json() == {"code": 124, "message": "Invalid access token."}
    assert requests.get(f"{zoom.url}/v2/users/me", headers=bearer(tokens), timeout=5).status_code == 200
    assert all(tokens.access_token not in path for _, path in zoom.fake.requests_log)
    assert ("GET", "/v2/users/me") in zoom.fake.requests_log


def test_old_access_token_still_works_after_refresh_until_it_expires(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    zoom.provider().refresh(tokens.refresh_token)
    assert requests.get(f"{zoom.url}/v2/users/me", headers=bearer(tokens), timeout=5).status_code == 200
    zoom.clock.advance(hours=1)
    assert requests.get(f"{zoom.url}/v2/users/me", headers=bearer(tokens), timeout=5).status_code == 401


# --- meetings strictness --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"duration": "45"},
        {"type": 5},
        {"agenda": "x" * 2001},
        {"settings": {"join_before_host": "no"}},
        {"password": "far-too-long-passcode"},
        {"start_time": "tomorrow at ten"},
        {"timezone": "Mars/Olympus_Mons"},
    ],
)
def test_invalid_meeting_bodies_are_rejected(zoom: ServedFakeZoom, tokens: TokenSet, change: dict[str, Any]) -> None:
    body = {**MEETING, **change}
    created = requests.post(f"{zoom.url}/v2/users/me/meetings", json=body, headers=bearer(tokens), timeout=5)
    assert created.status_code == 400 and created.json()["code"] == 300
    assert zoom.fake.meetings == {}
    good = requests.post(f"{zoom.url}/v2/users/me/meetings", json=MEETING, headers=bearer(tokens), timeout=5)
    meeting_id = good.json()["id"]
    patched = requests.patch(f"{zoom.url}/v2/meetings/{meeting_id}", json=change, headers=bearer(tokens), timeout=5)
    assert patched.status_code == 400 and patched.json()["code"] == 300
    assert zoom.fake.meetings[str(meeting_id)].body["duration"] == 45


def test_non_json_body_is_rejected(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    answer = requests.post(f"{zoom.url}/v2/users/me/meetings", data="topic=Yoga", headers=bearer(tokens), timeout=5)
    assert answer.status_code == 400 and answer.json()["code"] == 300


def test_answers_match_the_published_spec(zoom: ServedFakeZoom, tokens: TokenSet, spec: dict[str, Any]) -> None:
    url = f"{zoom.url}/v2/users/{zoom.user.id}/meetings"
    created = requests.post(url, json=MEETING, headers=bearer(tokens), timeout=5)
    assert created.status_code == 201
    assert_matches_spec(spec, "CreateMeetingResponse", created.json())
    fetched = requests.get(f"{zoom.url}/v2/meetings/{created.json()['id']}", headers=bearer(tokens), timeout=5)
    assert_matches_spec(spec, "GetMeetingDetailsResponse", fetched.json())


def test_local_start_time_is_converted_with_the_timezone(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    body = {**MEETING, "start_time": "2025-04-02T16:00:00", "timezone": "Asia/Kolkata"}
    created = requests.post(f"{zoom.url}/v2/users/me/meetings", json=body, headers=bearer(tokens), timeout=5)
    assert created.json()["start_time"] == "2025-04-02T10:30:00Z"


def test_cannot_create_for_another_user(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    other = zoom.fake.add_user("other@example.com")
    answer = requests.post(f"{zoom.url}/v2/users/{other.id}/meetings", json=MEETING, headers=bearer(tokens), timeout=5)
    assert answer.status_code == 404 and answer.json()["code"] == 1001


def test_unknown_meeting_is_3001(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    for method in ("GET", "DELETE"):
        answer = requests.request(method, f"{zoom.url}/v2/meetings/999", headers=bearer(tokens), timeout=5)
        assert answer.status_code == 404 and answer.json()["code"] == 3001


def test_concurrent_creates_get_unique_ids(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    provider = zoom.provider()
    ids: list[str] = []
    lock = threading.Lock()

    def create() -> None:
        for _ in range(5):
            meeting = provider.create_meeting(tokens.access_token, MeetingRequest("t", zoom.clock(), 30, "UTC"))
            with lock:
                ids.append(meeting.id)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(ids) == 30 and len(set(ids)) == 30 and set(ids) == set(zoom.fake.meetings)


# --- failure injection ----------------------------------------------------------------------------------


def test_fail_next_counts_down_and_rejects_unknown_operations(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    zoom.fake.fail_next("users_me", 503, times=2, retry_after=3)
    statuses = [requests.get(f"{zoom.url}/v2/users/me", headers=bearer(tokens), timeout=5) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].headers["Retry-After"] == "3"
    with pytest.raises(ValueError):
        zoom.fake.fail_next("list_meetings", 500)
    with pytest.raises(ValueError):
        zoom.fake.delay_next("nope", 1)


def test_429s_carry_zoom_rate_limit_headers(zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    zoom.fake.fail_next("create_meeting", 429, retry_after="Tue, 01 Apr 2025 09:00:05 GMT")
    limited = requests.post(f"{zoom.url}/v2/users/me/meetings", json=MEETING, headers=bearer(tokens), timeout=5)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "Tue, 01 Apr 2025 09:00:05 GMT"
    assert {k: limited.headers[k] for k in ("X-RateLimit-Category", "X-RateLimit-Type", "X-RateLimit-Limit",
                                            "X-RateLimit-Remaining")} == {
        "X-RateLimit-Category": "Medium", "X-RateLimit-Type": "QPS", "X-RateLimit-Limit": "20",
        "X-RateLimit-Remaining": "0"}
    for _ in range(100):
        assert requests.post(f"{zoom.url}/v2/users/me/meetings", json=MEETING, headers=bearer(tokens),
                             timeout=5).status_code == 201
    capped = requests.post(f"{zoom.url}/v2/users/me/meetings", json=MEETING, headers=bearer(tokens), timeout=5)
    assert capped.status_code == 429 and "Retry-After" not in capped.headers
    assert (capped.headers["X-RateLimit-Type"], capped.headers["X-RateLimit-Limit"]) == ("Daily-limit", "100")
    assert "daily rate limit (100)" in capped.json()["message"]


def test_spec_path_follows_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_spec_path().is_file()
    monkeypatch.setenv("MYNEXTSLOT_SPECS_DIR", str(tmp_path))
    assert default_spec_path() == tmp_path / "zoom_meetings_v2.yaml"
    with pytest.raises(FileNotFoundError):
        FakeZoom("id", "secret", [])


# --- webhooks -------------------------------------------------------------------------------------------


class Receiver:
    """Our side of Zoom webhooks, minimal: verifies the signature with the fake's clock, records events."""

    def __init__(self, zoom: ServedFakeZoom) -> None:
        self.zoom = zoom
        self.events: list[dict[str, Any]] = []
        self.app = Flask(__name__)
        self.app.add_url_rule("/good", view_func=self.good, methods=["POST"])
        self.app.add_url_rule("/wrong", view_func=self.wrong, methods=["POST"])

    def good(self) -> Response:
        raw = request.get_data()
        ok = verify_zoom_webhook(
            WEBHOOK_SECRET,
            request.headers.get("x-zm-request-timestamp", ""),
            raw,
            request.headers.get("x-zm-signature", ""),
            now=self.zoom.clock(),
        )
        if not ok:
            return Response("bad signature", status=401)
        event = json.loads(raw)
        self.events.append(event)
        if event["event"] == "endpoint.url_validation":
            answer = url_validation_response(WEBHOOK_SECRET, event["payload"]["plainToken"])
            return Response(json.dumps(answer), mimetype="application/json")
        return Response(status=204)

    def wrong(self) -> Response:
        plain = request.get_json()["payload"]["plainToken"]
        return Response(json.dumps({"plainToken": plain, "encryptedToken": "0" * 64}), mimetype="application/json")


@pytest.fixture
def receiver(zoom: ServedFakeZoom) -> Iterator[tuple[str, Receiver]]:
    rx = Receiver(zoom)
    served = serve_wsgi(rx.app)
    try:
        yield served.url, rx
    finally:
        served.stop()


def test_webhooks_are_signed_and_deauthorization_revokes(
    zoom: ServedFakeZoom,
    tokens: TokenSet,
    receiver: tuple[str,
    Receiver],
) -> None:
    url, rx = receiver
    forged = zoom.fake.send_app_deauthorized(f"{url}/good", WEBHOOK_SECRET, zoom.user, signature="v0=" + "ab" * 32)
    stale = zoom.fake.send_app_deauthorized(
        f"{url}/good", WEBHOOK_SECRET, zoom.user, timestamp=str(int(zoom.clock().timestamp()) - 301)
    )
    assert (forged.status_code, stale.status_code, rx.events) == (401, 401, [])

    answer = zoom.fake.send_app_deauthorized(f"{url}/good", WEBHOOK_SECRET, zoom.user)
    assert answer.status_code == 204
    (event,) = rx.events
    assert event["event"] == "app_deauthorized" and event["event_ts"] == int(zoom.clock().timestamp() * 1000)
    assert event["payload"]["user_id"] == zoom.user.id and event["payload"]["account_id"] == zoom.user.account_id
    assert event["payload"]["client_id"] == zoom.client_id and event["payload"]["user_data_retention"] == "false"
    assert {"signature", "deauthorization_time"} <= set(event["payload"])
    assert all(grant.revoked for grant in zoom.fake.grants.values())
    assert requests.get(f"{zoom.url}/v2/users/me", headers=bearer(tokens), timeout=5).status_code == 401

    assert zoom.fake.send_url_validation(f"{url}/good", WEBHOOK_SECRET).status_code == 200
    with pytest.raises(UrlValidationFailed):
        zoom.fake.send_url_validation(f"{url}/wrong", WEBHOOK_SECRET)
    with pytest.raises(UrlValidationFailed):
        zoom.fake.send_url_validation(f"{url}/missing", WEBHOOK_SECRET)
