"""Open data over HTTP (real NATS; SQLite and PostgreSQL stores): the catalogue, the portal's datasets as CSV and
JSON with their dictionaries, conditional requests, and the Atom feeds of calls and results.

The read models are fed through info-hub's own bus handlers, with the source's tracking advanced in the same
transaction, as the consumer applies a message (tests/support/info_hub_open_data.py).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import feedparser
import pytest
import pytest_asyncio

from kyodo_contracts import proposals as p
from kyodo_info_hub.opendata import Column, Dataset, stream
from kyodo_info_hub.opendata_api import registered
from kyodo_info_hub.opendata_csv import CONVENTIONS_EN, CONVENTIONS_JA
from kyodo_info_hub.settings import CenterSettings, InfoHubSettings
from kyodo_shared.web.devissuer import DevIssuer

from support.harness import Backend, Platform, platform, settings_for
from support.info_hub_open_data import call, csv_frame, csv_rows, feed, group, hub, result

PORTAL_DATASETS = ["groups", "calls", "call-criteria", "call-results", "call-result-scores"]


@pytest_asyncio.fixture(loop_scope="session")
async def info_hub(tmp_path: Path, nats_url: str, bus_namespace: str, api_backend: Backend) -> AsyncIterator[Platform]:
    issuer = DevIssuer.load_or_create(tmp_path / "issuer")
    center = CenterSettings(public_url="https://center.example")
    settings = settings_for("info-hub", api_backend, nats_url, bus_namespace, issuer, center=center)
    async with platform({"info-hub": settings}, issuer) as p:
        yield p


async def get(p: Platform, url: str, status: int = 200, **headers: str) -> Any:
    response = await hub(p).get(url, headers=headers)
    assert response.status_code == status, response.text
    return response


async def test_the_catalogue_lists_every_portal_dataset_with_its_formats_dictionary_and_licence(
    info_hub: Platform,
) -> None:
    body = (await get(info_hub, "/open-data/datasets")).json()
    assert (body["licence"]["name"], body["publisher_ja"]) == ("CC BY 4.0", "国分寺市")
    assert [d["name"] for d in body["datasets"]][: len(PORTAL_DATASETS)] == PORTAL_DATASETS
    groups = body["datasets"][0]
    base = "https://center.example/api/info-hub/open-data/datasets/groups"
    assert [(d["format"], d["url"]) for d in groups["distributions"]] == [
        ("CSV", f"{base}.csv"),
        ("JSON", f"{base}.json"),
    ]
    assert groups["dictionary_url"] == base
    assert groups["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/deed.ja"
    assert groups["updated_at"].endswith("+09:00")
    assert [f["url"].rsplit("/", 1)[1] for f in body["feeds"]] == [
        "calls.atom",
        "call-results.atom",
        "news.atom",
        "trainings.ics",
    ]
    assert body["feeds"][3]["url"] == "https://center.example/api/info-hub/trainings.ics"


async def test_the_groups_csv_reads_back_with_the_csv_module_and_pandas_japanese_intact(info_hub: Platform) -> None:
    feed(
        info_hub, "registry", group("こくぶんじ子ども食堂", website="https://kodomo.example"), group("西元町 見守り隊")
    )
    response = await get(info_hub, "/open-data/datasets/groups.csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens Japanese intact
    assert body.count(b"\r\n") == 3
    assert body.replace(b"\r\n", b"").count(b"\n") == 0
    assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("''")[1]) == "groups.csv"
    rows = csv_rows(body)
    assert len(rows) == 2
    by_name = {r["name"]: r for r in rows}
    kodomo = by_name["こくぶんじ子ども食堂"]
    assert (kodomo["fields_of_activity"], kodomo["founded"], kodomo["members_count"]) == (
        "まちづくり;福祉",
        "2019-04-01",
        "12",
    )
    assert (kodomo["website"], kodomo["status"], kodomo["renewal_due"]) == (
        "https://kodomo.example",
        "registered",
        "2027-03-31",
    )
    # The registration time in Asia/Tokyo with its offset: 2026-06-01 01:00 UTC.
    assert kodomo["registered_at"] == "2026-06-01T10:00:00+09:00"
    assert by_name["西元町 見守り隊"]["website"] == ""
    frame = csv_frame(body)
    assert list(frame.columns) == list(rows[0])
    assert sorted(frame["name"]) == sorted(by_name)
    assert frame.loc[frame["name"] == "こくぶんじ子ども食堂", "area"].item() == "本町"


async def test_cells_that_look_like_formulas_are_neutralised_in_csv_and_left_as_they_are_in_json(
    info_hub: Platform,
) -> None:
    feed(
        info_hub,
        "registry",
        group('=HYPERLINK("http://evil.example","会")', purpose="+81 から始まる", area="@本町"),
        group("-マイナスの会", purpose="\t先頭がタブ", area="\r先頭が復帰", fields_of_activity=["=1+1", "福祉"]),
    )
    body = (await get(info_hub, "/open-data/datasets/groups.csv")).content
    for rows in (csv_rows(body), csv_frame(body).to_dict("records")):
        by_area = {r["area"]: r for r in rows}
        first, second = by_area["'@本町"], by_area["'\r先頭が復帰"]
        assert (first["name"], first["purpose"]) == ('\'=HYPERLINK("http://evil.example","会")', "'+81 から始まる")
        assert (second["name"], second["purpose"]) == ("'-マイナスの会", "'\t先頭がタブ")
        assert second["fields_of_activity"] == "'=1+1;福祉"
        assert first["members_count"] == "12"  # a typed number is not text: never prefixed
    items = (await get(info_hub, "/open-data/datasets/groups.json")).json()["items"]
    assert {i["area"] for i in items} == {"@本町", "\r先頭が復帰"}
    assert next(i for i in items if i["area"] == "@本町")["members_count"] == 12


async def test_json_pages_follow_the_list_convention_and_cover_the_csv(info_hub: Platform) -> None:
    feed(info_hub, "registry", *[group(f"市民の会 {n:02d}") for n in range(5)])
    first = await get(info_hub, "/open-data/datasets/groups.json?per_page=2")
    body = first.json()
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (5, 1, 2, 2)
    links = {rel: target for target, rel in _links(first.headers["link"])}
    assert parse_qsl(urlsplit(links["last"]).query) == [("page", "3"), ("per_page", "2")]
    names = []
    for page in (1, 2, 3):
        names += [
            i["name"]
            for i in (await get(info_hub, f"/open-data/datasets/groups.json?page={page}&per_page=2")).json()["items"]
        ]
    csv_names = [r["name"] for r in csv_rows((await get(info_hub, "/open-data/datasets/groups.csv")).content)]
    assert names == csv_names
    assert sorted(names) == [f"市民の会 {n:02d}" for n in range(5)]
    item = body["items"][0]
    assert item["fields_of_activity"] == ["まちづくり", "福祉"]
    assert item["founded"] == "2019-04-01"


def _links(header: str) -> list[tuple[str, str]]:
    return [(part.split(">")[0].lstrip(" <"), part.split('rel="')[1].rstrip('"')) for part in header.split(",")]


def frozen_clock(p: Platform, at: datetime) -> list[datetime]:
    """Info-hub's clock stopped at `at`; move it by setting the list's one item."""
    now = [at]
    p.apps["info-hub"].state.kernel.clock = lambda: now[0]
    return now


async def test_an_unchanged_dataset_answers_304_to_its_etag_and_last_modified_until_its_source_moves(
    info_hub: Platform,
) -> None:
    now = frozen_clock(info_hub, datetime(2026, 7, 1, 3, 0, 0, 250000, tzinfo=UTC))
    feed(info_hub, "registry", group("こくぶんじ子ども食堂"))
    url = "/open-data/datasets/groups.csv"
    first = await get(info_hub, url)
    # First seen at 03:00:00.25: another state could still be first seen within that second, so no Last-Modified yet.
    assert "last-modified" not in first.headers
    now[0] += timedelta(seconds=1)
    full = await get(info_hub, url)
    etag, modified = full.headers["etag"], full.headers["last-modified"]
    assert (etag, modified) == (first.headers["etag"], "Wed, 01 Jul 2026 03:00:00 GMT")
    again = await get(info_hub, url, 304, **{"If-None-Match": etag})
    assert (again.content, again.headers["etag"]) == (b"", etag)
    await get(info_hub, url, 304, **{"If-None-Match": f'"other", W/{etag}'})
    await get(info_hub, url, 304, **{"If-Modified-Since": modified})
    # If-None-Match decides when both are sent (RFC 9110 §13.2.2): a stale tag means a full answer.
    await get(info_hub, url, 200, **{"If-None-Match": '"stale"', "If-Modified-Since": modified})
    await get(info_hub, url, 200, **{"If-Modified-Since": "not a date"})
    json_page = await get(info_hub, "/open-data/datasets/groups.json")
    assert json_page.headers["etag"] != etag
    await get(info_hub, "/open-data/datasets/groups.json", 304, **{"If-None-Match": json_page.headers["etag"]})

    feed(info_hub, "registry", group("西元町 見守り隊"))
    changed = await get(info_hub, url, 200, **{"If-None-Match": etag})
    assert changed.headers["etag"] != etag
    assert len(csv_rows(changed.content)) == 2
    # The new state was first seen at 03:00:01.25: a later second than the old one, so the old time no longer matches.
    await get(info_hub, url, 200, **{"If-Modified-Since": modified})
    # Another source's events leave the groups' ETag alone.
    feed(info_hub, "proposals", call())
    await get(info_hub, url, 304, **{"If-None-Match": changed.headers["etag"]})


async def updated_at(p: Platform, name: str) -> str:
    """The catalogue's update time of one dataset."""
    body = (await get(p, "/open-data/datasets")).json()
    return str(next(d["updated_at"] for d in body["datasets"] if d["name"] == name))


