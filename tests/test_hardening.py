"""Hardening of the web side: a spoofed Host is refused (never echoed in a redirect), the pages carry
X-Content-Type-Options, X-Frame-Options and a strict Content-Security-Policy, and the Twilio library's per-request
INFO lines stay out of the log."""
from __future__ import annotations

import base64
import hashlib
import html
import logging
import re

import pytest

from bot.bootstrap import create_app
from bot.core import messages as msg
from bot.core.config import ConfigError, load_config
from tests.fixtures.settings import PUBLIC_BASE_URL
from tests.fixtures.texts import zoom_text

PUBLIC_HOST = "bot.mynextslot.test"


# -- trusted hosts ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/connect//zoom/x", "/connect/zoom/x", "/oauth//zoom/callback", "/healthz"])
@pytest.mark.parametrize("host", ["evil.example", "evil.example:443", f"{PUBLIC_HOST}.evil.example",
                                  f"evil.example#{PUBLIC_HOST}"])
def test_a_spoofed_host_is_refused_and_never_echoed(client, path, host):
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 400
    assert "evil" not in response.headers.get("Location", "")
    assert "evil" not in response.get_data(as_text=True)


def test_the_public_host_is_served_and_used_in_redirects(client):
    response = client.get("/connect//zoom/x", headers={"Host": PUBLIC_HOST})
    assert response.status_code == 308
    assert response.headers["Location"].split("/")[2] == PUBLIC_HOST
    assert client.get("/connect/zoom/x", headers={"Host": f"{PUBLIC_HOST}:443"}).status_code == 404


def test_trusted_hosts_default_to_the_public_base_url_host():
    assert load_config({}).allowed_hosts == ("localhost",)
    assert load_config({"PUBLIC_BASE_URL": "https://Bot.MyNextSlot.com:8443/"}).allowed_hosts == (
        "bot.mynextslot.com",)


def test_trusted_hosts_can_be_listed():
    config = load_config({"PUBLIC_BASE_URL": "https://bot.mynextslot.com",
                          "TRUSTED_HOSTS": " bot.mynextslot.com , Internal.LB , .svc.cluster.local, 10.0.0.7 ,"})
    assert config.allowed_hosts == ("bot.mynextslot.com", "internal.lb", ".svc.cluster.local", "10.0.0.7")


def test_trusted_hosts_follow_a_changed_public_base_url(config):
    assert config.with_(public_base_url="http://127.0.0.1:5123").allowed_hosts == ("127.0.0.1",)


@pytest.mark.parametrize("value", ["*", "https://bot.mynextslot.com", "bot.mynextslot.com:443",
                                   "bot.mynextslot.com/path", "bad host", "a..b", "évil.example"])
def test_a_malformed_trusted_host_is_refused_by_name(value):
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        load_config({"TRUSTED_HOSTS": value})


@pytest.mark.parametrize("value", ["bot.mynextslot.com", "ftp://bot.mynextslot.com", "https://", "https:///x"])
def test_a_public_base_url_without_a_host_is_refused_by_name(value):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config({"PUBLIC_BASE_URL": value})


def test_an_app_behind_another_name_answers_only_that_name(config):
    app = create_app(config.with_(trusted_hosts=("internal.example",)))
    client = app.test_client()
    assert client.get("/healthz", base_url="http://internal.example").status_code == 200
    assert client.get("/healthz", base_url=PUBLIC_BASE_URL).status_code == 400


# -- response headers -------------------------------------------------------------------------------------------

def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def assert_hardened(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    directives = csp_directives(response)
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"] and directives["form-action"] == ["'none'"]
    assert not any("unsafe" in value or value == "*" for values in directives.values() for value in values)


@pytest.mark.parametrize("path, headers, status, text", [
    ("/connect/zoom/" + "x" * 20, {}, 404, zoom_text(msg.PAGE_LINK_UNKNOWN)),
    ("/connect/zoom/" + "x" * 20, {"User-Agent": "WhatsApp/2.23.20.0 A"}, 200, zoom_text(msg.PAGE_LINK_PREVIEW)),
    ("/oauth/zoom/callback", {}, 404, zoom_text(msg.PAGE_LINK_UNKNOWN)),
])
def test_html_pages_are_hardened_and_their_style_is_allowed_by_hash(client, path, headers, status, text):
    response = client.get(path, headers=headers)
    assert response.status_code == status and response.mimetype == "text/html"
    assert_hardened(response)
    page = response.get_data(as_text=True)
    assert html.escape(text.format(platform="Zoom")) in page
    assert "style=" not in page, "inline style attributes would need 'unsafe-inline'"
    styles = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert csp_directives(response)["style-src"] == [f"'sha256-{digest}'"]


def test_every_other_response_is_hardened_too(client, whatsapp):
    assert_hardened(client.get("/healthz"))
    assert_hardened(client.get("/no-such-page"))
    user = whatsapp()
    assert_hardened(user.post(user.form("hi")))
    assert_hardened(client.post("/webhooks/zoom", data=b"{}"))


# -- logs -------------------------------------------------------------------------------------------------------

def test_the_twilio_library_logs_no_info_lines_per_message(whatsapp, fake_twilio, caplog):
    caplog.set_level(logging.INFO)
    whatsapp().send("hi")
    assert fake_twilio.fake.messages, "a reply went through the Twilio library"
    chatty = [r for r in caplog.records if r.name.startswith("twilio") and r.levelno < logging.WARNING]
    assert chatty == []
