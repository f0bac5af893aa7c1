"""What people type, turned into triggers: the menus each state offers (numbered options and their words), the
words that work everywhere, commands with arguments, and `parse_intent`, the pure function that maps a WhatsApp
message in a state to the trigger the state machine fires. Flows render menus from here (`render_options`), the
handler parses with it; nothing here knows the graph. Nothing here names a video platform either: labels, words
and the connect commands take the platform's words ({platform}, {command_word}: `PlatformInfo.words`), which the
caller passes in."""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.core import messages as msg
from bot.core.choices import booking_payload  # noqa: F401 - the payload BOOKING_PAYLOAD reads
from bot.core.text import normalise, number


@dataclass(frozen=True)
class Option:
    trigger: str
    label: str
    keywords: tuple[str, ...] = ()
    # One option for each video platform offered (`platforms` below): its label and keywords filled with that
    # platform's words, its intent carrying the platform's command word (as "connect <word>" does).
    per_platform: bool = False
    arg: str | None = None

    @property
    def payload(self) -> str:
        """What a button for this option sends back (ButtonPayload): the trigger, with the platform's word when it
        is one platform's option ("platform_meetings:google")."""
        return self.trigger if self.arg is None else f"{self.trigger}:{self.arg}"


# The words of the provider's own Meet link (a platform's per-booking option, listed before it, wins a word both
# have: with Google Meet set up, "google" and "google meet" mean that platform).
OWN_MEET_LINK = ("google meet", "meet", "google", "own link", "my own link", "meet link", "my meet link",
                 "own meet link", "my own meet link")

