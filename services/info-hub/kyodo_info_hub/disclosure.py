"""Disclosure control (秘匿処理) of the survey's published counts: pure, no I/O.

The published figures of a survey form one linked system: each question's one-way distribution (its categories'
counts, summing to its published number of answers) and the cross-tabulations chosen before the close, whose row
and column totals ARE the one-way distributions of their two questions (every submitted answer is in every
cross-tab, so several cross-tabs sharing a question share those margins). Multiple choice questions are blocks of
their own: each option a count of 0..answers groups, and every answering group chose at least one option (an
empty choice is no answer), so the options sum to at least the answers.

- Primary suppression: a count of 1 or 2 groups (a cell or a margin); for a multiple choice option also when the
  groups that did not choose it (answers - count) are 1 or 2. Zeros are published as zeros and are never
  suppressed to protect another cell (nor an option every answering group chose: its complement is a zero).
- Only one mark is published ("suppressed"), never why, so the reader's model of a hidden count is: at least 1
  (zeros are always published; for an option also at most answers - 1), at most its total.
- Secondary suppression: for every suppressed count, the set of integer values consistent with everything
  published and the reader's model above must hold at least two values. This is checked exactly, on the whole
  linked system at once: integer bounds by `scipy.optimize.milp` (HiGHS), minimising and maximising the cell (a
  solution that moves the cell also shows every other count it moves protected). While a suppressed cell is not
  protected, the cheapest move that protects it is added (`disclosure_moves`): a single non-zero published count
  sharing a total with it, or a cycle through it in a table's grid of cells and margins, or for a margin another
  category of its question joined to it by the cheapest path in every table sharing the question; cheapest =
  fewest groups newly hidden, then fewest cells, then the tables' order. When no move alone protects it, the
  cheapest cycle is added anyway and the check runs again. Suppressing more never unprotects a cell (a hidden
  count's exact value becomes an interval holding it, so the feasible set only grows), so this ends.
- A cross-tab that still cannot be protected is withheld entirely and the whole system is protected again
  without it (always safe); so is a distribution or a multiple choice question that cannot be protected alone.
- Outside the model (residual, as usual in 秘匿処理): a reader who knows this procedure, e.g. that a complement is
  the smallest usable count, or that withholding means something small could not be protected.

Worked example: the one-way distribution (5, 2, 0, 4) of 11 answers. The 2 is primary; alone it would be
11 - 5 - 0 - 4 = 2, so the smallest non-zero published count, 4, is suppressed too: the two hidden counts sum to
6 and each is at least 1, so each is anything from 1 to 5. The 0 stays published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kyodo_info_hub.disclosure_moves import Moves, Ref

SMALL = (1, 2)  # counts suppressed primarily: fewer than 3 groups, but not none
Marks = tuple[bool, ...]  # per count: True = suppressed
Withheld = tuple[Literal["table", "distribution", "multiple"], int | str]


@dataclass(frozen=True)
class CrossTab:
    row: str
    column: str
    cells: tuple[tuple[int, ...], ...]  # cells[i][j]: groups with the row's category i and the column's j


@dataclass(frozen=True)
class Multiple:
    """A multiple choice question: its number of answers and each option's count (groups that chose it)."""

    answers: int
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Protection:
    """The marks per count. A distribution, cross-tab or multiple choice question given as None is withheld."""

    distributions: Mapping[str, Marks | None]
    crosstabs: tuple[tuple[Marks, ...] | None, ...]
    multiples: Mapping[str, Marks | None]


def protect(
    distributions: Mapping[str, Sequence[int]],
    crosstabs: Sequence[CrossTab] = (),
    multiples: Mapping[str, Multiple] | None = None,
) -> Protection:
    """Protect the linked system: `distributions` maps a question key to its category counts (in the
    questionnaire's order; their sum is the question's published number of answers); each cross-tab's row and
    column sums must equal its questions' distributions; `multiples`: the multiple choice questions. Deterministic."""
    multiples = dict(multiples or {})
    _validate(distributions, crosstabs, multiples)
    tables, keys, options = list(range(len(crosstabs))), list(distributions), list(multiples)
    while True:
        system = _System(
            {k: tuple(distributions[k]) for k in keys},
            [(t, crosstabs[t]) for t in tables],
            {k: multiples[k] for k in options},
        )
        outcome = _suppress(system)
        if isinstance(outcome, set):
            return _marked(system, outcome, distributions, crosstabs, multiples)
        kind, what = outcome
        if isinstance(what, int):
            tables.remove(what)
        else:
            (keys if kind == "distribution" else options).remove(what)


