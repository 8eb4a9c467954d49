"""info-hub's refusals as people read them (status, Japanese title, English beside it), and the things a
`not_found` may name. Each part of the center keeps its own table (`messages_<part>.py`); they are merged here and
by `MessageTable` with the kernel's, where a code written twice is an error.
"""

from __future__ import annotations

from kyodo_info_hub.messages_cases import MESSAGES as CASES
from kyodo_info_hub.messages_news import MESSAGES as NEWS
from kyodo_info_hub.messages_surveys import MESSAGES as SURVEYS
from kyodo_info_hub.messages_trainings import MESSAGES as TRAININGS
from kyodo_shared.web.messages import Message

TERMS: dict[str, tuple[str, str]] = {
    "collaboration_project": ("協働事業", "Collaboration project"),
    "dataset": ("データセット", "Dataset"),
    "evaluation_report": ("評価結果", "Evaluation report"),
    "screening_decision": ("選別結果", "Screening decision"),
    "screening_round": ("選別", "Screening round"),
}

_COMMON: dict[str, Message] = {
    "coordinator_only": Message(
        403, "市民活動センターの担当者のみが行えます", "Only the center's coordinators may do this"
    ),
}

MESSAGES: tuple[dict[str, Message], ...] = (_COMMON, NEWS, TRAININGS, CASES, SURVEYS)
