"""A provider's booking link: a wa.me click-to-chat link that opens a chat with the bot with "book <CODE>" typed,
and the same link as a QR code (PNG) they can forward or print. Pure; segno draws the code (no image library)."""
from __future__ import annotations

import io
import re
from urllib.parse import quote

import segno


def booking_link(bot_number: str, code: str) -> str:
    """'+14155238886', 'AB3CD4' -> 'https://wa.me/14155238886?text=book%20AB3CD4'."""
    digits = re.sub(r"\D", "", bot_number.removeprefix("whatsapp:"))
    if not digits:
        raise ValueError("the bot has no WhatsApp number to link to")
    return f"https://wa.me/{digits}?text={quote(f'book {code}')}"


def qr_png(link: str, scale: int = 8) -> bytes:
    """The link as a QR code PNG (error correction M, quiet zone of 4 modules as the standard asks)."""
    out = io.BytesIO()
    segno.make(link, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
