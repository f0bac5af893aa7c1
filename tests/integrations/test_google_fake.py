"""The fake Google is as strict as Google: authorize and token requests, scopes per method from the discovery
document, unknown query parameters and body fields, tokens in query strings, expired tokens, event ids, and the
pending -> success conference; plus its failure injection. Requests here are raw HTTP, so each refusal is seen."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from integrations.google_meet.client import SCOPES
from integrations.google_meet.fake import FakeGoogle, default_discovery_path, load_discovery, schema_problem
from integrations.video import TokenSet, pkce_pair
from tests.fixtures.consent_page import consent
from tests.fixtures.google import ServedFakeGoogle

REDIRECT = "http://127.0.0.1:5999/oauth/google_meet/callback"
EVENTS = "/calendar/v3/calendars/primary/events"
EVENT = {"summary": "Yoga", "start": {"dateTime": "2025-04-02T10:30:00Z", "timeZone": "UTC"},
         "end": {"dateTime": "2025-04-02T11:15:00Z", "timeZone": "UTC"}}
MEET = {"createRequest": {"requestId": "r-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}}


def authorize_params(google: ServedFakeGoogle, **override: str) -> dict[str, str]:
    params = {"response_type": "code", "client_id": google.client_id, "redirect_uri": REDIRECT,
              "scope": " ".join(SCOPES), "state": "st", "code_challenge": pkce_pair()[1],
              "code_challenge_method": "S256", "access_type": "offline", "prompt": "consent"}
    params.update(override)
    return {k: v for k, v in params.items() if v != "<omit>"}


@pytest.fixture
def google(fake_google: ServedFakeGoogle) -> ServedFakeGoogle:
    fake_google.fake.redirect_uris.append(REDIRECT)
    return fake_google


def grant(google: ServedFakeGoogle, **override: str) -> dict[str, Any]:
    """Consent and exchange the code by hand; the token endpoint's raw answer."""
    verifier, challenge = pkce_pair()
    params = authorize_params(google, code_challenge=challenge, **override)
    code = consent(f"{google.url}/o/oauth2/v2/auth?{urlencode(params)}")["code"]
    answer = requests.post(f"{google.url}/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier,
        "client_id": google.client_id, "client_secret": google.client_secret}, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def tokens(google: ServedFakeGoogle) -> TokenSet:
    answer = grant(google)
    return TokenSet(answer["access_token"], answer["refresh_token"], google.clock(), answer["scope"])


def api(google: ServedFakeGoogle, method: str, path: str, token: str | None, *, query: dict[str, str] | None = None,
        body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, google.url + path, params=query, json=body, headers=headers, timeout=5)


def error_of(response: requests.Response) -> tuple[int, str]:
    """(status, first reason) of Google's error shape, checking the shape."""
    error = response.json()["error"]
    assert set(error) == {"code", "message", "errors", "status"} and error["code"] == response.status_code
    return response.status_code, error["errors"][0]["reason"]


# --- consent and tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize("override, problem", [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"client_id": "someone-else"}, "invalid_client"),
    ({"redirect_uri": "https://evil.example/cb"}, "redirect_uri_mismatch"),
    ({"scope": "<omit>"}, "Missing required parameter: scope"),
    ({"scope": "openid https://www.googleapis.com/auth/gmail.readonly"}, "invalid_scope"),
    ({"state": "<omit>"}, "state is required"),
    ({"code_challenge_method": "plain"}, "PKCE"),
    ({"code_challenge": "<omit>"}, "PKCE"),
])
def test_bad_authorize_requests_are_refused(google: ServedFakeGoogle, override: dict[str, str], problem: str) -> None:
    page = requests.get(f"{google.url}/o/oauth2/v2/auth", params=authorize_params(google, **override), timeout=5)
    assert page.status_code == 400 and problem in page.text


def test_no_refresh_token_without_offline_access(google: ServedFakeGoogle) -> None:
    assert "refresh_token" not in grant(google, access_type="<omit>")


def test_no_new_refresh_token_without_prompt_consent_on_a_second_consent(google: ServedFakeGoogle) -> None:
    assert "refresh_token" in grant(google, prompt="<omit>")
    assert "refresh_token" not in grant(google, prompt="<omit>")
    assert "refresh_token" in grant(google)


def test_granted_scopes_are_reported_as_google_does(google: ServedFakeGoogle) -> None:
    scopes = grant(google)["scope"].split()
    assert "https://www.googleapis.com/auth/userinfo.email" in scopes and "email" not in scopes


