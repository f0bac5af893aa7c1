"""Twilio: outbound WhatsApp messages and the Content API (`messenger`), rich messages and their Content definitions
(`content`), webhook signatures (`signing`) and a strict local fake of Twilio's Messages and Content APIs for tests
and the sandbox (`fake`, imported explicitly)."""
from integrations.twilio.messenger import (
    ConsoleMessenger,
    ContentRefused,
    Messenger,
    MessengerUnavailable,
    SendResult,
    TwilioMessenger,
    mask_address,
    split_body,
)

__all__ = [
    "ConsoleMessenger",
    "ContentRefused",
    "Messenger",
    "MessengerUnavailable",
    "SendResult",
    "TwilioMessenger",
    "mask_address",
    "split_body",
]