async def test_the_catalogue_dates_a_state_when_first_seen_so_reads_and_a_later_download_agree_until_it_changes(
    info_hub: Platform,
) -> None:
    now = frozen_clock(info_hub, datetime(2026, 7, 1, 3, 0, 0, 250000, tzinfo=UTC))
    feed(info_hub, "registry", group("こくぶんじ子ども食堂"))
    # Nobody has downloaded the groups yet: the catalogue sees this state first, at 03:00:00.25 UTC = 12:00 Tokyo.
    first = await updated_at(info_hub, "groups")
    assert first == "2026-07-01T12:00:00.250000+09:00"
    calls_first = await updated_at(info_hub, "calls")
    now[0] += timedelta(seconds=2)
    # Nothing changed: a second read, the dictionary and a download give that same time.
    assert await updated_at(info_hub, "groups") == first
    assert (await get(info_hub, "/open-data/datasets/groups")).json()["updated_at"] == first
    download = await get(info_hub, "/open-data/datasets/groups.csv")
    assert download.headers["last-modified"] == "Wed, 01 Jul 2026 03:00:00 GMT"
    await get(info_hub, "/open-data/datasets/groups.csv", 304, **{"If-Modified-Since": "Wed, 01 Jul 2026 03:00:00 GMT"})

    feed(info_hub, "registry", group("西元町 見守り隊"))  # first seen by the next read, at 03:00:02.25
    changed = await updated_at(info_hub, "groups")
    assert changed == "2026-07-01T12:00:02.250000+09:00"
    now[0] += timedelta(seconds=3)
    assert await updated_at(info_hub, "groups") == changed
    assert await updated_at(info_hub, "calls") == calls_first  # another dataset's sources did not move
    again = await get(info_hub, "/open-data/datasets/groups.csv", 200, **{"If-None-Match": download.headers["etag"]})
    assert again.headers["last-modified"] == "Wed, 01 Jul 2026 03:00:02 GMT"


