"""Email addresses as people type them: "did you mean gmail.com?" for a common provider's domain mistyped
(`gmial.con`). Pure; the address is checked for shape elsewhere (bot.flows' email step)."""
from __future__ import annotations


# The mailbox providers most of our users have; a typed domain close to one of these (but not one) is a typo.
COMMON_DOMAINS = ("gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.in", "yahoo.co.uk", "hotmail.com",
                  "hotmail.co.uk", "outlook.com", "live.com", "msn.com", "icloud.com", "me.com", "aol.com",
                  "proton.me", "protonmail.com", "rediffmail.com", "zoho.com", "gmx.com", "gmx.de", "web.de",
                  "mail.com", "yandex.com")
# Domains that are real and merely look like a common one (never "corrected").
REAL_LOOKALIKES = frozenset({"gmx.com", "gmx.de", "mail.com", "me.com", "msn.com", "live.com", "aol.com"})


def suggest_domain(address: str) -> str | None:
    """The address with its domain corrected, when the domain is one or two keystrokes from a common provider's
    ('ravi@gmial.con' -> 'ravi@gmail.com'); None when it looks right or is nothing like one."""
    local, at, domain = address.strip().rpartition("@")
    domain = domain.lower()
    if not at or not local or domain in COMMON_DOMAINS or domain in REAL_LOOKALIKES:
        return None
    distance, closest = min((_keystrokes(domain, known), known) for known in COMMON_DOMAINS)
    return f"{local}@{closest}" if distance <= 2 else None


def _keystrokes(a: str, b: str) -> int:
    """Edits from a to b: insert, delete, replace, or swap two neighbours (optimal string alignment distance)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]
