"""Connecting Zoom by chat, end to end: the provider's WhatsApp messages, the browser's clicks through the link and
Zoom's consent page (the strict fake Zoom over HTTP), the callback, the stored (encrypted) connection, disconnect,
and removal from Zoom's side. The guide's "Adding the App", "Removing the App" and "Data Deletion"."""
from __future__ import annotations

import html
import threading
import uuid

import pytest
from sqlalchemy import select, text

from bot.core import messages as msg
from bot.services import outbox, video_accounts
from store import repos
from store.db import unit_of_work
from store.models import OutboundMessage, VideoConnection
from tests.fixtures.builders import PROVIDER, make_provider
from tests.fixtures.consent_page import consent
from tests.fixtures.settings import ZOOM_WEBHOOK_SECRET
from tests.fixtures.storage import database_files
from tests.fixtures.texts import zoom_text
from tests.fixtures.zoom_connect import LINK, click_through, connect, link_in

def raw_database_text(services) -> str:
    """Everything the database holds, read around the server: its files' bytes (PostgreSQL: after a CHECKPOINT)."""
    return "\n".join(content.decode("latin-1") for content in database_files(services.engine).values())


def test_connect_by_chat_and_browser(client, provider_chat, services, fake_zoom):
    page, _ = connect(client, provider_chat)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert html.escape(zoom_text(msg.PAGE_CONNECTED, platform="Zoom", email=fake_zoom.user.email)) in body
    assert zoom_text(msg.PLATFORM_CONNECTED_CHAT, platform="Zoom", email=fake_zoom.user.email) in \
        "\n".join(provider_chat.new_replies())
    # the connected account is shown when asked again, and from the integrations menu
    reply = provider_chat.send("connect zoom")
    assert zoom_text(msg.INTEGRATIONS_CONNECTED, email=fake_zoom.user.email) in reply
    provider_chat.send("menu")
    assert zoom_text(msg.INTEGRATIONS_CONNECTED, email=fake_zoom.user.email) in provider_chat.send("1")


def test_tokens_and_email_are_encrypted_at_rest(client, provider_chat, services, fake_zoom):
    connect(client, provider_chat)
    grant_tokens = [t for g in fake_zoom.fake.grants.values() for t in (*g.access_tokens, g.refresh_token)]
    assert grant_tokens
    with unit_of_work(services.sessions) as session:
        conn = session.scalars(select(VideoConnection)).one()
        assert conn.external_user_id == fake_zoom.user.id and conn.status == "connected"
        assert video_accounts.connected_email(services, conn) == fake_zoom.user.email
    with services.engine.connect() as conn:  # the row as stored, read around the ORM
        stored = repr([tuple(r) for r in conn.execute(text("SELECT * FROM video_connections"))])
    assert fake_zoom.user.email not in stored
    raw = raw_database_text(services)
    for secret in grant_tokens:
        assert secret not in stored and secret not in raw


def test_tokens_never_reach_the_logs(client, provider_chat, fake_zoom, caplog):
    caplog.set_level("DEBUG")
    connect(client, provider_chat)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for grant in fake_zoom.fake.grants.values():
        assert grant.refresh_token not in logged and not any(t in logged for t in grant.access_tokens)
    assert PROVIDER not in logged


def test_deny_gets_a_page_and_a_chat_message_and_stores_nothing(client, provider_chat, services):
    page, _ = connect(client, provider_chat, decision="deny")
    assert html.escape(zoom_text(msg.PAGE_DECLINED, platform="Zoom")) in page.get_data(as_text=True)
    assert zoom_text(msg.PLATFORM_DECLINED, platform="Zoom") in "\n".join(provider_chat.new_replies())
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []


def test_connect_link_is_single_use(client, provider_chat):
    path = link_in(provider_chat.send("connect zoom"))
    assert client.get(path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)


def test_link_previews_do_not_spend_the_link(client, provider_chat):
    path = link_in(provider_chat.send("connect zoom"))
    preview = client.get(path, headers={"User-Agent": "WhatsApp/2.23.20.0 A"})
    assert preview.status_code == 200
    assert client.get(path).status_code == 302


