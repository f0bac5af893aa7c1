"""Use cases around a provider's booking link: the link itself and its QR code, served as an image that Twilio
fetches to send it on WhatsApp (and that anyone with the code may load: the code is public by design)."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.core import sharing
from bot.services.deps import Services
from store.db import unit_of_work
from store.models import Provider

CODE = re.compile(r"[A-Z2-9]{4,12}")


def link_for(services: Services, code: str) -> str:
    return sharing.booking_link(services.config.whatsapp_number, code)


def qr_url(services: Services, code: str) -> str:
    """Where the QR code of this booking code is served (the image attached to the share message)."""
    return services.url(f"/share/{code}.png")


def qr_for_code(services: Services, code: str) -> bytes | None:
    """The QR code PNG of an existing provider's booking link; None for a code nobody has."""
    code = code.upper()
    if not CODE.fullmatch(code):
        return None
    with unit_of_work(services.sessions, read_only=True) as session:
        known = session.scalar(select(Provider.id).where(Provider.booking_code == code))
    return sharing.qr_png(link_for(services, code)) if known is not None else None
