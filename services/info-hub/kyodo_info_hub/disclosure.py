"""Disclosure control (秘匿処理) of the survey's published counts: pure, no I/O.

The published figures of a survey form one linked system: each question's one-way distribution (its categories'
counts, summing to its published number of answers) and the cross-tabulations chosen before the close, whose row
and column totals ARE the one-way distributions of their two questions (every submitted answer is in every
cross-tab, so several cross-tabs sharing a question share those margins).

- Primary suppression: a count of 1 or 2 groups (a cell or a margin). Zeros are published as zeros and are never
  suppressed to protect another cell.
- Secondary suppression: for every suppressed count, the set of non-negative integer values consistent with
  everything published (the other counts, every total, the linked tables) must hold at least two values. This is
  checked exactly, on the whole linked system at once: integer bounds by `scipy.optimize.milp` (HiGHS), minimising
  and maximising the cell (a solution that moves the cell also shows every other count it moves protected).
  While a suppressed cell is not protected, the cheapest move that protects it is added: a single non-zero
  published count sharing a total with it, or a cycle through it in a table's grid of cells and margins (every
  rectangle, and the cheapest cycle found by Dijkstra), or for a margin another category of its question joined
  to it by the cheapest path in every table sharing the question; cheapest = fewest groups newly hidden, then
  fewest cells, then the tables' order. When no move alone protects it, the cheapest cycle is added anyway and
  the check runs again. Suppressing more never unprotects a cell, so this ends.
- A cross-tab that still cannot be protected is withheld entirely and the whole system is protected again
  without it (always safe). A distribution that cannot be protected on its own (fewer than 3 answers, or
  categories listed only when seen, `present`: e.g. the years of a date question, each then known to hold at
  least one group) is withheld too.

Worked example: the one-way distribution (5, 2, 0, 4) of 11 answers. The 2 is primary; alone it would be
11 - 5 - 0 - 4 = 2, so the smallest non-zero published count, 4, is suppressed too (secondary): then each of the
two is anything from 0 to 6. The 0 stays published.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Mark = Literal["primary", "secondary"] | None
# A count: (0, question index, category, 0) for a one-way distribution's category (a cross-tab's margin), or
# (1, table index, row, column) for a cross-tab's interior cell. Tuples order deterministically.
Ref = tuple[int, int, int, int]

SMALL = (1, 2)  # counts suppressed primarily: fewer than 3 groups, but not none
_MARGIN = -1


@dataclass(frozen=True)
class CrossTab:
    row: str
    column: str
    cells: tuple[tuple[int, ...], ...]  # cells[i][j]: groups with the row's category i and the column's j


@dataclass(frozen=True)
class Protection:
    """The marks per count: None = published. A distribution or cross-tab given as None is withheld entirely."""

    distributions: Mapping[str, tuple[Mark, ...] | None]
    crosstabs: tuple[tuple[tuple[Mark, ...], ...] | None, ...]


def protect(
    distributions: Mapping[str, Sequence[int]],
    crosstabs: Sequence[CrossTab] = (),
    present: frozenset[str] = frozenset(),
) -> Protection:
    """Protect the linked system: `distributions` maps a question key to its category counts (in the
    questionnaire's order; their sum is the question's published number of answers); each cross-tab's row and
    column sums must equal its questions' distributions. `present`: distributions whose categories are listed
    only when at least one group is in them. Deterministic."""
    _validate(distributions, crosstabs)
    tables = list(range(len(crosstabs)))
    keys = list(distributions)
    while True:
        system = _System({k: tuple(distributions[k]) for k in keys}, [(t, crosstabs[t]) for t in tables], present)
        outcome = _suppress(system)
        if isinstance(outcome, set):
            return _marked(system, outcome, distributions, crosstabs)
        if outcome >= 0:
            tables.remove(outcome)
        else:
            keys.remove(system.keys[-outcome - 1])


def _marked(
    system: _System, suppressed: set[Ref], distributions: Mapping[str, Sequence[int]], crosstabs: Sequence[CrossTab]
) -> Protection:
    dists: dict[str, tuple[Mark, ...] | None] = dict.fromkeys(distributions)
    for q, key in enumerate(system.keys):
        dists[key] = tuple(_mark(system, suppressed, (0, q, c, 0)) for c in range(len(distributions[key])))
    tabs: list[tuple[tuple[Mark, ...], ...] | None] = [None] * len(crosstabs)
    for pos, t in enumerate(system.tables):
        tabs[t] = tuple(
            tuple(_mark(system, suppressed, (1, pos, i, j)) for j in range(len(row)))
            for i, row in enumerate(crosstabs[t].cells)
        )
    return Protection(dists, tuple(tabs))


def _validate(distributions: Mapping[str, Sequence[int]], crosstabs: Sequence[CrossTab]) -> None:
    if any(c < 0 for counts in distributions.values() for c in counts):
        raise ValueError("a count is negative")
    for tab in crosstabs:
        if tab.row == tab.column or tab.row not in distributions or tab.column not in distributions or not tab.cells:
            raise ValueError(f"cross-tab {tab.row} × {tab.column}: two distinct distributed questions needed")
        rows, cols = list(distributions[tab.row]), list(distributions[tab.column])
        if [sum(r) for r in tab.cells] != rows or [sum(c) for c in zip(*tab.cells, strict=True)] != cols:
            raise ValueError(f"cross-tab {tab.row} × {tab.column}: totals differ from the distributions")


def _mark(system: _System, suppressed: set[Ref], ref: Ref) -> Mark:
    if ref not in suppressed:
        return None
    return "primary" if system.value[ref] in SMALL else "secondary"


class _System:
    """The linked system's counts as integer variables and its equalities (a distribution sums to its answers; a
    cross-tab's row/column sums equal its margins)."""

    def __init__(
        self,
        dists: dict[str, tuple[int, ...]],
        tables: list[tuple[int, CrossTab]],
        present: frozenset[str],
    ) -> None:
        self.keys = list(dists)
        self.tables = [t for t, _ in tables]  # original indexes
        self.value: dict[Ref, int] = {}
        self.floor: dict[Ref, int] = {}
        self.upper: dict[Ref, int] = {}
        self.axes: list[tuple[int, int]] = []  # per table: (row question, column question)
        self.sizes = [len(dists[key]) for key in self.keys]  # categories per question
        equalities: list[tuple[dict[Ref, int], int]] = []
        for q, key in enumerate(self.keys):
            for c, v in enumerate(dists[key]):
                ref = (0, q, c, 0)
                self.value[ref], self.floor[ref], self.upper[ref] = v, int(key in present), sum(dists[key])
            equalities.append(({(0, q, c, 0): 1 for c in range(len(dists[key]))}, sum(dists[key])))
        for pos, (_, tab) in enumerate(tables):
            rq, cq = self.keys.index(tab.row), self.keys.index(tab.column)
            self.axes.append((rq, cq))
            for i, row in enumerate(tab.cells):
                for j, v in enumerate(row):
                    ref = (1, pos, i, j)
                    self.value[ref], self.floor[ref], self.upper[ref] = v, 0, sum(dists[tab.row])
            for i, row in enumerate(tab.cells):
                equalities.append(({(1, pos, i, j): 1 for j in range(len(row))} | {(0, rq, i, 0): -1}, 0))
            for j in range(len(tab.cells[0]) if tab.cells else 0):
                equalities.append(({(1, pos, i, j): 1 for i in range(len(tab.cells))} | {(0, cq, j, 0): -1}, 0))
        self.refs = sorted(self.value)
        self.index = {ref: n for n, ref in enumerate(self.refs)}
        self.matrix = [[float(terms.get(ref, 0)) for ref in self.refs] for terms, _ in equalities]
        self.rhs = [float(b) for _, b in equalities]
        self.neighbours = {ref: set[Ref]() for ref in self.refs}  # counts sharing an equality
        for terms, _ in equalities:
            for ref in terms:
                self.neighbours[ref] |= set(terms) - {ref}

    def witness(self, ref: Ref, suppressed: set[Ref] | frozenset[Ref]) -> set[Ref]:
        """The suppressed counts that a table consistent with everything published sets otherwise than the truth,
        found by minimising, then maximising, `ref`; empty when `ref` has no other feasible value (disclosed)."""
        for sense in (1, -1):
            solution = self._optimum(ref, suppressed, sense)
            moved = {r for r in suppressed if solution[r] != self.value[r]}
            if ref in moved:
                return moved
        return set()

    def _optimum(self, ref: Ref, suppressed: set[Ref] | frozenset[Ref], sense: int) -> dict[Ref, int]:
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp

        n = len(self.refs)
        lower = np.array([self.floor[r] if r in suppressed else self.value[r] for r in self.refs], dtype=float)
        upper = np.array([self.upper[r] if r in suppressed else self.value[r] for r in self.refs], dtype=float)
        objective = np.zeros(n)
        objective[self.index[ref]] = sense
        result = milp(
            objective,
            integrality=np.ones(n),
            bounds=Bounds(lower, upper),
            constraints=LinearConstraint(np.array(self.matrix), self.rhs, self.rhs),
        )
        if result.status != 0:  # the true counts are always feasible: anything else is a solver failure
            raise RuntimeError(f"disclosure check failed: {result.message}")
        return {r: round(x) for r, x in zip(self.refs, result.x, strict=True)}

    def moves(self, target: Ref, suppressed: set[Ref]) -> list[frozenset[Ref]]:
        """Candidate sets of cells to suppress with `target`, cheapest first (deterministic)."""
        usable = [r for r in self.refs if r in suppressed or self.value[r] > 0]
        found = {frozenset({r}) for r in usable if r not in suppressed and r in self.neighbours[target]}
        found |= {m - suppressed for m in self._shaped(target, set(usable), suppressed)}
        found.discard(frozenset())
        return sorted(found, key=lambda m: (sum(self.value[r] for r in m), len(m), sorted(m)))

    def _shaped(self, target: Ref, usable: set[Ref], suppressed: set[Ref]) -> Iterator[frozenset[Ref]]:
        """Cycles through the target in each table's grid of cells and margins (a perturbation +1/-1 along a cycle
        keeps every total): for a cell, every rectangle and the cheapest cycle; for a margin, per other category of
        its question, the cheapest path between the two categories in every table sharing the question."""
        kind, a, b, c = target
        if kind == 1:
            rq, cq = self.axes[a]
            for k in [*range(self.sizes[rq]), _MARGIN]:
                for m in [*range(self.sizes[cq]), _MARGIN]:
                    cells = {self._cell(a, b, m), self._cell(a, k, c), self._cell(a, k, m)}
                    if k != b and m != c and (k, m) != (_MARGIN, _MARGIN) and cells <= usable:
                        yield frozenset(cells)
            cycle = self._path(a, (0, b), (1, c), None, target, usable, suppressed)
            if cycle is not None:
                yield cycle
            return
        for other in range(self.sizes[a]):
            if other == b or (0, a, other, 0) not in usable:
                continue
            move = {(0, a, other, 0)}
            for pos, (rq, cq) in enumerate(self.axes):
                if a in (rq, cq):
                    side = 0 if a == rq else 1
                    path = self._path(pos, (side, b), (side, other), (1 - side, _MARGIN), None, usable, suppressed)
                    if path is None:
                        break
                    move |= path
            else:
                yield frozenset(move)

    def _cell(self, pos: int, i: int, j: int) -> Ref:
        """A table's grid: interior cells, its row question's margins (column -1), its column question's (row -1)."""
        rq, cq = self.axes[pos]
        return (0, cq, j, 0) if i == _MARGIN else (0, rq, i, 0) if j == _MARGIN else (1, pos, i, j)

    def _path(
        self,
        pos: int,
        start: tuple[int, int],
        end: tuple[int, int],
        banned_node: tuple[int, int] | None,
        banned: Ref | None,
        usable: set[Ref],
        suppressed: set[Ref],
    ) -> frozenset[Ref] | None:
        """The cheapest path of usable grid cells between two lines of a table (nodes: (0, row) / (1, column), -1
        the margin line), cost = groups newly hidden (Dijkstra, deterministic ties)."""
        rq, cq = self.axes[pos]
        lines = (self.sizes[rq], self.sizes[cq])
        heap: list[tuple[int, int, tuple[int, int], tuple[Ref, ...]]] = [(0, 0, start, ())]
        done: set[tuple[int, int]] = set()
        while heap:
            cost, steps, node, path = heapq.heappop(heap)
            if node == end:
                return frozenset(path)
            if node in done:
                continue
            done.add(node)
            side, line = node
            for other in [*range(lines[1 - side]), _MARGIN]:
                nxt = (1 - side, other)
                ref = self._cell(pos, line, other) if side == 0 else self._cell(pos, other, line)
                if (line, other) == (_MARGIN, _MARGIN) or nxt in done or nxt == banned_node or ref == banned:
                    continue
                if ref in usable:
                    extra = 0 if ref in suppressed else self.value[ref]
                    heapq.heappush(heap, (cost + extra, steps + 1, nxt, (*path, ref)))
        return None


def _suppress(system: _System) -> set[Ref] | int:
    """The suppressed counts, or what to withhold: a table's original index (≥ 0) or -(question position + 1)."""
    suppressed = {r for r in system.refs if system.value[r] in SMALL}
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


def _culprit(system: _System, target: Ref) -> int:
    kind, a, _, _ = target
    if kind == 1:
        return system.tables[a]
    linked = [pos for pos, axes in enumerate(system.axes) if a in axes]
    return system.tables[linked[-1]] if linked else -(a + 1)
