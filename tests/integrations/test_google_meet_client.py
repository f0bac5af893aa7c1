"""GoogleMeetProvider against the strict fake Google over real HTTP: OAuth with PKCE and offline access, events
with Meet conferences (idempotent create, pending -> success), busy times, and the mapping of Google's failures
onto the provider-neutral errors."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.google_meet.client import SCOPES, GoogleMeetProvider, event_id_for
from integrations.video import (
    AccessTokenInvalid,
    InvalidGrant,
    MeetingNotFound,
    MeetingRequest,
    ProviderUnavailable,
    RateLimited,
    TokenSet,
    VideoProvider,
    VideoProviderError,
    pkce_pair,
)
from tests.fixtures.consent_page import consent
from tests.fixtures.google import ServedFakeGoogle

REDIRECT = "http://127.0.0.1:5999/oauth/google_meet/callback"
START = datetime(2025, 4, 2, 10, 30, tzinfo=timezone.utc)
MEET_LINK = r"https://meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}"


def session_request(topic: str = "Yoga 1:1 with Asha", key: str = "meeting-1", start: datetime = START,
                    minutes: int = 45) -> MeetingRequest:
    return MeetingRequest(topic=topic, start_time=start, duration_minutes=minutes, timezone="Asia/Kolkata",
                          agenda="Bring a mat", idempotency_key=key)


def connect(google: ServedFakeGoogle, provider: GoogleMeetProvider, user_id: str | None = None) -> TokenSet:
    if REDIRECT not in google.fake.redirect_uris:
        google.fake.redirect_uris.append(REDIRECT)
    verifier, challenge = pkce_pair()
    url = provider.authorize_url(state="st-1", code_challenge=challenge, redirect_uri=REDIRECT)
    redirect = consent(url, user_id=user_id)
    return provider.exchange_code(code=redirect["code"], code_verifier=verifier, redirect_uri=REDIRECT)


@pytest.fixture
def provider(fake_google: ServedFakeGoogle) -> GoogleMeetProvider:
    return fake_google.provider()


@pytest.fixture
def tokens(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider) -> TokenSet:
    return connect(fake_google, provider)


# --- OAuth ----------------------------------------------------------------------------------------------


def test_it_is_a_video_provider(provider: GoogleMeetProvider) -> None:
    typed: VideoProvider = provider
    assert typed.name == "google_meet" and provider.call_timeout > 0


def test_authorize_url_asks_for_exactly_the_scopes_offline_with_pkce(
    provider: GoogleMeetProvider, fake_google: ServedFakeGoogle
) -> None:
    url = provider.authorize_url(state="s", code_challenge="c" * 43, redirect_uri=REDIRECT)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{fake_google.url}/o/oauth2/v2/auth"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": fake_google.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid email https://www.googleapis.com/auth/calendar.events "
                 "https://www.googleapis.com/auth/calendar.freebusy",
        "state": "s",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
        "access_type": "offline",
        "prompt": "consent",
    }
    assert fake_google.client_secret not in url


def test_real_endpoints_by_default() -> None:
    url = GoogleMeetProvider("id", "secret").authorize_url(state="s", code_challenge="c", redirect_uri=REDIRECT)
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")


def test_full_oauth_flow(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet) -> None:
    assert tokens.expires_at == fake_google.clock() + timedelta(seconds=3599)
    assert sorted(tokens.scope.split()) == sorted(SCOPES)
    assert tokens.access_token not in repr(tokens)
    account = provider.current_account(tokens.access_token)
    assert (account.user_id, account.account_id, account.email) == (
        fake_google.user.sub, fake_google.user.sub, fake_google.user.email)
    logged = " ".join(path for _, path in fake_google.fake.requests_log)
    assert tokens.access_token not in logged and tokens.refresh_token not in logged


def test_a_grant_without_every_scope_is_revoked_and_refused(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider
) -> None:
    fake_google.fake.untick_scopes = {"https://www.googleapis.com/auth/calendar.freebusy"}
    with pytest.raises(VideoProviderError) as err:
        connect(fake_google, provider)
    assert err.value.code == "missing_scopes" and "calendar.freebusy" in err.value.message
    assert [g.revoked for g in fake_google.fake.grants.values()] == [True]


def test_deny_redirects_with_access_denied(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider) -> None:
    fake_google.fake.redirect_uris.append(REDIRECT)
    url = provider.authorize_url(state="st-9", code_challenge=pkce_pair()[1], redirect_uri=REDIRECT)
    assert consent(url, decision="deny") == {"error": "access_denied", "state": "st-9", "redirect_to": REDIRECT}
    assert fake_google.fake.grants == {}


def test_a_used_code_is_invalid_grant(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider) -> None:
    fake_google.fake.redirect_uris.append(REDIRECT)
    verifier, challenge = pkce_pair()
    code = consent(provider.authorize_url(state="s", code_challenge=challenge, redirect_uri=REDIRECT))["code"]
    provider.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    with pytest.raises(InvalidGrant) as err:
        provider.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    assert (err.value.status, err.value.code) == (400, "invalid_grant")


def test_a_wrong_verifier_is_invalid_grant(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider) -> None:
    fake_google.fake.redirect_uris.append(REDIRECT)
    _, challenge = pkce_pair()
    code = consent(provider.authorize_url(state="s", code_challenge=challenge, redirect_uri=REDIRECT))["code"]
    with pytest.raises(InvalidGrant):
        provider.exchange_code(code=code, code_verifier=pkce_pair()[0], redirect_uri=REDIRECT)
    assert fake_google.fake.grants == {}


def test_refresh_keeps_the_refresh_token(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    fake_google.clock.advance(minutes=50)
    fresh = provider.refresh(tokens.refresh_token)
    assert fresh.refresh_token == tokens.refresh_token and fresh.access_token != tokens.access_token
    assert fresh.expires_at == fake_google.clock() + timedelta(seconds=3599)
    assert provider.refresh(tokens.refresh_token).access_token  # still valid: Google does not rotate it


def test_wrong_client_secret_is_not_invalid_grant(fake_google: ServedFakeGoogle, tokens: TokenSet) -> None:
    wrong = GoogleMeetProvider.on_one_host(fake_google.client_id, "nope", fake_google.url)
    with pytest.raises(VideoProviderError) as err:
        wrong.refresh(tokens.refresh_token)
    assert type(err.value) is VideoProviderError and (err.value.status, err.value.code) == (401, "invalid_client")


def test_expired_access_token_is_access_token_invalid(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    fake_google.clock.advance(seconds=3599)
    with pytest.raises(AccessTokenInvalid) as err:
        provider.current_account(tokens.access_token)
    assert err.value.status == 401
    with pytest.raises(AccessTokenInvalid):
        provider.create_meeting(tokens.access_token, session_request())
    fresh = provider.refresh(tokens.refresh_token)
    assert provider.create_meeting(fresh.access_token, session_request()).ready


def test_revoke_ends_the_grant(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet) -> None:
    provider.revoke(tokens.refresh_token)
    with pytest.raises(AccessTokenInvalid):
        provider.current_account(tokens.access_token)
    with pytest.raises(InvalidGrant) as err:
        provider.refresh(tokens.refresh_token)
    assert (err.value.status, err.value.code) == (400, "invalid_grant")
    provider.revoke(tokens.refresh_token)  # already revoked: not an error


def test_access_removed_in_the_google_account_is_invalid_grant(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    fake_google.fake.revoke_user(fake_google.user)
    with pytest.raises(InvalidGrant):
        provider.refresh(tokens.refresh_token)


# --- events ---------------------------------------------------------------------------------------------


def test_create_makes_an_event_with_its_own_meet_link(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    meeting = provider.create_meeting(tokens.access_token, session_request())
    [event] = fake_google.fake.events_of(fake_google.user)
    assert meeting.id == event["id"] == event_id_for("meeting-1")
    assert meeting.ready and meeting.join_url == event["hangoutLink"] == meeting.start_url
    assert re.fullmatch(MEET_LINK, meeting.join_url)
    assert meeting.password is None and meeting.start_time == START
    assert event["summary"] == "Yoga 1:1 with Asha" and event["description"] == "Bring a mat"
    assert event["start"] == {"dateTime": "2025-04-02T10:30:00Z", "timeZone": "Asia/Kolkata"}
    assert event["end"] == {"dateTime": "2025-04-02T11:15:00Z", "timeZone": "Asia/Kolkata"}
    assert "attendees" not in event  # our own email invites the customer
    assert provider.get_meeting(tokens.access_token, meeting.id) == meeting


def test_each_event_gets_a_different_link(provider: GoogleMeetProvider, tokens: TokenSet) -> None:
    links = {provider.create_meeting(tokens.access_token, session_request(key=f"m-{i}")).join_url for i in range(4)}
    assert len(links) == 4


def test_event_ids_are_base32hex() -> None:
    assert re.fullmatch(r"[0-9a-v]{52}", event_id_for("meeting-1"))
    assert event_id_for("meeting-1") == event_id_for("meeting-1") != event_id_for("meeting-2")


def test_a_create_retried_after_a_lost_answer_finds_the_same_event(
    fake_google: ServedFakeGoogle, tokens: TokenSet
) -> None:
    impatient = fake_google.provider(timeout=0.2)
    fake_google.fake.delay_next("insert_event", 0.6)
    with pytest.raises(ProviderUnavailable):
        impatient.create_meeting(tokens.access_token, session_request())
    assert len(fake_google.fake.events_of(fake_google.user)) == 1  # Google made it; the answer was lost
    again = fake_google.provider().create_meeting(tokens.access_token, session_request())
    [event] = fake_google.fake.events_of(fake_google.user)
    assert again.id == event["id"] and again.join_url == event["hangoutLink"]


def test_a_create_without_a_key_makes_a_new_event_each_time(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    first = provider.create_meeting(tokens.access_token, session_request(key=""))
    second = provider.create_meeting(tokens.access_token, session_request(key=""))
    assert first.id != second.id and len(fake_google.fake.events_of(fake_google.user)) == 2


def test_a_key_whose_event_was_deleted_makes_its_next_generation(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    first = provider.create_meeting(tokens.access_token, session_request())
    provider.delete_meeting(tokens.access_token, first.id)
    again = provider.create_meeting(tokens.access_token, session_request())
    assert again.id == event_id_for("meeting-1", 1) != first.id and again.join_url != first.join_url
    assert provider.create_meeting(tokens.access_token, session_request()).id == again.id  # still idempotent
    assert [e["id"] for e in fake_google.fake.events_of(fake_google.user)] == [again.id]


def test_a_pending_conference_is_polled_until_made(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    fake_google.fake.conference_pending_reads = 1  # pending on insert and on the first read
    meeting = provider.create_meeting(tokens.access_token, session_request())
    assert meeting.ready
    reads = [path for method, path in fake_google.fake.requests_log if method == "GET" and "/events/" in path]
    assert len(reads) == 2


def test_a_conference_still_pending_is_returned_without_a_link_and_fetched_later(
    fake_google: ServedFakeGoogle, tokens: TokenSet
) -> None:
    slept: list[float] = []
    provider = fake_google.provider(pending_polls=2, poll_seconds=0.25, sleep=slept.append)
    fake_google.fake.conference_pending_reads = 2
    meeting = provider.create_meeting(tokens.access_token, session_request())
    assert not meeting.ready and meeting.join_url == "" and meeting.id == event_id_for("meeting-1")
    assert slept == [0.25, 0.25]
    later = provider.get_meeting(tokens.access_token, meeting.id)
    assert later.ready and later.join_url == fake_google.fake.events_of(fake_google.user)[0]["hangoutLink"]


def test_a_failed_conference_is_asked_for_again(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    fake_google.fake.fail_next_conference()
    meeting = provider.create_meeting(tokens.access_token, session_request())
    assert meeting.ready
    fake_google.fake.fail_next_conference(times=2)
    with pytest.raises(VideoProviderError, match="Meet conference"):
        provider.create_meeting(tokens.access_token, session_request(key="m-2"))


def test_update_moves_the_event_and_keeps_the_link(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    meeting = provider.create_meeting(tokens.access_token, session_request())
    later = START + timedelta(days=1)
    provider.update_meeting(tokens.access_token, meeting.id, session_request("Moved", start=later, minutes=60))
    moved = provider.get_meeting(tokens.access_token, meeting.id)
    assert moved.start_time == later and moved.join_url == meeting.join_url
    [event] = fake_google.fake.events_of(fake_google.user)
    assert event["summary"] == "Moved" and event["end"]["dateTime"] == "2025-04-03T11:30:00Z"
    assert event["sequence"] == 1


def test_delete_and_deleting_again(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider,
                                   tokens: TokenSet) -> None:
    meeting = provider.create_meeting(tokens.access_token, session_request())
    provider.delete_meeting(tokens.access_token, meeting.id)
    assert fake_google.fake.events_of(fake_google.user) == []
    provider.delete_meeting(tokens.access_token, meeting.id)  # 410: already gone, fine
    provider.delete_meeting(tokens.access_token, event_id_for("never-made"))  # 404: fine
    for call in (lambda: provider.get_meeting(tokens.access_token, meeting.id),
                 lambda: provider.update_meeting(tokens.access_token, meeting.id, session_request())):
        with pytest.raises(MeetingNotFound):
            call()


def test_another_users_event_is_not_found(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    theirs = provider.create_meeting(tokens.access_token, session_request())
    other = fake_google.fake.add_user("someone.else@example.com")
    mine = connect(fake_google, provider, user_id=other.sub)
    with pytest.raises(MeetingNotFound):
        provider.get_meeting(mine.access_token, theirs.id)
    provider.delete_meeting(mine.access_token, theirs.id)
    assert len(fake_google.fake.events_of(fake_google.user)) == 1


def test_an_id_that_is_not_googles_is_not_found_without_a_request(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    before = len(fake_google.fake.requests_log)
    with pytest.raises(MeetingNotFound):
        provider.get_meeting(tokens.access_token, "../freeBusy")
    assert len(fake_google.fake.requests_log) == before


def test_a_naive_start_time_is_refused_before_any_request(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    with pytest.raises(ValueError):
        provider.create_meeting(tokens.access_token, MeetingRequest("t", datetime(2025, 4, 2, 10, 0), 30, "UTC"))
    assert fake_google.fake.events_of(fake_google.user) == []


# --- busy times -----------------------------------------------------------------------------------------


def test_busy_times_of_the_primary_calendar(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    day = datetime(2025, 4, 2, tzinfo=timezone.utc)
    fake_google.fake.set_busy(fake_google.user, [(day + timedelta(hours=14), day + timedelta(hours=15)),
                                                 (day - timedelta(hours=3), day + timedelta(hours=1))])
    provider.create_meeting(tokens.access_token, session_request())  # our own event is busy time too
    busy = provider.busy_times(tokens.access_token, day, day + timedelta(days=1))
    assert busy == [(day, day + timedelta(hours=1)),
                    (START, START + timedelta(minutes=45)),
                    (day + timedelta(hours=14), day + timedelta(hours=15))]
    assert all(start.tzinfo is timezone.utc for start, _ in busy)
    assert provider.busy_times(tokens.access_token, day + timedelta(hours=2), day + timedelta(hours=3)) == []


def test_busy_times_when_google_cannot_read_the_calendar(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    day = datetime(2025, 4, 2, tzinfo=timezone.utc)
    answer = {"kind": "calendar#freeBusy", "calendars": {"primary": {
        "errors": [{"domain": "global", "reason": "backendError"}], "busy": []}}}
    fake_google.fake.fail_next("freebusy", 200, body=answer)
    with pytest.raises(ProviderUnavailable):
        provider.busy_times(tokens.access_token, day, day + timedelta(days=1))
    fake_google.fake.fail_next("freebusy", 503)
    with pytest.raises(ProviderUnavailable):
        provider.busy_times(tokens.access_token, day, day + timedelta(days=1))


# --- failure mapping ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status, reason", [(403, "rateLimitExceeded"), (403, "userRateLimitExceeded"),
                                            (429, "rateLimitExceeded")])
def test_rate_limits(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet,
                     status: int, reason: str) -> None:
    fake_google.fake.fail_next("insert_event", status, reason=reason, retry_after=7)
    with pytest.raises(RateLimited) as err:
        provider.create_meeting(tokens.access_token, session_request())
    assert (err.value.status, err.value.code, err.value.retry_after) == (status, reason, 7.0)
    fake_google.fake.fail_next("freebusy", status, reason=reason)
    with pytest.raises(RateLimited) as without:
        provider.busy_times(tokens.access_token, START, START + timedelta(hours=1))
    assert without.value.retry_after is None


def test_a_token_endpoint_429_is_rate_limited(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider,
                                              tokens: TokenSet) -> None:
    fake_google.fake.fail_next("token", 429, retry_after=2.5)
    with pytest.raises(RateLimited) as err:
        provider.refresh(tokens.refresh_token)
    assert err.value.retry_after == 2.5


def test_a_403_that_is_not_a_rate_limit_is_a_plain_error(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, tokens: TokenSet
) -> None:
    fake_google.fake.fail_next("insert_event", 403, reason="forbiddenForNonOrganizer")
    with pytest.raises(VideoProviderError) as err:
        provider.create_meeting(tokens.access_token, session_request())
    assert type(err.value) is VideoProviderError and (err.value.status, err.value.code) == (
        403, "forbiddenForNonOrganizer")


@pytest.mark.parametrize("operation", ["insert_event", "get_event", "patch_event", "delete_event", "userinfo",
                                       "token"])
@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_provider_unavailable(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider,
                                     tokens: TokenSet, operation: str, status: int) -> None:
    meeting = provider.create_meeting(tokens.access_token, session_request())
    fake_google.fake.fail_next(operation, status)
    calls = {
        "insert_event": lambda: provider.create_meeting(tokens.access_token, session_request(key="m-2")),
        "get_event": lambda: provider.get_meeting(tokens.access_token, meeting.id),
        "patch_event": lambda: provider.update_meeting(tokens.access_token, meeting.id, session_request()),
        "delete_event": lambda: provider.delete_meeting(tokens.access_token, meeting.id),
        "userinfo": lambda: provider.current_account(tokens.access_token),
        "token": lambda: provider.refresh(tokens.refresh_token),
    }
    with pytest.raises(ProviderUnavailable) as err:
        calls[operation]()
    assert err.value.status == status


def test_a_non_json_5xx_is_provider_unavailable(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider,
                                               tokens: TokenSet) -> None:
    fake_google.fake.fail_next("token", 502, body="<html>Bad Gateway</html>")
    with pytest.raises(ProviderUnavailable):
        provider.refresh(tokens.refresh_token)


def test_connection_refused_is_provider_unavailable() -> None:
    dead = GoogleMeetProvider.on_one_host("id", "secret", "http://127.0.0.1:9", timeout=1)
    with pytest.raises(ProviderUnavailable):
        dead.current_account("token")
    with pytest.raises(ProviderUnavailable):
        dead.busy_times("token", START, START + timedelta(hours=1))


@pytest.mark.parametrize("body", [
    {"id": event_id_for("meeting-1"), "status": "confirmed", "hangoutLink": "http://meet.google.com/abc-defg-hij",
     "conferenceData": {"createRequest": {"status": {"statusCode": "success"}}}},  # not https
    {"status": "confirmed"},  # no id
    "not json",
])
def test_a_malformed_event_is_an_error(fake_google: ServedFakeGoogle, provider: GoogleMeetProvider,
                                       tokens: TokenSet, body: object) -> None:
    fake_google.fake.fail_next("insert_event", 200, body=body)
    with pytest.raises(VideoProviderError):
        provider.create_meeting(tokens.access_token, session_request())


def test_a_token_answer_without_a_refresh_token_is_an_error(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider
) -> None:
    fake_google.fake.redirect_uris.append(REDIRECT)
    verifier, challenge = pkce_pair()
    code = consent(provider.authorize_url(state="s", code_challenge=challenge, redirect_uri=REDIRECT))["code"]
    fake_google.fake.fail_next("token", 200, body={"access_token": "a", "token_type": "Bearer", "expires_in": 3599,
                                                   "scope": " ".join(SCOPES)})
    with pytest.raises(VideoProviderError, match="refresh token"):
        provider.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)


def test_nothing_secret_or_personal_is_logged(
    fake_google: ServedFakeGoogle, provider: GoogleMeetProvider, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        tokens = connect(fake_google, provider)
        provider.current_account(tokens.access_token)
        meeting = provider.create_meeting(tokens.access_token, session_request())
        fake_google.fake.fail_next("token", 400, reason="invalid_grant")
        with pytest.raises(InvalidGrant):
            provider.refresh(tokens.refresh_token)
    text = caplog.text
    for secret in (tokens.access_token, tokens.refresh_token, fake_google.user.email, fake_google.client_secret,
                   meeting.join_url):
        assert secret not in text
