"""parse_intent, the pure text → trigger function: table tests, and a property over any text in any state."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functools import partial

from bot.dialogue import intents
from bot.core import messages as msg
from bot.core.text import normalise
from bot.dialogue.intents import IN_CONTEXT, MENUS, TEXT_STATES, Intent
from bot.state_machine import STATES, build_machine
from tests.fixtures.texts import GOOGLE_WORDS, ZOOM_WORDS, google_text, zoom_text

parse_intent = partial(intents.parse_intent, platform=ZOOM_WORDS)  # as the handler calls it, Zoom set up

STATE_NAMES = [s.name for s in STATES]
MACHINE = build_machine()


@pytest.mark.parametrize("text", ["menu", "MENU", "Ménu", " menu! ", "Main Menu", "home", "start"])
def test_menu_words_work_in_every_state(text):
    for state in STATE_NAMES:
        assert parse_intent(text, state) == Intent("menu"), state


def test_zero_is_the_menu_except_where_a_number_is_asked():
    assert parse_intent("0", "provider_menu") == Intent("menu")
    assert parse_intent("0", "start") == Intent("menu")
    for state in ("book_confirm", "session_detail", "confirm_disconnect", "new_kind"):
        assert parse_intent("0", state) == Intent("unknown", "0")  # a wrong pick among listed options
    for state in ("new_price", "new_notice", "edit_value", "book_day"):
        assert parse_intent("0", state) == Intent("answer", "0")


def test_a_words_meaning_in_this_step_wins_over_the_global_command():
    assert parse_intent("link", "new_platform_needed") == Intent("send_platform_link")
    assert parse_intent("link", "provider_menu") == Intent("share_link")


@pytest.mark.parametrize("text, trigger", [
    ("help", "help"), ("HELP", "help"), ("Help!", "help"), ("?", "help"), ("ayuda", "help"), ("AYÚDA", "help"),
    ("support", "help"), ("cancel", "cancel"), ("Cancel.", "cancel"), ("stop", "opt_out"), ("quit", "cancel"),
    ("exit", "cancel"), ("back", "back"), ("BACK", "back"), ("previous", "back"),
])
def test_global_words_work_in_every_state(text, trigger):
    for state in STATE_NAMES:
        expected = IN_CONTEXT.get(state, {}).get(normalise(text), trigger)
        assert parse_intent(text, state) == Intent(expected), state


@pytest.mark.parametrize("text", ["cancel", "Cancel it", "cancel my booking", "I want to cancel my booking"])
def test_cancel_means_the_booking_inside_my_bookings(text):
    assert parse_intent(text, "bookings_list") == Intent("cancel_booking")
    assert parse_intent(text, "booking_detail") == Intent("cancel_booking")
    assert parse_intent("menu", "bookings_list") == Intent("menu")
    assert parse_intent("cancel", "book_day") == Intent("cancel")


@pytest.mark.parametrize("state, text, trigger", [
    ("customer_menu", "3", "signup"),
    ("customer_menu", "4", "help"),
    ("customer_menu", "sign up", "signup"),
    ("customer_menu", "SIGNUP", "signup"),
    ("customer_menu", "Register", "signup"),
    ("customer_menu", "register as a provider", "signup"),
    ("customer_menu", "I'm a provider", "signup"),
    ("customer_menu", "provider", "signup"),
    ("provider_menu", "My Plan", "my_plan"),
    ("provider_menu", "trial", "my_plan"),
    ("provider_menu", "upgrade", "my_plan"),
    ("help_menu", "1", "help_plan"),
    ("help_menu", "2", "help_auth"),
    ("help_menu", "3", "help_wrong_account"),
    ("help_menu", "4", "talk_to_person"),
    ("help_menu", "Talk to a person", "talk_to_person"),
    ("help_menu", "HUMAN", "talk_to_person"),
    ("help_menu", "Wrong Zoom", "help_wrong_account"),
    ("help_menu", "times out", "help_auth"),
    ("help_menu", "I can't find the option to connect Zoom", "help_plan"),
])
def test_numbers_keywords_and_labels_pick_the_option(state, text, trigger):
    assert parse_intent(text, state) == Intent(trigger)


@pytest.mark.parametrize("state", list(MENUS))
def test_every_option_can_be_chosen_by_number_and_by_its_label(state):
    for number, option in enumerate(MENUS[state], 1):
        assert parse_intent(str(number), state).trigger == option.trigger
        assert parse_intent(zoom_text(option.label).upper(), state).trigger == option.trigger


@pytest.mark.parametrize("state", list(MENUS))
def test_numbers_out_of_range_are_unknown(state):
    for text in (str(len(MENUS[state]) + 1), "1.5", "99999999999999999999"):
        assert parse_intent(text, state) == Intent("unknown", text)


@pytest.mark.parametrize("state, text", [("customer_menu", "pizza"), ("help_menu", "zzz"), ("start", "1")])
def test_unknown_words_are_unknown_with_the_text(state, text):
    assert parse_intent(text, state) == Intent("unknown", text)


@pytest.mark.parametrize("text", ["hi", "Hello", "HOLA", "namaste", "good morning"])
def test_greetings_show_the_menu_outside_text_states(text):
    assert parse_intent(text, "customer_menu") == Intent("menu")


@pytest.mark.parametrize("state", sorted(TEXT_STATES))
@pytest.mark.parametrize("text", ["Asha Rao", "1", "hello", "São Paulo", "  Dr. Müller  "])
def test_text_states_take_free_text_as_the_answer(state, text):
    assert parse_intent(text, state) == Intent("answer", text.strip())


@pytest.mark.parametrize("state", sorted(TEXT_STATES))
def test_global_words_still_win_in_text_states(state):
    assert parse_intent("Cancel", state) == Intent(IN_CONTEXT.get(state, {}).get("cancel", "cancel"))
    assert parse_intent("menu", state) == Intent("menu")


@pytest.mark.parametrize("state, payload, trigger", [
    ("customer_menu", "signup", "signup"),
    ("customer_menu", "help", "help"),
    ("help_menu", "talk_to_person", "talk_to_person"),
    ("provider_menu", "my_plan", "my_plan"),
    ("signup_name", "cancel", "cancel"),
])
def test_button_payload_is_used_when_it_is_a_trigger(state, payload, trigger):
    assert parse_intent("whatever the button says", state, payload) == Intent(trigger)


def test_button_payload_of_another_menu_falls_back_to_the_text():
    assert parse_intent("", "customer_menu", "my_plan") == Intent("unknown", "my_plan")
    assert parse_intent("Sign up", "customer_menu", "not-a-trigger") == Intent("signup")


def test_question_mark_after_a_word_is_ignored():
    assert parse_intent("help?", "customer_menu") == Intent("help")


def test_typographic_apostrophe_matches_the_keyword():
    assert parse_intent("I’m a provider", "customer_menu") == Intent("signup")


# -- an option per platform offered ("Which video platform?") ------------------------------------------------------

BOTH = (ZOOM_WORDS, GOOGLE_WORDS)


@pytest.mark.parametrize("text, intent", [
    ("1", Intent("platform_meetings", "zoom")), ("zoom", Intent("platform_meetings", "zoom")),
    ("2", Intent("platform_meetings", "google")), ("google", Intent("platform_meetings", "google")),
    ("Google Meet", Intent("platform_meetings", "google")), ("3", Intent("platform_meet")),
    ("meet", Intent("platform_meet")), ("my own link", Intent("platform_meet")),
])
def test_each_platform_offered_is_an_option_carrying_its_word(text, intent):
    assert parse_intent(text, "new_platform", platforms=BOTH) == intent


def test_a_per_platform_option_is_numbered_labelled_and_tapped_like_any():
    lines = intents.render_options("new_platform", ZOOM_WORDS, None, BOTH).split("\n")
    assert lines == [msg.OPTION_LINE.format(number=1, label=zoom_text(msg.OPT_PLATFORM_MEETINGS)),
                     msg.OPTION_LINE.format(number=2, label=google_text(msg.OPT_PLATFORM_MEETINGS)),
                     msg.OPTION_LINE.format(number=3, label=msg.OPT_PLATFORM_MEET)]
    [_, google, _] = intents.state_options("new_platform", BOTH)
    assert google.payload == "platform_meetings:google"
    assert parse_intent("", "new_platform", google.payload, platforms=BOTH) == Intent("platform_meetings", "google")
    assert parse_intent(google_text(msg.OPT_PLATFORM_MEETINGS), "new_platform", platforms=BOTH) == \
        Intent("platform_meetings", "google")


def test_without_the_platforms_a_per_platform_option_stands_once_for_the_primary():
    assert [o.trigger for o in intents.state_options("new_platform")] == ["platform_meetings", "platform_meet"]
    assert parse_intent("1", "new_platform") == Intent("platform_meetings")
    assert parse_intent("google", "new_platform") == Intent("platform_meet")  # Google Meet not set up: own link
    assert parse_intent("", "new_platform", "platform_meetings") == Intent("platform_meetings")
    assert intents.state_options("new_kind", BOTH) == MENUS["new_kind"]


def test_the_connect_first_step_names_no_platform_and_connect_word_is_the_global_command():
    assert all("{" not in o.label for o in MENUS["new_platform_needed"])
    assert parse_intent("connect google", "new_platform_needed", connect_words=("zoom", "google")) == \
        Intent("connect_platform", "google")


states = st.sampled_from(STATE_NAMES)
payloads = st.none() | st.sampled_from(sorted(MACHINE.events)) | st.text(max_size=20)
texts = st.text(max_size=200) | st.sampled_from(["1", "2", "3", "4", "0", "menu", "hi", "back", "sign up"]) | \
    st.from_regex(r"\s*[0-9]{1,3}\s*", fullmatch=True)


@settings(max_examples=500, deadline=None)
@given(text=texts, state=states, payload=payloads)
def test_any_text_in_any_state_gives_a_trigger_valid_there(text, state, payload):
    intent = parse_intent(text, state, payload)
    assert intent.trigger in MACHINE.get_triggers(state) or intent.trigger in ("unknown", "answer")
    assert intent.trigger in MACHINE.get_triggers(state)  # unknown/answer are defined where they can come up
    if intent.trigger == "answer":
        assert state in TEXT_STATES
    assert parse_intent(text, state, payload, platforms=BOTH).trigger in MACHINE.get_triggers(state)


def test_free_text_answers_are_never_taken_for_commands():
    for text in ("Book club", "New session", "connect zoom", "my bookings", "share link"):
        assert parse_intent(text, "new_name") == Intent("answer", text)
    assert parse_intent("book club", "customer_menu") == Intent("book", "club")


def test_restart_on_the_summary_starts_the_draft_over():
    assert parse_intent("restart", "new_confirm") == Intent("restart")


def test_pause_and_resume_are_separate_words_on_a_session():
    assert parse_intent("pause", "session_detail") == Intent("pause_session")
    assert parse_intent("Resume", "session_detail") == Intent("resume_session")
    assert parse_intent("1", "session_detail") == Intent("toggle_pause")


@pytest.mark.parametrize("text", ["thanks!", "Thank you", "thx", "Thanks a lot", "ok thanks", "cheers", "ty"])
def test_thanks_is_understood_in_menus_and_steps(text):
    for state in ("customer_menu", "provider_menu", "book_confirm", "session_detail", "book_day"):
        assert parse_intent(text, state) == Intent("thanks"), state


@pytest.mark.parametrize("text", ["Hello there", "hi there", "hey Asha", "good morning team", "Hii"])
def test_greetings_with_a_word_more_show_the_menu(text):
    assert parse_intent(text, "customer_menu") == Intent("menu")
    assert parse_intent(text, "provider_menu") == Intent("menu")


@pytest.mark.parametrize("text", ["I want to cancel my booking", "cancel my booking", "i'd like to reschedule my "
                                  "appointment", "How do I cancel my session?", "change my booking please"])
def test_wanting_to_change_a_booking_opens_my_bookings(text):
    assert parse_intent(text, "customer_menu") == Intent("my_bookings")
    assert parse_intent(text, "provider_menu") == Intent("my_bookings")


@pytest.mark.parametrize("text, arg", [("today", "today"), ("Today's schedule", "today"), ("tomorrow", "tomorrow"),
                                       ("this week", "this week"), ("what's on today", "today"), ("my day", None),
                                       ("my schedule", None), ("show me my week", "week")])
def test_the_day_view_words(text, arg):
    assert parse_intent(text, "provider_menu") == Intent("agenda", arg)
    assert parse_intent(text, "book_day").trigger == "answer"  # picking a day, "today" is the day
