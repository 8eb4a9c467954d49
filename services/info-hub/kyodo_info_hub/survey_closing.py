"""What the close computes from: the questionnaire as `survey_stats` reads it, and the submitted answers loaded from
the store (the respondents the Survey aggregate recorded as submitted: no projection's lag)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyodo_info_hub import survey_stats
from kyodo_info_hub.survey_answers import Answer, answer_id
from kyodo_info_hub.surveys import Survey


def specs(questionnaire: dict[str, Any]) -> list[survey_stats.QuestionSpec]:
    return [
        survey_stats.QuestionSpec(
            key=q["key"],
            kind=q["kind"],
            required=bool(q["required"]),
            options=tuple(o["key"] for o in q["options"]),
            bands=tuple(Decimal(str(b)) for b in q.get("bands") or []),
        )
        for q in questionnaire["questions"]
    ]


def submitted_values(app: Any, survey: Survey) -> list[dict[str, Any]]:
    """Each submitted answer's values (numbers as Decimals), in respondent order."""
    numbers = {q["key"] for q in survey.questionnaire["questions"] if q["kind"] == "number"}
    found = []
    for respondent in sorted(survey.submitted):
        answer = app.repository.get(answer_id(survey.id, respondent))
        assert isinstance(answer, Answer)
        assert answer.submitted is not None
        found.append({k: Decimal(v) if k in numbers else v for k, v in answer.submitted.items()})
    return found


def statistics_of(app: Any, survey: Survey) -> dict[str, Any]:
    """The published statistics (after disclosure control), as the Closed event keeps them."""
    q = survey.questionnaire
    stats = survey_stats.compute(
        specs(q), [(a, b) for a, b in q["crosstabs"]], submitted_values(app, survey), len(survey.targets)
    )
    return stats.model_dump(mode="json")
