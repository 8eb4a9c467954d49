"""Disclosure control checked by an independent exact solver: for generated tables (and linked systems of
cross-tabs sharing a question) every suppressed count can take at least two non-negative integer values given
everything `protect` lets be published. The solver here is plain enumeration with bound pruning (no scipy, no code
shared with `disclosure.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kyodo_info_hub.disclosure import CrossTab, Protection, protect
from kyodo_info_hub.survey_stats import QuestionSpec, compute

Var = tuple[object, ...]
# An equality: ({variable or known: coefficient}, right-hand side); published counts are folded into the constant.
Equality = tuple[dict[Var, int], int]


def published_system(
    dists: dict[str, list[int]], tabs: Sequence[CrossTab], protection: Protection, present: frozenset[str]
) -> tuple[dict[Var, int], dict[Var, tuple[int, int]], list[Equality]]:
    """What a reader sees: the suppressed counts (variables, with their true values) and the equalities linking
    them to the published ones."""
    truth: dict[Var, int] = {}
    domain: dict[Var, tuple[int, int]] = {}
    equalities: list[Equality] = []
    known: dict[Var, int] = {}

    def term(ref: Var, value: int, suppressed: bool, low: int, high: int) -> None:
        if suppressed:
            truth[ref], domain[ref] = value, (low, high)
        else:
            known[ref] = value

    for key, counts in dists.items():
        marks = protection.distributions[key]
        if marks is None:
            continue
        total = sum(counts)  # the question's answers: always published
        for c, (v, m) in enumerate(zip(counts, marks, strict=True)):
            term(("m", key, c), v, m is not None, int(key in present), total)
        equalities.append(({("m", key, c): 1 for c in range(len(counts))}, total))
    for t, (tab, marks_t) in enumerate(zip(tabs, protection.crosstabs, strict=True)):
        if marks_t is None:
            continue
        total = sum(map(sum, tab.cells))
        for i, row in enumerate(tab.cells):
            for j, v in enumerate(row):
                term(("x", t, i, j), v, marks_t[i][j] is not None, 0, total)
            equalities.append(({("x", t, i, j): 1 for j in range(len(row))} | {("m", tab.row, i): -1}, 0))
        for j in range(len(tab.cells[0])):
            equalities.append(({("x", t, i, j): 1 for i in range(len(tab.cells))} | {("m", tab.column, j): -1}, 0))
    folded: list[Equality] = []
    for terms, rhs in equalities:
        rest = {v: a for v, a in terms.items() if v not in known}
        folded.append((rest, rhs - sum(a * known[v] for v, a in terms.items() if v in known)))
    return truth, domain, folded


def interval(var: Var, assigned: dict[Var, int], domain: dict[Var, tuple[int, int]], eqs: list[Equality]) -> range:
    """The values `var` may still take: its domain narrowed by every equality it appears in (coefficients ±1)."""
    lo, hi = domain[var]
    for terms, rhs in eqs:
        if var not in terms:
            continue
        others_low = others_high = 0
        for v, b in terms.items():
            if v != var:
                olo, ohi = (assigned[v], assigned[v]) if v in assigned else domain[v]
                others_low, others_high = others_low + min(b * olo, b * ohi), others_high + max(b * olo, b * ohi)
        # terms[var]·x = rhs - others, with others anywhere in [others_low, others_high]
        low, high = sorted((terms[var] * (rhs - others_high), terms[var] * (rhs - others_low)))
        lo, hi = max(lo, low), min(hi, high)
    return range(lo, hi + 1)


def completes(assigned: dict[Var, int], domain: dict[Var, tuple[int, int]], eqs: list[Equality]) -> bool:
    """Depth-first enumeration: is there a non-negative integer assignment of the remaining variables satisfying
    every equality? Branches on the variable with the fewest values left."""
    for terms, rhs in eqs:
        if all(v in assigned for v in terms) and sum(a * assigned[v] for v, a in terms.items()) != rhs:
            return False
    free = {v: interval(v, assigned, domain, eqs) for v in domain if v not in assigned}
    if not free:
        return True
    var = min(free, key=lambda v: (len(free[v]), str(v)))
    return any(completes(assigned | {var: x}, domain, eqs) for x in free[var])


def another_value(var: Var, truth: int, domain: dict[Var, tuple[int, int]], eqs: list[Equality]) -> int | None:
    """A value other than the true one that some consistent table gives `var` (nearest first), or None: then
    every consistent table gives it its true value: it is disclosed."""
    lo, hi = domain[var]
    for x in sorted(range(lo, hi + 1), key=lambda x: (abs(x - truth), x)):
        if x != truth and completes({var: x}, domain, eqs):
            return x
    return None


def check(dists: dict[str, list[int]], tabs: Sequence[CrossTab], present: frozenset[str] = frozenset()) -> None:
    protection = protect(dists, tabs, present)
    for key, counts in dists.items():
        marks = protection.distributions[key]
        if marks is None:
            # Withheld only when nothing else protects it: fewer than 3 answers, or categories listed when seen.
            assert key in present or sum(counts) < 3, (key, counts)
            continue
        for v, m in zip(counts, marks, strict=True):
            assert (m == "primary") == (v in (1, 2)), (key, counts, marks)
            assert v > 0 or m is None, "a zero is published"
    for tab, marks_t in zip(tabs, protection.crosstabs, strict=True):
        if marks_t is None:
            continue
        for row, row_marks in zip(tab.cells, marks_t, strict=True):
            for v, m in zip(row, row_marks, strict=True):
                assert (m == "primary") == (v in (1, 2)), (tab, marks_t)
                assert v > 0 or m is None
        for key in (tab.row, tab.column):
            assert protection.distributions[key] is not None, "a published cross-tab's margins are published"
    truth, domain, equalities = published_system(dists, tabs, protection, present)
    assert completes(dict(truth), domain, equalities), "the true table is consistent with what is published"
    for var, value in truth.items():
        other = another_value(var, value, domain, equalities)
        assert other is not None, f"{var} is disclosed: only {value} fits ({dists}, {tabs}, {protection})"


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
@given(st.lists(st.integers(0, 6), min_size=2, max_size=6), st.booleans())
def test_a_one_way_distribution_alone_is_protected_even_when_its_categories_reveal_presence(
    counts: list[int], listed_when_seen: bool
) -> None:
    if listed_when_seen:
        counts = [c for c in counts if c > 0] or [3]
    check({"q": counts}, [], frozenset({"q"}) if listed_when_seen else frozenset())


def sum_ranges(counts: Sequence[int], low: Sequence[int], high: Sequence[int], median: Decimal) -> set[int]:
    """Totals of whole-number answers with these band counts (band b holds low[b]..high[b]) and this median:
    the answers sorted, the middle one (or two) fixed, every other answer anywhere in its band on its side of
    the middle. Exact, by trying every middle value."""
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
        # Without a mean and a median the bands are a plain distribution (the tests above).
        assert any(c.suppressed for c in question.distribution)
        return
    n, mean, median = len(values), Decimal(question.summary.mean), Decimal(question.summary.median)
    low, high = list(edges), [e - 1 for e in edges[1:]] + [12]
    totals = {t for t in range(0, 12 * n + 1) if abs(Decimal(t) / n - mean) <= Decimal("0.005")}
    counts = [c.count for c in question.distribution]
    hidden = [b for b, c in enumerate(counts) if c is None]
    feasible: list[tuple[int, ...]] = []
    for guess in product(range(n + 1), repeat=len(hidden)):
        full = list(counts)
        for b, c in zip(hidden, guess, strict=True):
            full[b] = c
        whole = [c or 0 for c in full]
        if sum(whole) == n and sum_ranges(whole, low, high, median) & totals:
            feasible.append(guess)
    assert feasible, "the truth is among them"
    for k, b in enumerate(hidden):
        assert len({g[k] for g in feasible}) >= 2, f"band {b} is disclosed: {values}, {edges}, {question}"
