"""Twilio: outbound WhatsApp messages (`messenger`), webhook signatures (`signing`) and a strict local fake of
Twilio's Messages API for tests and the sandbox (`fake`, imported explicitly)."""
from integrations.twilio.messenger import (
    ConsoleMessenger,
    Messenger,
    MessengerUnavailable,
    SendResult,
    TwilioMessenger,
    mask_address,
    split_body,
)

__all__ = [
    "ConsoleMessenger",
    "Messenger",
    "MessengerUnavailable",
    "SendResult",
    "TwilioMessenger",
    "mask_address",
    "split_body",
]
