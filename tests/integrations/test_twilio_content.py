"""Rich messages through Twilio's Content API: `Rich` and its definition (integrations/twilio/content.py), the real
TwilioMessenger creating, listing, deleting and sending contents over HTTP to the served strict fake, the fake's
limits (one case per limit, the boundary accepted), its send-time checks, the 24-hour window and `seen()`."""
from __future__ import annotations

import copy
import json
import logging
import socket
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from integrations.twilio.content import Item, Rich, definition, definition_key
from integrations.twilio.messenger import ConsoleMessenger, ContentRefused, MessengerUnavailable, TwilioMessenger
from tests.fixtures.twilio import ServedFakeTwilio, _fake_twilio_server, fake_twilio  # noqa: F401  (fixtures)
from tests.fixtures.zoom import FakeClock

CUSTOMER = "whatsapp:+15551234567"
STRANGER = "whatsapp:+15557654321"


def messenger_for(served: ServedFakeTwilio, **overrides: Any) -> TwilioMessenger:
    settings_ = {"account_sid": served.account_sid, "auth_token": served.auth_token, "from_number": served.sender,
                 "api_base_url": served.url, **overrides}
    return TwilioMessenger(**settings_)


@pytest.fixture
def clock(fake_twilio: ServedFakeTwilio) -> FakeClock:
    """The fake Twilio's clock, settable; the customer wrote a minute ago (their window is open)."""
    fake_twilio.fake.clock = clock = FakeClock()  # (window_clock is unset: the window follows it too)
    fake_twilio.fake.received(CUSTOMER, at=clock.now - timedelta(minutes=1))
    return clock


def days(n: int = 3, *, descriptions: bool = True, body: str = "Pick a day:") -> Rich:
    return Rich("list-picker", body, tuple(Item(f"day-{i}", f"Mon {i} Apr", f"{i + 2} free slots" if descriptions
                                                else "") for i in range(1, n + 1)), button="Days")


def buttons(*titles: str, body: str = "Book it?") -> Rich:
    return Rich("quick-reply", body, tuple(Item(title.lower(), title) for title in titles))


def link(url: str = "https://us05web.zoom.us/j/8123?pwd=abc", title: str = "Join Zoom meeting",
         body: str = "Your session starts soon.") -> Rich:
    return Rich("call-to-action", body, url=url, url_title=title)


# --- Rich and its definition ----------------------------------------------------------------------------------------


def test_a_list_becomes_variables_and_a_fixed_definition() -> None:
    payload, variables = definition(days(2, body="Pick a day:\n\nOr send *menu*."))

    assert payload == {
        "friendly_name": payload["friendly_name"], "language": "en",
        "variables": {"1": "Text 1", "2": "Text 2", "3": "Choose", "4": "Option 1", "5": "option-1",
                      "6": "Details 1", "7": "Option 2", "8": "option-2", "9": "Details 2"},
        "types": {"twilio/list-picker": {
            "body": "{{1}}\n\n{{2}}", "button": "{{3}}",
            "items": [{"item": "{{4}}", "id": "{{5}}", "description": "{{6}}"},
                      {"item": "{{7}}", "id": "{{8}}", "description": "{{9}}"}]}}}
    assert payload["friendly_name"].startswith("mns_list_2_desc_")
    assert variables == {"1": "Pick a day:", "2": "Or send *menu*.", "3": "Days", "4": "Mon 1 Apr", "5": "day-1",
                         "6": "3 free slots", "7": "Mon 2 Apr", "8": "day-2", "9": "4 free slots"}


def test_a_link_keeps_its_host_and_title_static_and_its_path_variable() -> None:
    payload, variables = definition(link())

    assert payload["types"] == {"twilio/call-to-action": {
        "body": "{{1}}", "actions": [{"type": "URL", "title": "Join Zoom meeting",
                                      "url": "https://us05web.zoom.us/{{2}}"}]}}
    assert variables == {"1": "Your session starts soon.", "2": "j/8123?pwd=abc"}
    bare, bare_variables = definition(link(url="https://meet.example"))
    assert bare["types"]["twilio/call-to-action"]["actions"][0]["url"] == "https://meet.example/"
    assert bare_variables == {"1": "Your session starts soon."}


