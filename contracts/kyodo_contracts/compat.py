"""Compatibility of contract schemas: what a release may change within a version, and what needs a new one.

Compares the committed JSON Schemas of the last release with today's (`kyodo contracts check`, and CI). Within a
version a release may add optional fields and change descriptions; anything a reader of the previous release or a
reader of today's messages replaying old ones could trip on is breaking: a field removed, retyped, constrained
differently, made required or optional, an enum changed, a new required field, a version withdrawn before its
deprecation date. Breaking changes go into a new version published beside the old one (docs/CONTRACTS.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

# Keywords that document rather than constrain: changing them does not break a reader (a changed *meaning* does, and
# no tool can see that — the policy asks a reviewer to).
_ANNOTATIONS = frozenset({"title", "description", "examples", "$comment", "deprecated", "readOnly", "writeOnly"})
_STRUCTURE = frozenset({"properties", "required", "items", "anyOf", "oneOf", "allOf", "additionalProperties", "$defs"})
RELEASE_FILE = "release.json"


@dataclass(frozen=True)
class Change:
    """One difference between the committed schema of a type and today's."""

    ce_type: str
    path: str
    kind: str
    detail: str
    breaking: bool

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.ce_type}{where}: {self.kind} — {self.detail}"


@dataclass
class Report:
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def compatible(self) -> list[Change]:
        return [c for c in self.changes if not c.breaking]

    @property
    def ok(self) -> bool:
        return not self.breaking