@pytest.mark.parametrize("agent", ["Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0", "curl/8.5.0", "Go-http-client/1.1"])
def test_head_requests_do_not_spend_the_link(client, provider_chat, agent):
    """Link checkers and mail scanners send HEAD first: only the browser's GET may spend the link."""
    path = link_in(provider_chat.send("connect zoom"))
    for _ in range(2):
        checked = client.head(path, headers={"User-Agent": agent})
        assert checked.status_code == 200 and "Location" not in checked.headers
    assert client.get(path, headers={"User-Agent": agent}).status_code == 302


def test_connect_link_expires_after_ten_minutes(client, provider_chat, clock):
    path = link_in(provider_chat.send("connect zoom"))
    clock.advance(minutes=10, seconds=1)
    response = client.get(path)
    assert response.status_code == 410
    assert html.escape(zoom_text(msg.PAGE_LINK_EXPIRED)) in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/connect/zoom/not-a-real-token", "/connect/zoom/" + "x" * 200,
                                  "/connect/meet/whatever"])
def test_unknown_links_are_refused(client, provider_chat, path):
    assert client.get(path).status_code == 404


def test_forged_state_is_refused_without_token_exchange(client, provider_chat, services, fake_zoom):
    path = link_in(provider_chat.send("connect zoom"))
    opened = client.get(path)
    answer = consent(opened.headers["Location"])
    forged = client.get("/oauth/zoom/callback", query_string={"code": answer["code"], "state": "forged-state"})
    assert forged.status_code == 404
    assert html.escape(zoom_text(msg.PAGE_LINK_UNKNOWN)) in forged.get_data(as_text=True)
    assert not any(r[1] == "/oauth/token" for r in fake_zoom.fake.requests_log)
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []


def test_an_authorization_forwarded_to_another_browser_connects_nothing(app, client, provider_chat, services):
    """Someone opens their own link and sends Zoom's consent URL to a victim: the victim's browser lacks the cookie
    of the browser that opened the link, so the victim's Zoom is not connected to the sender's account."""
    path = link_in(provider_chat.send("connect zoom"))
    opened = client.get(path)
    answer = consent(opened.headers["Location"])  # the victim presses Allow
    victim = app.test_client()
    query = {"code": answer["code"], "state": answer["state"]}
    refused = victim.get("/oauth/zoom/callback", query_string=query)
    assert refused.status_code == 403
    assert html.escape(zoom_text(msg.PAGE_OTHER_BROWSER, platform="Zoom")) in refused.get_data(as_text=True)
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []
    assert client.get("/oauth/zoom/callback", query_string=query).status_code == 200  # the opener still can


def test_the_browser_cookie_is_http_only_and_scoped_to_the_callback(client, provider_chat):
    opened = client.get(link_in(provider_chat.send("connect zoom")))
    cookie = opened.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/oauth/zoom/callback" in cookie
    assert "Secure" in cookie  # PUBLIC_BASE_URL is https


def test_missing_state_is_refused(client, provider_chat):
    assert client.get("/oauth/zoom/callback", query_string={"code": "abc"}).status_code == 404


def test_reused_state_is_refused(client, provider_chat):
    page, query = connect(client, provider_chat)
    assert page.status_code == 200
    again = client.get("/oauth/zoom/callback", query_string=query)
    assert again.status_code == 410 and html.escape(zoom_text(msg.PAGE_LINK_USED)) in again.get_data(as_text=True)


def test_expired_state_is_refused(client, provider_chat, clock, services):
    path = link_in(provider_chat.send("connect zoom"))
    opened = client.get(path)
    answer = consent(opened.headers["Location"])
    clock.advance(minutes=11)
    late = client.get("/oauth/zoom/callback", query_string={"code": answer["code"], "state": answer["state"]})
    assert late.status_code == 410 and html.escape(zoom_text(msg.PAGE_LINK_EXPIRED)) in late.get_data(as_text=True)
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []


def test_zoom_refusing_the_code_gets_a_clear_page_and_message(client, provider_chat, fake_zoom, services):
    path = link_in(provider_chat.send("connect zoom"))
    opened = client.get(path)
    answer = consent(opened.headers["Location"])
    fake_zoom.fake.fail_next("token", 400, body={"reason": "Invalid authorization code", "error": "invalid_grant"})
    page = client.get("/oauth/zoom/callback", query_string={"code": answer["code"], "state": answer["state"]})
    assert page.status_code == 502
    assert html.escape(zoom_text(msg.PAGE_FAILED, platform="Zoom")) in page.get_data(as_text=True)
    assert zoom_text(msg.PLATFORM_AUTH_FAILED, platform="Zoom") in "\n".join(provider_chat.new_replies())
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []


