"""What the group workspace's pages share: reading the viewer's own group, the form's fields as the API's JSON
(field names are the API's JSON paths, so its errors land beside them), the bylaws upload as the API receives it
(`BylawsUpload`: name, media type, base64), and the errors of list fields folded onto the control that holds them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kyodo_registry.documents import MAX_BYTES, MEDIA_TYPES
from kyodo_registry.domain import CRITERIA, Group
from kyodo_registry.queries import GroupRecord
from kyodo_registry.routing import application
from kyodo_shared.domain.actors import Principal
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.actions import signed_in, text, upload
from kyodo_shared.pages.forms import FieldError, FormErrors
from kyodo_shared.pages.i18n import gettext
from kyodo_shared.pages.paths import breadcrumbs, path_uuid
from kyodo_shared.pages.render import render
from kyodo_shared.web.auth import Role

# What a browser may call a bylaws file when it names no type the registry keeps (some send octet-stream).
_BY_SUFFIX = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
ACCEPT = ",".join([*_BY_SUFFIX, *sorted(MEDIA_TYPES)])
# Fields of activity typed one per line, or separated by commas (Japanese or ASCII).
_LIST_SEPARATORS = re.compile(r"[\n\r,、，]+")
PROFILE_FIELDS = ("name", "purpose", "fields_of_activity", "area", "founded", "members_count", "website")
PERSON_FIELDS = ("name", "email", "phone")
TIE_ROWS = 3


def group_id_of(text_id: str) -> UUID:
    """A malformed id names no group: for a reader, the same 404 as an unknown one."""
    return path_uuid(text_id, "group_not_found")


def group_member(request: Request) -> Principal:
    return signed_in(request, Role.GROUP)


def own_record(request: Request, principal: Principal, group_id: UUID) -> GroupRecord:
    """The viewer's own group, in full (the same query as the API's GET); anyone who does not act for it is refused
    as the commands refuse them — coordinators read groups on their own pages."""
    record = application(request).read_group(principal, group_id)
    if not record.group.acts_for(principal.sub):
        raise Refusal("not_acting_for_group")
    return record


def crumbs(request: Request, group: Group | None, here: str) -> list[tuple[str, str]]:
    trail = [("/registry/mine", gettext(request, "My groups"))]
    if group is not None:
        trail.append((f"/registry/groups/{group.id}", str(group.profile["name"])))
    return breadcrumbs(request, *trail, (request.url.path, here))


def form_page(
    request: Request,
    group: Group,
    template: str,
    heading: str,
    submit: str,
    values: dict[str, str],
    errors: FormErrors | None,
    status: int = 200,
    *,
    linked: bool = True,
    **more: Any,
) -> Response:
    """A form about one group, as every group page shows it: its heading and submit label, the values to show again,
    errors beside their fields, breadcrumbs through the group (`linked=False`: not through it, for someone who does not
    act for it yet). `more`: the template's own context."""
    context = {
        "group": group,
        "values": values,
        "errors": errors,
        "heading": heading,
        "submit": submit,
        "breadcrumbs": crumbs(request, group if linked else None, heading),
        "linked": linked,
        **more,
    }
    return render(request, template, context, status=status)


# --- the form as the API's JSON -------------------------------------------------------------------------------


def listed(form: FormData, name: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATORS.split(text(form, name)) if part.strip()]


def profile_json(form: FormData) -> dict[str, Any]:
    """The profile's fields (`ProfileFields`); an empty optional field is absent, as a JSON client leaves it."""
    body: dict[str, Any] = {
        "name": text(form, "name"),
        "purpose": text(form, "purpose"),
        "fields_of_activity": listed(form, "fields_of_activity"),
        "area": text(form, "area"),
    }
    for optional in ("founded", "members_count", "website"):
        if text(form, optional):
            body[optional] = text(form, optional)
    return body


def criteria_json(form: FormData) -> dict[str, Any]:
    return {str(c): {"evidence": text(form, f"criteria.{c}.evidence")} for c in CRITERIA}


def person_json(form: FormData, prefix: str = "") -> dict[str, str]:
    return {name: text(form, prefix + name) for name in PERSON_FIELDS}


def media_type_of(filename: str, declared: str | None) -> str:
    """The type the browser declared when the registry keeps it, else the one its name's suffix says; otherwise
    the declared one, which the API's validation refuses beside the field."""
    declared = (declared or "").split(";")[0].strip().lower()
    if declared in MEDIA_TYPES:
        return declared
    return _BY_SUFFIX.get(PurePosixPath(filename.lower()).suffix, declared or "application/octet-stream")


