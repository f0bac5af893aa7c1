"""Google Meet as the core sees it: its key, name, command word ("connect google"), capabilities (a Meet link
made per booking, busy times read), the plans that may connect it, and its own texts."""
from __future__ import annotations

from integrations.video import PlatformInfo

GOOGLE_MEET = PlatformInfo(
    name="google_meet",
    display_name="Google Meet",
    command_word="google",
    creates_meetings_per_booking=True,
    needs_connection=True,
    can_disconnect=True,
    reads_busy_times=True,
    plans=("trial", "pro"),
    texts={"cookie_domain": "accounts.google.com"},
)