def test_disconnect_confirms_revokes_and_deletes_everything(client, provider_chat, services, fake_zoom):
    connect(client, provider_chat)
    provider_chat.new_replies()
    ask = provider_chat.send("disconnect zoom")
    assert zoom_text(msg.PLATFORM_CONFIRM_DISCONNECT).split("\n")[0].format(email=fake_zoom.user.email) in ask
    done = provider_chat.send("yes")
    assert zoom_text(msg.PLATFORM_DISCONNECTED) in done
    assert fake_zoom.fake.revoked_tokens, "the token is revoked at Zoom"
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []
    provider_chat.send("menu")
    assert zoom_text(msg.INTEGRATIONS_NOT_CONNECTED) in provider_chat.send("1")
    raw = raw_database_text(services)
    assert fake_zoom.user.email not in raw


def test_disconnect_can_be_declined(client, provider_chat, services, fake_zoom):
    connect(client, provider_chat)
    provider_chat.send("disconnect zoom")
    assert zoom_text(msg.PLATFORM_KEPT, email=fake_zoom.user.email) in provider_chat.send("no")
    with unit_of_work(services.sessions) as session:
        assert len(session.scalars(select(VideoConnection)).all()) == 1


def test_disconnect_when_zoom_is_down_still_deletes_at_once(client, provider_chat, services, fake_zoom):
    connect(client, provider_chat)
    fake_zoom.fake.fail_next("revoke", 503)
    provider_chat.send("disconnect zoom")
    assert zoom_text(msg.PLATFORM_DISCONNECTED) in provider_chat.send("1")
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []


def test_disconnect_without_connection(provider_chat):
    assert zoom_text(msg.PLATFORM_NOT_CONNECTED) in provider_chat.send("disconnect zoom")


# -- the connected email at rest ----------------------------------------------------------------------------------

@pytest.fixture
def zoom_user(fake_zoom):
    """A Zoom user whose email is written nowhere else, not even by other runs sharing the PostgreSQL server's WAL."""
    return fake_zoom.fake.add_user(f"coach.{uuid.uuid4().hex[:12]}@example.com")


def talk_about_the_account(client, chat, user) -> None:
    """Every message that names the connected account: connected, the integrations menu, confirm, kept."""
    connect(client, chat, user_id=user.id)
    assert zoom_text(msg.PLATFORM_CONNECTED_CHAT, platform="Zoom", email=user.email) in "\n".join(chat.new_replies())
    assert zoom_text(msg.INTEGRATIONS_CONNECTED, email=user.email) in chat.send("connect zoom")
    chat.send("menu")
    assert zoom_text(msg.PLATFORM_CONFIRM_DISCONNECT).split("\n")[0].format(email=user.email) in chat.send("disconnect zoom")
    assert zoom_text(msg.PLATFORM_KEPT, email=user.email) in chat.send("no")


def remove(removal: str, chat, fake_zoom, user, served_app) -> None:
    if removal == "disconnect":
        chat.send("disconnect zoom")
        assert zoom_text(msg.PLATFORM_DISCONNECTED) in chat.send("yes")
    else:
        response = fake_zoom.fake.send_app_deauthorized(served_app + "/webhooks/zoom", ZOOM_WEBHOOK_SECRET, user)
        assert response.json() == {"deleted": 1}
        assert zoom_text(msg.PLATFORM_REMOVED, platform="Zoom") in "\n".join(chat.new_replies())


@pytest.mark.parametrize("removal", ["disconnect", "app_deauthorized"])
def test_the_zoom_email_never_reaches_the_disk_in_plain_text(client, provider_chat, services, fake_zoom, zoom_user,
                                                             served_app, on_disk, caplog, removal):
    """Not while connected, not after deletion: the database files (PostgreSQL: heap, TOAST, indexes after a
    CHECKPOINT, and the WAL written meanwhile) never hold the email, so there is nothing to redact."""
    caplog.set_level("DEBUG")
    canary = f"canary {uuid.uuid4().hex[:12]}"
    provider_chat.send(canary)  # something that is stored in plain text: the files read are the right ones
    talk_about_the_account(client, provider_chat, zoom_user)
    assert on_disk.find(zoom_user.email) == []
    remove(removal, provider_chat, fake_zoom, zoom_user, served_app)
    assert on_disk.find(zoom_user.email) == []
    seen = on_disk.find(canary)
    assert seen and (on_disk.first_wal_segment is None or any("pg_wal" in path for path in seen)), seen
    assert zoom_user.email not in caplog.text


