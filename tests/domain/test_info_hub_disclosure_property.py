"""Disclosure control checked by an independent exact solver: for generated tables (and linked systems of
cross-tabs sharing a question, multiple choice questions, and whole surveys through `compute`) every suppressed
count can take at least two integer values given everything published and what a reader knows of the rules: a
hidden count is at least 1 (zeros are always published); a hidden multiple choice option is at most answers - 1
(an option chosen by all is published) and, every answering group having chosen an option, the options sum to at
least the answers. The solver here is plain enumeration with interval propagation (no scipy, no code shared with
`disclosure.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import combinations_with_replacement, product
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyodo_info_hub.disclosure import CrossTab, Multiple, Protection, protect
from kyodo_info_hub.survey_stats import QuestionSpec, compute

Var = tuple[object, ...]
# A constraint: ({variable: coefficient ±1}, lower, upper or None for no upper bound) on the sum; published counts
# are folded into the bounds.
Constraint = tuple[dict[Var, int], int, int | None]


class Reader:
    """What a reader sees: the hidden counts (variables, with their true values when known to the test and the
    domain a reader allows them) and the constraints linking them to the published ones."""

    def __init__(self) -> None:
        self.truth: dict[Var, int] = {}
        self.domain: dict[Var, tuple[int, int]] = {}
        self.known: dict[Var, int] = {}
        self.raw: list[Constraint] = []

    def count(self, ref: Var, published: int | None, low: int, high: int, truth: int | None = None) -> None:
        if published is not None:
            self.known[ref] = published
        else:
            self.domain[ref] = (low, high)
            if truth is not None:
                self.truth[ref] = truth

    def constraint(self, terms: dict[Var, int], low: int, high: int | None) -> None:
        self.raw.append((terms, low, high))

    def constraints(self) -> list[Constraint]:
        folded: list[Constraint] = []
        for terms, low, high in self.raw:
            shift = sum(a * self.known[v] for v, a in terms.items() if v in self.known)
            rest = {v: a for v, a in terms.items() if v not in self.known}
            folded.append((rest, low - shift, None if high is None else high - shift))
        return folded


def published_system(
    dists: dict[str, list[int]],
    tabs: Sequence[CrossTab],
    protection: Protection,
    multiples: dict[str, Multiple] | None = None,
) -> Reader:
    reader = Reader()
    for key, counts in dists.items():
        marks = protection.distributions[key]
        if marks is None:
            continue
        total = sum(counts)  # the question's answers: always published
        for c, (v, m) in enumerate(zip(counts, marks, strict=True)):
            reader.count(("m", key, c), None if m else v, 1, total, v)
        reader.constraint({("m", key, c): 1 for c in range(len(counts))}, total, total)
    for t, (tab, marks_t) in enumerate(zip(tabs, protection.crosstabs, strict=True)):
        if marks_t is None:
            continue
        total = sum(map(sum, tab.cells))
        for i, row in enumerate(tab.cells):
            for j, v in enumerate(row):
                reader.count(("x", t, i, j), None if marks_t[i][j] else v, 1, total, v)
            reader.constraint({("x", t, i, j): 1 for j in range(len(row))} | {("m", tab.row, i): -1}, 0, 0)
        for j in range(len(tab.cells[0])):
            reader.constraint({("x", t, i, j): 1 for i in range(len(tab.cells))} | {("m", tab.column, j): -1}, 0, 0)
    for key, multiple in (multiples or {}).items():
        chosen = protection.multiples[key]
        if chosen is None:
            continue
        n = multiple.answers
        for o, (v, m) in enumerate(zip(multiple.counts, chosen, strict=True)):
            reader.count(("o", key, o), None if m else v, 1, n - 1, v)
        reader.constraint({("o", key, o): 1 for o in range(len(multiple.counts))}, n, None)
    return reader


def propagate(low: dict[Var, int], high: dict[Var, int], constraints: list[Constraint]) -> bool:
    """Narrow every variable's interval by every constraint until nothing changes; False when one empties."""
    changed = True
    while changed:
        changed = False
        for terms, lo, hi in constraints:
            for v, a in terms.items():
                others_low = sum(min(b * low[w], b * high[w]) for w, b in terms.items() if w != v)
                others_high = sum(max(b * low[w], b * high[w]) for w, b in terms.items() if w != v)
                # lo <= a·x + others <= hi, others anywhere in [others_low, others_high]: a·x in [ax_low, ax_high]
                ax_low, ax_high = lo - others_high, None if hi is None else hi - others_low
                if a > 0:
                    new_low, new_high = ax_low, high[v] if ax_high is None else ax_high
                else:
                    new_low, new_high = low[v] if ax_high is None else -ax_high, -ax_low
                if new_low > low[v]:
                    low[v], changed = new_low, True
                if new_high < high[v]:
                    high[v], changed = new_high, True
                if low[v] > high[v]:
                    return False
    return True