# What each menu-like state offers, in the order shown (numbers are 1-based positions).
MENUS: dict[str, tuple[Option, ...]] = {
    "customer_menu": (
        Option("book", msg.OPT_BOOK, ("book", "booking", "book a session", "appointment")),
        Option("my_bookings", msg.OPT_MY_BOOKINGS, ("bookings", "my bookings", "my booking")),
        Option("signup", msg.OPT_SIGNUP, ("sign up", "signup", "register", "provider", "i'm a provider")),
        Option("help", msg.OPT_HELP, ("support",)),
    ),
    "provider_menu": (
        Option("integrations", msg.OPT_INTEGRATIONS, ("integrations", "integration", "{command_word}", "settings")),
        Option("create_session", msg.OPT_CREATE_SESSION, ("create", "create session", "new session", "new")),
        Option("my_sessions", msg.OPT_MY_SESSIONS, ("sessions", "my sessions")),
        Option("my_bookings", msg.OPT_MY_BOOKINGS, ("bookings", "my bookings")),
        Option("share_link", msg.OPT_SHARE_LINK, ("share", "link", "my link", "booking link", "code")),
        Option("my_plan", msg.OPT_MY_PLAN, ("plan", "my plan", "trial", "upgrade")),
        Option("help", msg.OPT_HELP, ("support",)),
    ),
    "help_menu": (
        Option("help_plan", msg.OPT_HELP_PLAN, ("connect option", "plan", "{command_word} missing",
                                                         "no connect {command_word}")),
        Option("help_auth", msg.OPT_HELP_AUTH, ("authorization", "auth", "timeout", "times out", "fails")),
        Option("help_wrong_account", msg.OPT_HELP_WRONG_ACCOUNT, ("wrong account", "wrong {command_word}",
                                                                       "other account")),
        Option("talk_to_person", msg.OPT_HELP_PERSON, ("person", "human", "agent", "talk", "ticket", "contact")),
        Option("help_bookings", msg.OPT_HELP_BOOKINGS, ("cancel booking", "reschedule", "change booking")),
        Option("help_link", msg.OPT_HELP_LINK, ("link", "no link", "{command_word} link", "meeting link")),
    ),
    "integrations": (
        Option("connect_platform", msg.OPT_CONNECT_PLATFORM, ("connect", "reconnect", "connect another",
                                                              "connect {command_word}")),
        Option("disconnect_platform", msg.OPT_DISCONNECT_PLATFORM, ("disconnect",)),
    ),
    "new_kind": (
        Option("kind_one", msg.OPT_KIND_ONE, ("1:1", "1 1", "1-1", "one", "one to one", "one on one", "1 to 1",
                                                "individual", "private")),
        Option("kind_group", msg.OPT_KIND_GROUP, ("group", "class", "workshop")),
    ),
    "new_mode": (
        Option("mode_online", msg.OPT_MODE_ONLINE, ("online", "video", "remote")),
        Option("mode_in_person", msg.OPT_MODE_IN_PERSON, ("in person", "offline", "face to face", "in-person")),
    ),
    "new_platform": (
        Option("platform_meetings", msg.OPT_PLATFORM_MEETINGS, ("{command_word}", "{platform}"), per_platform=True),
        Option("platform_meet", msg.OPT_PLATFORM_MEET, OWN_MEET_LINK),
    ),
    # (about the platform just chosen, named in the message above: "connect <word>" is the global command)
    "new_platform_needed": (
        Option("send_platform_link", msg.OPT_SEND_PLATFORM_LINK, ("link", "connect", "connect it", "send link")),
        Option("platform_done", msg.OPT_PLATFORM_DONE, ("done", "connected", "continue", "ok")),
        Option("platform_meet", msg.OPT_PLATFORM_MEET, OWN_MEET_LINK),
        Option("mode_in_person", msg.OPT_MODE_IN_PERSON, ("in person", "offline", "face to face", "in-person")),
    ),
    "new_confirm": (
        Option("save", msg.OPT_SAVE_SESSION, ("yes", "save", "create", "confirm", "ok")),
        Option("restart", msg.OPT_START_OVER, ("start over", "restart", "again", "redo")),
    ),
    "session_detail": (
        Option("toggle_pause", msg.OPT_PAUSE_RESUME, ("pause / resume", "toggle")),
        Option("edit_name", msg.OPT_EDIT_NAME, ("name", "rename")),
        Option("edit_price", msg.OPT_EDIT_PRICE, ("price",)),
        Option("edit_duration", msg.OPT_EDIT_DURATION, ("duration", "length")),
        Option("edit_availability", msg.OPT_EDIT_AVAILABILITY, ("availability", "hours", "times")),
        Option("edit_notice", msg.OPT_EDIT_NOTICE, ("notice", "minimum notice")),
        Option("edit_capacity", msg.OPT_EDIT_CAPACITY, ("capacity", "places", "seats")),
        Option("edit_where", msg.OPT_EDIT_WHERE, ("where", "place", "location", "address", "venue", "platform")),
        Option("share_link", msg.OPT_SHARE_LINK, ("share", "link")),
        Option("edit_description", msg.OPT_EDIT_DESCRIPTION, ("description", "describe", "about")),
        Option("delete_session", msg.OPT_DELETE_SESSION, ("delete", "remove", "archive", "delete session")),
    ),
    "confirm_delete_session": (
        Option("confirm_delete", msg.OPT_YES_DELETE_SESSION, ("yes", "y", "delete", "confirm", "ok")),
        Option("confirm_cancel_delete", msg.OPT_YES_CANCEL_AND_DELETE, ("cancel them", "cancel bookings",
                                                                        "cancel them and delete")),
        Option("decline", msg.OPT_NO_KEEP_SESSION, ("no", "n", "keep", "don't")),
    ),
    "booking_detail": (
        Option("reschedule_booking", msg.OPT_RESCHEDULE, ("reschedule", "change", "move", "change time")),
        Option("cancel_booking", msg.OPT_CANCEL_BOOKING, ("cancel booking", "cancel this booking")),
    ),
    "confirm_cancel_booking": (
        Option("confirm", msg.OPT_YES_CANCEL_BOOKING, ("yes", "y", "confirm", "ok")),
        Option("decline", msg.OPT_NO_KEEP_BOOKING, ("no", "n", "keep")),
    ),
    "reminder_settings": (
        Option("remind_customer_24h1h", msg.OPT_REMIND_CUSTOMERS_24H1H),
        Option("remind_customer_1h", msg.OPT_REMIND_CUSTOMERS_1H),
        Option("remind_customer_off", msg.OPT_REMIND_CUSTOMERS_OFF),
        Option("remind_provider_24h1h", msg.OPT_REMIND_SELF_24H1H),
        Option("remind_provider_1h", msg.OPT_REMIND_SELF_1H),
        Option("remind_provider_off", msg.OPT_REMIND_SELF_OFF),
    ),
    "book_confirm": (
        Option("confirm_booking", msg.OPT_CONFIRM_BOOKING, ("yes", "y", "confirm", "book", "ok", "book it")),
    ),
    "confirm_disconnect": (
        Option("confirm", msg.OPT_YES_DISCONNECT, ("yes", "y", "disconnect", "confirm", "ok")),
        Option("decline", msg.OPT_NO_KEEP, ("no", "n", "keep", "don't")),
    ),
}

