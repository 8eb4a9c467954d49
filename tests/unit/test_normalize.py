"""Japanese search normalization: width, case and kana variants compare equal."""

from __future__ import annotations

import pytest

from kyodo_shared.domain.text import normalize


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ｺｸﾌﾞﾝｼﾞ", "こくぶんじ"),
        ("コクブンジ", "こくぶんじ"),
        ("ＮＰＯ法人", "npo法人"),
        ("センター", "せんた"),
        ("本 町", "本町"),
    ],
)
def test_variants_normalize_to_the_same_text(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


def test_different_words_stay_different() -> None:
    assert normalize("本町") != normalize("南町")