def completes(low: dict[Var, int], high: dict[Var, int], constraints: list[Constraint]) -> bool:
    """Depth-first enumeration: is there an integer assignment within the intervals satisfying every constraint?
    Propagates, then branches on the variable with the fewest values left."""
    low, high = dict(low), dict(high)
    if not propagate(low, high, constraints):
        return False
    free = [v for v in low if low[v] < high[v]]
    if not free:
        sums = [(sum(a * low[v] for v, a in terms.items()), lo, hi) for terms, lo, hi in constraints]
        return all(lo <= total and (hi is None or total <= hi) for total, lo, hi in sums)
    var = min(free, key=lambda v: (high[v] - low[v], str(v)))
    return any(completes(low | {var: x}, high | {var: x}, constraints) for x in range(low[var], high[var] + 1))


def component(var: Var, constraints: list[Constraint]) -> list[Constraint]:
    """The constraints linked to `var` (the others constrain independent counts)."""
    seen, linked, todo = {var}, [], [var]
    while todo:
        v = todo.pop()
        for c in constraints:
            if v in c[0] and c not in linked:
                linked.append(c)
                todo.extend(w for w in c[0] if w not in seen)
                seen |= set(c[0])
    return linked


def feasible_values(var: Var, reader: Reader, limit: int = 2) -> list[int]:
    """Up to `limit` values `var` takes in tables consistent with what is published (the true one first)."""
    constraints = component(var, reader.constraints())
    names = {v for terms, _, _ in constraints for v in terms} | {var}
    low = {v: reader.domain[v][0] for v in names}
    high = {v: reader.domain[v][1] for v in names}
    truth = reader.truth.get(var, low[var])
    found = []
    for x in sorted(range(low[var], high[var] + 1), key=lambda x: (abs(x - truth), x)):
        if completes(low | {var: x}, high | {var: x}, constraints):
            found.append(x)
            if len(found) == limit:
                break
    return found


def assert_protected(reader: Reader, context: object) -> None:
    truth = {v: reader.truth[v] for v in reader.domain}
    low = {v: reader.domain[v][0] for v in reader.domain}
    assert completes(truth, truth, reader.constraints()) or not truth, "the true table fits what is published"
    assert all(low[v] <= t <= reader.domain[v][1] for v, t in truth.items()), "the reader's model holds the truth"
    for var in reader.domain:
        values = feasible_values(var, reader)
        assert len(values) >= 2, f"{var} is disclosed: only {values} fits ({context})"


