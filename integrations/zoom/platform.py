"""Zoom as the core sees it: its key, name, command word, capabilities, the plans that may connect it, and the
texts that only make sense for Zoom (the guide's troubleshooting: plan requirement, wrong account, authorization
timeouts). The core's templates take these as variables; nothing outside integrations/zoom/ spells "Zoom"."""
from __future__ import annotations

from integrations.video import PlatformInfo

TEXTS = {
    # where a browser keeps the platform's sign-in (the guide: "Clear your browser cookies and try again")
    "cookie_domain": "zoom.us",
}

ZOOM = PlatformInfo(
    name="zoom",
    display_name="Zoom",
    command_word="zoom",
    creates_meetings_per_booking=True,
    needs_connection=True,
    can_disconnect=True,
    plans=("trial", "pro"),  # the guide: "Zoom integration requires a Pro plan or active trial"
    texts=TEXTS,
)
