"""Personal data is nowhere but where its readers are entitled to it, and unreadable everywhere once erased (issue 22,
canary sweep). Every service runs in-process on real stores (SQLite and PostgreSQL) and real NATS behind the gateway;
recognisable canaries go in wherever a service accepts personal data — the registry (a group's representative and a
contact: name, e-mail, phone; a committee member's name) and info-hub (a citizen registering for a training: name,
e-mail; a citizen's case contact: name, e-mail, phone) — and free text beside them (a case's problem, a survey's
free-text answer). No service accepts a postal address; proposals, screening and evaluation take no personal data
(people are opaque subject ids there, by design), so they are swept for what they hear from the others.

Searched (UTF-8, `\\u`-escaped, percent-encoded, base64 at any alignment; support.canaries): every row of every table
of each service's store and key vault, every file the services keep on disk, every message of every stream, every log
line the services write (as JSON), each service's audit export, every open-data dataset and feed, every GET operation
of every service's API (its path ids from the scene; the operations it cannot fill are the reviewed SKIPPED list) and
the pages a browser reaches from the portal, bodies and their Location, Set-Cookie and Content-Disposition headers —
as the representative and the coordinator, and as a visitor, another group's representative, a member of staff of no
department, an auditor (who also crawls every service's audit pages), a reviewer on no review board, an evaluator on
no committee and a member of the center's team, who also ask directly for every page the first two reached. Personal
data appears only in ALLOWED (the
person's own and the entitled staff's answers and pages, each with its reason); free text, which is the case's and the
survey's own record (stored as written, by design), is in no log, stream, export, feed, public page or other group's
page. Then every person is erased as `kyodo privacy erase` does (each key destroyed once its retention has passed): no
copy of a destroyed key is left in any table or file, and no personal canary is readable anywhere, allowed places
included.

On PostgreSQL only the live rows are swept (SELECT): dead tuples, the WAL and backups are out of the test's reach
(the store's VACUUM FULL after erasure rewrites the heap); on SQLite the files are read byte for byte as well.
"""

from __future__ import annotations

import logging
import re

import pytest

from kyodo_shared.web.devissuer import DevIssuer
from kyodo_shared.web.gateway import mount_services

from support.canaries import (
    SKIPPED_OPERATIONS,
    leaked,
    leaks_in,
)
from support.canary_scene import (
    AUDIT_PAGES,
    CASE_CONTACT,
    CITIZEN,
    CONTACT,
    FREE,
    FREE_TEXT,
    GROUP,
    MEMBER,
    PERSONAL,
    PROBLEM,
    REP,
    JsonLogs,
    api_answers,
    at_rest,
    entitled_answers,
    entitled_pages,
    erase_everyone,
    key_copies,
    logged,
    others_pages,
    persons_entered,
    sweep_settings,
)
from support.harness import Backend, eventually, platform
from support.workspace import Site, login_settings

