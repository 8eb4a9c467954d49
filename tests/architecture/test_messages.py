"""One table of messages: every refusal code a service raises reads the same everywhere and is written once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kyodo_info_hub.messages import MESSAGES as INFO_HUB
from kyodo_info_hub.messages import TERMS as INFO_HUB_TERMS
from kyodo_proposals.messages import MESSAGES as PROPOSALS
from kyodo_registry.messages import MESSAGES as REGISTRY
from kyodo_registry.messages import TERMS as REGISTRY_TERMS
from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.messages import KERNEL_MESSAGES, Message, MessageTable

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "registry": (ROOT / "services/registry/kyodo_registry", MessageTable(REGISTRY, terms=REGISTRY_TERMS)),
    "proposals": (ROOT / "services/proposals/kyodo_proposals", MessageTable(PROPOSALS)),
    "info-hub": (ROOT / "services/info-hub/kyodo_info_hub", MessageTable(*INFO_HUB, terms=INFO_HUB_TERMS)),
    "kernel": (ROOT / "shared/kyodo_shared", MessageTable()),
}


def raised_codes(package: Path) -> dict[str, str]:
    """Every literal code passed to `Refusal(...)` in a package, with where it is raised."""
    codes: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Refusal" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    codes.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return codes


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_code_a_service_raises_has_a_message(service: str) -> None:
    package, table = SERVICES[service]
    codes = raised_codes(package)
    assert codes, "the scan found no refusals at all"
    missing = {code: where for code, where in codes.items() if code not in table}
    assert missing == {}


def test_no_code_is_written_in_two_tables() -> None:
    tables = {"kernel": KERNEL_MESSAGES, "registry": REGISTRY, "proposals": PROPOSALS}
    seen: dict[str, str] = {}
    twice = []
    for name, table in tables.items():
        for code in table:
            if code in seen:
                twice.append(f"{code}: {seen[code]} and {name}")
            seen[code] = name
    assert twice == []


def test_a_table_refuses_a_code_written_twice() -> None:
    with pytest.raises(ValueError, match="invalid_state"):
        MessageTable({"invalid_state": Message(409, "別の文言", "Other words")})


def test_a_refusal_reads_in_japanese_with_english_beside_it_naming_the_state() -> None:
    problem = SERVICES["registry"][1].for_refusal(Refusal("invalid_state", state="dissolved"))
    assert (problem.status, problem.code) == (409, "invalid_state")
    assert problem.title_ja.endswith("（状態: dissolved）")
    assert problem.title_en.endswith("(state: dissolved)")


def test_a_not_found_refusal_names_the_kind_of_thing_in_both_languages() -> None:
    problem = SERVICES["registry"][1].for_refusal(Refusal("not_found", what="department"))
    assert (problem.status, problem.title_ja, problem.title_en) == (404, "部署が見つかりません", "Department not found")


def test_a_code_without_a_message_is_answered_as_an_internal_error_not_a_crash() -> None:
    problem = MessageTable().for_refusal(Refusal("no_such_code"))
    assert (problem.status, problem.code) == (500, "internal_error")
