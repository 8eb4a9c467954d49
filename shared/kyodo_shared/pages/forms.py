"""Forms on pages: a problem+json body's errors beside the fields they name, in the page's language.

A page's form handler gets the same problem the API answers (a `Problem`, its JSON body, a `Refusal`, or a pydantic
`ValidationError` from the same model the API uses) and renders the form again with `form_errors(request, that)`:

    errors = form_errors(request, problem)
    return render(request, "portal/signup.html", {"errors": errors, "values": submitted}, status=422)

and in the template (`kit/forms.html`):

    {% import "kit/forms.html" as forms with context %}
    {{ forms.error_summary(errors, labels={"name": _("Group name")}) }}
    <form method="post" novalidate>{{ forms.csrf_field() }}
      {{ forms.field("name", _("Group name"), values.name, errors, required=true, hint=_("As registered")) }}
    </form>

Every control gets an id from its field name (`field_id`: `content.title` → `field-content-title`,
`items[2].name` and `items.2.name` → `field-items-2-name`), so the summary's links (`href="#field-…"`) reach it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from jinja2 import Environment
from pydantic import ValidationError

from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.pages.i18n import negotiate
from kyodo_shared.web.problems import Problem, field_errors

# Errors that name no field of the form: shown in the summary only.
_FORM_WIDE = frozenset({"", "body", "*"})
_SEPARATORS = re.compile(r"[.\[\]]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def field_id(name: str) -> str:
    """A control's id from its field name, safe in HTML and in a URL fragment: `field-` then the path's parts
    joined by `-` (dots and brackets alike), anything else replaced by `-`."""
    parts = [_UNSAFE.sub("-", part) for part in _SEPARATORS.split(name) if part]
    return "field-" + ("-".join(parts) or "form")


@dataclass(frozen=True)
class FieldError:
    field: str  # as the API names it ("content.title", "items.2.name"); "" for the whole form
    code: str
    reason: str  # in the page's language

    @property
    def id(self) -> str | None:
        """The control the summary links to, or None for an error about the whole form."""
        return None if self.field in _FORM_WIDE else field_id(self.field)


@dataclass(frozen=True)
class FormErrors:
    """A form's errors in one language: the problem's title and detail, and each field's reasons."""

    title: str = ""
    detail: str = ""
    items: tuple[FieldError, ...] = ()
    _by_id: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return bool(self.items or self.title)

    def reasons(self, name: str) -> tuple[str, ...]:
        """The reasons for the field `name` (either notation: `items[2].name` finds `items.2.name`)."""
        return self._by_id.get(field_id(name), ())

    def general(self) -> tuple[FieldError, ...]:
        return tuple(item for item in self.items if item.id is None)

    def within(self, prefix: str) -> FormErrors:
        """These errors for one of a page's several forms, whose controls are named `<prefix>.<field>` (six
        assessment forms on one page cannot all be called `reason`); errors about the whole form stay as they are."""
        items = tuple(FieldError(f"{prefix}.{e.field}" if e.id else e.field, e.code, e.reason) for e in self.items)
        return FormErrors(title=self.title, detail=self.detail, items=items, _by_id=_index(items))


def errors_in(problem: Problem | Mapping[str, Any] | None, lang: str) -> FormErrors:
    """The errors of a problem (the exception or its problem+json body) in `lang` ("ja" or "en")."""
    if problem is None:
        return FormErrors()
    if isinstance(problem, Problem):
        body: Mapping[str, Any] = problem.body("")
    else:
        body = problem
    suffix = "en" if lang == "en" else "ja"
    items = []
    for error in body.get("errors") or ():
        reason = error.get(f"reason_{suffix}") or error.get("reason_ja") or error.get("reason_en") or ""
        items.append(FieldError(str(error.get("field") or ""), str(error.get("code") or ""), str(reason)))
    return FormErrors(
        title=str(body.get(f"title_{suffix}") or ""),
        detail=str(body.get(f"detail_{suffix}") or ""),
        items=tuple(items),
        _by_id=_index(items),
    )


def _index(items: Sequence[FieldError]) -> dict[str, tuple[str, ...]]:
    by_id: dict[str, tuple[str, ...]] = {}
    for item in items:
        if item.id is not None:
            by_id[item.id] = (*by_id.get(item.id, ()), item.reason)
    return by_id


def form_errors(
    request: Request, problem: Problem | Mapping[str, Any] | Refusal | ValidationError | None
) -> FormErrors:
    """`problem`'s errors in the request's language. A `Refusal` is worded by the service's message table (the
    API's very wording); a pydantic `ValidationError` as the API's `validation_failed` problem."""
    if isinstance(problem, Refusal | ValidationError):
        problem = _as_problem(request, problem)
    return errors_in(problem, negotiate(request))


def _as_problem(request: Request, error: Refusal | ValidationError) -> Problem:
    messages = getattr(request.app.state, "messages", None)
    if isinstance(error, Refusal):
        if messages is None:
            raise RuntimeError("the pages app has no message table (app.state.messages) to word a refusal")
        problem: Problem = messages.for_refusal(error)
        return problem
    found = field_errors([dict(e) for e in error.errors()])
    if messages is not None:
        problem = messages.problem("validation_failed")
        problem.errors = found
        return problem
    return Problem(422, "validation_failed", "入力内容に誤りがあります", "The input is not valid", errors=found)


def _reasons(errors: FormErrors | Sequence[str] | None, name: str) -> Sequence[str]:
    """For the macros: a field's reasons from a `FormErrors`, or a plain list of reasons as given."""
    if errors is None:
        return ()
    if isinstance(errors, FormErrors):
        return errors.reasons(name)
    return [str(reason) for reason in errors]


def register(env: Environment) -> None:
    env.globals["field_id"] = field_id
    env.globals["field_reasons"] = _reasons