@pytest.mark.parametrize(("one", "other"), [
    (days(3, body="Pick a day:"), days(3, body="Which day suits you, Ravi?")),
    (Rich("list-picker", "Pick a time", (Item("t1", "09:00", "Thu"), Item("t2", "09:30", "Thu")), button="Times"),
     Rich("list-picker", "Choose", (Item("x", "Yoga", "1 h"), Item("y", "Pilates", "45 min")), button="Sessions")),
    (buttons("Yes", "No"), buttons("Confirm", "Edit", body="All right?")),
    (link(), link(url="https://us05web.zoom.us/j/999?pwd=zzz", body="Starting now!")),
])
def test_messages_of_one_shape_share_one_content(one: Rich, other: Rich) -> None:
    (first, first_vars), (second, second_vars) = definition(one), definition(other)
    assert first == second and definition_key(first) == definition_key(second)
    assert first_vars != second_vars


@pytest.mark.parametrize("other", [
    days(4), days(3, descriptions=False), days(3, body="Pick a day:\nOr type one"), days(3, body="Pick\n\na day"),
    buttons("Yes", "No", "Maybe"), link(url="https://us04web.zoom.us/j/1"), link(title="Connect Zoom"),
    link(url="https://us05web.zoom.us/"),
], ids=["more rows", "no descriptions", "two lines", "a blank line", "three buttons", "another host",
        "another title", "no path"])
def test_another_shape_is_another_content(other: Rich) -> None:
    base = {"list-picker": days(3), "quick-reply": buttons("Yes", "No"), "call-to-action": link()}[other.kind]
    assert definition_key(definition(other)[0]) != definition_key(definition(base)[0])


def test_definition_key_is_stable_and_ignores_key_order() -> None:
    payload = definition(days(2))[0]
    shuffled = json.loads(json.dumps(payload))
    shuffled = {k: shuffled[k] for k in reversed(list(shuffled))}
    assert definition_key(payload) == definition_key(shuffled) == definition_key(copy.deepcopy(payload))
    assert len(definition_key(payload)) == 64


@pytest.mark.parametrize(("rich", "problem"), [
    (Rich("carousel", "x"), "unknown kind"),
    (buttons("Yes", body="b" * 1025), "body is 1025 characters"),
    (buttons("Yes", body=" \n "), "body is empty"),
    (buttons(), "0 buttons"),
    (buttons("A", "B", "C", "D"), "4 buttons"),
    (buttons("x" * 21), "button 1 title is 21 characters"),
    (buttons("Yes", "Yes"), "same title"),
    (Rich("quick-reply", "b", (Item("a", "A", "why"),)), "has a description"),
    (Rich("quick-reply", "b", (Item("i" * 201, "A"),)), "button 1 id is 201 characters"),
    (days(0), "0 rows"),
    (days(11), "11 rows"),
    (Rich("list-picker", "b", (Item("a", "A"),)), "list button is empty"),
    (Rich("list-picker", "b", (Item("a", "A"),), button="b" * 21), "list button is 21 characters"),
    (Rich("list-picker", "b", (Item("a", "r" * 25),), button="Open"), "row 1 title is 25 characters"),
    (Rich("list-picker", "b", (Item("a", "A", "d" * 73),), button="Open"), "row 1 description is 73 characters"),
    (Rich("list-picker", "b", (Item("a", "A\nB"),), button="Open"), "row 1 title has a line break"),
    (Rich("list-picker", "b", (Item("a", "A"), Item("a", "B")), button="Open"), "same id"),
    (Rich("list-picker", "b\tc", (Item("a", "A"),), button="Open"), "tab or more than four spaces"),
    (Rich("list-picker", "b      c", (Item("a", "A"),), button="Open"), "tab or more than four spaces"),
    (Rich("list-picker", "b\r\nc", (Item("a", "A"),), button="Open"), "body has a line break"),
    (link(url="http://zoom.example/j/1"), "not an https URL"),
    (link(url="https://zoom.example/j/ 1"), "not an https URL"),
    (link(url="https://[zoom.example/j/1"), "not an https URL"),
    (link(title="t" * 21), "link title is 21 characters"),
    (link(title="Join {{1}}"), "reads as a variable"),
    (Rich("call-to-action", "b", (Item("a", "A"),), url="https://x.example/", url_title="Go"), "has no items"),
    (Rich("quick-reply", "b", (Item("a", "A"),), url="https://x.example/"), "only a call-to-action"),
    (Rich("quick-reply", "b", (Item("a", "A"),), button="Open"), "only a list-picker"),
    (Rich("list-picker", "\n".join(f"line {n}" for n in range(70)), tuple(Item(f"r{n}", "R", "d") for n in range(10)),
          button="Open"), "more than Twilio's 100"),
])
def test_a_rich_message_over_its_limits_reports_its_problems(rich: Rich, problem: str) -> None:
    problems = rich.problems()
    assert any(problem in p for p in problems), problems
    with pytest.raises(ValueError):
        definition(rich)


