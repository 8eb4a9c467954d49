"""What the auditor's journeys share: the history browser's filters typed into its form and sent (`/<service>/audit`),
its events read row by row (position, type, aggregate, the chain's fields, whether the body is shown), the page
reloaded until the service has chained its newest events, and "verify now" pressed and its verdict read."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from browser.workspace_journeys import Person, status_of

HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Event:
    """One event of the history's table as the page shows it."""

    position: str
    type: str
    aggregate: str
    state_hash: str
    link: str  # "" while the service has not chained it yet
    body: str  # "shown", "sealed" or "restricted"


def filter_history(who: Person, base: str, **filters: str) -> list[Event]:
    """The history browser's form at `base` (`/proposals/audit`) filled with `filters` (aggregate, type, since, until,
    correlation_id: the others emptied) and sent with its button; the events it lists."""
    page = who.page
    if who.path().split("?")[0] != base:
        who.goto(base)
    form = page.locator(f"main form[method=get][action='{base}']").first
    for name in ("aggregate", "type", "since", "until", "correlation_id"):
        form.locator(f"[name={name}]").fill(filters.get(name, ""))
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"{base}: the filters {filters} answered {status_of(sent.value)}"
    return events(who)


def events(who: Person) -> list[Event]:
    rows = who.page.locator("main table.audit-history tbody.audit-event")
    found = []
    for n in range(rows.count()):
        row = rows.nth(n)
        fields = row.locator("dl.audit-fields").first
        hashes = row.locator("code.hash")
        hidden = row.locator("[data-hidden]")
        found.append(
            Event(
                position=row.locator("th[scope=row]").inner_text().strip(),
                type=fields.locator("dd").nth(0).inner_text().strip(),
                aggregate=fields.locator("dd").nth(1).locator("code").inner_text().strip(),
                state_hash=hashes.nth(0).inner_text().strip(),
                link=hashes.nth(2).inner_text().strip() if hashes.count() == 3 else "",
                body=(hidden.get_attribute("data-hidden") or "") if hidden.count() else "shown",
            )
        )
    return found


def until_chained(who: Person, base: str, seconds: float = 30, **filters: str) -> list[Event]:
    """The filtered history reloaded until it lists events and every one is chained (the service chains within
    seconds of recording)."""
    deadline = time.monotonic() + seconds
    while True:
        found = filter_history(who, base, **filters)
        if found and all(event.link for event in found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{base} {filters}: {len(found)} events, not all chained after {seconds:.0f} s")
        time.sleep(0.5)


def verify_now(who: Person, base: str) -> str:
    """ "Verify now" pressed on the audit page; the verdict it shows then (ok, failed)."""
    page = who.page
    who.goto(base)
    form = page.locator(f"main form[action='{base}/verification']")
    assert form.count() == 1, f"no verify-now form on {base}"
    with page.expect_navigation() as sent:
        form.locator("button[type=submit]").click()
    assert status_of(sent.value) == 200, f"verify now answered {status_of(sent.value)}"
    verdict = page.locator("main [data-verdict]")
    assert verdict.count() == 1, f"no verdict on {page.url} after verifying"
    return verdict.get_attribute("data-verdict") or ""
