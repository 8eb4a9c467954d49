"""Japanese text normalization for search: width (NFKC), case, and katakana folded to hiragana."""

from __future__ import annotations

import unicodedata

_KATAKANA_START, _KATAKANA_END = 0x30A1, 0x30F6
_KANA_OFFSET = 0x60


def normalize(text: str) -> str:
    """ｶﾀｶﾅ, カタカナ and かたかな compare equal; full-width Ａ and a compare equal."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return (
        "".join(chr(ord(ch) - _KANA_OFFSET) if _KATAKANA_START <= ord(ch) <= _KATAKANA_END else ch for ch in folded)
        .replace("ー", "")
        .replace(" ", "")
        .replace("\u3000", "")
    )