async def test_states_changing_within_a_second_never_send_a_last_modified_later_than_the_clock_or_a_stale_304(
    info_hub: Platform,
) -> None:
    now = frozen_clock(info_hub, datetime(2026, 7, 1, 3, 0, 0, 100000, tzinfo=UTC))
    url = "/open-data/datasets/groups.csv"
    tags = []
    for name in ("一の会", "二の会", "三の会"):  # three states within one second (.1, .4, .7)
        feed(info_hub, "registry", group(name))
        seen = await get(info_hub, url)
        assert "last-modified" not in seen.headers, "its second is not over"
        tags.append(seen.headers["etag"])
        now[0] += timedelta(milliseconds=300)
    assert len(set(tags)) == 3
    # 03:00:01.0: the third state's second is over; its Last-Modified is that second, not later than the clock.
    now[0] = datetime(2026, 7, 1, 3, 0, 1, tzinfo=UTC)
    last = await get(info_hub, url, 304, **{"If-None-Match": tags[2]})
    assert last.headers["last-modified"] == "Wed, 01 Jul 2026 03:00:00 GMT"
    # A client holding that second is sent the fourth state in full.
    feed(info_hub, "registry", group("四の会"))
    fourth = await get(info_hub, url, 200, **{"If-Modified-Since": last.headers["last-modified"]})
    assert len(csv_rows(fourth.content)) == 4


