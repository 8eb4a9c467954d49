"""Helpers for tests of open data: contract events fed to info-hub's read models as its consumer applies them (the
handler's effect and the source's tracking advanced in one transaction), a group's and a call's events, and reading
an export back."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pandas as pd

from kyodo_contracts import Contract
from kyodo_contracts import proposals as p
from kyodo_contracts import registry as r
from kyodo_info_hub.bus.calls import HANDLERS as CALL_HANDLERS
from kyodo_info_hub.bus.directory import HANDLERS as DIRECTORY_HANDLERS
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.dlq import tracked_in

from support.harness import Platform

HANDLERS = {"registry": DIRECTORY_HANDLERS, "proposals": CALL_HANDLERS}
PUBLISHED_AT = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


def hub(p: Platform) -> httpx.AsyncClient:
    return p.clients["info-hub"]


def feed(platform: Platform, source: str, *events: Contract, at: datetime = PUBLISHED_AT) -> None:
    """Apply `events` of `source` (registry or proposals) and advance its tracking, in one transaction."""
    kernel = platform.apps["info-hub"].state.kernel
    with kernel.db.transaction() as tx:
        for event in events:
            sequence = tracked_in(tx, source) + 1
            envelope = Envelope(
                id=str(uuid.uuid4()),
                source=source,
                type=event.ce_type(),
                time=at,
                subject="s",
                sequence=sequence,
                correlation_id="c",
                causation_id="c",
                data=event,
            )
            HANDLERS[source][type(event)](envelope, tx)
            kernel.ledger.advance(tx, source, sequence)


def group(name: str, **profile: Any) -> r.GroupRegistered:
    values: dict[str, Any] = {
        "name": name,
        "purpose": "地域の見守り活動",
        "fields_of_activity": ["まちづくり", "福祉"],
        "area": "本町",
        "founded": date(2019, 4, 1),
        "members_count": 12,
        **profile,
    }
    return r.GroupRegistered(
        group_id=uuid.uuid4(),
        profile=r.GroupProfile(**values),
        representative_sub="rep-canary-sub",
        renewal_due=date(2027, 3, 31),
    )


def call(title_ja: str = "地域の居場所づくり協働事業", **rules: Any) -> p.CallPublished:
    values: dict[str, Any] = {
        "kind": "partner_selection",
        "title_ja": title_ja,
        "description_ja": "高齢者の居場所づくりを協働で行う団体を募集します。",
        "criteria": [
            {"key": "impact", "name_ja": "効果", "weight": 2, "max_points": 5},
            {"key": "feasibility", "name_ja": "実現性", "name_en": "Feasibility", "weight": 1, "max_points": 5},
        ],
        "formula": "weighted_sum_of_means",
        "passing_score": "6/1",
        "select": 1,
        "tie_rule": "criteria_priority_then_lottery",
        "priority": ["impact"],
        "quorum": 2,
        "deadline": datetime(2026, 7, 31, 17, 0, tzinfo=UTC) - timedelta(hours=9),
        "committee_id": uuid.uuid4(),
        "minimum_extension_days": 7,
        **rules,
    }
    return p.CallPublished(
        call_id=uuid.uuid4(),
        rules=p.CallRules(**values),
        board_subs=["member-canary-1", "member-canary-2"],
        chair_sub="member-canary-1",
        vice_chair_sub=None,
        seed_commitment="a" * 64,
        published_at=PUBLISHED_AT,
    )


def result(
    call_id: uuid.UUID, ranked: Sequence[uuid.UUID], set_aside: uuid.UUID, reasons: str
) -> p.CallResultsPublished:
    """The first of `ranked` selected with 9/1, the others 13/2; each reviewer's points by label."""
    proposals = [
        p.ProposalResult(
            proposal_id=uuid.uuid4(),
            group_id=gid,
            rank=n + 1,
            score="9/1" if n == 0 else "13/2",
            score_display="9.00" if n == 0 else "6.50",
            criterion_means={"impact": "3/1" if n == 0 else "9/4", "feasibility": "3/1" if n == 0 else "2/1"},
            passes=True,
            selected=n == 0,
            tie_broken=False,
            lottery_key="b" * 64,
            recusals=n,
            scores=[
                p.LabelledScore(label="A", points={"impact": 3, "feasibility": 3}),
                p.LabelledScore(label="B", points={"impact": 3 if n == 0 else 2, "feasibility": 3 if n == 0 else 1}),
            ],
        )
        for n, gid in enumerate(ranked)
    ]
    return p.CallResultsPublished(
        call_id=call_id,
        proposals=proposals,
        selected=[proposals[0].proposal_id],
        reasons=reasons,
        seed="c" * 64,
        set_aside=[p.SetAsideProposal(proposal_id=uuid.uuid4(), group_id=set_aside, reason="lapsed")],
    )


def csv_rows(body: bytes) -> list[dict[str, str]]:
    """A CSV export read back with the csv module (the BOM removed by utf-8-sig)."""
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def csv_frame(body: bytes) -> pd.DataFrame:
    """The same export read back with pandas, every cell as text (empty cells as "")."""
    return pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype=str, keep_default_na=False)


# What a spreadsheet runs as a formula at the start of a cell (the list, and the full-width forms Japanese
# input produces), written here by hand rather than imported from the code under test.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# The documented rule: a text value beginning with one of them, NUL or `'` itself is written with one leading `'`.
PREFIXED = (*FORMULA_STARTS, "\0", "'")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _text_cell(text: str) -> str:
    return "'" + text if text.startswith(PREFIXED) else text


def _expected_cell(value: Any) -> str:
    """A JSON item's value as its CSV cell should read (the CSV conventions the catalogue states)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return _text_cell(";".join(str(v).replace("\\", "\\\\").replace(";", "\\;") for v in value))
    assert isinstance(value, str), value
    return _text_cell(value)


def check_csv_reads_back(name: str, body: bytes, fields: list[dict[str, Any]], items: list[dict[str, Any]]) -> bool:
    """One dataset's CSV as its users read it, against its dictionary's fields and its JSON items (the same rows in
    the same order): the BOM; the header is the dictionary's CSV headers; the csv module and pandas read the same
    cells; every text value is there whole (Japanese intact), with one leading `'` where it begins like a formula;
    typed numbers equal the JSON's; no cell begins like a formula unless it is a typed number. Returns whether any
    cell holds Japanese (so the caller knows the check was not vacuous)."""
    assert body.startswith(b"\xef\xbb\xbf"), f"{name}: no BOM"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    headers = [f["csv_header"] for f in fields]
    assert rows[0] == headers, name
    records = rows[1:]
    assert len(records) == len(items) > 0, name
    frame = csv_frame(body)
    assert list(frame.columns) == headers, name
    assert frame.to_numpy().tolist() == records, f"{name}: pandas reads other cells than the csv module"
    typed = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig")  # as a spreadsheet would: types inferred
    assert typed.shape == (len(records), len(headers)), name
    for record, item in zip(records, items, strict=True):
        for field, text in zip(fields, record, strict=True):
            value, where = item[field["field"]], (name, field["field"], text)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number:
                assert Decimal(text) == Decimal(str(value)), where
            else:
                assert text == _expected_cell(value), where
            assert number or not text.startswith(FORMULA_STARTS), where
    return any(JAPANESE.search(text) for record in records for text in record)
