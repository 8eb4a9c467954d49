"""The matter an acting chair (委員長代理) is elected for, as the coordinator's form asks for it: the id of the call
(a review board's matter) or of the collaborative project (the evaluation committee's), copied from that service's
page, composed into the name the service concerned looks the election up by (`proposals:call:<id>`,
`evaluation:project:<id>`). The kind is not asked: it follows from the committee's kind, as proposals looks an acting
chair up on the call's review board only and evaluation on the evaluation committee only.

The registry knows neither the calls nor the projects (they live in proposals and evaluation), so the form checks
only that the id is one; the worked example and the link on the form say where to copy it from. Offering the calls
or projects by title would make the registry the consumer of proposals' and evaluation's streams (today it consumes
none: a first subscription, a read model and its migration, and a cycle, as both consume the registry's), a change
of the service's shape left for its own decision."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import ValidationInfo, field_validator, model_validator

from kyodo_registry.org.api_committees import ElectionRequest
from kyodo_shared.web.problems import rule_error

# The kinds the services name their matters by (proposals' registry_view.call_matter, evaluation's project_matter).
MATTER_KINDS = ("proposals:call", "evaluation:project")
# Where the coordinator finds the id: the call's or project's own page has it in its address.
WHERE = {"proposals:call": "/proposals/calls", "evaluation:project": "/evaluation/projects"}
# The kind a committee's matters are: a review board reviews calls, the evaluation committee evaluates projects.
KIND_OF = {"review_board": "proposals:call", "evaluation_committee": "evaluation:project"}
_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ElectionForm(ElectionRequest):
    """The API's election body with the matter in two parts; `matter` is composed from them once both are valid."""

    matter: str = ""
    matter_kind: Literal["proposals:call", "evaluation:project"]
    matter_id: str

    @field_validator("matter_id")
    @classmethod
    def _one_id(cls, value: str, info: ValidationInfo) -> str:
        # A pasted address (…/proposals/calls/<id>/manage) holds the id too: take it when there is exactly one.
        found: set[str] = {m.lower() for m in _ID.findall(value)}
        if not value:
            raise rule_error("matter_id_missing", "入力してください", "Enter a value")
        if len(found) != 1:
            ja, en = ("募集", "call") if info.data.get("matter_kind") == "proposals:call" else ("協働事業", "project")
            raise rule_error(
                "matter_id_malformed",
                f"{ja}のページのアドレスにある ID（36 文字の英数字とハイフン、例は上の説明）を貼り付けてください",
                f"Paste the id from the address of the {en}'s page: 36 letters, digits and hyphens, "
                "e.g. 3f2b1c4e-8a9d-4e5f-b6a7-1c2d3e4f5a6b",
            )
        return found.pop()

    @model_validator(mode="after")
    def _composed(self) -> ElectionForm:
        self.matter = f"{self.matter_kind}:{self.matter_id}"
        return self


def composed(kind: str, pasted: str) -> str | None:
    """The matter the form would record from what was entered (shown on a re-rendered form), if it is one."""
    found: set[str] = {m.lower() for m in _ID.findall(pasted)}
    return f"{kind}:{found.pop()}" if kind in MATTER_KINDS and len(found) == 1 else None