def _marked(
    system: _System,
    suppressed: set[Ref],
    distributions: Mapping[str, Sequence[int]],
    crosstabs: Sequence[CrossTab],
    multiples: Mapping[str, Multiple],
) -> Protection:
    dists: dict[str, Marks | None] = dict.fromkeys(distributions)
    for q, key in enumerate(system.keys):
        dists[key] = tuple((0, q, c, 0) in suppressed for c in range(len(distributions[key])))
    tabs: list[tuple[Marks, ...] | None] = [None] * len(crosstabs)
    for pos, t in enumerate(system.tables):
        tabs[t] = tuple(
            tuple((1, pos, i, j) in suppressed for j in range(len(row))) for i, row in enumerate(crosstabs[t].cells)
        )
    chosen: dict[str, Marks | None] = dict.fromkeys(multiples)
    for m, key in enumerate(system.options):
        chosen[key] = tuple((2, m, o, 0) in suppressed for o in range(len(multiples[key].counts)))
    return Protection(dists, tuple(tabs), chosen)


def _validate(
    distributions: Mapping[str, Sequence[int]], crosstabs: Sequence[CrossTab], multiples: Mapping[str, Multiple]
) -> None:
    if any(c < 0 for counts in distributions.values() for c in counts):
        raise ValueError("a count is negative")
    if any(not 0 <= c <= m.answers for m in multiples.values() for c in m.counts):
        raise ValueError("an option's count is outside 0..answers")
    if any(m.counts and sum(m.counts) < m.answers for m in multiples.values()):
        raise ValueError("a multiple choice answer without an option")
    for tab in crosstabs:
        if tab.row == tab.column or tab.row not in distributions or tab.column not in distributions or not tab.cells:
            raise ValueError(f"cross-tab {tab.row} × {tab.column}: two distinct distributed questions needed")
        rows, cols = list(distributions[tab.row]), list(distributions[tab.column])
        if [sum(r) for r in tab.cells] != rows or [sum(c) for c in zip(*tab.cells, strict=True)] != cols:
            raise ValueError(f"cross-tab {tab.row} × {tab.column}: totals differ from the distributions")


class _System(Moves):
    """The linked system's counts as integer variables, each with the bounds a reader knows when it is hidden,
    and its constraints: equalities (a distribution sums to its answers; a cross-tab's row/column sums equal its
    margins) and, per multiple choice question, its options summing to at least its answers."""

    def __init__(
        self, dists: dict[str, tuple[int, ...]], tables: list[tuple[int, CrossTab]], multiples: dict[str, Multiple]
    ) -> None:
        self.keys, self.options = list(dists), list(multiples)
        self.tables = [t for t, _ in tables]  # original indexes
        self.value: dict[Ref, int] = {}
        self.high: dict[Ref, int] = {}  # a hidden count's largest value a reader allows (the smallest is 1)
        self.axes = []
        self.sizes = [len(dists[key]) for key in self.keys]
        rows: list[tuple[dict[Ref, int], float, float]] = []  # (terms, lower, upper) of each linear constraint
        for q, key in enumerate(self.keys):
            n = sum(dists[key])
            for c, v in enumerate(dists[key]):
                self.value[(0, q, c, 0)], self.high[(0, q, c, 0)] = v, n
            rows.append(({(0, q, c, 0): 1 for c in range(len(dists[key]))}, n, n))
        for pos, (_, tab) in enumerate(tables):
            rq, cq = self.keys.index(tab.row), self.keys.index(tab.column)
            self.axes.append((rq, cq))
            for i, line in enumerate(tab.cells):
                for j, v in enumerate(line):
                    self.value[(1, pos, i, j)], self.high[(1, pos, i, j)] = v, sum(dists[tab.row])
                rows.append(({(1, pos, i, j): 1 for j in range(len(line))} | {(0, rq, i, 0): -1}, 0, 0))
            for j in range(len(tab.cells[0])):
                rows.append(({(1, pos, i, j): 1 for i in range(len(tab.cells))} | {(0, cq, j, 0): -1}, 0, 0))
        self.answers: dict[int, int] = {}
        for m, key in enumerate(self.options):
            self.answers[m] = multiples[key].answers
            for o, v in enumerate(multiples[key].counts):
                self.value[(2, m, o, 0)], self.high[(2, m, o, 0)] = v, multiples[key].answers - 1
            rows.append(({(2, m, o, 0): 1 for o in range(len(multiples[key].counts))}, multiples[key].answers, INF))
        self.refs = sorted(self.value)
        self.index = {ref: n for n, ref in enumerate(self.refs)}
        self.neighbours = {ref: set[Ref]() for ref in self.refs}  # counts sharing a constraint
        for terms, _, _ in rows:
            for ref in terms:
                self.neighbours[ref] |= set(terms) - {ref}
        self.rows = rows
        self.part = _components(self.refs, rows)  # count → its linked part (counts never sharing one are independent)
        self._parts: dict[Ref, tuple[list[Ref], Any]] = {}  # per part: its counts and its constraints, built once

    def usable(self, ref: Ref) -> bool:
        return self.value[ref] > 0 and (ref[0] != 2 or self.value[ref] < self.answers[ref[1]])

    def witness(self, ref: Ref, suppressed: set[Ref] | frozenset[Ref]) -> set[Ref]:
        """The suppressed counts that a table consistent with everything published sets otherwise than the truth,
        found by minimising, then maximising, `ref`; empty when `ref` has no other feasible value (disclosed)."""
        for sense in (1, -1):
            solution = self._optimum(ref, suppressed, sense)
            moved = {r for r in suppressed if solution.get(r, self.value[r]) != self.value[r]}
            if ref in moved:
                return moved
        return set()

    def _optimum(self, ref: Ref, suppressed: set[Ref] | frozenset[Ref], sense: int) -> dict[Ref, int]:
        """The counts of `ref`'s linked part in a solution minimising (sense 1) or maximising (-1) it."""
        # Imported here, not at module level: scipy takes a noticeable time to load and only a close needs it.
        import numpy as np
        from scipy.optimize import Bounds, milp

        refs, constraint = self._part(self.part[ref])
        lower = np.array([1 if r in suppressed else self.value[r] for r in refs], dtype=float)
        upper = np.array([self.high[r] if r in suppressed else self.value[r] for r in refs], dtype=float)
        objective = np.zeros(len(refs))
        objective[refs.index(ref)] = sense
        result = milp(objective, integrality=np.ones(len(refs)), bounds=Bounds(lower, upper), constraints=constraint)
        if result.status != 0:  # the true counts are always feasible: anything else is a solver failure
            raise RuntimeError(f"disclosure check failed: {result.message}")
        return {r: round(x) for r, x in zip(refs, result.x, strict=True)}

    def _part(self, root: Ref) -> tuple[list[Ref], Any]:
        if root not in self._parts:  # sparse: most counts are in few constraints
            from scipy.optimize import LinearConstraint
            from scipy.sparse import coo_array

            refs = [r for r in self.refs if self.part[r] == root]
            index = {r: n for n, r in enumerate(refs)}
            rows = [row for row in self.rows if self.part[next(iter(row[0]))] == root]
            entries = [(k, index[r], a) for k, (terms, _, _) in enumerate(rows) for r, a in terms.items()]
            at, of, data = zip(*entries, strict=True)
            matrix = coo_array((data, (at, of)), shape=(len(rows), len(refs))).tocsr()
            self._parts[root] = refs, LinearConstraint(matrix, [lo for _, lo, _ in rows], [hi for _, _, hi in rows])
        return self._parts[root]


