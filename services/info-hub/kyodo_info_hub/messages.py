"""info-hub's words for refusals. It raises only the kernel's codes (`web/messages.py`); these are the things a
`not_found` may name, in Japanese with English beside it.
"""

from __future__ import annotations

TERMS: dict[str, tuple[str, str]] = {
    "collaboration_project": ("協働事業", "Collaboration project"),
    "evaluation_report": ("評価結果", "Evaluation report"),
    "screening_decision": ("選別結果", "Screening decision"),
    "screening_round": ("選別", "Screening round"),
}
