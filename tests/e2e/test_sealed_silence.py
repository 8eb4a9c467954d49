"""A sealed call reveals nothing, not even that anything was submitted, until its deadline: on SQLite and PostgreSQL
with real NATS, seen from outside as an auditor or a competing group sees the platform (HTTP and the bus only).

Hiding a proposal's content is not enough. A submission must not move anything that anyone can count: the
proposals service's audit history (its end, its records, its chain), its signed checkpoints (on the service, in
info-hub's open data, on the checkpoints stream), the last sequence of any stream, the number the next public event
gets (its notification id and its `ce-sequence`), the call itself, or the service's metrics. Otherwise anyone can
count submissions, revisions and withdrawals while the call is open. So everything observable is gathered before
any sealed activity and compared, field by field, after a submission, a revision, a second group's submission and a
withdrawal; then a public event must get exactly the numbers it would have had without them. After the deadline the
closing is visible and the review holds the one proposal still standing.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import nats
from nats.js import JetStreamContext
from prometheus_client.parser import text_string_to_metric_families

from kyodo_contracts import stream_name
from kyodo_contracts.proposals import CallAmended, CallClosed
from kyodo_shared.bus.cloudevents import H_NOTIFICATION, H_SEQUENCE, H_TYPE
from kyodo_shared.web.devissuer import DevIssuer

from support.calls import (
    close_and_open_review,
    content,
    coordinator,
    ok,
    published_call,
    registered_group,
    review_board,
    submit,
)
from support.harness import Backend, Platform, eventually, platform, settings_for

# Not in the smoke subset: watching for "nothing happens" takes five quiet windows, about 21 s per backend.

# Small pages, so that reading the audit records really walks through several of them.
RECORDS_PAGE = 20
# Metered routes this test's observer reads on the proposals service; their own requests are taken out of /metrics.
OBSERVED_ROUTES = ("/audit/records", "/audit/checkpoints", "/calls/{call_id}", "/calls", "/metrics")

Observation = dict[str, Any]


def services(backend: Backend, nats_url: str, namespace: str, issuer: DevIssuer) -> dict[str, Any]:
    return {n: settings_for(n, backend, nats_url, namespace, issuer) for n in ("registry", "proposals", "info-hub")}


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, str]:
    """Every field that differs, appeared or disappeared, with both values: what a failure prints."""
    missing = object()
    found = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, missing), after.get(key, missing)
        if old != new:
            shown_old = "(absent)" if old is missing else repr(old)
            shown_new = "(absent)" if new is missing else repr(new)
            found[key] = f"{shown_old} -> {shown_new}"
    return found


def report(changed: Mapping[str, str]) -> str:
    return "\n".join(f"  {key}: {change}" for key, change in sorted(changed.items()))


def series(name: str, labels: Mapping[str, str]) -> str:
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


@dataclass
class Observer:
    """An auditor or a competing group: reads the platform over HTTP and the bus, never its stores or objects."""

    p: Platform
    js: JetStreamContext
    namespace: str
    call_id: str
    # How many requests this observer sent to the proposals service, by (method, route, status): /metrics counts them.
    own: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    async def read(
        self,
        service: str,
        path: str,
        route: str = "",
        params: Mapping[str, Any] | None = None,
        *,
        auditor: bool = False,
        answers: bool = True,
    ) -> httpx.Response:
        """GET `path`; `route` is its template on the proposals service; `answers`: it must answer 200."""
        headers = self.p.token("aud-1", "auditor") if auditor else {}
        response = await self.p.clients[service].get(path, params=params, headers=headers)
        assert response.status_code == 200 or not answers, f"{path}: {response.text}"
        if service == "proposals":
            assert route in OBSERVED_ROUTES, route
            self.own["GET", route, str(response.status_code)] += 1
        return response

    async def observe(self) -> Observation:
        seen: Observation = {}
        seen |= await self.audit()
        seen |= await self.checkpoints()
        seen |= await self.streams()
        seen |= await self.call()
        # Last: its own request is counted after its answer, so the tally below is exactly what it has counted.
        seen |= await self.metrics()
        return seen

    async def audit(self) -> Observation:
        """The auditor's totals: /audit/records read to its end, page by page, over one fixed range."""
        items: list[dict[str, Any]] = []
        first = await self.read("proposals", "/audit/records", "/audit/records", {"limit": RECORDS_PAGE}, auditor=True)
        items += first.json()["items"]
        after, stop = first.json()["next_after"], first.json()["stop"]
        while after is not None:
            params = {"after": after, "limit": RECORDS_PAGE, "stop": stop}
            page = (await self.read("proposals", "/audit/records", "/audit/records", params, auditor=True)).json()
            items += page["items"]
            after = page["next_after"]
        chained = [i for i in items if i["link"] is not None]
        return {
            "audit: history end (stop)": stop,
            "audit: /audit/records length": len(items),
            "audit: chained records": len(chained),
            "audit: last position": items[-1]["position"] if items else 0,
            "audit: last link": chained[-1]["link"] if chained else None,
        }

    async def checkpoints(self) -> Observation:
        """Proposals' signed checkpoints where anyone reads them: on the service and in info-hub's open data."""
        own = (await self.read("proposals", "/audit/checkpoints", "/audit/checkpoints")).json()["items"]
        mirrored = await self.read("info-hub", "/open-data/checkpoints", params={"service": "proposals"})
        return {
            "checkpoints: proposals /audit/checkpoints positions": [c["position"] for c in own],
            "checkpoints: info-hub /open-data/checkpoints positions": [c["position"] for c in mirrored.json()["items"]],
        }

    async def streams(self) -> Observation:
        """The last sequence of every stream of the test's namespace (sources, checkpoints, dead letters...)."""
        prefix = f"{self.namespace.upper()}_"
        found: Observation = {}
        offset = 0
        while page := await self.js.streams_info(offset=offset):
            for info in page:
                if info.config.name and info.config.name.startswith(prefix):
                    found[f"stream {info.config.name}: last sequence"] = int(info.state.last_seq)
            offset += len(page)
        return found

    async def call(self) -> Observation:
        """The call as anyone reads it: on the proposals service (ETag and body), in its list and on the portal."""
        one = await self.read("proposals", f"/calls/{self.call_id}", "/calls/{call_id}")
        listed = await self.read("proposals", "/calls", "/calls")
        # info-hub learns of the call from the bus: while the platform settles it may not know it yet (404).
        portal = await self.read("info-hub", f"/calls/{self.call_id}", answers=False)
        return {
            "call: ETag": one.headers.get("ETag"),
            "call: body": one.json(),
            "call: list body": listed.json(),
            "call: info-hub portal": (portal.status_code, portal.json()),
        }

    async def metrics(self) -> Observation:
        """Proposals' /metrics, sample by sample, less this observer's own requests.

        Excluded, and only these:
        - process_* and python_* samples (none in a service's own registry today): the process's CPU, memory and
          garbage collector move on their own;
        - the latency histogram's `_sum` and `_bucket` samples of the routes this observer itself reads: their
          values are its own requests' durations, which differ every time. Their `_count` stays, as do the sum and
          buckets of every other route.
        Kept, with this observer's own requests subtracted: kyodo_http_requests_total and the latency `_count` of
        the routes it reads. Every other HTTP counter (every route, every status) is compared as it is, and so are
        the relay's, consumers' and tasks' metrics and every `_created` timestamp (a new series would show there).
        """
        tally = Counter(self.own)  # before this request, which /metrics counts only after answering
        text = (await self.read("proposals", "/metrics", "/metrics")).text
        by_route: Counter[tuple[str, str]] = Counter()
        for (method, route, _), n in tally.items():
            by_route[method, route] += n
        found: Observation = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                name, labels, value = sample.name, dict(sample.labels), sample.value
                if name.startswith(("process_", "python_")):
                    continue
                method, route = labels.get("method", ""), labels.get("route", "")
                own_route = (method, route) in by_route
                if name.startswith("kyodo_http_request_seconds"):
                    if own_route and name.endswith(("_sum", "_bucket")):
                        continue
                    if name.endswith("_count"):
                        value -= by_route[method, route]
                if name == "kyodo_http_requests_total":
                    value -= tally[method, route, labels.get("status", "")]
                found[f"metrics: {series(name, labels)}"] = value
        return found


