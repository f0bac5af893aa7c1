"""ZoomProvider against the strict fake Zoom over real HTTP: OAuth with PKCE, token rotation, meetings, and the
mapping of Zoom's failures onto the provider-neutral errors."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

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
    VideoProviderRegistry,
    pkce_challenge,
    pkce_pair,
)
from integrations.zoom.client import SCOPES, ZoomProvider
from tests.fixtures.consent_page import consent
from tests.fixtures.zoom import ServedFakeZoom, fake_zoom, zoom_server  # noqa: F401  (fixtures)

REDIRECT = "http://127.0.0.1:5999/zoom/callback"
START = datetime(2025, 4, 2, 10, 30, tzinfo=timezone.utc)


def session_request(topic: str = "Yoga 1:1 with Asha") -> MeetingRequest:
    return MeetingRequest(
        topic=topic, start_time=START, duration_minutes=45, timezone="Asia/Kolkata", agenda="Bring a mat"
    )


def connect(zoom: ServedFakeZoom, provider: ZoomProvider) -> TokenSet:
    zoom.fake.redirect_uris.append(REDIRECT)
    verifier, challenge = pkce_pair()
    redirect = consent(provider.authorize_url(state="st-1", code_challenge=challenge, redirect_uri=REDIRECT))
    return provider.exchange_code(code=redirect["code"], code_verifier=verifier, redirect_uri=REDIRECT)


@pytest.fixture
def provider(fake_zoom: ServedFakeZoom) -> ZoomProvider:
    return fake_zoom.provider()


@pytest.fixture
def tokens(fake_zoom: ServedFakeZoom, provider: ZoomProvider) -> TokenSet:
    return connect(fake_zoom, provider)


# --- interface ------------------------------------------------------------------------------------------


def test_pkce_pair_is_rfc7636_s256() -> None:
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    # RFC 7636 appendix B test vector
    rfc_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    rfc_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert pkce_challenge(rfc_verifier) == rfc_challenge
    assert challenge == pkce_challenge(verifier) and pkce_pair()[0] != verifier


def test_registry_finds_providers_by_name(provider: ZoomProvider) -> None:
    registry = VideoProviderRegistry()
    registry.register(provider)
    found: VideoProvider = registry.get("zoom")
    assert found is provider and registry.names() == ["zoom"]
    with pytest.raises(KeyError, match="google_meet.*registered: zoom"):
        registry.get("google_meet")
    with pytest.raises(ValueError):
        registry.register(provider)


def test_authorize_url_carries_pkce_and_no_secret(provider: ZoomProvider, fake_zoom: ServedFakeZoom) -> None:
    url = provider.authorize_url(state="s", code_challenge="c" * 43, redirect_uri=REDIRECT)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{fake_zoom.url}/oauth/authorize"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": fake_zoom.client_id,
        "redirect_uri": REDIRECT,
        "state": "s",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
    }
    assert fake_zoom.client_secret not in url


# --- OAuth ----------------------------------------------------------------------------------------------


def test_full_oauth_flow_with_pkce(fake_zoom: ServedFakeZoom, provider: ZoomProvider) -> None:
    tokens = connect(fake_zoom, provider)
    assert tokens.expires_at == fake_zoom.clock() + timedelta(hours=1)
    assert tokens.scope.split() == list(SCOPES)
    assert "***" in repr(tokens) and tokens.access_token not in repr(tokens)
    account = provider.current_account(tokens.access_token)
    assert (account.user_id, account.account_id, account.email) == (
        fake_zoom.user.id,
        fake_zoom.user.account_id,
        fake_zoom.user.email,
    )
    logged = " ".join(path for _, path in fake_zoom.fake.requests_log)
    assert tokens.access_token not in logged and tokens.refresh_token not in logged


def test_deny_redirects_with_access_denied(fake_zoom: ServedFakeZoom, provider: ZoomProvider) -> None:
    fake_zoom.fake.redirect_uris.append(REDIRECT)
    _, challenge = pkce_pair()
    url = provider.authorize_url(state="st-9", code_challenge=challenge, redirect_uri=REDIRECT)
    redirect = consent(url, decision="deny")
    assert redirect == {"error": "access_denied", "state": "st-9", "redirect_to": REDIRECT}
    assert fake_zoom.fake.grants == {}


def test_code_is_single_use(fake_zoom: ServedFakeZoom, provider: ZoomProvider) -> None:
    fake_zoom.fake.redirect_uris.append(REDIRECT)
    verifier, challenge = pkce_pair()
    code = consent(provider.authorize_url(state="s", code_challenge=challenge, redirect_uri=REDIRECT))["code"]
    provider.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    with pytest.raises(InvalidGrant) as err:
        provider.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    assert err.value.status == 400 and err.value.code == "invalid_grant"


def test_code_expires_after_five_minutes(fake_zoom: ServedFakeZoom, provider: ZoomProvider) -> None:
    fake_zoom.fake.redirect_uris.append(REDIRECT)
    verifier, challenge = pkce_pair()
    code = consent(provider.authorize_url(state="s", code_challenge=challenge, redirect_uri=REDIRECT))["code"]
    fake_zoom.clock.advance(minutes=5, seconds=1)
    with pytest.raises(InvalidGrant):
        provider.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)


@pytest.mark.parametrize("bad", ["verifier", "redirect_uri"])
def test_code_needs_matching_verifier_and_redirect_uri(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    bad: str,
) -> None:
    fake_zoom.fake.redirect_uris.extend([REDIRECT, REDIRECT + "/other"])
    verifier, challenge = pkce_pair()
    code = consent(provider.authorize_url(state="s", code_challenge=challenge, redirect_uri=REDIRECT))["code"]
    with pytest.raises(InvalidGrant):
        provider.exchange_code(
            code=code,
            code_verifier=pkce_pair()[0] if bad == "verifier" else verifier,
            redirect_uri=REDIRECT + "/other" if bad == "redirect_uri" else REDIRECT,
        )
    assert fake_zoom.fake.grants == {}


def test_wrong_client_secret_is_not_invalid_grant(fake_zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    wrong = ZoomProvider(fake_zoom.client_id, "nope", oauth_base_url=fake_zoom.url, api_base_url=fake_zoom.api_base_url)
    with pytest.raises(VideoProviderError) as err:
        wrong.refresh(tokens.refresh_token)
    assert type(err.value) is VideoProviderError and err.value.status == 401 and err.value.code == "invalid_client"


def test_refresh_rotates_and_old_refresh_token_fails(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
) -> None:
    fake_zoom.clock.advance(minutes=30)
    fresh = provider.refresh(tokens.refresh_token)
    assert fresh.refresh_token != tokens.refresh_token and fresh.access_token != tokens.access_token
    assert fresh.expires_at == fake_zoom.clock() + timedelta(hours=1)
    with pytest.raises(InvalidGrant) as err:
        provider.refresh(tokens.refresh_token)
    assert err.value.message == "Invalid Token!"
    assert provider.current_account(fresh.access_token).email == fake_zoom.user.email
    assert provider.refresh(fresh.refresh_token).refresh_token != fresh.refresh_token


def test_expired_access_token_maps_to_access_token_invalid(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
) -> None:
    fake_zoom.clock.advance(seconds=3600)
    with pytest.raises(AccessTokenInvalid) as err:
        provider.current_account(tokens.access_token)
    assert (err.value.status, err.value.code) == (401, 124)
    with pytest.raises(AccessTokenInvalid):
        provider.create_meeting("not-a-token", session_request())
    fresh = provider.refresh(tokens.refresh_token)
    assert provider.current_account(fresh.access_token).user_id == fake_zoom.user.id


def test_revoke_kills_access_and_refresh_tokens(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
) -> None:
    provider.revoke(tokens.refresh_token)
    assert {tokens.access_token, tokens.refresh_token} <= fake_zoom.fake.revoked_tokens
    with pytest.raises(AccessTokenInvalid):
        provider.current_account(tokens.access_token)
    with pytest.raises(InvalidGrant):
        provider.refresh(tokens.refresh_token)
    provider.revoke(tokens.refresh_token)  # already revoked: not an error


def test_app_removed_in_zoom_makes_refresh_invalid_grant(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
) -> None:
    fake_zoom.fake.revoke_user(fake_zoom.user.id)
    with pytest.raises(InvalidGrant):
        provider.refresh(tokens.refresh_token)


# --- meetings -------------------------------------------------------------------------------------------


def test_meeting_crud(fake_zoom: ServedFakeZoom, provider: ZoomProvider, tokens: TokenSet) -> None:
    meeting = provider.create_meeting(tokens.access_token, session_request())
    stored = fake_zoom.fake.meetings[meeting.id]
    assert stored.owner_user_id == fake_zoom.user.id
    assert stored.body["type"] == 2 and stored.body["start_time"] == "2025-04-02T10:30:00Z"
    assert stored.body["duration"] == 45 and stored.body["timezone"] == "Asia/Kolkata"
    assert stored.body["agenda"] == "Bring a mat"
    assert stored.body["settings"]["join_before_host"] is False and stored.body["settings"]["waiting_room"] is True
    assert meeting.join_url.startswith(f"https://zoom.us/j/{meeting.id}?pwd=") and meeting.start_url != meeting.join_url
    assert meeting.start_time == START and meeting.password

    assert provider.get_meeting(tokens.access_token, meeting.id) == meeting

    later = START + timedelta(days=1)
    provider.update_meeting(
        tokens.access_token,
        meeting.id,
        MeetingRequest(topic="Moved", start_time=later, duration_minutes=60, timezone="Asia/Kolkata"),
    )
    moved = provider.get_meeting(tokens.access_token, meeting.id)
    assert moved.start_time == later and fake_zoom.fake.meetings[meeting.id].body["topic"] == "Moved"
    assert moved.join_url == meeting.join_url

    provider.delete_meeting(tokens.access_token, meeting.id)
    assert meeting.id not in fake_zoom.fake.meetings
    provider.delete_meeting(tokens.access_token, meeting.id)  # already gone: fine
    with pytest.raises(MeetingNotFound):
        provider.get_meeting(tokens.access_token, meeting.id)
    with pytest.raises(MeetingNotFound):
        provider.update_meeting(tokens.access_token, meeting.id, session_request())


def test_meeting_ids_are_unique(provider: ZoomProvider, tokens: TokenSet) -> None:
    ids = {provider.create_meeting(tokens.access_token, session_request()).id for _ in range(5)}
    assert len(ids) == 5


def test_another_users_meeting_is_not_found(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
) -> None:
    theirs = provider.create_meeting(tokens.access_token, session_request())
    other_user = fake_zoom.fake.add_user("someone.else@example.com")
    fake_zoom.fake.redirect_uris.append(REDIRECT)
    verifier, challenge = pkce_pair()
    url = provider.authorize_url(state="s", code_challenge=challenge, redirect_uri=REDIRECT)
    code = consent(url, user_id=other_user.id)["code"]
    mine = provider.exchange_code(code=code, code_verifier=verifier, redirect_uri=REDIRECT)
    assert provider.current_account(mine.access_token).email == "someone.else@example.com"
    with pytest.raises(MeetingNotFound):
        provider.get_meeting(mine.access_token, theirs.id)
    provider.delete_meeting(mine.access_token, theirs.id)
    assert theirs.id in fake_zoom.fake.meetings


def test_naive_start_time_is_refused_before_any_request(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
) -> None:
    with pytest.raises(ValueError):
        provider.create_meeting(tokens.access_token, MeetingRequest("t", datetime(2025, 4, 2, 10, 0), 30, "UTC"))
    assert fake_zoom.fake.meetings == {}


def test_daily_cap_is_rate_limited_without_retry_after(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
) -> None:
    fake_zoom.clock.now = datetime(2025, 4, 1, 23, 50, tzinfo=timezone.utc)
    fresh = provider.refresh(tokens.refresh_token)
    first = provider.create_meeting(fresh.access_token, session_request())
    for _ in range(98):
        provider.create_meeting(fresh.access_token, session_request())
    provider.update_meeting(fresh.access_token, first.id, session_request("100th write"))
    with pytest.raises(RateLimited) as err:
        provider.create_meeting(fresh.access_token, session_request())
    # no Retry-After on the per-user cap: wait until a minute after 00:00 UTC, when Zoom resets it
    assert err.value.retry_after == 11 * 60 and err.value.status == 429
    with pytest.raises(RateLimited):
        provider.update_meeting(fresh.access_token, first.id, session_request())
    fake_zoom.clock.advance(minutes=10)  # 00:00 UTC: a new day
    assert provider.create_meeting(fresh.access_token, session_request()).id
    assert len(fake_zoom.fake.meetings) == 100


# --- failure mapping ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_maps_to_provider_unavailable(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
    status: int,
) -> None:
    fake_zoom.fake.fail_next("create_meeting", status)
    with pytest.raises(ProviderUnavailable) as err:
        provider.create_meeting(tokens.access_token, session_request())
    assert err.value.status == status
    assert fake_zoom.fake.meetings == {}
    assert provider.create_meeting(tokens.access_token, session_request()).id in fake_zoom.fake.meetings


def test_token_endpoint_5xx_and_non_json(fake_zoom: ServedFakeZoom, provider: ZoomProvider, tokens: TokenSet) -> None:
    fake_zoom.fake.fail_next("token", 503, body="<html>Service Unavailable</html>")
    with pytest.raises(ProviderUnavailable):
        provider.refresh(tokens.refresh_token)
    assert provider.refresh(tokens.refresh_token).access_token  # the failure did not rotate the token


def test_429_honours_retry_after(fake_zoom: ServedFakeZoom, provider: ZoomProvider, tokens: TokenSet) -> None:
    fake_zoom.fake.fail_next("users_me", 429, retry_after=7)
    with pytest.raises(RateLimited) as err:
        provider.current_account(tokens.access_token)
    assert err.value.retry_after == 7.0
    fake_zoom.fake.fail_next("token", 429, retry_after=2.5)
    with pytest.raises(RateLimited) as token_err:
        provider.refresh(tokens.refresh_token)
    assert token_err.value.retry_after == 2.5


def test_timeout_maps_to_provider_unavailable_but_zoom_still_acted(fake_zoom: ServedFakeZoom, tokens: TokenSet) -> None:
    impatient = fake_zoom.provider(timeout=0.2)
    fake_zoom.fake.delay_next("create_meeting", 0.6)
    with pytest.raises(ProviderUnavailable):
        impatient.create_meeting(tokens.access_token, session_request())
    assert len(fake_zoom.fake.meetings) == 1  # the caller must not assume nothing happened


def test_connection_refused_maps_to_provider_unavailable(fake_zoom: ServedFakeZoom) -> None:
    dead = ZoomProvider(
        "id", "secret", oauth_base_url="http://127.0.0.1:9", api_base_url="http://127.0.0.1:9/v2", timeout=1
    )
    with pytest.raises(ProviderUnavailable):
        dead.current_account("token")


@pytest.mark.parametrize(
    "body",
    [
        {"id": 123, "start_url": "https://zoom.us/s/123"},  # no join_url
        {"id": 123, "join_url": "http://zoom.us/j/123", "start_url": "https://zoom.us/s/123"},  # not https
        {"join_url": "https://zoom.us/j/1", "start_url": "https://zoom.us/s/1"},  # no id
        "not json",
    ],
)
def test_malformed_meeting_answer_is_an_error(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
    body: object,
) -> None:
    fake_zoom.fake.fail_next("create_meeting", 201, body=body)
    with pytest.raises(VideoProviderError):
        provider.create_meeting(tokens.access_token, session_request())


def test_malformed_token_answer_is_an_error(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
) -> None:
    fake_zoom.fake.fail_next("token", 200, body={"access_token": "a", "token_type": "bearer", "expires_in": 3600})
    with pytest.raises(VideoProviderError, match="refresh_token"):
        provider.refresh(tokens.refresh_token)


def test_other_4xx_is_a_plain_provider_error(
    fake_zoom: ServedFakeZoom,
    provider: ZoomProvider,
    tokens: TokenSet,
) -> None:
    error = {"code": 3000, "message": "Cannot access meeting information."}
    fake_zoom.fake.fail_next("update_meeting", 400, body=error)
    meeting = provider.create_meeting(tokens.access_token, session_request())
    with pytest.raises(VideoProviderError) as err:
        provider.update_meeting(tokens.access_token, meeting.id, session_request())
    assert type(err.value) is VideoProviderError and (err.value.status, err.value.code) == (400, 3000)


@pytest.mark.parametrize(
    "retry_after, seconds",
    [(0, 0.0), ("Tue, 01 Apr 2025 08:59:00 GMT", 0.0), ("Tue, 01 Apr 2025 09:00:30 GMT", 30.0),
     ("2025-04-01T09:02:00Z", 120.0), ("soon", None), (None, None)],
)
def test_429_retry_after_in_seconds_or_as_a_date(
    fake_zoom: ServedFakeZoom, provider: ZoomProvider, tokens: TokenSet, retry_after: object, seconds: object
) -> None:
    fake_zoom.fake.fail_next("create_meeting", 429, retry_after=retry_after)  # type: ignore[arg-type]
    with pytest.raises(RateLimited) as err:
        provider.create_meeting(tokens.access_token, session_request())
    assert err.value.retry_after == seconds


@pytest.mark.parametrize("retry_after", [None, 0, "2025-03-31T00:00:00Z"])
def test_a_429_of_type_daily_limit_waits_for_the_next_utc_day(
    fake_zoom: ServedFakeZoom, provider: ZoomProvider, tokens: TokenSet, retry_after: object
) -> None:
    fake_zoom.fake.fail_next("create_meeting", 429, retry_after=retry_after,  # type: ignore[arg-type]
                             rate_limit_type="Daily-limit")
    with pytest.raises(RateLimited) as err:
        provider.create_meeting(tokens.access_token, session_request())
    reset = datetime(2025, 4, 2, 0, 1, tzinfo=timezone.utc)
    assert err.value.retry_after == (reset - fake_zoom.clock.now).total_seconds()


def test_a_daily_limit_retry_after_in_the_future_is_honoured(
    fake_zoom: ServedFakeZoom, provider: ZoomProvider, tokens: TokenSet
) -> None:
    fake_zoom.fake.fail_next("create_meeting", 429, retry_after="2025-04-02T00:00:00Z", rate_limit_type="Daily-limit")
    with pytest.raises(RateLimited) as err:
        provider.create_meeting(tokens.access_token, session_request())
    assert err.value.retry_after == 15 * 3600


def test_the_daily_cap_is_recognised_by_its_message_when_the_headers_do_not_say(
    fake_zoom: ServedFakeZoom, provider: ZoomProvider, tokens: TokenSet
) -> None:
    # What Zoom has been seen to send: the account's per-second headers with the per-user daily cap's message.
    message = ("You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for "
               "this particular user. You may resume these requests at GMT 00:00:00.")
    fake_zoom.fake.fail_next("create_meeting", 429, body={"code": 429, "message": message})
    with pytest.raises(RateLimited) as err:
        provider.create_meeting(tokens.access_token, session_request())
    assert err.value.retry_after == 15 * 3600 + 60