async def test_a_read_model_rebuilt_to_the_same_position_with_other_content_gets_a_new_etag_and_a_later_time(
    info_hub: Platform,
) -> None:
    # The reviewer's probe: `kyodo replay info-hub --from-scratch` empties the read models and the tracking, then
    # refills them up to the same position; a handler changed meanwhile may write other content.
    now = frozen_clock(info_hub, datetime(2026, 7, 1, 3, 0, 0, tzinfo=UTC))
    feed(info_hub, "registry", group("旧名の会"))
    url = "/open-data/datasets/groups.csv"
    await get(info_hub, url)  # first seen at 03:00:00
    now[0] += timedelta(seconds=1)
    before = await get(info_hub, url)
    etag, modified = before.headers["etag"], before.headers["last-modified"]
    kernel = info_hub.apps["info-hub"].state.kernel
    with kernel.db.transaction() as tx:
        for table in kernel.read_models:
            tx.execute(f"DELETE FROM {table}")
        tx.execute("DELETE FROM kyodo_consumer_tracking")
    now[0] += timedelta(seconds=1)
    feed(info_hub, "registry", group("新名の会"))
    now[0] += timedelta(seconds=1)
    after = await get(info_hub, url, 200, **{"If-None-Match": etag})
    assert [r["name"] for r in csv_rows(after.content)] == ["新名の会"]
    assert after.headers["etag"] != etag
    now[0] += timedelta(seconds=1)
    later = await get(info_hub, url, 304, **{"If-None-Match": after.headers["etag"]})
    assert parsedate_to_datetime(later.headers["last-modified"]) > parsedate_to_datetime(modified)
    await get(info_hub, url, 200, **{"If-Modified-Since": modified})


async def test_a_rebuild_seen_under_way_renews_the_etag_even_when_the_read_model_was_not_emptied_of_its_version(
    info_hub: Platform,
) -> None:
    # `kyodo projections rebuild` or a reset tracking: the positions go back, then refill to where they were.
    feed(info_hub, "registry", group("一の会"), group("二の会"))
    url = "/open-data/datasets/groups.csv"
    etag = (await get(info_hub, url)).headers["etag"]
    kernel = info_hub.apps["info-hub"].state.kernel
    with kernel.db.transaction() as tx:
        tx.execute("DELETE FROM directory_groups")
        tx.execute("DELETE FROM kyodo_consumer_tracking WHERE source = 'registry'")
    feed(info_hub, "registry", group("一の会"))
    await get(info_hub, url)  # seen under way: the position went back from 2 to 1
    feed(info_hub, "registry", group("二の会・改"))
    after = await get(info_hub, url, 200, **{"If-None-Match": etag})
    assert sorted(r["name"] for r in csv_rows(after.content)) == ["一の会", "二の会・改"]


async def test_calls_criteria_and_results_are_published_flat_with_group_names_scores_and_the_seed(
    info_hub: Platform,
) -> None:
    kodomo, mimamori, lapsed = group("こくぶんじ子ども食堂"), group("=見守り隊"), uuid.uuid4()
    feed(info_hub, "registry", kodomo, mimamori)
    published, other = call(), call("-まちの清掃協働事業")
    reasons = "-地域への効果が最も高いと評価した。"
    feed(
        info_hub,
        "proposals",
        published,
        other,
        result(published.call_id, [kodomo.group_id, mimamori.group_id], lapsed, reasons),
    )

    calls = {r["title_ja"]: r for r in csv_rows((await get(info_hub, "/open-data/datasets/calls.csv")).content)}
    mine = calls["地域の居場所づくり協働事業"]
    assert (mine["status"], mine["results_published"], mine["deadline"]) == (
        "results_published",
        "true",
        "2026-07-31T17:00:00+09:00",
    )
    assert (mine["passing_score"], mine["select_count"], mine["priority"], mine["amendments"]) == (
        "6/1",
        "1",
        "impact",
        "0",
    )
    # The exact fraction is text; 6/1 is 6.00 for a spreadsheet (which would read 6/1 as June 1st).
    assert mine["passing_score_value"] == "6.00"
    assert calls["'-まちの清掃協働事業"]["status"] == "open"

    criteria = [
        r
        for r in csv_rows((await get(info_hub, "/open-data/datasets/call-criteria.csv")).content)
        if r["call_id"] == str(published.call_id)
    ]
    assert [(c["criterion_key"], c["weight"], c["max_points"], c["priority_rank"]) for c in criteria] == [
        ("impact", "2", "5", "1"),
        ("feasibility", "1", "5", ""),
    ]

    body = (await get(info_hub, "/open-data/datasets/call-results.csv")).content
    for rows in (csv_rows(body), csv_frame(body).to_dict("records")):
        assert [(r["rank"], r["group_name"], r["score"], r["score_display"], r["selected"]) for r in rows] == [
            ("1", "こくぶんじ子ども食堂", "9/1", "9.00", "true"),
            ("2", "'=見守り隊", "13/2", "6.50", "false"),
            ("", "", "", "", ""),
        ]
        assert rows[1]["criterion_means"] == "feasibility=2/1;impact=9/4"
        assert rows[1]["recusals"] == "1"
        assert (rows[2]["group_id"], rows[2]["set_aside_reason"]) == (str(lapsed), "lapsed")
        assert {(r["reasons"], r["seed"]) for r in rows} == {("'" + reasons, "c" * 64)}
    scores = csv_rows((await get(info_hub, "/open-data/datasets/call-result-scores.csv")).content)
    assert len(scores) == 8
    assert sum(int(s["points"]) for s in scores) == (3 + 3 + 3 + 3) + (3 + 3 + 2 + 1)

    items = (await get(info_hub, "/open-data/datasets/call-results.json")).json()["items"]
    assert items[0]["criterion_means"] == ["feasibility=3/1", "impact=3/1"]
    assert items[0]["rank"] == 1
    assert items[1]["group_name"] == "=見守り隊"
    assert items[2]["rank"] is None
    # The board's subs and the representatives' sub fed above are in no export of these datasets.
    for name in PORTAL_DATASETS:
        for suffix in (".csv", ".json"):
            body = (await get(info_hub, f"/open-data/datasets/{name}{suffix}")).content
            assert b"member-canary" not in body, name
            assert b"rep-canary-sub" not in body, name