def checkpoint_interval(p: Platform) -> float:
    seconds: float = p.apps["proposals"].state.kernel.settings.audit.checkpoint_every_seconds
    return seconds


def quiet_window(p: Platform) -> float:
    """How long "nothing happens" is watched: six checkpoint intervals (3 s in the tests' settings).

    A negative can only be seen over time. A write at t is signed at the checkpointer's first tick at least one
    interval after its previous signature (ticks are one interval apart: <= t + 2 intervals), published on that same
    tick, and mirrored by info-hub at its consumer's next pull (its idle wait, 0.5 s here: <= t + 3 intervals).
    Twice that covers a slow machine.
    """
    return 6 * checkpoint_interval(p)


async def settled(p: Platform, observer: Observer) -> Observation:
    """Wait until the platform stops moving: the same observation twice, a quiet window apart."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + 90
    previous = await observer.observe()
    while True:
        # A fixed wait on purpose: settling means that nothing happens over a whole window (see quiet_window).
        await asyncio.sleep(quiet_window(p))
        current = await observer.observe()
        if not differences(previous, current):
            return current
        assert loop.time() < give_up, f"the platform never settled:\n{report(differences(previous, current))}"
        previous = current


async def stays_as(p: Platform, observer: Observer, expected: Observation, when: str) -> None:
    """Observe again and again over a whole quiet window; then fail naming every field that moved at any time in it
    (the audit totals move at once, checkpoints a tick later: a failure shows all of what leaked, not the first)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + quiet_window(p)
    moved: dict[str, str] = {}
    while True:
        # The latest value of each field that moved; a field that moved and came back still counts.
        moved |= differences(expected, await observer.observe())
        if loop.time() > until:
            break
        # Between observations only: the window's end bounds "nothing happened"; it is not a hoped-for delay.
        await asyncio.sleep(checkpoint_interval(p) / 2)
    assert not moved, f"observable from outside {when}:\n{report(moved)}"


