"""The candidate complementary suppressions of `disclosure` (pure): for a suppressed count that is not yet
protected, the cells whose suppression with it could give it another feasible value, cheapest first."""

from __future__ import annotations

import heapq
from collections.abc import Iterator

# A count: (0, question index, category, 0) for a one-way distribution's category (a cross-tab's margin),
# (1, table index, row, column) for a cross-tab's interior cell, (2, multiple question index, option, 0) for a
# multiple choice option. Tuples order deterministically.
Ref = tuple[int, int, int, int]

_MARGIN = -1


class Moves:
    """Mixed into `disclosure._System`, whose counts, linked lines and tables' axes it walks."""

    refs: list[Ref]
    value: dict[Ref, int]
    neighbours: dict[Ref, set[Ref]]
    axes: list[tuple[int, int]]  # per table: (row question, column question)
    sizes: list[int]  # categories per distributed question

    def usable(self, ref: Ref) -> bool:
        """May be suppressed to protect another count: never a zero (zeros are published as zeros, which a reader
        relies on), nor a multiple choice option every answering group chose (its complement is a zero)."""
        raise NotImplementedError

    def moves(self, target: Ref, suppressed: set[Ref]) -> list[frozenset[Ref]]:
        """Candidate sets of cells to suppress with `target`, cheapest first (deterministic)."""
        usable = {r for r in self.refs if r in suppressed or self.usable(r)}
        found = {frozenset({r}) for r in usable if r not in suppressed and r in self.neighbours[target]}
        found |= {m - suppressed for m in self._shaped(target, usable, suppressed)}
        found.discard(frozenset())
        return sorted(found, key=lambda m: (sum(self.value[r] for r in m), len(m), sorted(m)))

    def _shaped(self, target: Ref, usable: set[Ref], suppressed: set[Ref]) -> Iterator[frozenset[Ref]]:
        """Cycles through the target in each table's grid of cells and margins (a perturbation +1/-1 along a cycle
        keeps every total): for a cell, every rectangle and the cheapest cycle; for a margin, per other category of
        its question, the cheapest path between the two categories in every table sharing the question. A multiple
        choice option has none: its only links are the other options of its question (single moves)."""
        kind, a, b, c = target
        if kind == 2:
            return
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
