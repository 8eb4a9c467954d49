"""Writes tests/fixtures/contracts-early-v1: the schemas of the registry's first v1 contracts (commit 1d0f81b), before
`GroupProfile` gained `founded`, `members_count` and `website` and `GroupRegistered` gained `renewal_due`.

A subscriber may have been built on them; the policy keeps those additions as optional fields of v1, and
tests/contracts/test_compatibility.py checks that a reader built from these schemas still reads today's messages.
Run from the repository root (needs the git history): python tests/compat/make_early_contracts.py
"""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

from kyodo_contracts.compat import write_release
from kyodo_contracts.schemas import schema_of

COMMIT = "1d0f81b"
OUT = Path("tests/fixtures/contracts-early-v1")


def main() -> None:
    source = subprocess.run(
        ["git", "show", f"{COMMIT}:shared/kyodo_shared/contracts/registry.py"], check=True, capture_output=True
    ).stdout.decode()
    # The same models on today's base (the base decides only reading tolerance and metadata, not the fields).
    module = types.ModuleType("early_registry_contracts")
    sys.modules[module.__name__] = module
    code = compile(source.replace("kyodo_shared.contracts.base", "kyodo_contracts.base"), COMMIT, "exec")
    exec(code, module.__dict__)  # noqa: S102 - the module's own source, from this repository's history
    schemas = {c.ce_type(): schema_of(c) for c in module.PUBLISHED}
    write_release(OUT, f"early v1 ({COMMIT})", schemas)


if __name__ == "__main__":
    main()