def check(dists: dict[str, list[int]], tabs: Sequence[CrossTab], multiples: dict[str, Multiple] | None = None) -> None:
    protection = protect(dists, tabs, multiples)
    for key, counts in dists.items():
        marks = protection.distributions[key]
        if marks is None:
            # Withheld only when it holds something small (it cannot be protected alone).
            assert any(v in (1, 2) for v in counts), (key, counts)
            continue
        for v, m in zip(counts, marks, strict=True):
            assert m or v not in (1, 2), f"a small count is suppressed: {key}, {counts}, {marks}"
            assert v > 0 or not m, "a zero is published"
    for tab, marks_t in zip(tabs, protection.crosstabs, strict=True):
        if marks_t is None:
            small = [v for row in tab.cells for v in row] + dists[tab.row] + dists[tab.column]
            assert any(v in (1, 2) for v in small), tab
            continue
        for row, row_marks in zip(tab.cells, marks_t, strict=True):
            for v, m in zip(row, row_marks, strict=True):
                assert m or v not in (1, 2), (tab, marks_t)
                assert v > 0 or not m
        for key in (tab.row, tab.column):
            assert protection.distributions[key] is not None, "a published cross-tab's margins are published"
    for key, multiple in (multiples or {}).items():
        chosen = protection.multiples[key]
        if chosen is None:
            continue
        for v, m in zip(multiple.counts, chosen, strict=True):
            assert m or (v not in (1, 2) and multiple.answers - v not in (1, 2)), (multiple, chosen)
            assert 0 < v < multiple.answers or not m, "an option chosen by none or by all is published"
    assert_protected(published_system(dists, tabs, protection, multiples), (dists, tabs, multiples, protection))


def table(rows: int, cols: int) -> st.SearchStrategy[list[list[int]]]:
    return st.lists(st.lists(st.integers(0, 6), min_size=cols, max_size=cols), min_size=rows, max_size=rows)


@st.composite
def single_tables(draw: st.DrawFn) -> tuple[dict[str, list[int]], list[CrossTab]]:
    cells = draw(table(draw(st.integers(2, 4)), draw(st.integers(2, 4))))
    dists = {"r": [sum(r) for r in cells], "c": [sum(c) for c in zip(*cells, strict=True)]}
    return dists, [CrossTab("r", "c", tuple(map(tuple, cells)))]


@st.composite
def linked_tables(draw: st.DrawFn) -> tuple[dict[str, list[int]], list[CrossTab]]:
    """Groups counted in a three-way table a × b × c; the published cross-tabs are two or three of its two-way
    sums, sharing questions (so their margins are shared)."""
    na, nb, nc = draw(st.integers(2, 3)), draw(st.integers(2, 3)), draw(st.integers(2, 3))
    cube = draw(st.lists(st.integers(0, 2), min_size=na * nb * nc, max_size=na * nb * nc))
    n = dict(zip(product(range(na), range(nb), range(nc)), cube, strict=True))
    ab = tuple(tuple(sum(n[a, b, c] for c in range(nc)) for b in range(nb)) for a in range(na))
    ac = tuple(tuple(sum(n[a, b, c] for b in range(nb)) for c in range(nc)) for a in range(na))
    cb = tuple(tuple(sum(n[a, b, c] for a in range(na)) for b in range(nb)) for c in range(nc))
    dists = {
        "a": [sum(r) for r in ab],
        "b": [sum(n[a, b, c] for a in range(na) for c in range(nc)) for b in range(nb)],
        "c": [sum(r) for r in cb],
    }
    tabs = [CrossTab("a", "b", ab), CrossTab("a", "c", ac)]
    layout = draw(st.sampled_from(["shared row", "shared column", "three"]))
    if layout == "shared column":
        tabs = [CrossTab("a", "b", ab), CrossTab("c", "b", cb)]
    elif layout == "three":
        tabs.append(CrossTab("c", "b", cb))
    return dists, tabs


QUICK = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(single_tables())
def test_every_suppressed_count_of_a_cross_tab_keeps_at_least_two_feasible_values(
    system: tuple[dict[str, list[int]], list[CrossTab]],
) -> None:
    check(*system)


@QUICK
@given(linked_tables())
def test_cross_tabs_sharing_a_question_protect_each_other_s_suppressed_counts(
    system: tuple[dict[str, list[int]], list[CrossTab]],
) -> None:
    check(*system)


@QUICK
@given(st.lists(st.integers(0, 6), min_size=2, max_size=6))
def test_a_one_way_distribution_alone_is_protected(counts: list[int]) -> None:
    check({"q": counts}, [])


@st.composite
def multiple_choices(draw: st.DrawFn) -> Multiple:
    """Answers of 3 to 8 groups, each choosing a non-empty subset of 2 to 4 options."""
    options = draw(st.integers(2, 4))
    groups = draw(st.lists(st.integers(1, 2**options - 1), min_size=3, max_size=8))
    return Multiple(len(groups), tuple(sum(1 for g in groups if g >> o & 1) for o in range(options)))