@pytest.mark.parametrize("removal", ["disconnect", "app_deauthorized"])
def test_messages_naming_the_account_are_encrypted_and_deleted_with_it(client, provider_chat, services, fake_zoom,
                                                                        zoom_user, served_app, removal):
    talk_about_the_account(client, provider_chat, zoom_user)
    with unit_of_work(services.sessions) as session:
        sealed = session.scalars(select(OutboundMessage).where(OutboundMessage.sealed)).all()
        assert len(sealed) == 4
        assert all(zoom_user.email in outbox.message_body(services, row) for row in sealed)
    remove(removal, provider_chat, fake_zoom, zoom_user, served_app)
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(OutboundMessage).where(OutboundMessage.sealed)).all() == []
        kept = [row.body for row in session.scalars(select(OutboundMessage))]
    assert any(zoom_text(msg.PLATFORM_LINK).split("{link}")[0] in body for body in kept), "the rest of the chat history stays"


# -- the guide's troubleshooting, as tests ------------------------------------------------------------------------

def test_troubleshooting_connect_option_missing_on_free_plan(services, whatsapp, clock):
    make_provider(services, plan="free")
    chat = whatsapp(PROVIDER)
    chat.send("hi")
    reply = chat.send("connect zoom")
    assert zoom_text(msg.PLATFORM_NEEDS_PLAN, support_email=services.config.support_email) in reply
    assert LINK.search(reply) is None
    chat.send("help")
    assert zoom_text(msg.PLAN_FREE) in chat.send("1")


def test_trial_expiry_takes_zoom_away_until_upgrade(services, whatsapp, clock):
    make_provider(services)
    chat = whatsapp(PROVIDER)
    clock.advance(days=15)
    assert zoom_text(msg.PLATFORM_NEEDS_PLAN).split(".")[0] in chat.send("connect zoom")
    with unit_of_work(services.sessions) as session:
        repos.provider_by_phone(session, PROVIDER).plan = "pro"
    assert LINK.search(chat.send("connect zoom"))


def test_customers_are_told_zoom_is_for_providers(whatsapp):
    chat = whatsapp("+14155550100")
    chat.send("hi")
    assert zoom_text(msg.PLATFORM_NOT_PROVIDER) in chat.send("connect zoom")


def test_troubleshooting_authorization_timed_out_then_fresh_link_works(client, provider_chat, clock, fake_zoom):
    path = link_in(provider_chat.send("connect zoom"))
    clock.advance(minutes=30)
    assert client.get(path).status_code == 410
    provider_chat.send("help")
    assert zoom_text(msg.HELP_AUTH) in provider_chat.send("2")
    page, _ = connect(client, provider_chat)
    assert page.status_code == 200


def test_troubleshooting_wrong_account_disconnect_and_reconnect(client, provider_chat, services, fake_zoom):
    connect(client, provider_chat)
    other = fake_zoom.fake.add_user("asha.business@example.com")
    provider_chat.send("help")
    assert zoom_text(msg.HELP_WRONG_ACCOUNT) in provider_chat.send("3")
    provider_chat.send("disconnect zoom")
    provider_chat.send("yes")
    page, _ = connect(client, provider_chat, user_id=other.id)
    assert html.escape(zoom_text(msg.PAGE_CONNECTED, platform="Zoom", email=other.email)) in page.get_data(as_text=True)
    with unit_of_work(services.sessions) as session:
        conn = session.scalars(select(VideoConnection)).one()
        assert conn.external_user_id == other.id


def test_reconnecting_another_account_replaces_and_revokes_the_old_one(client, provider_chat, services, fake_zoom):
    connect(client, provider_chat)
    first_grants = set(fake_zoom.fake.grants)
    other = fake_zoom.fake.add_user("second@example.com")
    provider_chat.send("connect zoom")  # shows the connected account and the options
    page, _ = click_through(client, link_in(provider_chat.send("1")), user_id=other.id)
    assert other.email in page.get_data(as_text=True)
    assert fake_zoom.fake.revoked_tokens, "the replaced account's token is revoked"
    with unit_of_work(services.sessions) as session:
        assert [c.external_user_id for c in session.scalars(select(VideoConnection))] == [other.id]
        sealed = [outbox.message_body(services, row)
                  for row in session.scalars(select(OutboundMessage).where(OutboundMessage.sealed))]
    assert first_grants
    assert sealed and all(other.email in body and fake_zoom.user.email not in body for body in sealed), \
        "the messages naming the replaced account went with it"