def token_post(google: ServedFakeGoogle, form: dict[str, str], **kwargs: Any) -> requests.Response:
    return requests.post(f"{google.url}/token", data=form, timeout=5, **kwargs)


def test_the_token_endpoint_wants_client_credentials_in_the_body(google: ServedFakeGoogle, tokens: TokenSet) -> None:
    form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
    by_basic = token_post(google, form, auth=(google.client_id, google.client_secret))
    assert by_basic.status_code == 401 and by_basic.json()["error"] == "invalid_client"
    wrong = token_post(google, {**form, "client_id": google.client_id, "client_secret": "nope"})
    assert wrong.status_code == 401
    ok = token_post(google, {**form, "client_id": google.client_id, "client_secret": google.client_secret})
    assert ok.status_code == 200 and "refresh_token" not in ok.json()


def test_the_token_endpoint_refuses_tokens_in_the_query_string(google: ServedFakeGoogle, tokens: TokenSet) -> None:
    answer = requests.post(f"{google.url}/token?refresh_token={tokens.refresh_token}", timeout=5,
                           data={"grant_type": "refresh_token", "client_id": google.client_id,
                                 "client_secret": google.client_secret})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_a_code_expires_after_ten_minutes(google: ServedFakeGoogle) -> None:
    verifier, challenge = pkce_pair()
    code = consent(f"{google.url}/o/oauth2/v2/auth?"
                   f"{urlencode(authorize_params(google, code_challenge=challenge))}")["code"]
    google.clock.advance(minutes=10, seconds=1)
    answer = token_post(google, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                 "code_verifier": verifier, "client_id": google.client_id,
                                 "client_secret": google.client_secret})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_revoke_refuses_the_token_in_the_query_string_and_unknown_tokens(
    google: ServedFakeGoogle, tokens: TokenSet
) -> None:
    in_query = requests.post(f"{google.url}/revoke?token={tokens.refresh_token}", timeout=5,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert in_query.status_code == 400
    assert requests.post(f"{google.url}/revoke", data={"token": "nope"}, timeout=5).status_code == 400
    assert requests.post(f"{google.url}/revoke", data={"token": tokens.access_token}, timeout=5).status_code == 200
    refresh = token_post(google, {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token,
                                  "client_id": google.client_id, "client_secret": google.client_secret})
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


# --- the API's checks -----------------------------------------------------------------------------------


def test_tokens_in_the_query_string_are_refused(google: ServedFakeGoogle, tokens: TokenSet) -> None:
    for name in ("access_token", "oauth_token"):
        answer = api(google, "POST", EVENTS, None, query={name: tokens.access_token}, body=EVENT)
        assert answer.status_code == 401
    assert api(google, "GET", "/v1/userinfo", None, query={"access_token": tokens.access_token}).status_code == 401


def test_expired_and_missing_tokens_are_401(google: ServedFakeGoogle, tokens: TokenSet) -> None:
    assert error_of(api(google, "POST", EVENTS, None, body=EVENT)) == (401, "authError")
    google.clock.advance(seconds=3599)
    assert error_of(api(google, "POST", "/calendar/v3/freeBusy", tokens.access_token,
                        body={"timeMin": "2025-04-02T00:00:00Z", "timeMax": "2025-04-03T00:00:00Z"})) == (
        401, "authError")


def test_each_method_wants_its_scopes(google: ServedFakeGoogle) -> None:
    google.fake.untick_scopes = {"https://www.googleapis.com/auth/calendar.events"}
    narrow = grant(google)["access_token"]
    assert error_of(api(google, "POST", EVENTS, narrow, body=EVENT)) == (403, "insufficientPermissions")
    free_busy = api(google, "POST", "/calendar/v3/freeBusy", narrow,
                    body={"timeMin": "2025-04-02T00:00:00Z", "timeMax": "2025-04-03T00:00:00Z",
                          "items": [{"id": "primary"}]})
    assert free_busy.status_code == 200  # calendar.freebusy is one of freebusy.query's scopes
    google.fake.untick_scopes = {"https://www.googleapis.com/auth/calendar.freebusy", "email"}
    events_only = grant(google)["access_token"]
    assert api(google, "POST", EVENTS, events_only, body=EVENT).status_code == 200
    assert error_of(api(google, "POST", "/calendar/v3/freeBusy", events_only,
                        body={"timeMin": "2025-04-02T00:00:00Z", "timeMax": "2025-04-03T00:00:00Z"})) == (
        403, "insufficientPermissions")
    assert "email" not in api(google, "GET", "/v1/userinfo", events_only).json()


def test_the_scopes_come_from_the_discovery_document() -> None:
    discovery = load_discovery(str(default_discovery_path()))
    assert "https://www.googleapis.com/auth/calendar.freebusy" in \
        discovery["resources"]["freebusy"]["methods"]["query"]["scopes"]
    assert "https://www.googleapis.com/auth/calendar.freebusy" not in \
        discovery["resources"]["events"]["methods"]["insert"]["scopes"]


@pytest.mark.parametrize("query", [{"conferenceDataVersion": "1", "sendUpdate": "none"},
                                   {"conferenceDataVersion": "2"}, {"sendUpdates": "nobody"},
                                   {"conferenceDataVersion": "yes"}])
def test_unknown_or_bad_query_parameters_are_refused(google: ServedFakeGoogle, tokens: TokenSet,
                                                     query: dict[str, str]) -> None:
    assert error_of(api(google, "POST", EVENTS, tokens.access_token, query=query, body=EVENT)) == (400, "invalid")


@pytest.mark.parametrize("body", [
    {**EVENT, "colour": "red"},
    {**EVENT, "start": {"dateTime": "2025-04-02T10:30:00Z", "tz": "UTC"}},
    {**EVENT, "conferenceData": {"createRequest": {"requestId": "r", "solution": "meet"}}},
    {**EVENT, "summary": 7},
    {**EVENT, "attendees": {"email": "a@example.com"}},
    {**EVENT, "start": {"dateTime": "tomorrow"}},
])
def test_unknown_fields_and_wrong_types_in_an_event_are_refused(google: ServedFakeGoogle, tokens: TokenSet,
                                                                body: dict[str, Any]) -> None:
    answer = api(google, "POST", EVENTS, tokens.access_token, body=body)
    assert error_of(answer) == (400, "invalid")
    assert google.fake.events_of(google.user) == []


def test_unknown_fields_in_a_freebusy_request_are_refused(google: ServedFakeGoogle, tokens: TokenSet) -> None:
    body = {"timeMin": "2025-04-02T00:00:00Z", "timeMax": "2025-04-03T00:00:00Z", "items": [{"calendar": "primary"}]}
    assert error_of(api(google, "POST", "/calendar/v3/freeBusy", tokens.access_token, body=body)) == (400, "invalid")


@pytest.mark.parametrize("body, reason", [
    ({"summary": "no times"}, "required"),
    ({**EVENT, "end": EVENT["start"]}, "timeRangeEmpty"),
    ({**EVENT, "start": {"dateTime": "2025-04-02T10:30:00Z", "timeZone": "Mars/Olympus"}}, "invalid"),
    ({**EVENT, "id": "UPPER-case"}, "invalid"),
    ({**EVENT, "id": "abc"}, "invalid"),
    ({**EVENT, "conferenceData": {"createRequest": {"requestId": "r", "conferenceSolutionKey": {"type": "zoom"}}}},
     "invalid"),
])
def test_events_google_would_refuse(google: ServedFakeGoogle, tokens: TokenSet, body: dict[str, Any],
                                    reason: str) -> None:
    answer = api(google, "POST", EVENTS, tokens.access_token, query={"conferenceDataVersion": "1"}, body=body)
    assert error_of(answer) == (400, reason)


def test_an_event_id_is_taken_for_good(google: ServedFakeGoogle, tokens: TokenSet) -> None:
    body = {**EVENT, "id": "abcdef0123"}
    assert api(google, "POST", EVENTS, tokens.access_token, body=body).status_code == 200
    assert error_of(api(google, "POST", EVENTS, tokens.access_token, body=body)) == (409, "duplicate")
    assert api(google, "DELETE", f"{EVENTS}/abcdef0123", tokens.access_token).status_code == 204
    assert error_of(api(google, "POST", EVENTS, tokens.access_token, body=body)) == (409, "duplicate")
    assert api(google, "GET", f"{EVENTS}/abcdef0123", tokens.access_token).json()["status"] == "cancelled"
    assert error_of(api(google, "DELETE", f"{EVENTS}/abcdef0123", tokens.access_token)) == (410, "deleted")
    assert error_of(api(google, "PATCH", f"{EVENTS}/abcdef0123", tokens.access_token, body=EVENT)) == (410, "deleted")
    assert error_of(api(google, "GET", f"{EVENTS}/abcdef9999", tokens.access_token)) == (404, "notFound")


def test_the_conference_is_pending_on_insert_then_made_on_the_next_read(google: ServedFakeGoogle,
                                                                        tokens: TokenSet) -> None:
    made = api(google, "POST", EVENTS, tokens.access_token, query={"conferenceDataVersion": "1"},
               body={**EVENT, "conferenceData": MEET}).json()
    assert made["conferenceData"]["createRequest"]["status"] == {"statusCode": "pending"}
    assert "hangoutLink" not in made
    read = api(google, "GET", f"{EVENTS}/{made['id']}", tokens.access_token).json()
    assert read["conferenceData"]["createRequest"]["status"] == {"statusCode": "success"}
    [video] = read["conferenceData"]["entryPoints"]
    assert video["entryPointType"] == "video" and video["uri"] == read["hangoutLink"]
    moved = api(google, "PATCH", f"{EVENTS}/{made['id']}", tokens.access_token,
                query={"conferenceDataVersion": "1"},
                body={"start": {"dateTime": "2025-04-03T10:30:00Z"}, "end": {"dateTime": "2025-04-03T11:00:00Z"}})
    assert moved.json()["hangoutLink"] == read["hangoutLink"]


def test_conference_data_without_conference_data_version_is_ignored(google: ServedFakeGoogle,
                                                                    tokens: TokenSet) -> None:
    made = api(google, "POST", EVENTS, tokens.access_token, body={**EVENT, "conferenceData": MEET}).json()
    assert "conferenceData" not in api(google, "GET", f"{EVENTS}/{made['id']}", tokens.access_token).json()


def test_freebusy_merges_set_busy_times_and_own_events(google: ServedFakeGoogle, tokens: TokenSet) -> None:
    day = datetime(2025, 4, 2, tzinfo=timezone.utc)
    google.fake.set_busy(google.user, [(day + timedelta(hours=10), day + timedelta(hours=11))])
    api(google, "POST", EVENTS, tokens.access_token, body=EVENT)  # 10:30-11:15
    api(google, "POST", EVENTS, tokens.access_token, body={**EVENT, "transparency": "transparent",
                                                            "start": {"dateTime": "2025-04-02T16:00:00Z"},
                                                            "end": {"dateTime": "2025-04-02T17:00:00Z"}})
    answer = api(google, "POST", "/calendar/v3/freeBusy", tokens.access_token,
                 body={"timeMin": "2025-04-02T00:00:00Z", "timeMax": "2025-04-03T00:00:00Z",
                       "items": [{"id": "primary"}, {"id": "someone@example.com"}]}).json()
    assert answer["calendars"]["primary"]["busy"] == [
        {"start": "2025-04-02T10:00:00.000Z", "end": "2025-04-02T11:15:00.000Z"}]
    assert answer["calendars"]["someone@example.com"]["errors"][0]["reason"] == "notFound"
    empty = api(google, "POST", "/calendar/v3/freeBusy", tokens.access_token,
                body={"timeMin": "2025-04-03T00:00:00Z", "timeMax": "2025-04-02T00:00:00Z"})
    assert error_of(empty) == (400, "timeRangeEmpty")


def test_schema_problem_follows_refs_and_maps() -> None:
    schemas = load_discovery(str(default_discovery_path()))["schemas"]
    ok = {"extendedProperties": {"private": {"booking": "B-1"}}, "reminders": {"useDefault": False}}
    assert schema_problem(ok, {"$ref": "Event"}, schemas, "resource") is None
    bad = {"extendedProperties": {"private": {"booking": 1}}}
    assert "expected a string" in schema_problem(bad, {"$ref": "Event"}, schemas, "resource")


# --- failure injection ----------------------------------------------------------------------------------


def test_fail_next_answers_googles_error_shape_then_recovers(google: ServedFakeGoogle, tokens: TokenSet) -> None:
    google.fake.fail_next("insert_event", 403, reason="rateLimitExceeded", retry_after=3)
    limited = api(google, "POST", EVENTS, tokens.access_token, body=EVENT)
    assert error_of(limited) == (403, "rateLimitExceeded") and limited.headers["Retry-After"] == "3"
    assert api(google, "POST", EVENTS, tokens.access_token, body=EVENT).status_code == 200
    with pytest.raises(ValueError):
        google.fake.fail_next("create_meeting", 500)


def test_the_fake_needs_nothing_beyond_flask() -> None:
    fake = FakeGoogle("id", "secret", redirect_uris=[])
    assert "https://www.googleapis.com/auth/calendar.events" in fake.known_scopes