@pytest.mark.parametrize("rich", [
    buttons("x" * 20), Rich("quick-reply", "b" * 1024, (Item("i" * 200, "A"),)), days(10), days(1),
    Rich("list-picker", "b", (Item("a", "r" * 24, "d" * 72),), button="b" * 20), link(title="t" * 20),
    Rich("list-picker", "    indented    line", (Item("a", "A"),), button="Open"),
], ids=["title 20", "body 1024 id 200", "10 rows", "1 row", "row 24 description 72 button 20", "link title 20",
        "four spaces"])
def test_a_rich_message_at_its_limits_has_no_problems(rich: Rich) -> None:
    assert rich.problems() == []


def test_rich_round_trips_through_json() -> None:
    for rich in (days(3), buttons("Yes", "No"), link()):
        stored = json.loads(json.dumps(rich.to_json()))
        assert Rich.from_json(stored) == rich


@pytest.mark.parametrize("data", [[], {"kind": 3}, {"kind": "quick-reply", "items": {}},
                                  {"kind": "quick-reply", "body": "b", "items": [{"id": 1}]},
                                  {"kind": "quick-reply", "body": "b", "items": ["x"]}])
def test_from_json_refuses_what_to_json_never_gives(data: Any) -> None:
    with pytest.raises(ValueError):
        Rich.from_json(data)


# --- the Content API through the messenger --------------------------------------------------------------------------


def test_create_get_list_and_delete(fake_twilio: ServedFakeTwilio) -> None:
    messenger = messenger_for(fake_twilio)
    payload = definition(days(2))[0]

    sid = messenger.create_content(payload)

    assert sid.startswith("HX") and len(sid) == 34 and int(sid[2:], 16) >= 0
    resource = messenger.get_content(sid)
    assert resource is not None
    assert {k: resource[k] for k in ("sid", "account_sid", "friendly_name", "language", "variables", "types")} == {
        "sid": sid, "account_sid": fake_twilio.account_sid, **payload}
    assert resource["url"] == f"https://content.twilio.com/v1/Content/{sid}"
    assert set(resource) == {"sid", "account_sid", "friendly_name", "language", "variables", "types", "url",
                             "date_created", "date_updated", "links"}
    others = [messenger.create_content(definition(shape)[0]) for shape in (days(3), buttons("Yes"), link())]
    assert [c["sid"] for c in messenger.list_contents(page_size=2)] == [sid, *others]
    assert fake_twilio.fake.contents()[sid] == payload

    assert messenger.delete_content(sid) is True
    assert messenger.get_content(sid) is None
    assert messenger.delete_content(sid) is False
    assert [c["sid"] for c in messenger.list_contents()] == others


def test_a_refused_definition_raises_with_twilios_code_and_message(fake_twilio: ServedFakeTwilio) -> None:
    payload = definition(days(2))[0]
    payload["types"]["twilio/list-picker"]["items"][0]["item"] = "x" * 25

    with pytest.raises(ContentRefused) as refused:
        messenger_for(fake_twilio).create_content(payload)

    assert (refused.value.status, refused.value.code) == (400, 21658)
    assert "24" in refused.value.message and fake_twilio.fake.contents() == {}


def test_wrong_credentials_are_refused(fake_twilio: ServedFakeTwilio) -> None:
    with pytest.raises(ContentRefused) as refused:
        messenger_for(fake_twilio, auth_token="not-it").create_content(definition(days(1))[0])
    assert (refused.value.status, refused.value.code) == (401, 20003)


@pytest.mark.parametrize(("status", "code"), [(500, 20500), (503, 20503), (429, 20429)])
def test_server_errors_and_rate_limits_are_unavailable(fake_twilio: ServedFakeTwilio, status: int,
                                                        code: int) -> None:
    messenger = messenger_for(fake_twilio)
    fake_twilio.fake.fail_next(status=status, code=code)
    with pytest.raises(MessengerUnavailable):
        messenger.create_content(definition(days(1))[0])
    assert messenger.create_content(definition(days(1))[0]).startswith("HX")


def test_an_unreachable_content_api_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    messenger = TwilioMessenger("AC" + "0" * 32, "token", "whatsapp:+14155238886", f"http://127.0.0.1:{port}")
    with pytest.raises(MessengerUnavailable) as unavailable:
        messenger.create_content(definition(days(1))[0])
    assert unavailable.value.maybe_sent is False