@QUICK
@given(multiple_choices())
def test_a_multiple_choice_question_s_hidden_options_keep_at_least_two_feasible_values(multiple: Multiple) -> None:
    check({}, [], {"m": multiple})


def sum_ranges(counts: Sequence[int], low: Sequence[int], high: Sequence[int], median: Decimal | None) -> set[int]:
    """Totals of whole-number answers with these band counts (band b holds low[b]..high[b]) and this median:
    the answers sorted, the middle one (or two) fixed, every other answer anywhere in its band on its side of
    the middle. Exact, by trying every middle value. No median (fewer than 5 answers): any answer in its band."""
    if median is None:
        least = sum(c * lo for c, lo in zip(counts, low, strict=True))
        return set(range(least, sum(c * hi for c, hi in zip(counts, high, strict=True)) + 1))
    n = len(counts) and sum(counts)
    band = [b for b, c in enumerate(counts) for _ in range(c)]  # the band of each sorted position
    middles = [(n - 1) // 2, n // 2]
    totals: set[int] = set()
    for first in range(low[band[middles[0]]], high[band[middles[0]]] + 1):
        second = int(2 * median - first) if n % 2 == 0 else first
        if (n % 2 and first != median) or not low[band[middles[1]]] <= second <= high[band[middles[1]]]:
            continue
        if second < first:
            continue
        lo_sum = hi_sum = first + (second if n % 2 == 0 else 0)
        for k, b in enumerate(band):
            if k in middles:
                continue
            lo, hi = (low[b], min(high[b], first)) if k < middles[0] else (max(low[b], second), high[b])
            if lo > hi:
                break
            lo_sum, hi_sum = lo_sum + lo, hi_sum + hi
        else:
            totals |= set(range(lo_sum, hi_sum + 1))
    return totals


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 12), min_size=3, max_size=9),
    st.sampled_from([(0, 3, 6, 9), (0, 5, 10), (0, 1, 2), (0, 1)]),
)
def test_a_number_question_s_bands_stay_protected_given_its_published_mean_and_median(
    values: list[int], edges: tuple[int, ...]
) -> None:
    """A reader who knows every answer is a whole number from 0 to 12 tries every band count vector consistent with
    the published counts, the answers, the rounded mean and the median."""
    spec = QuestionSpec("n", "number", True, bands=tuple(map(Decimal, edges)))
    (question,) = compute([spec], [], [{"n": v} for v in values], targets=len(values)).questions
    if question.summary is None:
        # Without a mean and a median the bands are a plain distribution (the tests above), or withheld.
        assert not question.published or any(c.suppressed for c in question.distribution)
        return
    n, mean = len(values), Decimal(question.summary.mean)
    median = None if question.summary.median is None else Decimal(question.summary.median)
    low, high = list(edges), [e - 1 for e in edges[1:]] + [12]
    totals = {t for t in range(0, 12 * n + 1) if abs(Decimal(t) / n - mean) <= Decimal("0.005")}
    counts = [c.count for c in question.distribution]
    hidden = [b for b, c in enumerate(counts) if c is None]
    feasible: list[tuple[int, ...]] = []
    for guess in product(range(1, n + 1), repeat=len(hidden)):  # a hidden band holds at least 1 (zeros are shown)
        full = list(counts)
        for b, c in zip(hidden, guess, strict=True):
            full[b] = c
        whole = [c or 0 for c in full]
        if sum(whole) == n and sum_ranges(whole, low, high, median) & totals:
            feasible.append(guess)
    assert feasible, "the truth is among them"
    for k, b in enumerate(hidden):
        assert len({g[k] for g in feasible}) >= 2, f"band {b} is disclosed: {values}, {edges}, {question}"


