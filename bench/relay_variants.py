"""The relay change proposed in bench/RESULTS.md, as a subclass, so P3 can time it beside the relay as shipped.

As shipped, `OutboxRelay._publish` passes `wait_stall=publish_timeout_seconds` to every `js.publish_async`; nats-py
then wraps each semaphore acquire in `asyncio.wait_for`, which creates a task and yields to the event loop once
per message even when a slot is free. The proposal bounds the whole batch with one `asyncio.timeout()` instead:
a stall (acks lost in a reconnect never free their slots) still ends the batch with TimeoutError, the caller still
reconciles, and ordering/ack checks are unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kyodo_shared.relay import OutboxRelay


class BatchTimeoutRelay(OutboxRelay):
    async def _publish(self, items: list[Any], last_sequence: int) -> None:
        futures: list[asyncio.Future[Any]] = []
        try:
            async with asyncio.timeout(self.settings.publish_timeout_seconds):
                for sequence, item in enumerate(items, start=last_sequence + 1):
                    headers, body = self._message(item, sequence)
                    futures.append(
                        await self.js.publish_async(
                            item.contract.subject(self.bus.namespace), body, headers=headers, stream=self.stream
                        )
                    )
                results = await asyncio.gather(*futures, return_exceptions=True)
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()  # frees its in-flight slot
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise failed[0]
        last_ack = results[-1]
        if isinstance(last_ack, BaseException) or int(last_ack.seq) != last_sequence + len(items):
            raise RuntimeError("stream sequence differs from source sequence")


class PrefetchRelay(BatchTimeoutRelay):
    """BatchTimeoutRelay that also reads batch k+1 (in its thread) while batch k is being published and acked.

    Publishing stays strictly sequential and the position is saved only after a batch's acks, exactly as before;
    only the store read moves earlier. A prefetched empty read is not trusted (new commits may have landed since):
    the next drain reads afresh.
    """

    _prefetched: tuple[Any, asyncio.Future[Any]] | None = None

    async def drain_once(self) -> int:
        from kyodo_shared.relay import Position

        position = self.position
        prefetched, self._prefetched = self._prefetched, None
        result = None
        if prefetched is not None and prefetched[0] == position:
            result = await prefetched[1]
            if not result[0]:
                result = None
        if result is None:
            result = await asyncio.to_thread(self._read, position)
        items, last_id = result
        if not items:
            if last_id != position.notification_id:
                self.position = Position(last_id, 2**30, position.sequence)
                await asyncio.to_thread(self.positions.save, self.position)
            return 0
        sequence = position.sequence + len(items)
        next_position = Position(last_id, 2**30, sequence)
        self._prefetched = (next_position, asyncio.ensure_future(asyncio.to_thread(self._read, next_position)))
        await self._publish(items, position.sequence)
        await asyncio.to_thread(self.positions.save, next_position)
        self.position = next_position
        self.metrics.relay_published.labels(self.service).inc(len(items))
        self.metrics.relay_sequence.labels(self.service).set(sequence)
        return len(items)