def _components(refs: list[Ref], rows: list[tuple[dict[Ref, int], float, float]]) -> dict[Ref, Ref]:
    """Union-find: each count's part, named by its smallest count, the parts being joined by the constraints."""
    parent = {r: r for r in refs}

    def root(r: Ref) -> Ref:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for terms, _, _ in rows:
        first, *rest = terms
        for r in rest:
            a, b = sorted((root(first), root(r)))
            parent[b] = a
    return {r: root(r) for r in refs}


INF = float("inf")


def _primary(system: _System, ref: Ref) -> bool:
    v = system.value[ref]
    return v in SMALL or (ref[0] == 2 and system.answers[ref[1]] - v in SMALL)


def _suppress(system: _System) -> set[Ref] | Withheld:
    """The suppressed counts, or what to withhold."""
    suppressed = {r for r in system.refs if _primary(system, r)}
    safe: set[Ref] = set()  # shown to have another feasible value (still so when more is suppressed)
    while True:
        target = None
        for ref in sorted(suppressed):
            if ref not in safe:
                moved = system.witness(ref, suppressed)
                if not moved:
                    target = ref
                    break
                safe |= moved
        if target is None:
            return suppressed
        chosen: frozenset[Ref] | None = None
        moves = system.moves(target, suppressed)
        for move in moves:
            moved = system.witness(target, suppressed | move)
            if moved:
                chosen, safe = move, safe | moved
                break
        if chosen is None:  # no single move protects it: take the cheapest cycle and look again
            chosen = next((m for m in moves if len(m) > 1), None)
        if chosen is None:
            return _culprit(system, target)
        suppressed |= chosen


def _culprit(system: _System, target: Ref) -> Withheld:
    kind, a, _, _ = target
    if kind == 2:
        return ("multiple", system.options[a])
    if kind == 1:
        return ("table", system.tables[a])
    linked = [pos for pos, axes in enumerate(system.axes) if a in axes]
    return ("table", system.tables[linked[-1]]) if linked else ("distribution", system.keys[a])