def pinned(own: int, others: int, total: int, twice_median: int | None, low: int, high: int) -> list[int]:
    """What a reader who answered `own` learns of the `others` other answers (whole numbers, searched from `low` to
    `high`) from their total and twice their median (None: not published), by plain enumeration: the values of the
    sorted answers' positions that are the same in every consistent completion — but for the middle one or two
    (what a median is: some group holds it, or the two middle ones straddle it) and one at the reader's own value
    (itself)."""
    n = others + 1
    middle = {n // 2} if n % 2 else {n // 2 - 1, n // 2}
    seen: list[set[int]] = [set() for _ in range(n)]
    for head in combinations_with_replacement(range(low, high + 1), others - 1):
        last = total - own - sum(head)
        if not head[-1] <= last <= high:
            continue
        full = sorted((own, *head, last))
        twice = full[n // 2] * 2 if n % 2 else full[n // 2 - 1] + full[n // 2]
        if twice_median is None or twice == twice_median:
            for k, v in enumerate(full):
                seen[k].add(v)
    found = [next(iter(values)) for k, values in enumerate(seen) if len(values) == 1 and k not in middle]
    if own in found:
        found.remove(own)
    return found


def published_summary(values: list[int]) -> tuple[int, int | None] | None:
    """The total (exact for up to 7 whole answers: the mean to 0.01 is within 0.005 of total / n, and totals
    1 / n apart) and twice the median, as `compute` publishes them for a number question without bands."""
    (question,) = compute([QuestionSpec("n", "number", True)], [], [{"n": v} for v in values], len(values)).questions
    if question.summary is None:
        return None
    n, mean = len(values), Decimal(question.summary.mean)
    (total,) = [t for t in range(-100, 100) if abs(Decimal(t) / n - mean) <= Decimal("0.005")]
    return total, None if question.summary.median is None else int(2 * Decimal(question.summary.median))


def test_the_own_value_reader_finds_what_a_median_of_three_or_four_answers_told() -> None:
    # The checker's power, on the figures the rule used to publish. 4, 6, 11 (total 21, median 6): the group at 4,
    # below the median of three, is the smallest; it gets the 6 and 21 - 4 - 6 = 11.
    assert pinned(4, 2, 21, 12, -3, 14) == [11]
    # 0, 4, 6, 9 (total 19, median 5, twice 10), answers counted from 0: the group at 0 is the smallest (were it the
    # second, the third would be 10 and the fourth 19 - 10 = 9 < 10), so the largest is 19 - 0 - 10 = 9.
    assert 9 in pinned(0, 3, 19, 10, 0, 12)
    # Now the median waits for 5 answers: with the total alone, nothing.
    assert published_summary([0, 4, 6, 9]) == (19, None)
    assert pinned(0, 3, 19, None, 0, 12) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 8), min_size=3, max_size=7))
def test_a_group_knowing_its_own_answer_learns_no_other_group_s_value_from_the_mean_and_median(
    values: list[int],
) -> None:
    """Each answering group, knowing its own value, the number of answers and the published mean (the total) and
    median, tries every completion of whole numbers (two beyond the answers' range either way — far enough for
    any move keeping the total and the median). No position of the sorted answers may be pinned, but for the
    middle one or two: what a median of 5 or more answers tells (some group holds it, which one unknown; with whole
    numbers and a median such as 0.5, a group at 0 learns that the other middle answer is 1). A
    value at the edge of what is possible at all (everyone at the question's minimum) is what a distribution with
    one non-empty band tells; this reader does not bound the answers, so it sees only what mean and median add."""
    figures = published_summary(values)
    if figures is None:
        assert len(values) < 3
        return
    total, twice_median = figures
    low, high = min(values) - 2, max(values) + 2
    for own in sorted(set(values)):
        found = pinned(own, len(values) - 1, total, twice_median, low, high)
        assert found == [], f"{values}: the group at {own} learns {found}"


YEARS = (1975, 1985, 1995, 2005, 2015, 2022)  # one in each fixed band of years


