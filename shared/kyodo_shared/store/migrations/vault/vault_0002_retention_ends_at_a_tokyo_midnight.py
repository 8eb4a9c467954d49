"""Every stored retention end becomes the first Asia/Tokyo midnight at or after it, in UTC with microseconds.

Since 65576f9 the vault counts retention in whole Tokyo days (Civil Code arts. 140/141): `retention_end(now, days)`
is the first Tokyo midnight at or after `now + days`, stored as `_stored` formats it (UTC, always with
microseconds, so text order is time order). Rows written before hold `(now + days).isoformat()` un-rounded: up to a
day early, so "erasable from <day>" could name a day on which erasure is not yet due, and in a form (offset,
optional fraction) whose text does not order against the new rows in the retention upsert's comparison.

Rounding the stored instant gives exactly what the new rule would have written from the original `now` and
`days` (days >= 1): let M(x) be the first Tokyo midnight at or after x; the vault's rule is M(now) + days. Tokyo
keeps a fixed +09:00 (no daylight saving time since 1951), so adding whole days of 24 hours to an instant adds that
many days to its Tokyo date and keeps its Tokyo time of day: x is a midnight exactly when x + days is, and
M(now + days) = M(now) + days. The stored `now + days` therefore rounds to the value the new code would have
stored, and a row already in the new form (a midnight, UTC, microseconds) is left as it is: running this twice
changes nothing. A `days == 0` kind (no retention; the vault stores `now` as it is) cannot be told apart from the
rows: such a row is rounded up too, so a person who acted on the Tokyo day of the upgrade is kept until its end
(at most one day); an earlier row's end is already past, rounded or not.

The rule is a frozen copy here, not an import of kyodo_shared.privacy.vault: a revision is a snapshot that must
do on every later deployment what it did when written (docs/MIGRATIONS.md), whatever the vault's code becomes, and
the vault imports this package (`upgrade_vault`), so importing it back would tie the two in a cycle that only
works because Alembic loads revisions lazily. tests/compat/test_vault_retention_migration.py checks that the copy
and the vault agree.

A value without an offset or that is not ISO 8601 stops the upgrade (one transaction: nothing is rewritten) with
the row named, rather than guessing its zone; the vault's own reads could not compare it with an aware time either.

No downgrade, as for every revision: the rounding loses the un-rounded instant.

Revision ID: vault_0002
Revises: vault_0001
Create Date: 2026-12-03 08:58:22.148380
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "vault_0002"
down_revision: str | None = "vault_0001"
branch_labels = None
depends_on = None

# The same zone as kyodo_shared.domain.calendar.TOKYO, named here so this revision does not follow that module.
TOKYO = ZoneInfo("Asia/Tokyo")
# Rows read and written per round trip: a vault holds a row per person and record kind, possibly millions.
BATCH = 1000

retention = sa.table(
    "kyodo_retention",
    sa.column("person", sa.Text),
    sa.column("record_kind", sa.Text),
    sa.column("retain_until", sa.Text),
)


def end_of_tokyo_day(stored: str, person: str, record_kind: str) -> str:
    """The first Tokyo midnight at or after the stored instant, as the vault stores a retention end (see above)."""
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError as exc:
        raise ValueError(f"kyodo_retention ({person!r}, {record_kind!r}): {stored!r} is not ISO 8601") from exc
    if moment.tzinfo is None:
        raise ValueError(f"kyodo_retention ({person!r}, {record_kind!r}): {stored!r} has no UTC offset")
    local = moment.astimezone(TOKYO)
    day = local.date() if local.time() == time() else local.date() + timedelta(days=1)
    return datetime.combine(day, time(), TOKYO).astimezone(UTC).isoformat(timespec="microseconds")


def upgrade() -> None:
    connection = op.get_bind()
    key = sa.tuple_(retention.c.person, retention.c.record_kind)
    rewrite = (
        sa.update(retention)
        .where(retention.c.person == sa.bindparam("p"), retention.c.record_kind == sa.bindparam("k"))
        .values(retain_until=sa.bindparam("v"))
    )
    after: tuple[str, str] | None = None
    while True:
        # By primary key from the last row read: each batch is one indexed range, and rows rewritten (their key
        # unchanged) are never read again. The database orders and compares the keys, so its collation is used
        # consistently for both.
        query = sa.select(retention.c.person, retention.c.record_kind, retention.c.retain_until).order_by(
            retention.c.person, retention.c.record_kind
        )
        if after is not None:
            query = query.where(key > sa.tuple_(sa.literal(after[0]), sa.literal(after[1])))
        rows = connection.execute(query.limit(BATCH)).all()
        if not rows:
            return
        changed = [
            {"p": person, "k": kind, "v": new}
            for person, kind, stored in rows
            if (new := end_of_tokyo_day(str(stored), person, kind)) != stored
        ]
        if changed:
            connection.execute(rewrite, changed)
        after = (rows[-1][0], rows[-1][1])
