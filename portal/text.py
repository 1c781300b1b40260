"""Text normalisation used for searching and storing."""

from __future__ import annotations

import re
import unicodedata

_NON_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case, accents removed, spaces collapsed: 'Łódź  Żurek' -> 'lodz zurek'."""
    if not text:
        return ""
    # Ł/ł have no decomposition in Unicode; map them by hand before stripping marks.
    text = text.replace("Ł", "L").replace("ł", "l")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().lower()


def digits(text: str | None) -> str:
    return _NON_DIGITS.sub("", text or "")