async def test_each_dataset_has_a_dictionary_naming_every_column_in_japanese_and_english(info_hub: Platform) -> None:
    catalogue = (await get(info_hub, "/open-data/datasets")).json()
    names = [d["name"] for d in catalogue["datasets"]]
    assert set(PORTAL_DATASETS) <= set(names)
    # The CSV's conventions are told to the data's users: the leading ', the ; and its escape, fractions as text.
    assert all(mark in catalogue["conventions_ja"] for mark in ("BOM", "' を前置", "\\;", "n/d"))
    assert names == list(registered(InfoHubSettings()))
    for name in names:
        dictionary = (await get(info_hub, f"/open-data/datasets/{name}")).json()
        texts = ("title_ja", "title_en", "description_ja", "description_en")
        assert all(dictionary[key] for key in texts), name
        assert dictionary["licence"]["name"] == "CC BY 4.0"
        assert (dictionary["conventions_ja"], dictionary["conventions_en"]) == (CONVENTIONS_JA, CONVENTIONS_EN)
        assert all(f["description_ja"] and f["description_en"] and f["type"] for f in dictionary["fields"]), name
        headers = [f["csv_header"] for f in dictionary["fields"]]
        assert len(set(headers)) == len(headers), name
        # An empty dataset is its header row alone (the JSON keys against the fields: the canary, every set fed).
        empty = (await get(info_hub, f"/open-data/datasets/{name}.csv")).content
        assert (empty[:3], empty[-2:], empty.count(b"\r\n")) == (b"\xef\xbb\xbf", b"\r\n", 1), name
        assert next(csv.reader(io.StringIO(empty.decode("utf-8-sig")))) == headers, name


def test_two_columns_with_one_csv_header_are_refused() -> None:
    with pytest.raises(ValueError, match="CSV headers"):
        Dataset(
            name="twice",
            title_ja="t",
            title_en="t",
            description_ja="d",
            description_en="d",
            columns=(Column("a", "string", "a", "a", header="同じ"), Column("b", "string", "b", "b", header="同じ")),
            rows=lambda db: iter(()),
            sources=(stream("registry"),),
        )


async def test_head_answers_with_the_headers_of_get_and_no_body(info_hub: Platform) -> None:
    feed(info_hub, "registry", group("こくぶんじ子ども食堂"))
    for url in ("/open-data/datasets/groups.csv", "/open-data/datasets/groups.json", "/calls.atom"):
        full = await get(info_hub, url)
        head = await hub(info_hub).head(url)
        assert (head.status_code, head.content) == (200, b""), url
        assert head.headers["etag"] == full.headers["etag"], url
        assert head.headers["content-type"] == full.headers["content-type"], url
        again = await hub(info_hub).head(url, headers={"If-None-Match": full.headers["etag"]})
        assert again.status_code == 304, url


