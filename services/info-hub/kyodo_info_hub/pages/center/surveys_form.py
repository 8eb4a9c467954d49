"""The survey builder's form (調査票の作成): the posted fields as the API's `QuestionnaireIn` body, a stored
questionnaire as the form shows it, and the API's errors placed beside the controls that hold them.

Controls are named as the API names the fields (`title_ja`, `sections.0.key`, `questions.1.text_ja`, `targets.fields`),
so a refusal's or a validation error's field is a control's name. A few fields are typed as text and split here:
a question's options (one a line, `key: 日本語 / English`), a number's band edges and the reminder days (separated
by commas or spaces), the target fields and areas (likewise). Their errors (`questions.1.options.2.key`) are shown
beside the text they came from (`questions.1.options`).

Rows left wholly blank are dropped and the rest numbered again before the API's model reads them: the form shown
again after a refusal is numbered as the errors are.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData

from kyodo_shared.domain.calendar import TOKYO
from kyodo_shared.pages.forms import FieldError, FormErrors

SECTION_FIELDS = ("key", "title_ja", "title_en")
QUESTION_FIELDS = (
    "key",
    "section",
    "kind",
    "text_ja",
    "text_en",
    "options",
    "unit_ja",
    "unit_en",
    "min",
    "max",
    "bands",
)
TOP_FIELDS = ("title_ja", "title_en", "fiscal_year", "opens_at", "closes_at", "reminder_days", "targets.fields")
KINDS = ("single", "multiple", "number", "date", "text")
# A field the API names → the control that shows it (a split text's parts; a list's items).
_FOLD = (
    (re.compile(r"^(questions\.\d+\.(?:options|bands))\..*$"), r"\1"),
    (re.compile(r"^(reminder_days|targets\.fields|targets\.areas)\..*$"), r"\1"),
    (re.compile(r"^crosstabs(\..*)?$"), ""),
)
_SPLIT = re.compile(r"[\s,、，]+")
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$")
_MOST = 200


def _value(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _rows(form: FormData, prefix: str, names: tuple[str, ...], flags: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Indexed rows (`prefix.0.name` …) in index order, wholly blank ones dropped (a flag alone fills no row)."""
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d{{1,3}})\.")
    indexes = sorted({int(m.group(1)) for key in form for m in [pattern.match(key)] if m})
    found = []
    for index in indexes[:_MOST]:
        row = {name: _value(form, f"{prefix}.{index}.{name}") for name in names + flags}
        if any(row[name] for name in names):
            found.append(row)
    return found


def typed_of(form: FormData) -> dict[str, str]:
    """The posted builder as flat values, its rows numbered again from 0 (what the form shows if refused)."""
    typed = {name: _value(form, name) for name in (*TOP_FIELDS, "targets.areas")}
    for index, row in enumerate(_rows(form, "sections", SECTION_FIELDS)):
        typed.update({f"sections.{index}.{k}": v for k, v in row.items()})
    for index, row in enumerate(_rows(form, "questions", QUESTION_FIELDS, ("required",))):
        typed.update({f"questions.{index}.{k}": v for k, v in row.items()})
    return typed


def count(typed: dict[str, str], prefix: str) -> int:
    """How many rows of `prefix` the values hold."""
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)\.")
    return len({m.group(1) for key in typed for m in [pattern.match(key)] if m})


def _split(value: str) -> list[str]:
    return [part for part in _SPLIT.split(value) if part]


def _jst(value: str) -> str | None:
    """A `datetime-local` value read as Asia/Tokyo (the page says so); other text goes to the model as typed."""
    if not value:
        return None
    return value.replace(" ", "T") + "+09:00" if _LOCAL_TIME.match(value) else value