# The menus "0" stands for (elsewhere a listed 0 is just out of range).
MAIN_MENUS = frozenset({"customer_menu", "provider_menu"})

# Words a state understands beyond its numbered options (word -> trigger).
WORDS: dict[str, dict[str, str]] = {
    "session_detail": {"pause": "pause_session", "stop bookings": "pause_session", "resume": "resume_session",
                       "unpause": "resume_session", "activate": "resume_session", "reopen": "resume_session"},
}

# Inside a booking list or a booking, "cancel" is about the booking, not about leaving (*menu* still leaves):
# these words mean `cancel_booking` there, before the words that work everywhere.
CANCEL_BOOKING_WORDS = frozenset({"cancel", "cancel it", "cancel this", "cancel this one", "cancel my booking",
                                  "cancel booking", "cancel the booking", "cancel this booking", "cancel a booking",
                                  "i want to cancel", "i want to cancel my booking", "i want to cancel it"})
IN_CONTEXT: dict[str, dict[str, str]] = {state: dict.fromkeys(CANCEL_BOOKING_WORDS, "cancel_booking")
                                         for state in ("bookings_list", "booking_detail")}

# States that take free text: anything that is not a global word becomes the `answer` trigger.
# Of those, the ones where the answer is any text (a name, an address, a description): commands don't apply there.
FREE_TEXT_STATES = frozenset({"signup_name", "support_describe", "new_name", "new_description", "new_address",
                              "new_meet_url", "new_availability", "edit_value", "book_name", "book_email",
                              "set_timezone", "cancel_reason"})
TEXT_STATES = frozenset({"signup_name", "signup_timezone", "support_describe", "set_timezone",
                         "new_name", "new_duration", "new_price", "new_meet_url", "new_address", "new_availability",
                         "new_capacity", "new_notice", "new_description", "sessions_list", "edit_value", "bookings_list",
                         "book_code", "book_session", "book_timezone", "book_day", "book_time", "book_name",
                         "book_email", "cancel_reason"})


# -- text → trigger ---------------------------------------------------------------------------------------------

GLOBAL_WORDS: dict[str, str] = {
    "menu": "menu", "main menu": "menu", "home": "menu", "start": "menu", "0": "menu",
    "help": "help", "support": "help", "?": "help", "ayuda": "help",
    "cancel": "cancel", "quit": "cancel", "exit": "cancel", "abort": "cancel",
    "stop": "opt_out", "stop all": "opt_out", "unsubscribe": "opt_out", "opt out": "opt_out",
    "unstop": "menu", "subscribe": "menu",
    "back": "back", "previous": "back",
}
GREETINGS = frozenset({"hi", "hello", "hey", "hola", "namaste", "good morning", "good afternoon", "good evening",
                       "hii", "helo", "hallo", "hiya", "yo", "good day", "greetings"})
# "hello there", "hi Asha", "hey bot": a greeting and a word or two more.
GREETING_START = re.compile(r"^(hi|hello|hey|hola|namaste|hii|hiya|good (morning|afternoon|evening))( [a-z]+){1,2}$")
THANKS = re.compile(r"^(thanks?|thank you|thank u|thanks a lot|thank you so much|thanks so much|thx|ty|tysm|cheers|"
                    r"great thanks|ok thanks|okay thanks|ok thank you|many thanks)( a lot| again)?$")