def bylaws_json(form: FormData, name: str = "bylaws") -> dict[str, str] | None:
    """The uploaded file as the API's `BylawsUpload`; None when no file was chosen (the API's "required").

    One byte more than the limit is read, never the whole of a larger file: the API's own check then refuses it
    in its words ("1 to N bytes")."""
    chosen = upload(form, name)
    if chosen is None:
        return None
    content = chosen.file.read(MAX_BYTES + 1)
    # Old browsers send the full local path; only the file's own name is kept.
    filename = PureWindowsPath(chosen.filename or "").name or "bylaws"
    return {
        "filename": filename,
        "media_type": media_type_of(filename, chosen.content_type),
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


def tie_rows(form: FormData) -> list[int]:
    """The tie rows of the application form that hold anything (blank rows are not ties)."""
    return [
        i
        for i in range(TIE_ROWS)
        if any(text(form, f"ties.{i}.{part}") for part in ("kind", "counterpart", "description"))
    ]


def ties_json(form: FormData) -> list[dict[str, str]]:
    return [
        {part: text(form, f"ties.{i}.{part}") for part in ("kind", "counterpart", "description")}
        for i in tie_rows(form)
    ]


# --- errors beside the control that holds the field -----------------------------------------------------------


def folded(errors: FormErrors, collapse: Iterable[str] = (), renumber: dict[str, str] | None = None) -> FormErrors:
    """`errors` with the API's field paths moved to the form's controls: a path under a `collapse` prefix goes to
    that prefix's one control (`bylaws.media_type` → `bylaws`: one file input holds the whole `BylawsUpload`;
    `fields_of_activity.2` → the box holding the list), and a `renumber` prefix is replaced (`ties.0` → `ties.2`)."""
    moves = dict(renumber or {})

    def control(field: str) -> str:
        for prefix in collapse:
            if field == prefix or field.startswith(prefix + "."):
                return prefix
        for prefix, instead in moves.items():
            if field == prefix or field.startswith(prefix + "."):
                return instead + field[len(prefix) :]
        return field

    items = tuple(FieldError(control(item.field), item.code, item.reason) for item in errors.items)
    by_id: dict[str, tuple[str, ...]] = {}
    for item in items:
        if item.id is not None:
            by_id[item.id] = (*by_id.get(item.id, ()), item.reason)
    return FormErrors(errors.title, errors.detail, items, by_id)


# The confirmations a form asks for as checkboxes: the API's "must be confirmed" (or a missing box) in a reader's words.
_CONFIRMATIONS = ("criteria_still_met", "bylaws_unchanged")


def plain_words(request: Request, errors: FormErrors) -> FormErrors:
    """`errors` with the validator's wording replaced where a reader could not act on it: the bylaws file's type or
    size (the API's `BylawsUpload` fields, however the form nests it) beside the file input, naming the types and the
    2 MB limit; an unticked confirmation beside its box. Each reason once per control."""

    def reworded(item: FieldError) -> FieldError:
        part = item.field.removeprefix("bylaws.")
        if item.field == "bylaws" or part in ("media_type", "content_base64", "filename"):
            if item.code == "missing":  # the file input's one "required", however many parts were missing
                return FieldError("bylaws", item.code, item.reason)
            if part == "media_type":
                return FieldError(
                    "bylaws", item.code, gettext(request, "Choose a PDF, plain text or Word (.docx) file.")
                )
            if part == "content_base64":
                return FieldError(
                    "bylaws", item.code, gettext(request, "Choose a file that is not empty and at most 2 MB.")
                )
            return FieldError("bylaws", item.code, item.reason)
        if item.field in _CONFIRMATIONS:
            return FieldError(item.field, item.code, gettext(request, "Tick the box to confirm."))
        return item

    items: list[FieldError] = []
    for item in map(reworded, errors.items):
        if all((item.field, item.reason) != (seen.field, seen.reason) for seen in items):
            items.append(item)
    by_id: dict[str, tuple[str, ...]] = {}
    for item in items:
        if item.id is not None:
            by_id[item.id] = (*by_id.get(item.id, ()), item.reason)
    return FormErrors(errors.title, errors.detail, tuple(items), by_id)


def application_errors(request: Request, errors: FormErrors, form: FormData) -> FormErrors:
    """An application's errors on its form: the bylaws on the file input, the fields of activity on their box, and
    each tie's errors on the row it was typed in (blank rows are not sent, so the API's `ties.0` may be row 2)."""
    rows = {f"ties.{sent}": f"ties.{row}" for sent, row in enumerate(tie_rows(form))}
    return folded(plain_words(request, errors), collapse=("bylaws", "fields_of_activity"), renumber=rows)


def values_of(form: FormData | None) -> dict[str, str]:
    """What the reader typed, to fill the form again (text fields only: a browser never refills a file input)."""
    if form is None:
        return {}
    return {name: value for name, value in form.multi_items() if isinstance(value, str) and name != "csrf_token"}


def profile_values(profile: dict[str, Any]) -> dict[str, str]:
    """The stored profile as the form's fields."""
    values = {name: "" if profile.get(name) is None else str(profile.get(name)) for name in PROFILE_FIELDS}
    values["fields_of_activity"] = "\n".join(str(f) for f in profile.get("fields_of_activity") or ())
    return values
