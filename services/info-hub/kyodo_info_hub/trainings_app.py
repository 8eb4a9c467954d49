"""The center's trainings: use cases (a mixin of `InfoHubApplication`, on `app_base.InfoHubBase`)."""

from __future__ import annotations

from kyodo_info_hub.app_base import InfoHubBase
from kyodo_shared.tasks.timers import Action


class TrainingCommands(InfoHubBase):
    def training_timer_actions(self) -> dict[str, Action]:
        """The durable timers of this part and what each does when due."""
        return {}