# Commands with arguments, tried after the global words; (pattern on the normalised text, trigger).
COMMANDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(sign ?up|register)( as (a )?provider)?$"), "signup"),
    (re.compile(r"^book(?: a session)?(?: with)?\s+(?P<arg>[a-z0-9]{4,12})$"), "book"),
    (re.compile(r"^(my )?bookings?$|^my appointments?$"), "my_bookings"),
    (re.compile(r"^my sessions?$"), "my_sessions"),
    (re.compile(r"^(create|new|add)( a)? session$"), "create_session"),
    (re.compile(r"^(share|send|get)?( my)?( booking)? (link|code)$|^share$"), "share_link"),
    (re.compile(r"^((my|change|set|change my|set my) )?time ?zone$"), "set_timezone"),
    (re.compile(r"^(?:(?:my|show(?: me)?(?: my)?|what'?s on|whats on|what is on)\s+)?"
                r"(?P<arg>today|tomorrow|this week|week)(?:'?s)?(?:\s+(?:schedule|agenda|sessions|bookings))?$"),
     "agenda"),
    (re.compile(r"^(my )?(day|schedule|agenda|calendar)$"), "agenda"),
    (re.compile(r"^(i (want|need|would like|d like) to |i'd like to |can i |please |how do i |how to )?"
                r"(cancel|reschedule|change|move) (my|a|the|this|an) (booking|appointment|session|slot)s?"
                r"( please)?$"), "my_bookings"),
    (re.compile(r"^book(?:ing)? code\s+(?P<arg>[a-z0-9]{4,12})$"), "book"),
    # the choices in a reminder, with the booking's reference (a bare "I'll be there": the last reminder's)
    (re.compile(r"^(?:i'?ll be there|i will be there|there|attending|i'?m coming|coming|i'?ll come)"
                r"(?:\s+#?(?P<arg>[a-z0-9]{6}))?$"), "attend"),
    (re.compile(r"^(?:reschedule|move|change)\s+(?:booking\s+)?#?(?P<arg>[a-z0-9]{6})$"), "reschedule_ref"),
    (re.compile(r"^cancel\s+(?:booking\s+)?#?(?P<arg>[a-z0-9]{6})$"), "cancel_ref"),
    (re.compile(r"^(?:my )?reminders?(?: settings)?$"), "reminders"),
)

# Buttons that carry a booking (the reminder's choices): payload "<trigger>:<reference>".
BOOKING_PAYLOAD = re.compile(r"^(?P<trigger>attend|reschedule_ref|cancel_ref):#?(?P<arg>[A-Za-z0-9]{6})$")




# Commands whose words are also answers where a value is asked ("today" picks a day when booking).
ANSWER_FIRST = frozenset({"agenda"})


