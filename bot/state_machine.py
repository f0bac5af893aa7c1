"""The whole conversation, declared once: states, the menus each state offers, transitions with their guards,
and the pure function that turns a WhatsApp message into a trigger.

One Machine per process (build_machine); each message's Dialogue is added with its stored state, triggered and
removed again (see bot.handler). `menu`, `help` and `cancel` work from every state; `back` where it makes sense.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from transitions import Machine, State

from bot import messages as msg
from bot.text import normalise
from bot.flows import common, help as help_flow, onboarding, zoom


@dataclass(frozen=True)
class Option:
    trigger: str
    label: str
    keywords: tuple[str, ...] = ()


# What each menu-like state offers, in the order shown (numbers are 1-based positions).
MENUS: dict[str, tuple[Option, ...]] = {
    "customer_menu": (
        Option("signup", msg.OPT_SIGNUP, ("sign up", "signup", "register", "provider", "i'm a provider")),
        Option("help", msg.OPT_HELP, ("support",)),
    ),
    "provider_menu": (
        Option("integrations", msg.OPT_INTEGRATIONS, ("integrations", "integration", "zoom", "settings")),
        Option("my_plan", msg.OPT_MY_PLAN, ("plan", "my plan", "trial", "upgrade")),
        Option("help", msg.OPT_HELP, ("support",)),
    ),
    "help_menu": (
        Option("help_plan", msg.OPT_HELP_PLAN, ("connect option", "plan", "zoom missing", "no connect zoom")),
        Option("help_auth", msg.OPT_HELP_AUTH, ("authorization", "auth", "timeout", "times out", "fails")),
        Option("help_wrong_account", msg.OPT_HELP_WRONG_ACCOUNT, ("wrong account", "wrong zoom", "other account")),
        Option("talk_to_person", msg.OPT_HELP_PERSON, ("person", "human", "agent", "talk", "ticket", "contact")),
    ),
    "integrations": (
        Option("connect_zoom", msg.OPT_CONNECT_ZOOM, ("connect", "reconnect", "connect another", "connect zoom")),
        Option("disconnect_zoom", msg.OPT_DISCONNECT_ZOOM, ("disconnect",)),
    ),
    "confirm_disconnect": (
        Option("confirm", msg.OPT_YES_DISCONNECT, ("yes", "y", "disconnect", "confirm", "ok")),
        Option("decline", msg.OPT_NO_KEEP, ("no", "n", "keep", "don't")),
    ),
}

# States that take free text: anything that is not a global word becomes the `answer` trigger.
TEXT_STATES = frozenset({"signup_name", "signup_timezone", "support_describe"})

STATES = [
    State("start"),
    State("customer_menu", on_enter=[common.show_menu]),
    State("provider_menu", on_enter=[common.show_menu]),
    State("signup_name", on_enter=[onboarding.ask_name]),
    State("signup_timezone", on_enter=[onboarding.ask_timezone]),
    State("help_menu", on_enter=[help_flow.show_help_menu]),
    State("support_describe", on_enter=[help_flow.ask_description]),
    State("integrations", on_enter=[zoom.show_integrations]),
    State("confirm_disconnect", on_enter=[zoom.ask_disconnect]),
]

MENU_STATES = ("customer_menu", "provider_menu")

TRANSITIONS: list[dict] = [
    # -- from anywhere ---------------------------------------------------------------------------------------
    {"trigger": "menu", "source": "*", "dest": "provider_menu", "conditions": common.is_provider,
     "before": common.clear_context},
    {"trigger": "menu", "source": "*", "dest": "customer_menu", "before": common.clear_context},
    {"trigger": "cancel", "source": "*", "dest": "provider_menu", "conditions": common.is_provider,
     "before": [common.clear_context, common.cancelled]},
    {"trigger": "cancel", "source": "*", "dest": "customer_menu", "before": [common.clear_context, common.cancelled]},
    {"trigger": "help", "source": "*", "dest": "help_menu", "before": common.clear_context},
    {"trigger": "unknown", "source": "start", "dest": "provider_menu", "conditions": common.is_provider,
     "before": common.welcome},
    {"trigger": "unknown", "source": "start", "dest": "customer_menu", "before": common.welcome},
    {"trigger": "unknown", "source": "*", "dest": None, "after": common.not_understood},
    # -- back -------------------------------------------------------------------------------------------------
    {"trigger": "back", "source": "signup_timezone", "dest": "signup_name"},
    {"trigger": "back", "source": "support_describe", "dest": "help_menu"},
    {"trigger": "back", "source": ["integrations", "confirm_disconnect"], "dest": "provider_menu"},
    {"trigger": "back", "source": ["help_menu", "signup_name", "start"], "dest": "provider_menu",
     "conditions": common.is_provider},
    {"trigger": "back", "source": ["help_menu", "signup_name", "start"], "dest": "customer_menu"},
    {"trigger": "back", "source": list(MENU_STATES), "dest": None, "after": common.nothing_to_go_back_to},
    # -- provider sign-up -------------------------------------------------------------------------------------
    {"trigger": "signup", "source": "*", "dest": None, "conditions": common.is_provider,
     "after": onboarding.already_provider},
    {"trigger": "signup", "source": "*", "dest": "signup_name", "before": common.clear_context},
    {"trigger": "answer", "source": "signup_name", "dest": "signup_timezone", "conditions": onboarding.name_ok,
     "before": onboarding.keep_name},
    {"trigger": "answer", "source": "signup_name", "dest": None, "after": onboarding.name_rejected},
    {"trigger": "answer", "source": "signup_timezone", "dest": "provider_menu",
     "conditions": onboarding.timezone_chosen, "before": onboarding.create_provider},
    {"trigger": "answer", "source": "signup_timezone", "dest": None, "after": onboarding.timezone_not_understood},
    {"trigger": "my_plan", "source": "provider_menu", "dest": None, "after": onboarding.show_plan},
    # -- Zoom: connect, see, disconnect (global commands for providers) --------------------------------------
    {"trigger": "integrations", "source": "provider_menu", "dest": "integrations"},
    {"trigger": "connect_zoom", "source": "*", "dest": None, "unless": common.is_provider,
     "after": zoom.explain_not_provider},
    {"trigger": "connect_zoom", "source": "*", "dest": None, "unless": zoom.zoom_allowed,
     "after": zoom.explain_plan_needed},
    {"trigger": "connect_zoom", "source": "*", "dest": None, "unless": zoom.zoom_configured,
     "after": zoom.explain_not_configured},
    {"trigger": "connect_zoom", "source": "integrations", "dest": "provider_menu", "before": zoom.send_connect_link},
    {"trigger": "connect_zoom", "source": "*", "dest": "integrations", "conditions": zoom.zoom_connected},
    {"trigger": "connect_zoom", "source": "*", "dest": "provider_menu", "before": zoom.send_connect_link},
    {"trigger": "disconnect_zoom", "source": "*", "dest": None, "unless": common.is_provider,
     "after": zoom.explain_not_provider},
    {"trigger": "disconnect_zoom", "source": "*", "dest": "confirm_disconnect", "conditions": zoom.zoom_connected},
    {"trigger": "disconnect_zoom", "source": "*", "dest": None, "after": zoom.explain_not_connected},
    {"trigger": "confirm", "source": "confirm_disconnect", "dest": "provider_menu", "before": zoom.disconnect},
    {"trigger": "decline", "source": "confirm_disconnect", "dest": "provider_menu", "before": zoom.keep},
    # -- help and support -------------------------------------------------------------------------------------
    {"trigger": "help_plan", "source": "help_menu", "dest": None, "after": help_flow.explain_plan},
    {"trigger": "help_auth", "source": "help_menu", "dest": None, "after": help_flow.explain_auth},
    {"trigger": "help_wrong_account", "source": "help_menu", "dest": None,
     "after": help_flow.explain_wrong_account},
    {"trigger": "talk_to_person", "source": "help_menu", "dest": "support_describe"},
    {"trigger": "answer", "source": "support_describe", "dest": "provider_menu",
     "conditions": [help_flow.description_ok, common.is_provider], "before": help_flow.open_ticket},
    {"trigger": "answer", "source": "support_describe", "dest": "customer_menu",
     "conditions": help_flow.description_ok, "before": help_flow.open_ticket},
    {"trigger": "answer", "source": "support_describe", "dest": None, "after": help_flow.description_rejected},
]


def build_machine() -> Machine:
    """The process-wide machine; models are added per message."""
    return Machine(model=None, states=STATES, transitions=TRANSITIONS, initial=None, send_event=True,
                   auto_transitions=False, on_exception=[common.on_exception])


# -- text → trigger ---------------------------------------------------------------------------------------------

GLOBAL_WORDS: dict[str, str] = {
    "menu": "menu", "main menu": "menu", "home": "menu", "start": "menu", "restart": "menu", "0": "menu",
    "help": "help", "support": "help", "?": "help", "ayuda": "help",
    "cancel": "cancel", "stop": "cancel", "quit": "cancel", "exit": "cancel", "abort": "cancel",
    "back": "back", "previous": "back",
}
GREETINGS = frozenset({"hi", "hello", "hey", "hola", "namaste", "good morning", "good afternoon", "good evening"})
# Commands with arguments, tried after the global words; (pattern on the normalised text, trigger).
COMMANDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(sign ?up|register)( as (a )?provider)?$"), "signup"),
    (re.compile(r"^(re)?connect( my)? zoom( account)?$"), "connect_zoom"),
    (re.compile(r"^(disconnect|remove|unlink)( my)? zoom( account)?$"), "disconnect_zoom"),
)


@dataclass(frozen=True)
class Intent:
    trigger: str
    arg: str | None = None


def parse_intent(text: str, state: str, payload: str | None = None) -> Intent:
    """Turn what the user sent in `state` into the trigger to fire. Pure: no database, no machine."""
    options = MENUS.get(state, ())
    if payload:
        if payload in GLOBAL_WORDS.values() or any(o.trigger == payload for o in options):
            return Intent(payload)
        text = text or payload
    words = normalise(text)
    if words in GLOBAL_WORDS:
        return Intent(GLOBAL_WORDS[words])
    for pattern, trigger in COMMANDS:
        match = pattern.match(words)
        if match:
            return Intent(trigger, match.groupdict().get("arg"))
    if state in TEXT_STATES:
        return Intent("answer", text.strip())
    if words.isdigit() and 1 <= int(words) <= len(options):
        return Intent(options[int(words) - 1].trigger)
    for option in options:
        if words == normalise(option.label) or words in option.keywords or words == option.trigger:
            return Intent(option.trigger)
    if words in GREETINGS:
        return Intent("menu")
    return Intent("unknown", text.strip())


def render_options(state: str) -> str:
    return "\n".join(msg.OPTION_LINE.format(number=i, label=o.label) for i, o in enumerate(MENUS[state], 1))
