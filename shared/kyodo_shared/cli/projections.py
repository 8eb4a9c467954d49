"""`kyodo replay --from-scratch` for a service's own projections: query tables kept from its own event log
(the registry's group index, proposals' call index). Emptied, then rebuilt from the service's own store.
"""

from __future__ import annotations

import threading

from kyodo_shared.cli.console import err, progress
from kyodo_shared.runtime import Kernel
from kyodo_shared.tasks.projection import Projector


def projection_table(kernel: Kernel, projector: Projector) -> str:
    # Every projection's table is named `<service>_<projection>` (registry_group_index, proposals_call_index).
    return f"{kernel.service.replace('-', '_')}_{projector.name}"


def rebuild_projections(kernel: Kernel) -> None:
    """Empty each projection and apply the whole store again, with progress; returns when each has caught up."""
    if not kernel.projectors:
        return
    last = int(kernel.application.recorder.max_notification_id() or 0)
    with progress() as bars:
        for projector in kernel.projectors:
            _empty(kernel, projector)
            task = bars.add_task(f"{kernel.service} projection {projector.name}", total=last)
            # The projector applies its batches itself; a thread lets the bar follow its position meanwhile.
            failure: list[BaseException] = []
            worker = threading.Thread(target=_catch_up, args=(projector, failure), daemon=True)
            worker.start()
            while worker.is_alive():
                bars.update(task, completed=min(projector.position(), last))
                worker.join(0.2)
            if failure:
                raise failure[0]
            bars.update(task, completed=last)
    names = ", ".join(p.name for p in kernel.projectors)
    err.print(f"{kernel.service}: rebuilt {names} from its own store (notification {last})")


def _empty(kernel: Kernel, projector: Projector) -> None:
    table = projection_table(kernel, projector)
    with kernel.db.transaction() as tx:
        # When a projection's table is named otherwise, resetting its position alone still rewrites every row.
        if _exists(kernel, table):
            tx.execute(f"DELETE FROM {table}")  # noqa: S608 - a name declared by the service, not input
        tx.execute("DELETE FROM kyodo_projection_position WHERE name = %s", (projector.name,))
    projector.forget_position()


def _exists(kernel: Kernel, table: str) -> bool:
    try:
        with kernel.db.transaction(read_only=True) as tx:
            tx.fetchone(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 - a name declared by the service
    except Exception:  # noqa: BLE001 - absent table: the backends raise different errors
        return False
    return True


def _catch_up(projector: Projector, failure: list[BaseException]) -> None:
    try:
        projector.catch_up()
    except BaseException as exc:  # noqa: BLE001 - handed to the calling thread, which raises it
        failure.append(exc)
