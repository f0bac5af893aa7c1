"""The per-message objects the conversation engine works with: the frozen inbound message, and the Dialogue,
the `transitions` model for one message (state + context + the replies the steps queue).

What a journey remembers between messages is typed: each journey declares a `Draft` subclass (a dataclass with a
`KEY`), reads it with `d.draft(Kind)` and changes its fields; the handler stores every draft touched with the state
(`Dialogue.stored_context`). Unknown stored keys are ignored, so a field added later starts at its default."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from sqlalchemy.orm import Session

from bot.core.choices import Choice, Numbered, Offer, numbered
from bot.dialogue.intents import fill, shown_options
from bot.services import video_accounts
from store.models import Contact, Provider

if TYPE_CHECKING:
    from bot.services.deps import Services


@dataclass(frozen=True)
class Inbound:
    """One WhatsApp message as Twilio delivered it (or as the `chat` CLI typed it)."""

    message_sid: str
    phone: str  # E.164, without the whatsapp: prefix
    text: str
    received_at: datetime
    payload: str | None = None  # ButtonPayload of a quick-reply button
    profile_name: str | None = None


@dataclass
class Draft:
    """What one journey remembers between messages (subclass it as a dataclass, JSON-friendly fields only)."""

    KEY: ClassVar[str]


@dataclass
class Listed:
    """Mixed into a Draft whose steps list things to pick by number: what was listed last, in order (ids, or ISO
    days and times), so "3" means what the person saw. One name for every journey."""

    listed: list[Any] = field(default_factory=list)


D = TypeVar("D", bound=Draft)
# The shape of the stored context. Bump it when a journey's drafts change incompatibly: a conversation stored with
# another version, in the middle of a journey, starts again at the menu instead of reading what it cannot.
CONTEXT_VERSION = 2
VERSION_KEY = "_v"
OFFER_KEY = "_offer"  # the choices last sent (bot.core.choices.Offer), which a tapped button or row refers to
SHOWN_KEY = "_shown"  # {"state": ..., "triggers": [...]}: the options shown when a step showed only some


@dataclass
class Dialogue:
    """The state machine's model for one inbound message. Steps read it and queue replies on it."""

    services: "Services"
    # The message's Session (`session`), as given or once `open_session` made it: the read-first pass gives none, as
    # most steps only read the contact; one (the contact and provider attached to it) is made when a step asks.
    opened: Session | None
    contact: Contact
    inbound: Inbound
    now: datetime
    context: dict[str, Any] = field(default_factory=dict)
    replies: list[str] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    error: BaseException | None = None
    # The steps run where nothing may be written (SQLite's read-first pass, bot/conversation/handler.py): a step that
    # fails there (perhaps by writing) is not reported, the handler runs the message again in a write transaction.
    rehearsal: bool = False
    state: str = "start"
    arg: str | None = None  # what a command carried, e.g. the code of "book ABC123"
    sealed: bool = False  # a reply names a connected account's email: the message is stored encrypted
    media_url: str | None = None  # an image sent with the reply (see `attach`)
    # (reply index, its text without the options, choices, whether a tap types the choice's key)
    offered: tuple[int, str, tuple[Choice, ...], bool] | None = None
    link: tuple[str, str] | None = None  # (button title, url): a link the reply is about (see `button`)
    paged: tuple[Offer, int] | None = None  # the reply is a page of an offer sent before ("More…" tapped)
    outcome: Any = None  # what this message's use case returned (set before the guards that read it)
    _drafts: dict[str, Draft] = field(default_factory=dict, repr=False)
    _offer: tuple[Any, Offer] | None = field(default=None, repr=False)
    open_session: Callable[[], Session] | None = field(default=None, repr=False)

    @property
    def session(self) -> Session:
        if self.opened is None and self.open_session is not None:
            self.opened = self.open_session()
        return self.opened  # type: ignore[return-value]  (None only in tests of steps that use none)

    def draft(self, kind: type[D]) -> D:
        """This journey's typed memory, loaded from the stored context the first time (defaults if none)."""
        loaded = self._drafts.get(kind.KEY)
        if not isinstance(loaded, kind):
            raw = self.context.get(kind.KEY)
            names = {f.name for f in fields(kind)}
            loaded = kind(**{k: v for k, v in raw.items() if k in names}) if isinstance(raw, dict) else kind()
            self._drafts[kind.KEY] = loaded
        return loaded

    def forget(self, *kinds: type[Draft]) -> None:
        """Drop these journeys' memory (all of it when none is named)."""
        if not kinds:
            self.context.clear()
            self._drafts.clear()
        for kind in kinds:
            self.context.pop(kind.KEY, None)
            self._drafts.pop(kind.KEY, None)

    def stored_context(self) -> dict[str, Any]:
        """What the handler saves with the state: the context with every draft written back."""
        stored = {**self.context, **{key: asdict(draft) for key, draft in self._drafts.items()}}
        stored.pop(VERSION_KEY, None)
        return {**stored, VERSION_KEY: CONTEXT_VERSION} if stored else {}

    @property
    def provider(self) -> Provider | None:
        return self.contact.provider

    @property
    def text(self) -> str:
        return self.inbound.text.strip()

    def say(self, template: str, **values: Any) -> None:
        """Queue a reply. A value made by `options` or `listing` is numbered text that remembers its choices: the
        reply then offers them (WhatsApp draws them as buttons or a list where it can, see bot/core/choices.py)."""
        offered = [v for v in values.values() if isinstance(v, Numbered)]
        if offered:
            plain = template.format(**{k: v.lead if isinstance(v, Numbered) else v for k, v in values.items()})
            self.offered = (len(self.replies), _tidy(plain), offered[-1].choices, False)
        self.replies.append(template.format(**values) if values else template)

    def offer(self) -> Offer | None:
        """What this message's replies offer, for the state the conversation is in now (the last offer said)."""
        if self.offered is None:
            return None
        if self._offer is not None and self._offer[0] == (self.offered, self.state, len(self.replies)):
            return self._offer[1]  # asked twice per message (kept with the state, and sent)
        index, body, choices, typed = self.offered
        replies = [body if i == index else reply for i, reply in enumerate(self.replies)]
        offer = Offer(body=_tidy("\n\n".join(r for r in replies if r)), choices=choices, state=self.state, typed=typed)
        self._offer = ((self.offered, self.state, len(self.replies)), offer)
        return offer

    def also_offer(self, choices: list[Choice]) -> None:
        """The last reply asks a question whose answers it names in its text ("Reply *1* or *yes*", "or *skip*"):
        offer them as buttons too; a tap types the choice's key."""
        self.offered = (len(self.replies) - 1, self.replies[-1], tuple(choices), True)

    def listing(self, choices: list[Choice], lines: list[str] | None = None, lead: str = "") -> Numbered:
        """Choices the step lists (sessions, days, times, bookings), for a template's {options}: `lines` are their
        numbered text when it says more than "N. title"; `lead`, a line before them."""
        return numbered(choices, lines, lead)

    def button(self, title: str, url: str) -> None:
        """The reply is about this link (connect an account, join a meeting): WhatsApp shows it as a button too."""
        self.link = (title, url)

    def words(self, platform: str | None = None) -> dict[str, str]:
        """A platform's template variables ({platform}, {command_word}, its own texts); without `platform`, those
        of the platform providers connect here."""
        return video_accounts.words(self.services, platform)

    def options(self, state: str, only: tuple[str, ...] | None = None, *, platform: str | None = None,
                lead: str = "") -> Numbered:
        """The state's options, numbered from 1 as shown; with `only`, just those triggers, and the numbers the
        person types next map to them (remembered with the state, see `shown`). `platform`: whose words fill the
        labels (the one connected here by default); `lead`: a line of the question before them."""
        if only is None:
            self.context.pop(SHOWN_KEY, None)
        else:
            self.context[SHOWN_KEY] = {"state": state, "triggers": list(only)}
        words = self.words(platform)
        offered = shown_options(state, only, video_accounts.offered_words(self.services))
        return numbered([Choice(o.payload, fill(o.label, words)) for o in offered], lead=lead)

    def shown(self, state: str) -> tuple[str, ...] | None:
        """The triggers of `state`'s options last shown, when a step showed only some (None: all of them)."""
        remembered = self.context.get(SHOWN_KEY)
        if isinstance(remembered, dict) and remembered.get("state") == state:
            return tuple(remembered.get("triggers") or ())
        return None

    def say_sealed(self, template: str, **values: Any) -> None:
        """A reply naming personal data of a connected account (its email): this message's stored body is
        encrypted like the connection, and deleted with it."""
        self.sealed = True
        self.say(template, **values)

    def attach(self, url: str) -> None:
        """Send this image (a public URL Twilio fetches) with the reply, as its caption."""
        self.media_url = url

    def later(self, job: Callable[[], None]) -> None:
        """Run `job` once this message's transaction has committed (sending mail, calling the video platform...)."""
        self.after_commit.append(job)


def _tidy(text: str) -> str:
    """A reply whose options were taken out: no run of blank lines left where they were."""
    lines = [line.rstrip() for line in text.strip().split("\n")]
    kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    return "\n".join(kept).strip()
