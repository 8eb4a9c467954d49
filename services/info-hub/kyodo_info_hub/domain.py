"""What info-hub itself decides. It keeps no aggregates of its own — its event store holds only the kernel's
records (operators' actions on its consumers, its signed checkpoints) — but it has rules: what its public lists
show and in which time zone. (Which mirrored checkpoints it trusts enough to publish is decided where they
arrive, in `bus.open_data`: it is signature checking, not a rule of its own.)
"""

from __future__ import annotations

# Public dates are shown in the city's time zone.

# A group is in the directory once registered; lapsed (更新切れ) and suspended (登録停止) ones stay, marked, and
# dissolved ones leave it.
DIRECTORY_STATUSES = ("registered", "lapsed", "suspended")
# A published call is open (募集中), then closed (締切) and its results published (結果公表), or cancelled (中止).
CALL_STATUSES = ("open", "closed", "results_published", "cancelled")


# A project of a round is pending until decided, and again when a 'needs study' decision's date reopens it there.
REOPENED_IN_ROUND = "reopened_in_round"
NEXT_ROUND = "next_round"
