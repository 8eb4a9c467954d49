"""The center's trainings as open data, in the layout of the municipal standard dataset 「イベント一覧」 (see
`opendata_center` for the layout, its edition and the sources it was checked against).

The standard's 32 items first, in its order, their item names as CSV headers; then the portal's own columns. Only
announced and cancelled trainings (a cancelled one says 中止 and why in 開始日時特記事項); never a draft, a registrant
or an online link (`Training.public()` already leaves out both).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

from kyodo_info_hub import trainings_index
from kyodo_info_hub.opendata import Column, Dataset, projection, read_in_batches
from kyodo_info_hub.settings import InfoHubSettings
from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.store.db import Database

# The edition followed could not be confirmed (see opendata_center): the layout is named by its items, and the
# current edition's item names (全国地方公共団体コード, ID, 地方公共団体名, …) may differ.
STANDARD_EVENTS = (
    "推奨データセット「イベント一覧」の32項目の配置（都道府県コード又は市区町村コード〜備考。版番号は未確認。"
    "現行の自治体標準オープンデータセットの項目名とは異なる場合がある） / The 32-item layout of the recommended "
    "dataset 'event list' (edition not confirmed; the current municipal standard's item names may differ)"
)
KIND_JA = {"training": "研修会", "course": "講座", "exchange_meeting": "意見交換会"}
AUDIENCE_JA = {"groups": "市民活動団体の代表者・連絡担当者", "staff": "市職員", "citizens": "市民"}


@dataclass(frozen=True)
class Publisher:
    """Who publishes the event list: the municipality (its code and names) and the center, and the portal's URL."""

    municipality_code: str = "132152"  # 全国地方公共団体コード of 国分寺市
    prefecture_ja: str = "東京都"
    municipality_ja: str = "国分寺市"
    organiser_ja: str = "こくぶんじ市民活動センター"
    public_url: str = "http://127.0.0.1:8080"


def publisher_of(settings: InfoHubSettings) -> Publisher:
    """The publisher info-hub's settings name (`open_data`'s municipality, `center.public_url`)."""
    od = settings.open_data
    return Publisher(od.municipality_code, od.prefecture_ja, od.municipality_ja, public_url=settings.center.public_url)


def fingerprint(who: Publisher) -> str:
    """What the rows read of the settings, hashed (it joins the ETag: a changed setting is a changed export)."""
    return hashlib.sha256(json.dumps(astuple(who), ensure_ascii=False).encode()).hexdigest()


def column(name: str, kind: str, header: str, ja: str, en: str) -> Column:
    """A column of a standard layout: its CSV header is the standard's item name."""
    return Column(name, kind, ja, en, header=header)


# (name, type, standard item = CSV header, meaning ja, meaning en)
_EVENT_COLUMNS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "municipality_code",
        "string",
        "都道府県コード又は市区町村コード",
        "全国地方公共団体コード",
        "Local government code",
    ),
    ("no", "uuid", "NO", "研修・講座の識別子", "The training's id"),
    ("prefecture", "string", "都道府県名", "都道府県名", "Prefecture"),
    ("municipality", "string", "市区町村名", "市区町村名", "Municipality"),
    ("event_name", "string", "イベント名", "研修・講座の名称", "Title"),
    ("event_name_kana", "string", "イベント名_カナ", "名称のカナ（保持せず空）", "Title in kana (not kept: empty)"),
    ("event_name_en", "string", "イベント名_英語", "名称（英語）", "Title in English"),
    ("start_date", "date", "開始日", "開始日（日本時間）", "Start date (Asia/Tokyo)"),
    ("end_date", "date", "終了日", "終了日（日本時間）", "End date (Asia/Tokyo)"),
    ("start_time", "string", "開始時間", "開始時刻 HH:MM（日本時間）", "Start time HH:MM (Asia/Tokyo)"),
    ("end_time", "string", "終了時間", "終了時刻 HH:MM（日本時間）", "End time HH:MM (Asia/Tokyo)"),
    ("schedule_note", "string", "開始日時特記事項", "中止の場合は「中止」とその理由", "Cancelled: 中止 and why"),
    ("description", "string", "説明", "内容", "Description (Japanese)"),
    ("fee_basic", "string", "料金(基本)", "料金（保持せず空）", "Fee (not kept: empty)"),
    ("fee_detail", "string", "料金(詳細)", "料金の詳細（保持せず空）", "Fee details (not kept: empty)"),
    ("contact_name", "string", "連絡先名称", "問い合わせ先", "Contact"),
    ("contact_phone", "string", "連絡先電話番号", "電話番号（保持せず空）", "Phone (not kept: empty)"),
    ("contact_extension", "string", "連絡先内線番号", "内線番号（保持せず空）", "Extension (not kept: empty)"),
    ("organizer", "string", "主催者", "主催者", "Organiser"),
    ("place_name", "string", "場所名称", "会場（オンラインの場合は「オンライン」）", "Venue, or オンライン"),
    ("address", "string", "住所", "住所（保持せず空）", "Address (not kept: empty)"),
    ("address_note", "string", "方書", "方書（保持せず空）", "Address detail (not kept: empty)"),
    ("latitude", "number", "緯度", "緯度（保持せず空）", "Latitude (not kept: empty)"),
    ("longitude", "number", "経度", "経度（保持せず空）", "Longitude (not kept: empty)"),
    ("access", "string", "アクセス方法", "アクセス方法（保持せず空）", "Access (not kept: empty)"),
    ("parking", "string", "駐車場情報", "駐車場情報（保持せず空）", "Parking (not kept: empty)"),
    ("capacity", "integer", "定員", "定員", "Capacity"),
    ("registration_end_date", "date", "参加申込終了日", "申込締切日（日本時間）", "Registration closes (date)"),
    ("registration_end_time", "string", "参加申込終了時間", "申込締切時刻 HH:MM", "Registration closes (time)"),
    ("registration_method", "string", "参加申込方法", "申込方法", "How to register"),
    ("url", "uri", "URL", "研修・講座の情報のURL", "The training's URL"),
    ("remarks", "string", "備考", "種別（研修会・講座・意見交換会）", "Kind, in Japanese"),
    ("kind", "string", "種別", "training（研修会）、course（講座）、exchange_meeting（意見交換会）", "Kind"),
    ("status", "string", "状態", "announced（公表）、cancelled（中止）", "announced or cancelled"),
    ("audience", "string[]", "対象者", "groups（団体）、staff（市職員）、citizens（市民）", "Who may register"),
    ("online", "boolean", "オンライン開催", "オンライン開催か", "Whether it is held online"),
    ("starts_at", "datetime", "開始日時", "開始日時（日本時間）", "Starts at (Asia/Tokyo)"),
    ("ends_at", "datetime", "終了日時", "終了日時（日本時間）", "Ends at (Asia/Tokyo)"),
    (
        "updated_at",
        "datetime",
        "更新日時",
        "公表・計画変更・中止の最終日時",
        "When it was last announced, changed or cancelled",
    ),
)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(TOKYO)