class _Walk:
    """A pairwise walk of two schemas of the same type, following `$ref`s into each one's own `$defs`."""

    def __init__(self, ce_type: str, old_root: Mapping[str, Any], new_root: Mapping[str, Any]) -> None:
        self.ce_type, self.old_root, self.new_root = ce_type, old_root, new_root
        self.changes: list[Change] = []
        self._open: set[tuple[str, str]] = set()

    def note(self, path: str, kind: str, detail: str, *, breaking: bool = True) -> None:
        self.changes.append(Change(self.ce_type, path, kind, detail, breaking))

    def node(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        old, old_ref = _resolve(self.old_root, old)
        new, new_ref = _resolve(self.new_root, new)
        pair = (old_ref, new_ref)
        if old_ref and new_ref:
            # A recursive model refers to itself: while a pair of models is being compared, a reference back to it
            # is not followed again. Every other reference is compared in full, with the keywords beside it.
            if pair in self._open:
                return
            self._open.add(pair)
        try:
            self._compare(old, new, path)
        finally:
            self._open.discard(pair)

    def _compare(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        if "properties" in old or "properties" in new:
            self._object(old, new, path)
        for keyword in ("anyOf", "oneOf", "allOf"):
            if keyword in old or keyword in new:
                self._alternatives(keyword, old.get(keyword), new.get(keyword), path)
        if "prefixItems" in old or "prefixItems" in new:
            self._positions(old.get("prefixItems"), new.get("prefixItems"), path)
        for keyword in ("items", "additionalProperties"):
            if isinstance(old.get(keyword), Mapping) and isinstance(new.get(keyword), Mapping):
                self.node(old[keyword], new[keyword], f"{path}[]" if keyword == "items" else f"{path}{{}}")
            elif old.get(keyword) != new.get(keyword):
                self.note(path, "changed", f"{keyword}: {old.get(keyword)!r} → {new.get(keyword)!r}")
        self._keywords(old, new, path)

    def _object(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        for name, schema in old_props.items():
            where = f"{path}.{name}" if path else name
            if name not in new_props:
                self.note(where, "removed", "a field of the version is gone")
                continue
            if name in old_req and name not in new_req:
                self.note(where, "became optional", "readers relying on it would find it missing")
            elif name not in old_req and name in new_req:
                self.note(where, "became required", "messages published before do not carry it")
            self.node(schema, new_props[name], where)
        for name in sorted(new_props.keys() - old_props.keys()):
            where = f"{path}.{name}" if path else name
            if name in new_req:
                self.note(where, "added as required", "only optional fields may be added within a version")
            else:
                self.note(where, "added", "an optional field (compatible)", breaking=False)

    def _alternatives(self, keyword: str, old: Any, new: Any, path: str) -> None:
        """Alternatives pair by what they are (a string, an object, …), not by position: `int | str` and
        `str | int` are the same field."""
        if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new):
            self.note(path, "retyped", f"{keyword} changed: {_shape(old)} → {_shape(new)}")
            return
        old_kinds = [_kind(*_resolve(self.old_root, a)) for a in old]
        new_kinds = [_kind(*_resolve(self.new_root, b)) for b in new]
        if sorted(k for k, _ in old_kinds) != sorted(k for k, _ in new_kinds):
            self.note(path, "retyped", f"{keyword} changed: {_shape(old)} → {_shape(new)}")
            return
        unused = list(range(len(new)))
        # Same kind and same model name first (`Cat | Dog` → `Dog | Cat`), then in order (a model renamed).
        for a, (kind, name) in zip(old, old_kinds, strict=True):
            same = [i for i in unused if new_kinds[i][0] == kind]
            match = next((i for i in same if name and new_kinds[i][1] == name), same[0])
            unused.remove(match)
            self.node(a, new[match], path)

    def _positions(self, old: Any, new: Any, path: str) -> None:
        if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new):
            self.note(path, "retyped", "the tuple's items changed")
            return
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            self.node(a, b, f"{path}[{index}]")

    def _keywords(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        ignored = _ANNOTATIONS | _STRUCTURE | {"$ref", "prefixItems"}
        for keyword in sorted((old.keys() | new.keys()) - ignored):
            if keyword.startswith("x-"):
                continue
            before, after = old.get(keyword), new.get(keyword)
            if keyword == "discriminator":
                # Its mapping names models (`$ref`s), which may be renamed; what a reader sees is the property.
                before, after = _property_name(before), _property_name(after)
            if before == after:
                continue
            if keyword == "enum" and isinstance(before, list) and isinstance(after, list):
                # Values compare as JSON (1 and "1" differ) and as a set (their order means nothing).
                old_values, new_values = {_json(v) for v in before}, {_json(v) for v in after}
                if old_values == new_values:
                    continue
                parts = [
                    f"{label} {sorted(values)}"
                    for label, values in (("added", new_values - old_values), ("removed", old_values - new_values))
                    if values
                ]
                self.note(path, "enum changed", "; ".join(parts))
            elif keyword == "type":
                self.note(path, "retyped", f"type {before!r} → {after!r}")
            else:
                self.note(path, "constraint changed", f"{keyword}: {before!r} → {after!r}")


def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    """The schema a `$ref` names, with the keywords written beside the `$ref` (a field's default, its
    description) kept: they belong to the field."""
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node, ""
    name = ref.rsplit("/", 1)[-1]
    beside = {k: v for k, v in node.items() if k != "$ref"}
    return {**root.get("$defs", {}).get(name, {}), **beside}, name


def _kind(node: Mapping[str, Any], name: str = "") -> tuple[str, str]:
    """What an alternative is, for pairing — its JSON type, the value it is fixed to, or an object with the tags
    (Literal fields) that tell it apart — and its model's name."""
    if "const" in node:
        return f"const {_json(node['const'])}", name
    if "properties" in node:
        tags = {k: v["const"] for k, v in node["properties"].items() if isinstance(v, Mapping) and "const" in v}
        return f"object {_json(tags)}", name
    if "type" in node:
        return str(node["type"]), name
    if "enum" in node:
        return "enum", name
    return _json({k: v for k, v in node.items() if k not in _ANNOTATIONS}), name


def _property_name(discriminator: Any) -> Any:
    return discriminator.get("propertyName") if isinstance(discriminator, Mapping) else discriminator


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _shape(alternatives: Any) -> str:
    if not isinstance(alternatives, list):
        return "none"
    return " | ".join(str(a.get("type") or a.get("$ref", "?").rsplit("/", 1)[-1]) for a in alternatives)


def compare(ce_type: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The changes from the committed schema of a type to today's."""
    walk = _Walk(ce_type, old, new)
    walk.node(old, new, "")
    return walk.changes


def check(committed: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]], today: date) -> Report:
    """Today's schemas against the last release's: breaking changes, and what a release would add."""
    report = Report()
    for ce_type, old in sorted(committed.items()):
        new = current.get(ce_type)
        if new is not None:
            report.changes.extend(compare(ce_type, old, new))
            moved = None not in (old.get("x-kyodo-subject"), new.get("x-kyodo-subject"))
            if moved and old.get("x-kyodo-subject") != new.get("x-kyodo-subject"):
                detail = f"{old.get('x-kyodo-subject')} → {new.get('x-kyodo-subject')}"
                report.changes.append(Change(ce_type, "", "moved", f"published on another subject: {detail}", True))
            continue
        until = old.get("x-kyodo-deprecated-until")
        if until and date.fromisoformat(until) < today:
            report.changes.append(Change(ce_type, "", "retired", f"deprecated until {until}", breaking=False))
        else:
            reason = f"it is published until {until}" if until else "it was never deprecated"
            report.changes.append(Change(ce_type, "", "withdrawn", f"a released version is gone, but {reason}", True))
    for ce_type in sorted(current.keys() - committed.keys()):
        report.changes.append(Change(ce_type, "", "new", "a new type or version (compatible)", breaking=False))
    report.changes.extend(
        Change(
            ce_type, "", "wire differs", "its JSON is not what its schema says (an excluded field, a serializer)", True
        )
        for ce_type, schema in sorted(current.items())
        if schema.get("x-kyodo-wire-as-schema") is False
    )
    report.changes.extend(_deprecations(committed, current, today))
    return report


def _deprecations(
    committed: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]], today: date
) -> list[Change]:
    """A newer version is published beside an older one for a stated deprecation period (docs/CONTRACTS.md): the
    older one names its successor and the last day, which is a 31 March, and — when the newer version is new in
    this release — at least a year away."""
    latest: dict[str, int] = {}
    for schema in current.values():
        event, version = schema["x-kyodo-event"], int(schema["x-kyodo-version"])
        latest[event] = max(latest.get(event, 0), version)
    found = []
    for ce_type, schema in sorted(current.items()):
        newest = latest[schema["x-kyodo-event"]]
        if int(schema["x-kyodo-version"]) == newest:
            continue
        until, successor = schema.get("x-kyodo-deprecated-until"), schema.get("x-kyodo-superseded-by")
        if not (until and successor):
            detail = f"v{newest} is published: set deprecated_until and superseded_by on this version"
            found.append(Change(ce_type, "", "no deprecation date", detail, True))
            continue
        last_day = date.fromisoformat(until)
        if (last_day.month, last_day.day) != (3, 31):
            found.append(Change(ce_type, "", "deprecation date", f"{until} is not the end of a fiscal year", True))
        if successor not in committed and last_day < _a_year_after(today):
            detail = f"{until} is less than a year after {successor} is first published"
            found.append(Change(ce_type, "", "deprecation date", detail, True))
    return found


def _a_year_after(day: date) -> date:
    return day.replace(year=day.year + 1) if (day.month, day.day) != (2, 29) else date(day.year + 1, 3, 1)


def load_release(directory: Path) -> tuple[str, dict[str, dict[str, Any]]]:
    """The platform version and the schemas a release committed under `directory` (docs/contracts/)."""
    release = json.loads((directory / RELEASE_FILE).read_text(encoding="utf-8"))
    schemas = {}
    for ce_type in release["types"]:
        schemas[ce_type] = json.loads((directory / f"{ce_type}.json").read_text(encoding="utf-8"))
    return str(release["version"]), schemas


def write_release(directory: Path, version: str, schemas: Mapping[str, Mapping[str, Any]]) -> list[Path]:
    """Commit today's schemas as the release's: one file per type, and the release's index. Files of types no
    longer published are removed (check() refuses that before their deprecation date).
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for ce_type, schema in sorted(schemas.items()):
        path = directory / f"{ce_type}.json"
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    for stale in directory.glob("jp.kyodo.*.json"):
        if stale.stem not in schemas:
            stale.unlink()
    index = {"version": version, "types": sorted(schemas)}
    (directory / RELEASE_FILE).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return written