# The reviewed allow-list: where a canary may be read, by whom, and why. A key is "<reader> <place>" with the place
# as a regular expression; the value is the canaries allowed there and the reason. Anything else found is a leak.
ID, LANG = "[0-9a-f-]{36}", r"(\?lang=(ja|en))?"
MANAGE = "(/manage(/officers|/acting-chairs|/members/[^/?]+/end)?)?"
ALLOWED: dict[str, tuple[list[str], str]] = {
    f"rep api:/groups/{ID}": (
        [*REP.values(), *CONTACT.values()],
        "the representative reads their own group's record: themself and the contacts they added",
    ),
    f"rep page:/registry/groups/{ID}(/contacts(/[^/?]+/removal)?)?{LANG}": (
        [REP["name"], CONTACT["name"], CONTACT["email"]],
        "the same, on the group's workspace pages (the contacts' page and a contact's removal)",
    ),
    f"coordinator api:/groups/{ID}": (
        [*REP.values(), *CONTACT.values()],
        "the center assesses the group's application and reaches its representative and contacts",
    ),
    f"coordinator page:/registry/decisions/{ID}{LANG}": (
        [REP["name"]],
        "the coordinator deciding on an application sees who applied for the group",
    ),
    f"coordinator api:/cases(/{ID})?": (
        [*CASE_CONTACT.values(), PROBLEM],
        "the center handles the citizen's case: its wording (in the list too) and how to reach the citizen (cases_app)",
    ),
    f"coordinator page:/me(/cases(/{ID})?)?{LANG}": (
        [PROBLEM],
        "the coordinator's own work list: the cases they handle, by their wording (not the contact)",
    ),
    f"citizen api:/trainings/{ID}/registrations/{ID}": (
        [*CITIZEN.values()],
        "the citizen reads their own registration by the secret of the link they were given",
    ),
    f"coordinator (api:/trainings/{ID}/registrations(/{ID})?|page:/center/trainings/{ID}{LANG})": (
        [*CITIZEN.values()],
        "the center runs the training and reads its participants (registrations_api: names decrypted for it)",
    ),
    f"coordinator api:/surveys/{ID}/answers(/{ID})?": ([FREE_TEXT], "the center reads the answers to its survey"),
    f"rep api:/surveys/{ID}/answers/{ID}": ([FREE_TEXT], "the group's representative reads the group's own answer"),
    f"auditor (api:/cases(/{ID})?|page:/me/cases(/{ID})?{LANG})": (
        [PROBLEM],
        "auditors read every case as the center does (cases_queries.case_access), its wording but not how to reach "
        "the citizen (api_cases.case_view: case_contact is the coordinator's)",
    ),
    f"auditor api:/surveys/{ID}/answers(/{ID})?": (
        [FREE_TEXT],
        "auditors read the answers as the center does (survey_answering.require_restricted_reader)",
    ),
    f"auditor page:/info-hub/audit(\\?aggregate={ID})?": (
        [PROBLEM, FREE_TEXT],
        "the audit history, redacted: a case's and an answer's events keep their free text for coordinators and "
        "auditors (cases_bus.CASE_HISTORY, surveys_bus.CENTER), never a person's data (sealed)",
    ),
    f"* (api:/committees/{ID}|page:/registry/committees/{ID}{MANAGE}{LANG})": (
        [MEMBER],
        "a committee's roster (委員名簿) is public by design (org/api_committees.py: the name is shown in the public "
        "roster; pages/org/common.py: anyone signed in reads the org pages, the manage pages' terms and member "
        "choices included); it is sealed in the events like any personal data, so erasure removes it",
    ),
}


# The GET operations the sweep cannot ask (a path id the scene does not make), reviewed: "<service> <path>" with why.
NO_PROJECT = "the scene makes no call, collaboration project, round or department (no canary is entered there)"
PUBLISHED = "info-hub's public copy of another service's record; the scene publishes none"
EXPORTED = "read by support.canaries.every_export for every dataset and question it names (swept as export)"
NONE_POSTED = "the scene posts no news or exchange topic; neither takes personal data"
REVIEWED_SKIPS: dict[str, str] = {
    **{
        f"evaluation /projects/{{project_id}}{tail}": NO_PROJECT
        for tail in (
            "",
            "/committee",
            "/committee/scores",
            "/report",
            "/reports",
            "/self-evaluations/{partner}",
            "/timeline",
        )
    },
    **{
        f"proposals /calls/{{call_id}}{tail}": NO_PROJECT
        for tail in (
            "",
            "/proposals/{group_id}",
            "/results",
            "/results/groups/{group_id}",
            "/review/proposals",
            "/review/proposals/{proposal_id}/attachments/{sha256}",
            "/review/scores/{proposal_id}",
        )
    },
    "registry /departments/{department_id}": NO_PROJECT,
    "registry /interests/departments/{department_id}": NO_PROJECT,
    "screening /departments/{department_id}/projects": NO_PROJECT,
    "screening /departments/{department_id}/projects/export.csv": NO_PROJECT,
    "screening /projects/{project_id}": NO_PROJECT,
    "screening /rounds/{round_id}": NO_PROJECT,
    "screening /rounds/{round_id}/projects": NO_PROJECT,
    "screening /rounds/{round_id}/projects/{project_id}": NO_PROJECT,
    "screening /rounds/{round_id}/projects/{project_id}/assessments": NO_PROJECT,
    "info-hub /calls/{call_id}": PUBLISHED,
    "info-hub /collaboration-projects/{project_id}": PUBLISHED,
    "info-hub /evaluation-reports/{project_id}": PUBLISHED,
    "info-hub /screening/register/{decision_id}": PUBLISHED,
    "info-hub /screening/rounds/{round_id}/progress": PUBLISHED,
    "info-hub /cases/statistics/{month}": "monthly counts of cases, no record (the month is no id of the scene)",
    "info-hub /open-data/datasets/{name}": EXPORTED,
    "info-hub /open-data/datasets/{name}.csv": EXPORTED,
    "info-hub /open-data/datasets/{name}.json": EXPORTED,
    "info-hub /survey-questions/{key}/history": EXPORTED,
    "info-hub /news/{news_id}": NONE_POSTED,
    "info-hub /news/{news_id}/attachments/{sha256}": NONE_POSTED,
    "info-hub /exchange/topics/{topic_id}": NONE_POSTED,
}


AT_REST = ("table", "file", "stream", "audit", "export", "log")


