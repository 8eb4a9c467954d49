"""The screening service's application service: every use case is one method (the inventory in `inventory`,
rounds in `rounds`, a project's screening in `review_app`, reads in `queries`). Each command takes the acting
principal and, where the caller edits what it read, the version it saw; it authorizes from the service's own
data, loads the aggregate once, runs the domain command and saves.
"""

from __future__ import annotations

from kyodo_screening.app_base import CLOSE_TIMER, RESCREEN_TIMER, SELF_CHECK_TIMER, YEAR_END_TIMER
from kyodo_screening.inventory import InventoryCommands
from kyodo_screening.queries import ScreeningQueries
from kyodo_screening.review_app import ReviewCommands
from kyodo_screening.rounds import RoundCommands

# The composition root registers the timers' actions under these kinds.
__all__ = ["CLOSE_TIMER", "RESCREEN_TIMER", "SELF_CHECK_TIMER", "YEAR_END_TIMER", "ScreeningApplication"]


class ScreeningApplication(InventoryCommands, RoundCommands, ReviewCommands, ScreeningQueries):
    """Existing city projects screened for collaboration: projects, rounds, and screenings (one per project and
    round), each an event-sourced aggregate."""

    # eventsourcing names an Application's PostgreSQL tables after `name`, and gives every subclass its class
    # name unless it sets one: stated here, on the class the service runs, so the tables stay `screening_*`.
    name = "screening"
