"""info-hub's eventsourcing Application: so far it records operator actions on its consumers."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application


class InfoHubApplication(Application[UUID]):
    name = "info_hub"
