"""What info-hub follows on the bus: each source's stream feeds read models in info-hub's own database.

| source (stream) | read model (tables) | shown at |
|---|---|---|
| registry (KYODO_REGISTRY) | `directory` (`directory_groups`) | `/groups` |
| checkpoints (KYODO_CHECKPOINTS) | `open_data` (`open_checkpoints`, `open_keys`) | `/open-data/…` |
| proposals (KYODO_PROPOSALS) | `calls` (`portal_calls`) | `/calls` |

Each handler applies its effect in the transaction that records the message's sequence, so a redelivered or
replayed message changes nothing twice (`kyodo replay info-hub --from-scratch` empties `READ_MODELS` and refills
them from the streams).
"""

from __future__ import annotations

from kyodo_info_hub.bus import calls, directory, open_data
from kyodo_shared.runtime import Subscription

SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription(source="registry", handlers=directory.HANDLERS, batch_handlers=directory.BATCH_HANDLERS),
    Subscription(source="checkpoints", handlers=open_data.HANDLERS),
    Subscription(source="proposals", handlers=calls.HANDLERS),
)
READ_MODELS: tuple[str, ...] = (*directory.TABLES, *open_data.TABLES, *calls.TABLES)