def _changed(t: dict[str, Any]) -> datetime | None:
    """When the public record last changed: announced, its plan changed, or cancelled (the latest of them)."""
    times = [
        _at(str(x))
        for x in (t.get("announced_at"), t.get("plan_changed_at"), (t.get("cancellation") or {}).get("at"))
        if x
    ]
    return max(times) if times else None


def event_row(t: dict[str, Any], who: Publisher) -> list[Any]:
    """One training's row of the event list, from its public record (`Training.public()`)."""
    starts, ends, closes = _at(t["starts_at"]), _at(t["ends_at"]), _at(t["registration_closes_at"])
    cancelled = t.get("status") == "cancelled"
    cancellation = t.get("cancellation") or {}
    note = f"中止: {cancellation.get('reason_ja', '')}".rstrip(": ") if cancelled else ""
    url = f"{who.public_url.rstrip('/')}/api/info-hub/trainings/{t['id']}"
    audience = [AUDIENCE_JA.get(a, a) for a in t["audience"]]
    method = f"ウェブサイトから申し込み（対象: {'、'.join(audience)}）"
    return [
        who.municipality_code, t["id"], who.prefecture_ja, who.municipality_ja,
        t["title_ja"], None, t.get("title_en"),
        starts.date(), ends.date(), starts.strftime("%H:%M"), ends.strftime("%H:%M"), note or None,
        t["description_ja"], None, None,
        who.organiser_ja, None, None, who.organiser_ja,
        "オンライン" if t.get("online") else t.get("place"), None, None, None, None, None, None,
        int(t["capacity"]), closes.date(), closes.strftime("%H:%M"), method, url, KIND_JA.get(t["kind"], t["kind"]),
        t["kind"], t["status"], list(t["audience"]), bool(t.get("online")), starts, ends,
        _changed(t),
    ]  # fmt: skip


def _event_rows(who: Publisher) -> Any:
    def rows(db: Database) -> Iterator[Sequence[Any]]:
        for (record,) in read_in_batches(
            db,
            select="record",
            table="hub_trainings",
            # The training's id: its start moves when it is rescheduled, and a moving key could skip or repeat a
            # row while a large export streams.
            key=("training_id",),
            where="status IN ('announced', 'cancelled')",
        ):
            public = json.loads(str(record))
            if public.get("announced_at"):  # a draft cancelled before it was announced was never public
                yield event_row(public, who)

    return rows


def trainings(who: Publisher) -> Dataset:
    return Dataset(
        name="trainings",
        title_ja="研修会・講座（イベント一覧）",
        title_en="Trainings and courses (event list)",
        description_ja="市民活動センターが公表した研修会・講座・意見交換会。自治体標準オープンデータセット「イベント一覧」"
        "の項目順に続けて、独自項目を置く。行は研修の識別子（NO）順（開始日時順に並べ替えるには 開始日時 列を使う）。"
        "従った配置は推奨データセットの32項目のもので、現行の自治体標準オープンデータセットの項目一覧と版を確認できな"
        "かったため、版番号は示さない。",
        description_en="The center's announced trainings, courses and exchange meetings, in the standard event list "
        "layout, followed by the portal's own columns; rows in the order of the trainings' ids (NO; sort by starts_at "
        "for the soonest first). The layout followed is the recommended dataset's 32 items; the current municipal "
        "standard's item list and edition could not be confirmed, so no edition is claimed.",
        columns=tuple(column(n, t, h, ja, en) for n, t, h, ja, en in _EVENT_COLUMNS),
        rows=_event_rows(who),
        sources=(projection(trainings_index.NAME),),
        standard=STANDARD_EVENTS,
        fingerprint=fingerprint(who),
    )
