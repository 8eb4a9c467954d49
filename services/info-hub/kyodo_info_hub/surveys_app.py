"""The survey of groups (実態調査): the center's use cases — building the questionnaire, the target set and
invitations, the answer window's timers, groups' answers, and the statistics published at the close.
"""

from __future__ import annotations

from kyodo_info_hub.app_base import InfoHubBase
from kyodo_shared.tasks.timers import Action


class SurveyCommands(InfoHubBase):
    def survey_timer_actions(self) -> dict[str, Action]:
        """The durable timers of this part and what each does when due."""
        return {}