# -- tokens: refresh, rotation, broken connections -------------------------------------------------------------

def provider_id(services) -> int:
    with unit_of_work(services.sessions) as session:
        return repos.provider_by_phone(session, PROVIDER).id


def test_access_token_is_refreshed_before_expiry_and_rotation_is_stored(client, provider_chat, services, clock,
                                                                       fake_zoom):
    connect(client, provider_chat)
    pid = provider_id(services)
    first = video_accounts.access_token(services, pid, "zoom")
    assert video_accounts.access_token(services, pid, "zoom") == first  # still fresh: no refresh
    clock.advance(minutes=56)
    second = video_accounts.access_token(services, pid, "zoom")
    assert second != first
    clock.advance(minutes=56)
    third = video_accounts.access_token(services, pid, "zoom")  # uses the rotated refresh token
    assert third not in (first, second)
    account = video_accounts.call(services, pid, "zoom", services.video.get("zoom").current_account)
    assert account.email == fake_zoom.user.email


def test_two_workers_refreshing_at_once_do_not_burn_the_refresh_token(client, provider_chat, services, clock,
                                                                      fake_zoom):
    connect(client, provider_chat)
    pid = provider_id(services)
    clock.advance(hours=2)
    fake_zoom.fake.delay_next("token", 0.3)  # the first refresh is slow, the second worker arrives meanwhile
    results: list[str] = []
    errors: list[BaseException] = []

    def worker():
        try:
            results.append(video_accounts.access_token(services, pid, "zoom"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).one().status == "connected"
    clock.advance(hours=2)
    assert video_accounts.access_token(services, pid, "zoom")  # the stored refresh token still works


def test_invalid_grant_marks_broken_and_asks_to_reconnect(client, provider_chat, services, clock, fake_zoom):
    connect(client, provider_chat)
    provider_chat.new_replies()
    pid = provider_id(services)
    fake_zoom.fake.revoke_user(fake_zoom.user.id)
    clock.advance(hours=2)
    with pytest.raises(video_accounts.NotConnected):
        video_accounts.access_token(services, pid, "zoom")
    warning = "\n".join(provider_chat.new_replies())
    assert zoom_text(msg.PLATFORM_BROKEN).split("{link}")[0].format(platform="Zoom") in warning
    assert LINK.search(warning)
    assert zoom_text(msg.INTEGRATIONS_BROKEN, email=fake_zoom.user.email) in provider_chat.send("connect zoom")
    page, _ = click_through(client, link_in(provider_chat.send("1")))
    assert page.status_code == 200
    assert video_accounts.access_token(services, pid, "zoom")


def test_error_124_refreshes_once_and_retries(client, provider_chat, services, fake_zoom):
    connect(client, provider_chat)
    pid = provider_id(services)
    fake_zoom.fake.fail_next("users_me", 401, body={"code": 124, "message": "Invalid access token."})
    account = video_accounts.call(services, pid, "zoom", services.video.get("zoom").current_account)
    assert account.email == fake_zoom.user.email


# -- removal from Zoom's side ----------------------------------------------------------------------------------------

def test_deauthorization_deletes_within_seconds_and_tells_the_provider(client, provider_chat, services, fake_zoom,
                                                                      served_app):
    connect(client, provider_chat)
    provider_chat.new_replies()
    response = fake_zoom.fake.send_app_deauthorized(served_app + "/webhooks/zoom", ZOOM_WEBHOOK_SECRET,
                                                    fake_zoom.user)
    assert response.status_code == 200 and response.elapsed.total_seconds() < 3
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []
    assert zoom_text(msg.PLATFORM_REMOVED, platform="Zoom") in "\n".join(provider_chat.new_replies())
    again = fake_zoom.fake.send_app_deauthorized(served_app + "/webhooks/zoom", ZOOM_WEBHOOK_SECRET, fake_zoom.user)
    assert again.status_code == 200 and again.json() == {"deleted": 0}
    assert provider_chat.new_replies() == []
    assert fake_zoom.user.email not in raw_database_text(services)


@pytest.mark.parametrize("case", ["forged", "wrong-secret", "old", "future", "garbage-timestamp"])
def test_deauthorization_with_a_bad_signature_changes_nothing(client, provider_chat, services, fake_zoom,
                                                              served_app, clock, case):
    connect(client, provider_chat)
    url = served_app + "/webhooks/zoom"
    user = fake_zoom.user
    send = fake_zoom.fake.send_app_deauthorized
    now = int(clock().timestamp())
    if case == "forged":
        response = send(url, ZOOM_WEBHOOK_SECRET, user, signature="v0=" + "0" * 64)
    elif case == "wrong-secret":
        response = send(url, "not-the-secret", user)
    elif case == "old":
        response = send(url, ZOOM_WEBHOOK_SECRET, user, timestamp=str(now - 301))
    elif case == "future":
        response = send(url, ZOOM_WEBHOOK_SECRET, user, timestamp=str(now + 301))
    else:
        response = send(url, ZOOM_WEBHOOK_SECRET, user, timestamp="yesterday")
    assert response.status_code == 401
    with unit_of_work(services.sessions) as session:
        assert len(session.scalars(select(VideoConnection)).all()) == 1


def test_url_validation_is_answered(served_app, fake_zoom):
    response = fake_zoom.fake.send_url_validation(served_app + "/webhooks/zoom", ZOOM_WEBHOOK_SECRET)
    assert response.status_code == 200


def test_malformed_zoom_webhook_is_refused(served_app, clock):
    import requests

    from integrations.zoom.webhooks import zoom_webhook_signature

    ts = str(int(clock().timestamp()))
    body = b"{not json"
    response = requests.post(served_app + "/webhooks/zoom", data=body, timeout=5, headers={
        "x-zm-request-timestamp": ts, "x-zm-signature": zoom_webhook_signature(ZOOM_WEBHOOK_SECRET, ts, body)})
    assert response.status_code == 400


def test_deauthorization_answers_fast_even_while_a_refresh_holds_the_row(client, provider_chat, services,
                                                                         fake_zoom, served_app):
    if services.engine.dialect.name != "postgresql":
        pytest.skip("row locks with a lock timeout are PostgreSQL's; SQLite serialises writers")
    connect(client, provider_chat)
    holder = services.engine.connect()
    transaction = holder.begin()
    holder.execute(text("SELECT id FROM video_connections FOR UPDATE"))  # a worker mid-refresh
    try:
        response = fake_zoom.fake.send_app_deauthorized(served_app + "/webhooks/zoom", ZOOM_WEBHOOK_SECRET,
                                                        fake_zoom.user)
        assert response.status_code == 200 and response.elapsed.total_seconds() < 3
        assert response.json() == {"deleted": "queued"}
    finally:
        transaction.rollback()
        holder.close()
    huey = services.queue.huey  # the worker picks the queued deletion up (its retry, once the row is free)
    assert huey.scheduled_count() == 1
    (task,) = huey.scheduled()
    assert task.execute() == 1
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(VideoConnection)).all() == []


def test_reconnecting_the_same_zoom_account_keeps_it_working(client, provider_chat, services, fake_zoom, clock):
    connect(client, provider_chat)
    provider_chat.send("connect zoom")
    page, _ = click_through(client, link_in(provider_chat.send("1")))  # same account again
    assert page.status_code == 200
    assert fake_zoom.fake.revoked_tokens == set(), "revoking would remove the app for this very user"
    clock.advance(hours=2)
    assert video_accounts.access_token(services, provider_id(services), "zoom")


@pytest.mark.parametrize("body", [b'{"event": "app_deauthorized", "payload": "x"}', b'{"event": 5}', b"[]"])
def test_signed_but_malformed_zoom_events_get_400(served_app, clock, body):
    import requests

    from integrations.zoom.webhooks import zoom_webhook_signature

    ts = str(int(clock().timestamp()))
    response = requests.post(served_app + "/webhooks/zoom", data=body, timeout=5, headers={
        "x-zm-request-timestamp": ts, "x-zm-signature": zoom_webhook_signature(ZOOM_WEBHOOK_SECRET, ts, body)})
    assert response.status_code == 400
