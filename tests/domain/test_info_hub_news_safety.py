"""What keeps the center's news and opinion exchange safe to publish, held pure: the close names every group (from
the directory, else as recorded at submission, else it waits), the public version does not count sealed
submissions, an attachment must be what its type and name say, and the Atom feed stays writable whatever a stored
text holds."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime

import feedparser
import pytest

from kyodo_info_hub.exchange import GroupNameMissing, Topic, TopicStatus
from kyodo_info_hub.feeds import atom, feed_id
from kyodo_info_hub.news_attachments import content_matches, extension_matches
from kyodo_info_hub.news_index import NewsEntry

T0 = "2027-04-01T09:00:00+09:00"
T1 = "2027-04-02T09:00:00+09:00"
T3 = "2027-04-04T09:00:00+09:00"
TRACE = {"correlation_id": "c", "causation_id": "k", "actor": "coord-1"}
G1, G2 = str(uuid.uuid4()), str(uuid.uuid4())
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def published_topic() -> Topic:
    t = {"title_ja": "協働推進について", "title_en": None, "body_ja": "ご意見を", "body_en": None}
    topic = Topic(uuid.uuid4(), t, T1, T3, T0, TRACE)
    topic.publish(T0, TRACE)
    return topic


def test_the_close_names_a_group_the_directory_lacks_by_the_name_recorded_at_submission() -> None:
    t = published_topic()
    t.submit_opinion(G1, "意見A", None, "rep-1", T1, TRACE, "みどりの会")
    t.submit_opinion(G2, "意見B", None, "rep-2", T1, TRACE, "ひかりの会（旧名）")
    assert t.close(T3, T3, {G2: "ひかりの会"})
    assert [o["group_name"] for o in t.published_opinions] == ["みどりの会", "ひかりの会"], "the directory first"


def test_the_close_waits_rather_than_publish_an_opinion_without_its_groups_name() -> None:
    t = published_topic()
    t.submit_opinion(G1, "意見A", None, "rep-1", T1, TRACE)
    with pytest.raises(GroupNameMissing):
        t.close(T3, T3, {G1: ""})
    assert (t.status, t.published_opinions, t.version) == (TopicStatus.PUBLISHED, [], 3), "nothing closed"
    assert t.close(T3, T3, {G1: "みどりの会"}), "closed once the directory names the group"


def test_the_public_version_counts_public_changes_only_never_the_sealed_submissions() -> None:
    t = published_topic()
    assert t.public_version == t.version == 2
    for n in range(3):
        t.submit_opinion(G1, f"第{n}稿", None, "rep-1", T1, TRACE, "みどりの会")
    assert (t.version, t.public_version) == (5, 2)
    t.close(T3, T3, {})
    t.answer(G1, "市の考え方", None, "staff-1", T3, TRACE)
    assert (t.version, t.public_version) == (7, 4)


def office(part: str, *, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}document.xml", "<doc/>")
        if macros:
            archive.writestr(f"{part}vbaProject.bin", b"macro")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("media_type", "content", "matches"),
    [
        ("application/pdf", b"%PDF-1.7\n", True),
        ("application/pdf", b"<html><script>alert(1)</script></html>", False),
        ("image/png", b"\x89PNG\r\n\x1a\n....", True),
        ("image/png", b"<html><script>alert(1)</script></html>", False),
        ("image/jpeg", b"\xff\xd8\xff\xe0....", True),
        ("image/jpeg", b"%PDF-1.7", False),
        (DOCX, office("word/"), True),
        (DOCX, office("xl/"), False),
        (DOCX, office("word/", macros=True), False),
        (XLSX, office("xl/"), True),
        (XLSX, b"PK\x03\x04 not really a zip", False),
        ("text/csv", "名前,人数\n夏祭り,3\n".encode(), True),
        ("text/csv", "名前,人数\n夏祭り,3\n".encode("cp932"), True),
        ("text/csv", b"a,b\x00", False),
        ("text/plain", b"abc\x82", False),
    ],
)
def test_an_attachment_is_what_its_declared_type_says(media_type: str, content: bytes, matches: bool) -> None:
    assert content_matches(media_type, content) is matches


def test_an_attachments_name_carries_the_extension_of_its_type() -> None:
    assert extension_matches("チラシ.PDF", "application/pdf")
    assert extension_matches("photo.jpeg", "image/jpeg")
    assert extension_matches("photo.jpg", "image/jpeg")
    assert not extension_matches("a.exe", "image/png")
    assert not extension_matches("table.csv.exe", "text/csv")


def entry(title: str, body: str) -> NewsEntry:
    return NewsEntry(
        news_id=str(uuid.uuid4()),
        status="published",
        category="center",
        title_ja=title,
        title_en=None,
        body_ja=body,
        body_en=None,
        publish_at=None,
        published_at=T1,
        updated_at=T1,
        revision=1,
        attachments=[],
        withdrawal=None,
    )


def test_the_feed_stays_writable_dropping_what_xml_cannot_carry() -> None:
    now = datetime(2027, 4, 2, tzinfo=UTC)
    body = atom([entry("改行\x0bあり", "本文\x00と\x1fと\ufffe")], "https://center.example/api/info-hub", now)
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].title == "改行あり"
    assert parsed.entries[0].summary == "本文とと"


def test_each_deployment_has_its_own_feed_id() -> None:
    staging, production = "https://staging.example/api/info-hub", "https://center.example/api/info-hub"
    assert feed_id(staging) != feed_id(production)
    parsed = feedparser.parse(atom([], production, datetime(2027, 4, 2, tzinfo=UTC)))
    assert parsed.feed.id == f"urn:uuid:{feed_id(production)}"