@lru_cache(maxsize=16)
def _platform_commands(word: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """"connect <word>" and "disconnect <word>" for the platform people connect here (tried before COMMANDS)."""
    word = re.escape(word)
    return ((re.compile(rf"^(re)?connect( my)? {word}( account)?$"), "connect_platform"),
            (re.compile(rf"^(disconnect|remove|unlink)( my)? {word}( account)?$"), "disconnect_platform"))


class _Words(dict):
    def __missing__(self, key: str) -> str:  # a template variable the caller did not give stays as it was
        return "{" + key + "}"


def fill(text: str, words: Mapping[str, str] | None) -> str:
    """A label or keyword with the platform's words put in."""
    return text.format_map(_Words(words or {})) if "{" in text else text


# A booking code pasted alone: 6 letters/digits with at least one digit (codes never contain 0, 1, I or O).
BARE_CODE = re.compile(r"^#?(?=[A-Za-z2-9]*[2-9])[A-HJ-NP-Za-hj-np-z2-9]{6}$")


@dataclass(frozen=True)
class Intent:
    trigger: str
    arg: str | None = None


# The states with an option per platform (see Option.per_platform).
PER_PLATFORM_STATES = frozenset(state for state, options in MENUS.items() if any(o.per_platform for o in options))


def _keyword(keyword: str, words: Mapping[str, str] | None) -> str:
    """A keyword as typed: with the platform's words put in ("{platform}" -> "google meet"); one whose words were
    not given stays unmatched."""
    if "{" not in keyword:
        return keyword
    filled = fill(keyword, words)
    return filled if "{" in filled else normalise(filled)


def state_options(state: str, platforms: Sequence[Mapping[str, str]] = ()) -> tuple[Option, ...]:
    """The state's options, a per-platform one repeated for each of `platforms` (the words of each platform
    offered, in order: PlatformInfo.words); without `platforms` it stands once, for the primary platform."""
    options = MENUS.get(state, ())
    if not platforms or state not in PER_PLATFORM_STATES:
        return options
    expanded: list[Option] = []
    for option in options:
        if not option.per_platform:
            expanded.append(option)
            continue
        expanded += [Option(option.trigger, fill(option.label, words),
                            tuple(_keyword(k, words) for k in option.keywords), arg=words["command_word"])
                     for words in platforms]
    return tuple(expanded)


def shown_options(state: str, shown: Collection[str] | None = None,
                  platforms: Sequence[Mapping[str, str]] = ()) -> tuple[Option, ...]:
    """The state's options as shown, in order: all of them, or those whose trigger is in `shown`."""
    options = state_options(state, platforms)
    return options if shown is None else tuple(o for o in options if o.trigger in shown)


def parse_intent(text: str, state: str, payload: str | None = None,
                 platform: Mapping[str, str] | None = None, connect_words: Sequence[str] = (),
                 shown: Collection[str] | None = None, platforms: Sequence[Mapping[str, str]] = ()) -> Intent:
    """Turn what the user sent in `state` into the trigger to fire. Pure: no database, no machine. `platform`: the
    words of the platform people connect here ({platform}, {command_word}: PlatformInfo.words) for the labels,
    keywords and connect commands that name it; `connect_words`: the command words of every platform that can be
    connected ("connect <word>" of another than the primary carries the word as the intent's arg). `shown`: the
    triggers of the options the person was shown when only some were (numbers count from 1 over those; an
    option's words work either way). `platforms`: the words of each video platform offered where a state has an
    option per platform (the intent of such an option carries the platform's command word)."""
    options = state_options(state, platforms)
    numbered = options if shown is None else tuple(o for o in options if o.trigger in shown)
    if payload and (carried := BOOKING_PAYLOAD.match(payload)):
        return Intent(carried["trigger"], carried["arg"].lower())
    if payload:
        chosen = next((o for o in options if o.payload == payload), None)
        if chosen is not None:
            return Intent(chosen.trigger, chosen.arg)
        if payload in GLOBAL_WORDS.values() or any(o.trigger == payload for o in options):
            return Intent(payload)
        text = text or payload
    words = normalise(text)
    picked = number(words)
    if state in TEXT_STATES and picked is not None:
        return Intent("answer", text.strip())  # "0" is a price or a number of hours here, not the menu
    if picked == 0 and numbered and state not in MAIN_MENUS:
        return Intent("unknown", text.strip())  # a step that lists options: 0 is a wrong pick, like 99
    if words in IN_CONTEXT.get(state, {}):
        return Intent(IN_CONTEXT[state][words])
    if words in GLOBAL_WORDS:
        return Intent(GLOBAL_WORDS[words])
    if picked is not None and 1 <= picked <= len(numbered):
        return Intent(numbered[picked - 1].trigger, numbered[picked - 1].arg)
    for option in options:  # what a word means here wins over the commands that work everywhere
        if (words == normalise(fill(option.label, platform)) or words == option.trigger
                or words in (_keyword(k, platform) for k in option.keywords)):
            return Intent(option.trigger, option.arg)
    if words in WORDS.get(state, {}):
        return Intent(WORDS[state][words])
    if state in FREE_TEXT_STATES:  # a session called "Book club" is a name, not a command
        return Intent("answer", text.strip())
    if THANKS.match(words):
        return Intent("thanks")
    if state in ("start", "customer_menu") and BARE_CODE.match(text.strip()):
        return Intent("book", text.strip().lstrip("#").lower())  # a booking code pasted on its own
    primary = (platform or {}).get("command_word", "")
    for word in dict.fromkeys(w for w in (primary, *connect_words) if w):
        for pattern, trigger in _platform_commands(word):
            if pattern.match(words):
                return Intent(trigger, None if word == primary else word)  # no word: the primary platform
    for pattern, trigger in COMMANDS:
        match = pattern.match(words)
        if match and not (trigger in ANSWER_FIRST and state in TEXT_STATES):
            return Intent(trigger, match.groupdict().get("arg"))
    if state in TEXT_STATES:
        return Intent("answer", text.strip())
    if words in GREETINGS or GREETING_START.match(words):
        return Intent("menu")
    return Intent("unknown", text.strip())


def render_options(state: str, words: Mapping[str, str] | None = None, shown: Collection[str] | None = None,
                   platforms: Sequence[Mapping[str, str]] = ()) -> str:
    """The state's options (those in `shown`, when given), numbered from 1 as shown; one per platform of
    `platforms` where the state has a per-platform option."""
    return "\n".join(msg.OPTION_LINE.format(number=i, label=fill(o.label, words))
                     for i, o in enumerate(shown_options(state, shown, platforms), 1))
