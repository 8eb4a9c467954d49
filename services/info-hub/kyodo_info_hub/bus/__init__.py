"""What info-hub follows on the bus: each source's stream feeds read models in info-hub's own database.

| source (stream) | read model (tables) | shown at |
|---|---|---|
| registry (KYODO_REGISTRY) | `directory` (`directory_groups`) | `/groups` |
| registry (KYODO_REGISTRY) | `departments` (`hub_departments`) | department names in `/screening/…` |
| registry (KYODO_REGISTRY) | `people` (`hub_group_people`, `hub_staff`, `hub_liaisons`) | never: who acts for whom |
| registry (KYODO_REGISTRY) | `applications` (`hub_applications`) | `/me` only: applications before registration |
| checkpoints (KYODO_CHECKPOINTS) | `open_data` (`open_checkpoints`, `open_keys`) | `/open-data/…` |
| proposals (KYODO_PROPOSALS) | `calls` (`portal_calls`) | `/calls` |
| proposals (KYODO_PROPOSALS) | `call_review` (`hub_call_reviews`, `hub_adoptions`) | `/me` only: reviews, adoptions |
| screening (KYODO_SCREENING) | `screening` (`screening_*`: projects, rounds, decisions, forms) | `/screening/…` |
| evaluation (KYODO_EVALUATION) | `evaluation` (`evaluation_*`) | `/collaboration-projects`, `/evaluation-reports` |

The evaluation tables are projects, agreements, each project's timeline and the published reports; a call's results
at `/calls/…` name the projects its adopted proposals became. The screening register is also open data, whole, at
`/open-data/screening-register.json`.

Each handler applies its effect in the transaction that records the message's sequence, so a redelivered or
replayed message changes nothing twice (`kyodo replay info-hub --from-scratch` empties `READ_MODELS` and refills
them from the streams).
"""

from __future__ import annotations

from collections.abc import Mapping

from kyodo_contracts import Contract
from kyodo_info_hub.bus import (
    applications,
    call_review,
    calls,
    departments,
    directory,
    evaluation,
    open_data,
    people,
    screening,
    ties,
)
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.runtime import Subscription


def merged(*tables: Mapping[type[Contract], Handler]) -> dict[type[Contract], Handler]:
    """Several read models' handlers of one source; a contract has one handler, so one claimed twice is an error."""
    handlers: dict[type[Contract], Handler] = {}
    for table in tables:
        for contract, handler in table.items():
            if contract in handlers:
                raise ValueError(f"{contract.ce_type()} has two handlers: one read model must apply both effects")
            handlers[contract] = handler
    return handlers


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription(
        source="registry",
        handlers=merged(
            directory.HANDLERS, departments.HANDLERS, people.HANDLERS, ties.HANDLERS, applications.HANDLERS
        ),
        batch_handlers=directory.BATCH_HANDLERS,
    ),
    Subscription(source="checkpoints", handlers=open_data.HANDLERS),
    Subscription(source="proposals", handlers=merged(calls.HANDLERS, call_review.HANDLERS)),
    Subscription(source="screening", handlers=screening.HANDLERS),
    # Reminders are not followed: the consumer advances past them.
    Subscription(source="evaluation", handlers=evaluation.HANDLERS),
)
READ_MODELS: tuple[str, ...] = (
    *directory.TABLES,
    *ties.TABLES,
    *applications.TABLES,
    *departments.TABLES,
    *people.TABLES,
    *open_data.TABLES,
    *calls.TABLES,
    *call_review.TABLES,
    *screening.TABLES,
    *evaluation.TABLES,
)
