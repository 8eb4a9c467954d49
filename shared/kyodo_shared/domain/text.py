"""Japanese text normalization for search: width (NFKC), case, and katakana folded to hiragana."""

from __future__ import annotations

import unicodedata

# Katakana ァ..ヶ fold to hiragana ぁ..ゖ; the long-vowel mark and spaces are dropped.
_FOLD = {code: code - 0x60 for code in range(0x30A1, 0x30F7)} | {ord("ー"): None, ord(" "): None, ord("\u3000"): None}


def normalize(text: str) -> str:
    """ｶﾀｶﾅ, カタカナ and かたかな compare equal; full-width Ａ and a compare equal."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