def test_supports_content_says_who_has_the_content_api(fake_twilio: ServedFakeTwilio) -> None:
    assert messenger_for(fake_twilio).supports_content is True
    console = ConsoleMessenger()
    assert console.supports_content is False
    assert not console.send_content(CUSTOMER, "HX" + "0" * 32, {}).ok
    with pytest.raises(ContentRefused):
        console.create_content(definition(days(1))[0])


def test_logs_show_no_text_no_variables_and_no_number(fake_twilio: ServedFakeTwilio, clock: FakeClock,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    messenger = messenger_for(fake_twilio)
    rich = days(2, body="Private note for Ravi")
    payload, variables = definition(rich)
    sid = messenger.create_content(payload)
    messenger.send_content(CUSTOMER, sid, variables)
    messenger.send_content(STRANGER, sid, variables)  # refused: outside the window
    messenger.delete_content(sid)

    assert "Private note" not in caplog.text and "Mon 1 Apr" not in caplog.text and "day-1" not in caplog.text
    assert "5551234567" not in caplog.text and "5557654321" not in caplog.text


# --- the fake's limits ------------------------------------------------------------------------------------------------

def list_picker(**change: Any) -> dict[str, Any]:
    body = {"body": "{{1}}", "button": "Open", "items": [{"item": "{{2}}", "id": "{{3}}", "description": "d"}]}
    return {"friendly_name": "t", "language": "en", "variables": {"1": "a", "2": "b", "3": "c"},
            "types": {"twilio/list-picker": {**body, **change}}}


def quick_reply(**change: Any) -> dict[str, Any]:
    return {"language": "en", "variables": {"1": "a"},
            "types": {"twilio/quick-reply": {"body": "{{1}}", "actions": [{"title": "Yes", "id": "yes"}], **change}}}


def call_to_action(*actions: dict[str, Any], **change: Any) -> dict[str, Any]:
    return {"language": "en", "variables": {"1": "a", "2": "j/1"},
            "types": {"twilio/call-to-action": {
                "body": "{{1}}", "actions": list(actions) or [
                    {"type": "URL", "title": "Join", "url": "https://zoom.example/{{2}}"}], **change}}}


def text_content(body: str = "{{1}}") -> dict[str, Any]:
    return {"language": "en", "variables": {"1": "a"}, "types": {"twilio/text": {"body": body}}}


def rows(n: int, **item: str) -> list[dict[str, str]]:
    return [{"item": f"Row {i}", "id": f"r{i}", **item} for i in range(n)]


def actions(n: int, **action: str) -> list[dict[str, str]]:
    return [{"title": f"B{i}", "id": f"b{i}", **action} for i in range(n)]


def without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    node = payload
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return payload


def with_(payload: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    return {**payload, key: value}


REFUSED = [
    ("unknown top-level field", with_(text_content(), "colour", "blue"), 20001),
    ("no types", without(text_content(), "types"), 92001),
    ("empty types", with_(text_content(), "types", {}), 92001),
    ("unknown content type", with_(text_content(), "types", {"twilio/hologram": {"body": "x"}}), 20422),
    ("a type Twilio retired", with_(text_content(), "types", {"twilio/button": {"body": "x"}}), 92008),
    ("a type the fake does not model", with_(text_content(), "types", {"twilio/media": {"body": "x"}}), 20422),
    ("unknown field in a type", list_picker(footer="x"), 20001),
    ("no language", without(text_content(), "language"), 20422),
    ("text body 1601", text_content("x" * 1601), 21658),
    ("list body 1025", list_picker(body="x" * 1025), 21658),
    ("list without button", without(list_picker(), "types", "twilio/list-picker", "button"), 20422),
    ("list button 21", list_picker(button="x" * 21), 21658),
    ("no rows", list_picker(items=[]), 20422),
    ("11 rows", list_picker(items=rows(11)), 20422),
    ("row 25", list_picker(items=[{"item": "x" * 25, "id": "a"}]), 21658),
    ("row id 201", list_picker(items=[{"item": "a", "id": "x" * 201}]), 21658),
    ("row description 73", list_picker(items=[{"item": "a", "id": "a", "description": "x" * 73}]), 21658),
    ("row without id", list_picker(items=[{"item": "a"}]), 20422),
    ("unknown row field", list_picker(items=[{"item": "a", "id": "a", "emoji": "x"}]), 20001),
    ("buttons body 1025", quick_reply(body="x" * 1025), 21658),
    ("no buttons", quick_reply(actions=[]), 20422),
    ("4 buttons in a session message", quick_reply(actions=actions(4)), 20422),
    ("button title 21", quick_reply(actions=[{"title": "x" * 21, "id": "a"}]), 21658),
    ("button id 201", quick_reply(actions=[{"title": "a", "id": "x" * 201}]), 21658),
    ("a button of another type", quick_reply(actions=[{"title": "a", "id": "a", "type": "URL"}]), 20422),
    ("link title 21", call_to_action({"type": "URL", "title": "x" * 21, "url": "https://z.example/"}), 21658),
    ("link over http", call_to_action({"type": "URL", "title": "Go", "url": "http://z.example/{{2}}"}), 20422),
    ("link host a variable", call_to_action({"type": "URL", "title": "Go", "url": "https://{{2}}/j"}), 20422),
    ("link host's end a variable", call_to_action({"type": "URL", "title": "Go", "url": "https://z{{2}}"}), 20422),
    ("link variable not last", call_to_action({"type": "URL", "title": "Go", "url": "https://z.example/{{2}}/x"}),
     20422),
    ("link title a variable", call_to_action({"type": "URL", "title": "{{2}}", "url": "https://z.example/"}), 20422),
    ("link action of unknown type", call_to_action({"type": "COPY_CODE", "title": "Go", "code": "x"}), 20422),
    ("phone not E.164", call_to_action({"type": "PHONE_NUMBER", "title": "Call", "phone": "555-1234"}), 20422),
    ("three link actions", call_to_action(*[{"type": "URL", "title": "Go", "url": "https://z.example/"}] * 3), 20422),
    ("101 variables", with_(text_content(), "variables", {str(n): "v" for n in range(1, 102)}), 20422),
    ("a variable without default", text_content("{{1}} and {{2}}"), 20422),
    ("a malformed placeholder", text_content("{{1}} and {{}}"), 20422),
    ("a named placeholder", text_content("{{1}} and {{name}}"), 20422),
    ("an empty default", with_(text_content(), "variables", {"1": ""}), 20422),
]
ACCEPTED = [
    ("text body 1600", text_content("x" * 1600)),
    ("list body 1024, button 20", list_picker(body="x" * 1024, button="x" * 20)),
    ("10 rows", list_picker(items=rows(10))),
    ("row 24, id 200, description 72", list_picker(items=[{"item": "x" * 24, "id": "x" * 200,
                                                           "description": "x" * 72}])),
    ("rows without descriptions", list_picker(items=rows(2))),
    ("3 buttons of title 20, id 200", quick_reply(actions=actions(2) + [{"title": "x" * 20, "id": "x" * 200,
                                                                         "type": "QUICK_REPLY"}])),
    ("link title 20, variable suffix", call_to_action({"type": "URL", "title": "x" * 20,
                                                      "url": "https://z.example/j/{{2}}"})),
    ("a static link and a phone", call_to_action({"type": "URL", "title": "Go", "url": "https://z.example/"},
                                                 {"type": "PHONE_NUMBER", "title": "Call", "phone": "+14155238886"})),
    ("100 variables", with_(text_content(" ".join(f"{{{{{n}}}}}" for n in range(1, 101))), "variables",
                            {str(n): "v" for n in range(1, 101)})),
    ("a text fallback beside a list", with_(list_picker(), "types", {**list_picker()["types"],
                                                                     "twilio/text": {"body": "{{1}}"}})),
]


@pytest.mark.parametrize(("payload", "code"), [pytest.param(p, c, id=i) for i, p, c in REFUSED])
def test_the_fake_refuses_a_definition_over_a_limit(fake_twilio: ServedFakeTwilio, payload: dict[str, Any],
                                                    code: int) -> None:
    with pytest.raises(ContentRefused) as refused:
        messenger_for(fake_twilio).create_content(payload)
    assert (refused.value.status, refused.value.code) == (400, code), refused.value.message
    assert fake_twilio.fake.contents() == {}


@pytest.mark.parametrize("payload", [pytest.param(p, id=i) for i, p in ACCEPTED])
def test_the_fake_accepts_a_definition_at_its_limits(fake_twilio: ServedFakeTwilio, payload: dict[str, Any]) -> None:
    sid = messenger_for(fake_twilio).create_content(payload)
    assert fake_twilio.fake.contents() == {sid: payload}


def test_add_content_checks_as_create_does(fake_twilio: ServedFakeTwilio) -> None:
    with pytest.raises(ValueError, match="21658"):
        fake_twilio.fake.add_content("HX" + "a" * 32, text_content("x" * 1601))
    with pytest.raises(ValueError, match="content sid"):
        fake_twilio.fake.add_content("HX123", text_content())


# --- sending a content --------------------------------------------------------------------------------------------


def created(served: ServedFakeTwilio, rich: Rich) -> tuple[TwilioMessenger, str, dict[str, str]]:
    messenger = messenger_for(served)
    payload, variables = definition(rich)
    return messenger, messenger.create_content(payload), variables


def test_a_list_is_sent_and_seen_as_sent(fake_twilio: ServedFakeTwilio, clock: FakeClock) -> None:
    messenger, sid, variables = created(fake_twilio, days(2, body="Pick a day:\n\nOr send *menu*."))

    result = messenger.send_content(CUSTOMER, sid, variables, status_callback="https://bot.example/status")

    assert result.ok and result.status == "queued"
    (message,) = fake_twilio.fake.messages
    assert (message["content_sid"], message["content_variables"], message["body"]) == (sid, variables, None)
    assert fake_twilio.fake.seen(CUSTOMER) == [{
        "sid": result.sid, "kind": "list-picker", "body": "Pick a day:\n\nOr send *menu*.", "button": "Days",
        "items": [{"id": "day-1", "title": "Mon 1 Apr", "description": "3 free slots"},
                  {"id": "day-2", "title": "Mon 2 Apr", "description": "4 free slots"}],
        "url": "", "url_title": ""}]


def test_seen_renders_every_kind_in_order(fake_twilio: ServedFakeTwilio, clock: FakeClock) -> None:
    messenger = messenger_for(fake_twilio)
    messenger.send_text(CUSTOMER, "Hello")
    for rich in (buttons("Yes", "No"), link()):
        _, sid, variables = created(fake_twilio, rich)
        assert messenger.send_content(CUSTOMER, sid, variables).ok
    template = fake_twilio.template("HX" + "c" * 32)
    messenger.send_template(CUSTOMER, template, {"1": "Your session moved."})

    seen = fake_twilio.fake.seen(CUSTOMER)
    assert [(m["kind"], m["body"]) for m in seen] == [
        ("text", "Hello"), ("quick-reply", "Book it?"), ("call-to-action", "Your session starts soon."),
        ("template", "Your session moved.")]
    assert seen[1]["items"] == [{"id": "yes", "title": "Yes", "description": ""},
                                {"id": "no", "title": "No", "description": ""}]
    assert (seen[2]["url"], seen[2]["url_title"]) == ("https://us05web.zoom.us/j/8123?pwd=abc", "Join Zoom meeting")
    assert [m["sid"] for m in seen] == [m["sid"] for m in fake_twilio.fake.messages]
    assert fake_twilio.fake.seen(STRANGER) == []


def test_an_unknown_or_deleted_content_is_21655(fake_twilio: ServedFakeTwilio, clock: FakeClock) -> None:
    messenger, sid, variables = created(fake_twilio, days(1))
    assert messenger.send_content(CUSTOMER, "HX" + "e" * 32, variables).error_code == 21655
    messenger.delete_content(sid)
    result = messenger.send_content(CUSTOMER, sid, variables)
    assert (result.ok, result.error_code) == (False, 21655)
    assert fake_twilio.fake.messages == []


def change(variables: dict[str, str], **values: str | None) -> dict[str, str]:
    changed = {**variables, **values}
    return {k: v for k, v in changed.items() if v is not None}


@pytest.mark.parametrize(("variables", "code"), [
    pytest.param(lambda v: change(v, **{"2": None}), 21656, id="a variable unfilled"),
    pytest.param(lambda v: change(v, **{"99": "x"}), 21656, id="a variable the content does not have"),
    pytest.param(lambda v: change(v, **{"2": ""}), 21656, id="an empty value"),
    pytest.param(lambda v: {**v, **{str(n): "x" for n in range(100, 200)}}, 21656, id="more than 100 pairs"),
    pytest.param(lambda v: change(v, **{"1": "two\nlines"}), 21656, id="a newline in a list's variable"),
    pytest.param(lambda v: change(v, **{"1": "a\ttab"}), 21656, id="a tab"),
    pytest.param(lambda v: change(v, **{"1": "five     spaces"}), 21656, id="five spaces in a row"),
    pytest.param(lambda v: change(v, **{"3": "x" * 25}), 21658, id="a filled row of 25"),
    pytest.param(lambda v: change(v, **{"2": "x" * 21}), 21658, id="a filled list button of 21"),
    pytest.param(lambda v: change(v, **{"5": "x" * 73}), 21658, id="a filled description of 73"),
    pytest.param(lambda v: change(v, **{"4": "x" * 201}), 21658, id="a filled id of 201"),
    pytest.param(lambda v: change(v, **{"1": "x" * 1025}), 21658, id="a filled body of 1025"),
    pytest.param(lambda v: change(v, **{"7": v["4"]}), 63021, id="two rows with one id"),
])
def test_content_variables_are_checked_against_the_content(
        fake_twilio: ServedFakeTwilio, clock: FakeClock, variables: Callable[[dict[str, str]], dict[str, str]],
        code: int) -> None:
    messenger, sid, good = created(fake_twilio, days(2))
    result = messenger.send_content(CUSTOMER, sid, variables(good))
    assert (result.ok, result.error_code) == (False, code), result.error_message
    assert fake_twilio.fake.messages == []


def test_filled_values_at_the_limits_are_accepted(fake_twilio: ServedFakeTwilio, clock: FakeClock) -> None:
    messenger, sid, good = created(fake_twilio, days(2))
    filled = change(good, **{"1": "x" * 1024, "2": "x" * 20, "3": "x" * 24, "4": "x" * 200, "5": "x" * 72,
                             "6": "y" * 24})
    assert messenger.send_content(CUSTOMER, sid, filled).ok
    assert fake_twilio.fake.seen(CUSTOMER)[0]["items"][0] == {"id": "x" * 200, "title": "x" * 24,
                                                              "description": "x" * 72}


def test_a_template_variable_may_hold_braces_but_not_a_line_break(fake_twilio: ServedFakeTwilio) -> None:
    template = fake_twilio.template("HX" + "c" * 32)
    assert messenger_for(fake_twilio).send_template(STRANGER, template, {"1": "a {{2}} b }} c"}).ok
    assert messenger_for(fake_twilio).send_template(STRANGER, template, {"1": "a\nc"}).error_code == 21656


def test_two_buttons_with_one_title_are_refused(fake_twilio: ServedFakeTwilio, clock: FakeClock) -> None:
    messenger, sid, good = created(fake_twilio, buttons("Yes", "No"))
    assert messenger.send_content(CUSTOMER, sid, change(good, **{"4": "Yes"})).error_code == 63021


def test_content_variables_without_a_content_sid_are_21654(fake_twilio: ServedFakeTwilio) -> None:
    response = requests.post(f"{fake_twilio.url}/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json",
                             data={"To": CUSTOMER, "From": fake_twilio.sender, "Body": "x",
                                   "ContentVariables": '{"1": "a"}'},
                             auth=(fake_twilio.account_sid, fake_twilio.auth_token), timeout=5)
    assert response.status_code == 400 and response.json()["code"] == 21654


# --- the 24-hour window -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rich", [days(2), buttons("Yes"), link()], ids=["list", "buttons", "link"])
def test_a_session_content_to_someone_who_never_wrote_is_63016(fake_twilio: ServedFakeTwilio, clock: FakeClock,
                                                               rich: Rich) -> None:
    messenger, sid, variables = created(fake_twilio, rich)

    result = messenger.send_content(STRANGER, sid, variables)

    assert (result.ok, result.error_code) == (False, 63016)
    fake_twilio.fake.received(STRANGER)
    assert messenger.send_content(STRANGER, sid, variables).ok


def test_a_load_benchmarks_fake_counts_everyone_as_having_written(fake_twilio: ServedFakeTwilio,
                                                                  clock: FakeClock) -> None:
    messenger, sid, variables = created(fake_twilio, days(2))
    fake_twilio.fake.everyone_wrote = True
    assert messenger.send_content(STRANGER, sid, variables).ok


def test_the_window_closes_24_hours_after_they_wrote(fake_twilio: ServedFakeTwilio, clock: FakeClock) -> None:
    messenger, sid, variables = created(fake_twilio, days(2))
    fake_twilio.fake.received(STRANGER, at=clock.now - timedelta(hours=23, minutes=59))
    assert messenger.send_content(STRANGER, sid, variables).ok
    clock.advance(minutes=1)
    assert messenger.send_content(STRANGER, sid, variables).error_code == 63016
    fake_twilio.fake.received(STRANGER, at=clock.now - timedelta(hours=30))  # an older message changes nothing
    assert messenger.send_content(STRANGER, sid, variables).error_code == 63016
    fake_twilio.fake.received(STRANGER)
    assert messenger.send_content(STRANGER, sid, variables).ok


def test_the_window_may_follow_the_apps_clock_while_messages_keep_real_dates(fake_twilio: ServedFakeTwilio) -> None:
    app_clock = FakeClock()  # 2025: what the bot's Services run on in tests
    fake_twilio.fake.window_clock = app_clock
    fake_twilio.fake.received(CUSTOMER)
    messenger, sid, variables = created(fake_twilio, buttons("Yes"))
    assert messenger.send_content(CUSTOMER, sid, variables).ok
    app_clock.advance(hours=24)
    assert messenger.send_content(CUSTOMER, sid, variables).error_code == 63016
    listed = requests.get(f"{fake_twilio.url}/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json",
                          auth=(fake_twilio.account_sid, fake_twilio.auth_token), timeout=5).json()["messages"]
    created_at = parsedate_to_datetime(listed[0]["date_created"])
    assert abs(created_at - datetime.now(timezone.utc)) < timedelta(minutes=5)


def test_an_approved_text_template_goes_anywhere(fake_twilio: ServedFakeTwilio, clock: FakeClock) -> None:
    template = fake_twilio.template("HX" + "c" * 32)
    assert messenger_for(fake_twilio).send_template(STRANGER, template, {"1": "Your session moved."}).ok


def test_send_inbound_opens_the_window(fake_twilio: ServedFakeTwilio, clock: FakeClock) -> None:
    messenger, sid, variables = created(fake_twilio, buttons("Yes"))
    fake_twilio.fake.transport = lambda url, data, headers, timeout: None  # nobody listening: only the window matters
    fake_twilio.fake.send_inbound("https://bot.example/webhooks/twilio/whatsapp", STRANGER, "hi")
    assert messenger.send_content(STRANGER, sid, variables).ok


# --- any message of a problem-free shape is accepted and seen as it was meant ---------------------------------------

_WORDS = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"),
                                        exclude_characters="\t\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
                 min_size=1, max_size=30)


@st.composite
def rich_messages(draw: st.DrawFn) -> Rich:
    body = "\n".join(draw(st.lists(st.one_of(_WORDS, st.just("")), min_size=1, max_size=6)))
    kind = draw(st.sampled_from(["quick-reply", "list-picker", "call-to-action"]))
    if kind == "call-to-action":
        path = draw(st.text(alphabet="abcdefghij0123456789/?=&-", max_size=30))
        return Rich(kind, body, url=f"https://{draw(st.sampled_from(['a.example', 'b.example']))}/{path}",
                    url_title=draw(_WORDS.map(lambda w: w[:20])))
    count = draw(st.integers(1, 3 if kind == "quick-reply" else 10))
    described = kind == "list-picker" and draw(st.booleans())
    items = tuple(Item(id=f"id-{n}-{draw(_WORDS)}"[:200], title=draw(_WORDS)[:20 if kind == "quick-reply" else 24],
                       description=draw(_WORDS) if described else "") for n in range(count))
    return Rich(kind, body, items, button=draw(_WORDS)[:20] if kind == "list-picker" else "")


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rich=rich_messages())
def test_a_problem_free_message_is_accepted_and_seen_as_meant(fake_twilio: ServedFakeTwilio, rich: Rich) -> None:
    assume(not rich.problems())
    fake_twilio.fake.received(CUSTOMER)
    messenger, sid, variables = created(fake_twilio, rich)

    result = messenger.send_content(CUSTOMER, sid, variables)

    assert result.ok, result.error_message
    seen = next(m for m in fake_twilio.fake.seen(CUSTOMER) if m["sid"] == result.sid)
    assert (seen["kind"], seen["body"], seen["button"], seen["url"], seen["url_title"]) == (
        rich.kind, rich.body, rich.button, rich.url if rich.kind == "call-to-action" else "", rich.url_title)
    assert seen["items"] == [{"id": i.id, "title": i.title, "description": i.description} for i in rich.items]


def test_rows_with_and_without_a_second_line_share_one_list(fake_twilio) -> None:
    """A menu whose long labels get a second line and whose short ones don't: one list, each row as it is."""
    rich = Rich("list-picker", "Menu", (Item("a", "Book a session", "You'll need the code"), Item("b", "My bookings")),
                button="Choose")
    assert rich.problems() == []
    payload, variables = definition(rich)
    rows = payload["types"]["twilio/list-picker"]["items"]
    assert "description" in rows[0] and "description" not in rows[1]
    assert len(variables) == 1 + 1 + 3 + 2  # the body's line, the button, then the rows
