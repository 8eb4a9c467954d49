"""What info-hub itself decides. It keeps no aggregates of its own — its event store holds only the kernel's
records (operators' actions on its consumers, its signed checkpoints) — but it has rules: what its public lists
show and in which time zone. (Which mirrored checkpoints it trusts enough to publish is decided where they
arrive, in `bus.open_data`: it is signature checking, not a rule of its own.)
"""

from __future__ import annotations

from enum import StrEnum

# Public dates are shown in the city's time zone.

# A group is in the directory once registered; lapsed (更新切れ) and suspended (登録停止) ones stay, marked, and
# dissolved ones leave it.
DIRECTORY_STATUSES = ("registered", "lapsed", "suspended")
# A published call is open (募集中), then closed (締切) and its results published (結果公表), or cancelled (中止).
CALL_STATUSES = ("open", "closed", "results_published", "cancelled")


# The screening register (事業の選別の結果) is filtered by a decision's outcome and its forms of collaboration, in the
# screening contract's words (tests/api/test_info_hub_screening.py keeps them equal to it).
class ScreeningOutcome(StrEnum):
    SUITABLE = "suitable"  # 協働に適する
    NOT_SUITABLE = "not_suitable"  # 協働に適さない
    NEEDS_STUDY = "needs_study"  # 要検討


class CollaborationForm(StrEnum):
    COMMISSION = "commission"  # 委託
    SUBSIDY = "subsidy"  # 補助
    CO_HOSTING = "co_hosting"  # 共催
    ENDORSEMENT = "endorsement"  # 後援
    COOPERATION = "cooperation"  # 事業協力
    COMMITTEE = "committee"  # 実行委員会・協議会
    INFORMATION_EXCHANGE = "information_exchange"  # 情報提供・情報交換
    POLICY_PARTICIPATION = "policy_participation"  # 政策立案への参画


# A project of a round is pending until decided, and again when a 'needs study' decision's date reopens it there.
REOPENED_IN_ROUND = "reopened_in_round"
NEXT_ROUND = "next_round"