async def message_at(js: JetStreamContext, stream: str, sequence: int) -> dict[str, str]:
    """The headers of a stream's message at `sequence`, once the relay has published it."""

    async def published() -> bool:
        return int((await js.stream_info(stream)).state.last_seq) >= sequence

    await eventually(published, timeout=20)
    headers: dict[str, str] = (await js.get_msg(stream, sequence)).headers or {}
    return headers


async def test_submissions_revisions_and_withdrawals_move_nothing_observable_until_the_deadline(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer
) -> None:
    async with platform(services(backend, nats_url, bus_namespace, issuer), issuer) as p:
        committee = await review_board(p, ["m-1", "m-2", "m-3"], "m-1", "m-2")
        first = await registered_group(p, "rep-1", "ひかり子ども食堂")
        second = await registered_group(p, "rep-2", "みどりの会")
        call_id, deadline = await published_call(p, committee)
        nc = await nats.connect(nats_url)
        try:
            observer = Observer(p, nc.jetstream(), bus_namespace, call_id)
            before = await settled(p, observer)
            assert before["audit: last position"] > 0, before
            assert before["checkpoints: proposals /audit/checkpoints positions"], before

            proposals, rep1, rep2 = p.clients["proposals"], p.token("rep-1", "group"), p.token("rep-2", "group")
            submitted = await submit(p, call_id, first, "rep-1", "第一の会の提案")
            await stays_as(p, observer, before, "after group 1 submitted")

            revised = await ok(
                proposals.put(
                    f"/calls/{call_id}/proposals/{first}",
                    json={"content": content("第一の会の改訂版")},
                    headers={**rep1, "If-Match": submitted.headers["ETag"]},
                )
            )
            await stays_as(p, observer, before, "after group 1 revised")

            await submit(p, call_id, second, "rep-2", "第二の会の提案")
            await stays_as(p, observer, before, "after group 2 submitted")

            await ok(
                proposals.post(
                    f"/calls/{call_id}/proposals/{first}/withdrawal",
                    headers={**rep1, "If-Match": revised.headers["ETag"]},
                )
            )
            await stays_as(p, observer, before, "after group 1 withdrew")
            # The groups still read their own proposals: the silence is not the proposals being lost.
            own = await ok(proposals.get(f"/calls/{call_id}/proposals/{second}", headers=rep2))
            assert own.json()["content"]["summary"] == "第二の会の提案"

            # A public event now gets exactly the numbers it would have had if nobody had submitted anything.
            call = await ok(proposals.get(f"/calls/{call_id}"))
            new_deadline = deadline + timedelta(days=30)
            amended = await ok(
                proposals.post(
                    f"/calls/{call_id}/amendments",
                    json={
                        "reason": "説明の補足 (clarified description)",
                        "deadline": new_deadline.isoformat(),
                        "description_ja": "提案を募集します。締切を延長しました。",
                    },
                    headers={**coordinator(p), "If-Match": call.headers["ETag"]},
                )
            )
            assert amended.json()["amendments"], amended.text
            position = before["audit: last position"] + 1
            records = await ok(
                proposals.get(
                    "/audit/records", params={"after": position - 1, "limit": 1}, headers=p.token("aud-1", "auditor")
                )
            )
            next_record = records.json()["items"][0]
            assert (next_record["position"], next_record["type"]) == (position, "proposals.Call.Amended"), next_record
            stream = stream_name(bus_namespace, "proposals")
            sequence = before[f"stream {stream}: last sequence"] + 1
            headers = await message_at(observer.js, stream, sequence)
            assert {
                H_TYPE: headers.get(H_TYPE),
                H_SEQUENCE: headers.get(H_SEQUENCE),
                H_NOTIFICATION: headers.get(H_NOTIFICATION),
            } == {H_TYPE: CallAmended.ce_type(), H_SEQUENCE: str(sequence), H_NOTIFICATION: str(position)}, headers

            # Past the deadline the closing is public (the helper waits until the call reads "closed", then opens
            # the review), and the review holds group 2's proposal only.
            review = await close_and_open_review(p, call_id, new_deadline)
            reviewing = await ok(proposals.get(f"/calls/{call_id}"))
            assert reviewing.json()["status"] == "in_review", reviewing.text
            assert reviewing.headers["ETag"] != amended.headers["ETag"]

            async def portal_closed() -> bool:
                portal = await p.clients["info-hub"].get(f"/calls/{call_id}")
                return bool(portal.json()["status"] == "closed")

            await eventually(portal_closed, timeout=20)
            closing = await message_at(observer.js, stream, sequence + 1)
            assert closing.get(H_TYPE) == CallClosed.ce_type(), closing
            assert review["proposals"] == 1, review
            board = await ok(proposals.get(f"/calls/{call_id}/review/proposals", headers=p.token("m-1", "reviewer")))
            shown = [(i["group_id"], i["content"]["summary"]) for i in board.json()["items"]]
            assert shown == [(second, "第二の会の提案")], json.dumps(board.json(), ensure_ascii=False)
        finally:
            await nc.close()
