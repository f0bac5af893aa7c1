"""The Zoom sandbox of `make run`: with no Zoom credentials in development, the strict fake Zoom is mounted under
/sandbox/zoom and the whole connect journey works in a browser against the running app."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.bootstrap import SANDBOX_USER, build_services, create_app
from bot.services import video_accounts
from integrations.google_meet import setup as google_setup
from integrations.google_meet.settings import GoogleSettings
from integrations.serving import Switchboard, serve_wsgi
from integrations.video import MeetingRequest
from store import repos
from store.db import unit_of_work
from store.models import VideoConnection
from tests.fixtures.consent_page import consent

REPO = Path(__file__).resolve().parent.parent
IMPORT_NAMES = {"pyyaml": "yaml"}  # distribution name -> the module it installs, where they differ


def test_connect_zoom_in_the_sandbox_and_create_a_meeting(config, clock):
    switch = Switchboard()
    served = serve_wsgi(switch)
    try:
        zoom = replace(config.platform("zoom"), sandbox=True, client_id="", client_secret="")
        sandbox = config.with_(platforms={"zoom": zoom}, public_base_url=served.url)
        services = build_services(sandbox)  # real clock: the sandbox is a real server
        switch.app = create_app(services=services)
        assert services.video.names() == ["zoom"]
        now = services.clock()
        with unit_of_work(services.sessions) as session:
            contact = repos.get_or_create_contact(session, "+919940790402", now)
            provider = repos.create_provider(session, contact, name="Asha", timezone="Asia/Kolkata", now=now)
            link = video_accounts.new_connect_link(services, session, provider, "zoom", now)
        browser = requests.Session()
        opened = browser.get(link, allow_redirects=False, timeout=5)
        assert opened.status_code == 302 and opened.headers["Location"].startswith(served.url + "/sandbox/zoom/")
        answer = consent(opened.headers["Location"])
        page = browser.get(answer["redirect_to"], params={"code": answer["code"], "state": answer["state"]},
                           timeout=5)
        assert page.status_code == 200 and SANDBOX_USER in page.text
        with unit_of_work(services.sessions) as session:
            conn = session.scalars(select(VideoConnection)).one()
        meeting = video_accounts.call(services, conn.provider_id, "zoom", lambda token: services.video.get(
            "zoom").create_meeting(token, MeetingRequest(topic="Sandbox", start_time=now, duration_minutes=30,
                                                         timezone="Asia/Kolkata")))
        assert meeting.join_url.startswith("https://zoom.us/j/")
        services.engine.dispose()
    finally:
        served.stop()


def test_connect_google_in_the_sandbox_and_make_a_meet_link(config, clock):
    switch = Switchboard()
    served = serve_wsgi(switch)
    try:
        sandbox = config.with_(platforms={"zoom": config.platform("zoom"),
                                          "google_meet": GoogleSettings(sandbox=True)}, public_base_url=served.url)
        services = build_services(sandbox)  # real clock: the sandbox is a real server
        switch.app = create_app(services=services)
        assert services.video.names() == ["google_meet", "zoom"]
        now = services.clock()
        with unit_of_work(services.sessions) as session:
            contact = repos.get_or_create_contact(session, "+919940790402", now)
            provider = repos.create_provider(session, contact, name="Asha", timezone="Asia/Kolkata", now=now)
            link = video_accounts.new_connect_link(services, session, provider, "google_meet", now)
        browser = requests.Session()
        opened = browser.get(link, allow_redirects=False, timeout=5)
        assert opened.status_code == 302 and opened.headers["Location"].startswith(served.url + "/sandbox/google/")
        answer = consent(opened.headers["Location"])
        page = browser.get(answer["redirect_to"], params={"code": answer["code"], "state": answer["state"]},
                           timeout=5)
        assert page.status_code == 200 and google_setup.SANDBOX_USER in page.text
        with unit_of_work(services.sessions) as session:
            conn = session.scalars(select(VideoConnection)).one()
        meeting = video_accounts.call(services, conn.provider_id, "google_meet", lambda token: services.video.get(
            "google_meet").create_meeting(token, MeetingRequest(topic="Sandbox", start_time=now, duration_minutes=30,
                                                                timezone="Asia/Kolkata", idempotency_key="s-1")))
        assert meeting.join_url.startswith("https://meet.google.com/")
        services.engine.dispose()
    finally:
        served.stop()


def _test_only_modules() -> list[str]:
    """The import names of pyproject's [test] extra: what a plain `pip install .` does not have."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower()
             for requirement in project["optional-dependencies"]["test"]]
    return sorted(IMPORT_NAMES.get(name, name.replace("-", "_")) for name in names)


@pytest.mark.slow
def test_the_sandbox_works_with_the_runtime_dependencies_alone():
    """A plain `pip install .` with no Zoom credentials boots, runs init-db and connects Zoom through the sandbox
    (jsonschema and PyYAML, which check request bodies against Zoom's spec, are test-only)."""
    blocked = _test_only_modules()
    assert {"jsonschema", "yaml", "pytest"} <= set(blocked)
    done = subprocess.run([sys.executable, "-m", "tests.fixtures.plain_install", json.dumps(blocked)], cwd=REPO,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("sandbox ok")


def test_the_sandbox_checks_request_bodies_when_it_can(tmp_path):
    from integrations.zoom.fake import body_validation_available

    assert body_validation_available(), "in a test install the spec and its libraries are there"
    assert not body_validation_available(tmp_path / "missing.yaml")