def _options(text: str) -> list[dict[str, str]]:
    """`key: 日本語 / English` a line (the English optional); a line without its key gives a blank key."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        line = line.replace("：", ":")
        key, _, labels = line.partition(":") if ":" in line else ("", "", line)
        label_ja, _, label_en = labels.partition(" / ")
        option = {"key": key.strip(), "label_ja": label_ja.strip()}
        if label_en.strip():
            option["label_en"] = label_en.strip()
        found.append(option)
    return found


def _given(row: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: row[name] for name in names if row.get(name)}


def body_of(typed: dict[str, str], crosstabs: list[list[str]]) -> dict[str, Any]:
    """The API's `QuestionnaireIn` body from the builder's values (blank optional fields left out, blank required
    ones kept so the model names them)."""
    body: dict[str, Any] = {
        "title_ja": typed.get("title_ja", ""),
        "fiscal_year": typed.get("fiscal_year", ""),
        "opens_at": _jst(typed.get("opens_at", "")),
        "closes_at": _jst(typed.get("closes_at", "")),
        "reminder_days": _split(typed.get("reminder_days", "")),
        "targets": {"fields": _split(typed.get("targets.fields", "")), "areas": _split(typed.get("targets.areas", ""))},
        "crosstabs": crosstabs,
        "sections": [],
        "questions": [],
        **_given(typed, ("title_en",)),
    }
    for index in range(count(typed, "sections")):
        row = {k: typed.get(f"sections.{index}.{k}", "") for k in SECTION_FIELDS}
        body["sections"].append({"key": row["key"], "title_ja": row["title_ja"], **_given(row, ("title_en",))})
    for index in range(count(typed, "questions")):
        row = {k: typed.get(f"questions.{index}.{k}", "") for k in (*QUESTION_FIELDS, "required")}
        question: dict[str, Any] = {k: row[k] for k in ("key", "section", "kind", "text_ja")}
        question.update(_given(row, ("text_en", "unit_ja", "unit_en", "min", "max")))
        question.update(required=bool(row["required"]), options=_options(row["options"]), bands=_split(row["bands"]))
        body["questions"].append(question)
    return body


def _local(stored: str) -> str:
    return datetime.fromisoformat(stored).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def typed_from(q: dict[str, Any]) -> dict[str, str]:
    """A stored questionnaire as the builder's values."""
    typed = {
        "title_ja": q["title_ja"],
        "title_en": q.get("title_en") or "",
        "fiscal_year": str(q["fiscal_year"]),
        "opens_at": _local(q["opens_at"]),
        "closes_at": _local(q["closes_at"]),
        "reminder_days": ", ".join(str(d) for d in q["reminder_days"]),
        "targets.fields": ", ".join(q["targets"].get("fields") or []),
        "targets.areas": ", ".join(q["targets"].get("areas") or []),
    }
    for index, s in enumerate(q["sections"]):
        typed.update({f"sections.{index}.{k}": s.get(k) or "" for k in SECTION_FIELDS})
    for index, x in enumerate(q["questions"]):
        row = {k: "" if x.get(k) is None else str(x.get(k)) for k in ("key", "section", "kind", "text_ja", "text_en")}
        row.update({k: x.get(k) or "" for k in ("unit_ja", "unit_en", "min", "max")})
        lines = [
            f"{o['key']}: {o['label_ja']}" + (f" / {o['label_en']}" if o.get("label_en") else "") for o in x["options"]
        ]
        row.update(
            options="\n".join(lines), bands=", ".join(x.get("bands") or []), required="on" if x["required"] else ""
        )
        typed.update({f"questions.{index}.{k}": v for k, v in row.items()})
    return typed


def _fold(name: str) -> str:
    for pattern, replacement in _FOLD:
        if pattern.match(name):
            return pattern.sub(replacement, name)
    return name


def folded(errors: FormErrors) -> FormErrors:
    """The errors with each field named as the control that shows it (see the module's description)."""
    items = tuple(FieldError(_fold(e.field), e.code, e.reason) for e in errors.items)
    by_id: dict[str, tuple[str, ...]] = {}
    for item in items:
        if item.id is not None:
            by_id[item.id] = (*by_id.get(item.id, ()), item.reason)
    return FormErrors(title=errors.title, detail=errors.detail, items=items, _by_id=by_id)