async def test_a_name_with_another_format_or_in_capitals_is_no_dataset(info_hub: Platform) -> None:
    for url in ("/open-data/datasets/groups.xml", "/open-data/datasets/Groups"):
        assert (await get(info_hub, url, 404)).json()["title_en"] == "Dataset not found"


async def test_an_unknown_dataset_is_refused_in_japanese_and_english(info_hub: Platform) -> None:
    for url in ("/open-data/datasets/nothing", "/open-data/datasets/nothing.csv", "/open-data/datasets/nothing.json"):
        refused = (await get(info_hub, url, 404)).json()
        assert (refused["code"], refused["title_ja"], refused["title_en"]) == (
            "not_found",
            "データセットが見つかりません",
            "Dataset not found",
        )


async def test_the_calls_and_results_feeds_parse_back_with_their_entries(info_hub: Platform) -> None:
    kodomo = group("こくぶんじ子ども食堂")
    feed(info_hub, "registry", kodomo)
    decided, cancelled, still_open = call(), call("中止になった協働事業"), call("募集中の協働事業")
    feed(info_hub, "proposals", decided, cancelled, still_open)
    decided_at, cancelled_at = datetime(2026, 8, 20, 3, 0, tzinfo=UTC), datetime(2026, 7, 1, 6, 30, tzinfo=UTC)
    feed(info_hub, "proposals", result(decided.call_id, [kodomo.group_id], uuid.uuid4(), "効果が高い。"), at=decided_at)
    feed(info_hub, "proposals", p.CallCancelled(call_id=cancelled.call_id, reason="予算の都合"), at=cancelled_at)

    calls_response = await get(info_hub, "/calls.atom")
    assert calls_response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(calls_response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title.endswith("協働事業の募集")
    assert parsed.feed.language == "ja"
    titles = {e.id: e.title for e in parsed.entries}
    assert titles[f"urn:uuid:{decided.call_id}"] == "【結果公表】地域の居場所づくり協働事業"
    assert titles[f"urn:uuid:{cancelled.call_id}"] == "【中止】中止になった協働事業"
    assert titles[f"urn:uuid:{still_open.call_id}"] == "募集中の協働事業"
    cancelled_entry = next(e for e in parsed.entries if e.id == f"urn:uuid:{cancelled.call_id}")
    assert "予算の都合" in cancelled_entry.summary
    assert "締切: 2026年07月31日 17:00" in cancelled_entry.summary
    assert cancelled_entry.link == f"https://center.example/api/info-hub/calls/{cancelled.call_id}"
    await get(info_hub, "/calls.atom", 304, **{"If-None-Match": calls_response.headers["etag"]})

    results = feedparser.parse((await get(info_hub, "/call-results.atom")).content)
    assert not results.bozo, results.bozo_exception
    assert [e.title for e in results.entries] == ["【選定結果】地域の居場所づくり協働事業"]
    assert "審査した提案 1 件、選定 1 件" in results.entries[0].summary
    assert "効果が高い。" in results.entries[0].summary
    assert results.entries[0].id.startswith("urn:uuid:")
    # Results are dated by their publication; a call by its publication and its last change (the events' times).
    assert results.entries[0].updated == "2026-08-20T12:00:00+09:00"
    assert (cancelled_entry.published, cancelled_entry.updated) == (
        "2026-06-01T10:00:00+09:00",
        "2026-07-01T15:30:00+09:00",
    )
    # Newest change first.
    assert [e.id for e in parsed.entries] == [f"urn:uuid:{c.call_id}" for c in (decided, cancelled, still_open)]
    assert results.entries[0].id != f"urn:uuid:{decided.call_id}"


async def test_a_dataset_larger_than_a_batch_streams_every_row_once(info_hub: Platform) -> None:
    # Two full batches of read_in_batches (500) and a part, in CSV chunks of 200 rows.
    feed(info_hub, "registry", *[group(f"団体 {n:04d}") for n in range(1234)])
    response = await get(info_hub, "/open-data/datasets/groups.csv")
    names = [r["name"] for r in csv_rows(response.content)]
    assert sorted(names) == [f"団体 {n:04d}" for n in range(1234)]
    last = (await get(info_hub, "/open-data/datasets/groups.json?page=13&per_page=100")).json()
    assert (last["total"], len(last["items"])) == (1234, 34)
    assert [i["name"] for i in last["items"]] == names[1200:]