def allowed(reader: str, place: str) -> dict[str, set[str]]:
    """The allow-list's entries that let `reader` read at `place` ("page:<path>" or "api:<path>"), with their
    canaries."""
    found: dict[str, set[str]] = {}
    for key, (values, _) in ALLOWED.items():
        who, pattern = key.split(" ", 1)
        if who in ("*", reader) and re.fullmatch(pattern, place):
            found[key] = set(values)
    return found


async def test_personal_data_is_only_where_its_readers_are_entitled_and_unreadable_everywhere_once_erased(
    backend: Backend, nats_url: str, bus_namespace: str, issuer: DevIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logs = JsonLogs()
    try:
        async with platform(sweep_settings(backend, nats_url, bus_namespace, issuer), issuer) as p:
            site = Site(p, issuer, login_settings(), mount_services(p.apps))
            ids = await persons_entered(p)
            proposals = p.apps["proposals"].state.kernel.application.view
            await eventually(lambda: (proposals.group(ids["group"]) or ("", ""))[1] == "registered", timeout=30)
            before = await at_rest(p, backend, nats_url, bus_namespace)
            entitled = await entitled_answers(p, ids) | await entitled_pages(site)
            before["page"] = await others_pages(site, entitled)
            before["api"] = await api_answers(p, ids)

            destroyed = erase_everyone(p)
            assert len(destroyed) >= 5, "the representative, the contact, the member and both citizens"
            after = await at_rest(p, backend, nats_url, bus_namespace)
            assert key_copies(before["table"], destroyed), "the search sees the keys where they were"
            assert key_copies(after["table"] | after["file"], destroyed) == {}, "no copy of a destroyed key is left"
            after["entitled"] = await entitled_answers(p, ids) | await entitled_pages(site) | await api_answers(p, ids)
            await site.close()
        before["log"] = after["log"] = logged(logs, caplog)
    finally:
        logs.close()

    counts = {kind: len(blobs) for kind, blobs in before.items()}
    print("swept", counts, "entitled", len(entitled), "operations skipped", len(SKIPPED_OPERATIONS))
    assert sorted(SKIPPED_OPERATIONS - set(REVIEWED_SKIPS)) == [], "a GET operation skipped without a reviewed reason"
    assert sorted(set(REVIEWED_SKIPS) - SKIPPED_OPERATIONS) == [], "a reviewed skip that is no longer skipped"
    assert {f"auditor page:{path}" for path in AUDIT_PAGES} <= set(before["page"]), "the auditor read the audit pages"
    # Each search sees what was put through where it looks: the group's name (not personal, stored as written) in
    # the tables, the stream messages, the audit history, the exports and the pages; the services' logs hold lines.
    for kind in ("table", "stream", "audit", "export", "page"):
        assert leaks_in(before[kind], [GROUP]), f"the {kind} sweep sees the group's name"
    if backend.kind == "sqlite":
        assert leaks_in(before["file"], [GROUP]), "the files sweep reads the stores' files"
    assert any(b'"case_raised"' in line for line in before["log"].values()), "the log sweep reads the services' lines"
    # At rest, in logs, streams, audit exports and open data: no personal canary at all.
    unexpected = {
        f"{kind} {place}": found for kind in AT_REST for place, found in leaks_in(before[kind], PERSONAL).items()
    }
    # A case's problem and a survey's free text never leave info-hub (kyodo_contracts.info_hub_cases, _surveys).
    for kind in ("log", "export", "stream"):
        unexpected.update({f"{kind} {place}": found for place, found in leaks_in(before[kind], FREE).items()})
    # Pages and API answers: only what the allow-list names for their reader.
    seen: set[str] = set()
    used: set[str] = set()
    for place, blob in [*before["page"].items(), *before["api"].items(), *entitled.items()]:
        reader, where = place.split(" ", 1)
        found = set(leaked(blob, [*PERSONAL, *FREE]))
        seen.update(found)
        entries = allowed(reader, where)
        used.update(key for key, values in entries.items() if values & found)
        if extra := sorted(found - set().union(*entries.values())):
            unexpected[place] = extra
    # Once erased: no personal canary anywhere, allowed places included.
    for kind, blobs in after.items():
        unexpected.update({f"erased {kind} {place}": found for place, found in leaks_in(blobs, PERSONAL).items()})
    assert unexpected == {}, "\n".join(f"{place}: {found}" for place, found in sorted(unexpected.items()))
    assert seen == {*PERSONAL, *FREE}, "every canary is read where it is allowed, so no check above is vacuous"
    assert sorted(set(ALLOWED) - used) == [], "every entry of the allow-list is still needed"