@st.composite
def surveys(draw: st.DrawFn) -> tuple[list[QuestionSpec], list[tuple[str, str]], list[dict[str, Any]]]:
    """3 to 9 groups answering two required single choice questions, a required banded number, an optional date
    and an optional multiple choice (a non-empty choice, or none); one or two cross-tabs."""
    specs = [
        QuestionSpec("a", "single", True, options=("x", "y", "z")[: draw(st.integers(2, 3))]),
        QuestionSpec("b", "single", True, options=("u", "v", "w")[: draw(st.integers(2, 3))]),
        QuestionSpec("n", "number", True, bands=(Decimal(0), Decimal(5), Decimal(10))),
        QuestionSpec("d", "date", False),
        QuestionSpec("m", "multiple", False, options=("p", "q", "r")),
    ]
    answers = []
    for _ in range(draw(st.integers(3, 9))):
        answer: dict[str, Any] = {
            "a": draw(st.sampled_from(specs[0].options)),
            "b": draw(st.sampled_from(specs[1].options)),
            "n": draw(st.integers(0, 14)),
        }
        year = draw(st.sampled_from((None, *YEARS)))
        if year is not None:
            answer["d"] = date(year, 4, 1).isoformat()
        chosen = draw(st.integers(0, 7))
        answer["m"] = [o for k, o in enumerate(specs[4].options) if chosen >> k & 1]  # [] is no answer
        answers.append(answer)
    pairs = draw(st.sampled_from([[("a", "b")], [("a", "b"), ("a", "n")], [("a", "n"), ("b", "n")]]))
    return specs, pairs, answers


def reader_of(published: dict[str, Any]) -> Reader:
    """The reader's system rebuilt from the published JSON only (no true value: the test knows none here)."""
    reader = Reader()
    for q in published["questions"]:
        if not q["published"] or not q["distribution"]:
            continue
        n, key, multiple = q["answers"], q["key"], q["kind"] == "multiple"
        for c in q["distribution"]:
            assert c["suppressed"] is (c["count"] is None)
            reader.count(("m", key, c["category"]), c["count"], 1, n - 1 if multiple else n)
        reader.constraint({("m", key, c["category"]): 1 for c in q["distribution"]}, n, None if multiple else n)
    for x in published["crosstabs"]:
        if not x["published"]:
            continue
        n, name = x["total"], (x["row"], x["column"])
        for i, (row, cells) in enumerate(zip(x["rows"], x["cells"], strict=True)):
            for column, c in zip(x["columns"], cells, strict=True):
                reader.count(("x", *name, row, column), c["count"], 1, n)
            margin = x["row_totals"][i]  # the row question's own distribution: the same variable
            reader.count(("m", x["row"], row), margin["count"], 1, n)
            line: dict[Var, int] = {("x", *name, row, col): 1 for col in x["columns"]}
            reader.constraint(line | {("m", x["row"], row): -1}, 0, 0)
        for j, column in enumerate(x["columns"]):
            reader.count(("m", x["column"], column), x["column_totals"][j]["count"], 1, n)
            line = {("x", *name, row, column): 1 for row in x["rows"]}
            reader.constraint(line | {("m", x["column"], column): -1}, 0, 0)
    return reader


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(surveys())
def test_every_suppressed_count_of_a_computed_survey_keeps_two_values_for_a_reader_of_the_published_json(
    survey: tuple[list[QuestionSpec], list[tuple[str, str]], list[dict[str, Any]]],
) -> None:
    specs, pairs, answers = survey
    published = compute(specs, pairs, answers, targets=len(answers)).model_dump(mode="json")
    for q in published["questions"]:  # nothing small is published: no count, no complement of an option
        for c in q["distribution"]:
            assert c["count"] not in (1, 2), (q, answers)
            assert q["kind"] != "multiple" or c["count"] is None or q["answers"] - c["count"] not in (1, 2), q
    for x in published["crosstabs"]:
        assert all(c["count"] not in (1, 2) for row in x["cells"] for c in row), (x, answers)
    reader = reader_of(published)
    assert completes(
        {v: lo for v, (lo, _) in reader.domain.items()},
        {v: hi for v, (_, hi) in reader.domain.items()},
        reader.constraints(),
    ), "some table fits what is published"
    for var in reader.domain:
        values = feasible_values(var, reader)
        assert len(values) >= 2, f"{var} is disclosed: only {values} fits ({answers}, {pairs}, {published})"
