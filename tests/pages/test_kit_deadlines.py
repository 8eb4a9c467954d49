"""The kit's `deadline` filter: a deadline at 00:00 in Tokyo is the end of the day before, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jinja2 import Environment

from kyodo_shared.pages import format as formats


def render(source: str, lang: str = "ja", **values: Any) -> str:
    env = Environment(autoescape=True)
    formats.register(env)
    return env.from_string(source).render(lang=lang, **values)


def test_a_deadline_at_midnight_in_tokyo_reads_as_the_end_of_the_day_before() -> None:
    deadline = datetime(2027, 7, 4, 15, 0, tzinfo=UTC)  # 00:00 on Monday 5 July 2027 in Tokyo
    assert render("{{ t | deadline }}", t=deadline) == "2027年7月4日（日）まで"
    assert render("{{ t | deadline }}", "en", t=deadline) == "by the end of Sun 4 Jul 2027"


def test_a_deadline_at_another_time_keeps_its_day_and_time() -> None:
    deadline = datetime(2027, 7, 5, 8, 0, tzinfo=UTC)  # 17:00 on Monday 5 July 2027 in Tokyo
    assert render("{{ t | deadline }}", t=deadline) == "2027年7月5日（月）17:00まで"
    assert render("{{ t | deadline }}", "en", t=deadline) == "by 17:00 JST on Mon 5 Jul 2027"


def test_no_deadline_is_blank_and_a_naive_one_is_refused() -> None:
    assert render("{{ t | deadline }}", t=None) == ""
    with pytest.raises(ValueError, match="naive"):
        render("{{ t | deadline }}", t=datetime(2027, 7, 5))
