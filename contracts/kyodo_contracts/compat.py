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
        self._seen: set[tuple[str, str, str]] = set()

    def note(self, path: str, kind: str, detail: str, *, breaking: bool = True) -> None:
        self.changes.append(Change(self.ce_type, path, kind, detail, breaking))

    @staticmethod
    def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node, ""
        name = ref.rsplit("/", 1)[-1]
        return root.get("$defs", {}).get(name, {}), name

    def node(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        old, old_ref = self._resolve(self.old_root, old)
        new, new_ref = self._resolve(self.new_root, new)
        if old_ref or new_ref:
            key = (path, old_ref, new_ref)
            if key in self._seen:  # a recursive model: its fields were compared the first time round
                return
            self._seen.add(key)
        if "properties" in old or "properties" in new:
            self._object(old, new, path)
        for keyword in ("anyOf", "oneOf", "allOf"):
            if keyword in old or keyword in new:
                self._alternatives(keyword, old.get(keyword), new.get(keyword), path)
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
        if not isinstance(old, list) or not isinstance(new, list) or len(old) != len(new):
            self.note(path, "retyped", f"{keyword} changed: {_shape(old)} → {_shape(new)}")
            return
        for a, b in zip(old, new, strict=True):
            self.node(a, b, path)

    def _keywords(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        ignored = _ANNOTATIONS | _STRUCTURE | {"$ref"}
        for keyword in sorted((old.keys() | new.keys()) - ignored):
            if keyword.startswith("x-"):
                continue
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if keyword == "enum" and isinstance(before, list) and isinstance(after, list):
                added, removed = (
                    sorted(set(map(str, after)) - set(map(str, before))),
                    sorted(set(map(str, before)) - set(map(str, after))),
                )
                detail = "; ".join(
                    p for p in (f"added {added}" if added else "", f"removed {removed}" if removed else "") if p
                )
                self.note(path, "enum changed", detail or "order changed")
            elif keyword == "type":
                self.note(path, "retyped", f"type {before!r} → {after!r}")
            else:
                self.note(path, "constraint changed", f"{keyword}: {before!r} → {after!r}")


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
            continue
        until = old.get("x-kyodo-deprecated-until")
        if until and date.fromisoformat(until) < today:
            report.changes.append(Change(ce_type, "", "retired", f"deprecated until {until}", breaking=False))
        else:
            reason = f"it is published until {until}" if until else "it was never deprecated"
            report.changes.append(Change(ce_type, "", "withdrawn", f"a released version is gone, but {reason}", True))
    for ce_type in sorted(current.keys() - committed.keys()):
        report.changes.append(Change(ce_type, "", "new", "a new type or version (compatible)", breaking=False))
    report.changes.extend(_superseded_without_deadline(current))
    return report


def _superseded_without_deadline(current: Mapping[str, Mapping[str, Any]]) -> list[Change]:
    """A newer version is published beside an older one only for a stated deprecation period."""
    latest: dict[str, int] = {}
    for schema in current.values():
        event, version = schema["x-kyodo-event"], int(schema["x-kyodo-version"])
        latest[event] = max(latest.get(event, 0), version)
    return [
        Change(
            ce_type,
            "",
            "no deprecation date",
            f"v{latest[schema['x-kyodo-event']]} is published: set deprecated_until and superseded_by on this version",
            breaking=True,
        )
        for ce_type, schema in sorted(current.items())
        if int(schema["x-kyodo-version"]) < latest[schema["x-kyodo-event"]]
        and not (schema.get("x-kyodo-deprecated-until") and schema.get("x-kyodo-superseded-by"))
    ]


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
