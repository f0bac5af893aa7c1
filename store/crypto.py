"""Encryption at rest for OAuth tokens and connected-account emails: Fernet with key rotation (MultiFernet; the
first key encrypts, every key decrypts). Also hashing of link tokens and OAuth states, which are only looked up."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CipherError(ValueError):
    """A key is malformed, or a value cannot be decrypted with any configured key."""


class TokenCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise CipherError("TOKEN_ENCRYPTION_KEY needs at least one key")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError) as exc:
            raise CipherError("TOKEN_ENCRYPTION_KEY holds a malformed key (each must be a 32-byte urlsafe "
                              "base64 Fernet key)") from exc

    def __repr__(self) -> str:
        return "TokenCipher(keys=***)"

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str:
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise CipherError("stored secret cannot be decrypted with the configured keys") from exc

    def rotate(self, value: str) -> str:
        """Re-encrypt with the first key (after adding a new key in front)."""
        return self._fernet.rotate(value.encode()).decode()


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
