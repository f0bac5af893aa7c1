"""Rich WhatsApp messages (reply buttons, list pickers, a link button) in neutral terms, and their Twilio Content API
definition.

`Rich` says what a person should see; `Rich.problems()` names every WhatsApp/Twilio limit it breaks (the caller then
sends plain text instead); `definition(rich)` gives the Content API create payload and the ContentVariables of this
one message. Every value that varies is a variable, so one content serves every message of the same *shape* and a
whole conversation needs a few contents, not one per message (`definition_key` names a payload, to cache its sid):

- the body is one variable per non-blank line, the line breaks and blank lines staying in the definition: Twilio
  refuses a variable holding a newline, a tab or more than four spaces in a row (error 21656), so a multi-line body
  cannot be one variable;
- list-picker: the button, then each row's title, id and description (for the rows that have one);
- quick-reply: each button's title and id;
- call-to-action: the url's path and query (WhatsApp wants the scheme and host static, a variable only as the
  suffix); the button's text is static too.

Shape = kind, number of items, which rows have descriptions, the body's pattern of blank and non-blank lines, and
for call-to-action the url's scheme and host and the button text.

No "twilio/text" fallback type is added: the bot speaks WhatsApp only, which draws all three types inside the
24-hour session, and outside it a fallback would not help (Twilio picks the WhatsApp type and fails with 63016): the
caller sends those as text or as the approved template instead."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

QUICK_REPLY, LIST_PICKER, CALL_TO_ACTION = "quick-reply", "list-picker", "call-to-action"
KINDS = (QUICK_REPLY, LIST_PICKER, CALL_TO_ACTION)
CONTENT_TYPES = {QUICK_REPLY: "twilio/quick-reply", LIST_PICKER: "twilio/list-picker",
                 CALL_TO_ACTION: "twilio/call-to-action"}
LANGUAGE = "en"

# Twilio's limits (Content API: twilio/list-picker, twilio/quick-reply, twilio/call-to-action) and WhatsApp's.
BODY_LIMIT = 1024
MAX_BUTTONS = 3  # reply buttons WhatsApp shows in a session message
BUTTON_TITLE_LIMIT = 20
MAX_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
LIST_BUTTON_LIMIT = 20  # WhatsApp's limit for the button that opens the list
ID_LIMIT = 200
URL_TITLE_LIMIT = 20
MAX_VARIABLES = 100
_SPACES = re.compile(r" {5,}")  # Twilio refuses more than four spaces in a row in a variable
# Samples for the `variables` defaults, by role and number: never a message's own text (the payload must not vary
# by message) and distinct where WhatsApp wants distinct values (ids, button titles).
_SAMPLES = {"line": "Text {n}", "button": "Choose", "title": "Option {n}", "id": "option-{n}",
            "description": "Details {n}", "path": "path"}


@dataclass(frozen=True)
class Item:
    """A reply button or a list row. `id` is what comes back as ButtonPayload (or ListId) when it is tapped."""

    id: str
    title: str  # a button's title (<= 20) or a row's (<= 24)
    description: str = ""  # list rows only (<= 72)


@dataclass(frozen=True)
class Rich:
    """A message with buttons or a list. kind: "quick-reply" (1 to 3 buttons), "list-picker" (1 to 10 rows behind
    `button`) or "call-to-action" (one link button: `url`, `url_title`)."""

    kind: str
    body: str  # <= 1024
    items: tuple[Item, ...] = ()
    button: str = ""  # list-picker: the button that opens the list (<= 20), required
    url: str = ""  # call-to-action: the https link
    url_title: str = ""  # call-to-action: the button's text (<= 20)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (what the bot stores with the message); `from_json` reads it back."""
        data: dict[str, Any] = {"kind": self.kind, "body": self.body,
                                "items": [{"id": i.id, "title": i.title, "description": i.description}
                                          for i in self.items]}
        for name in ("button", "url", "url_title"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rich:
        """The Rich `to_json` gave; ValueError if `data` is not one."""
        if not isinstance(data, dict):
            raise ValueError("a rich message is a JSON object")
        strings = {name: data.get(name, "") for name in ("kind", "body", "button", "url", "url_title")}
        items = data.get("items", [])
        if not all(isinstance(v, str) for v in strings.values()) or not isinstance(items, list):
            raise ValueError("malformed rich message")
        parsed = []
        for item in items:
            if not isinstance(item, dict) or not all(isinstance(item.get(k, ""), str)
                                                     for k in ("id", "title", "description")):
                raise ValueError("malformed rich message item")
            parsed.append(Item(id=item.get("id", ""), title=item.get("title", ""),
                               description=item.get("description", "")))
        return cls(items=tuple(parsed), **strings)

    def problems(self) -> list[str]:
        """Every limit this message breaks, in words for a log (never its text: it may be personal); empty when it
        can be sent as this kind."""
        found: list[str] = []
        if self.kind not in KINDS:
            return [f"unknown kind {self.kind!r}"]
        found += _text_problems("body", self.body, BODY_LIMIT, multiline=True)
        if self.kind == QUICK_REPLY:
            found += _count_problems("buttons", self.items, 1, MAX_BUTTONS)
            for n, item in enumerate(self.items, 1):
                found += _text_problems(f"button {n} title", item.title, BUTTON_TITLE_LIMIT)
                found += _text_problems(f"button {n} id", item.id, ID_LIMIT)
                if item.description:
                    found.append(f"button {n} has a description (list rows only)")
            if len({item.title for item in self.items}) < len(self.items):
                found.append("two buttons have the same title")
        elif self.kind == LIST_PICKER:
            found += _count_problems("rows", self.items, 1, MAX_ROWS)
            found += _text_problems("list button", self.button, LIST_BUTTON_LIMIT)
            for n, item in enumerate(self.items, 1):
                found += _text_problems(f"row {n} title", item.title, ROW_TITLE_LIMIT)
                found += _text_problems(f"row {n} id", item.id, ID_LIMIT)
                if item.description:
                    found += _text_problems(f"row {n} description", item.description, ROW_DESCRIPTION_LIMIT)
        else:
            if self.items:
                found.append("a call-to-action has no items")
            found += _text_problems("link title", self.url_title, URL_TITLE_LIMIT, static=True)
            found += _url_problems(self.url)
        if self.kind != LIST_PICKER and self.button:
            found.append("only a list-picker has a list button")
        if self.kind != CALL_TO_ACTION and (self.url or self.url_title):
            found.append("only a call-to-action has a link")
        if len({item.id for item in self.items}) < len(self.items):
            found.append("two items have the same id")
        if not found:
            variables = len(_body_lines(self.body)) + _item_variables(self)
            if variables > MAX_VARIABLES:
                found.append(f"{variables} variables, more than Twilio's {MAX_VARIABLES}")
        return found


def _text_problems(name: str, value: str, limit: int, *, multiline: bool = False, static: bool = False) -> list[str]:
    if not value.strip():
        return [f"{name} is empty"]
    found = [f"{name} is {len(value)} characters, more than {limit}"] if len(value) > limit else []
    if "\r" in value or (not multiline and "\n" in value):
        found.append(f"{name} has a line break")
    if static and ("{{" in value or "}}" in value):  # a variable's value is never read for placeholders
        found.append(f"{name} has '{{{{', which Twilio reads as a variable")
    if "\t" in value or _SPACES.search(value):
        found.append(f"{name} has a tab or more than four spaces in a row")
    return found


def _count_problems(name: str, items: tuple[Item, ...], low: int, high: int) -> list[str]:
    return [] if low <= len(items) <= high else [f"{len(items)} {name}, not {low} to {high}"]


def _url_problems(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        ok = parts.scheme == "https" and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        ok = False
    if not ok or any(c.isspace() for c in url) or "{{" in url or "}}" in url:
        return ["the link is not an https URL"]
    return []


def _item_variables(rich: Rich) -> int:
    if rich.kind == LIST_PICKER:
        return 1 + sum(3 if item.description else 2 for item in rich.items)
    if rich.kind == QUICK_REPLY:
        return 2 * len(rich.items)
    return 1 if _url_parts(rich.url)[1] else 0


def _url_parts(url: str) -> tuple[str, str]:
    """('https://host/', 'the/path?and=query'): the static start and the variable suffix (maybe empty)."""
    parts = urlsplit(url)
    end = len(parts.scheme) + 3 + len(parts.netloc)
    rest = url[end:]
    return url[:end] + "/", rest[1:] if rest.startswith("/") else rest


def _body_lines(body: str) -> list[str]:
    """The lines that become variables: the non-blank ones (a blank line stays in the definition as it is)."""
    return [line for line in body.split("\n") if line.strip()]


def definition(rich: Rich) -> tuple[dict[str, Any], dict[str, str]]:
    """(the Content API create payload, the ContentVariables of this message): see the module's docstring.
    ValueError if the message has problems (`Rich.problems`)."""
    problems = rich.problems()
    if problems:
        raise ValueError("not sendable as rich content: " + "; ".join(problems))
    defaults: dict[str, str] = {}
    values: dict[str, str] = {}

    counts: dict[str, int] = {}

    def var(role: str, value: str) -> str:
        name = str(len(values) + 1)
        counts[role] = counts.get(role, 0) + 1
        defaults[name], values[name] = _SAMPLES[role].replace("{n}", str(counts[role])), value
        return "{{" + name + "}}"

    body = "\n".join([var("line", line) if line.strip() else line for line in rich.body.split("\n")])
    if rich.kind == LIST_PICKER:
        button = var("button", rich.button)
        rows = []
        for item in rich.items:
            row = {"item": var("title", item.title), "id": var("id", item.id)}
            if item.description:
                row["description"] = var("description", item.description)
            rows.append(row)
        content = {"body": body, "button": button, "items": rows}
        name = f"mns_list_{len(rows)}{'_desc' if any(item.description for item in rich.items) else ''}"
    elif rich.kind == QUICK_REPLY:
        actions = [{"title": var("title", item.title), "id": var("id", item.id)} for item in rich.items]
        content = {"body": body, "actions": actions}
        name = f"mns_buttons_{len(actions)}"
    else:
        start, suffix = _url_parts(rich.url)
        url = start + var("path", suffix) if suffix else start
        content = {"body": body, "actions": [{"type": "URL", "title": rich.url_title, "url": url}]}
        name = "mns_link"
    types = {CONTENT_TYPES[rich.kind]: content}
    digest = definition_key({"types": types, "variables": defaults})[:10]
    payload = {"friendly_name": f"{name}_{digest}", "language": LANGUAGE, "variables": defaults, "types": types}
    return payload, values


def definition_key(payload: dict[str, Any]) -> str:
    """A stable name for a create payload: the SHA-256 of its canonical JSON, 64 hex digits."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
