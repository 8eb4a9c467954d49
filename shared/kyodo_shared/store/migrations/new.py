"""A developer's command: write the next revision file of a lineage (operators never need it).

    .venv/bin/python -m kyodo_shared.store.migrations.new shared/kyodo_shared/store/migrations/kernel -m "what"
    .venv/bin/python -m kyodo_shared.store.migrations.new services/registry/kyodo_registry/migrations -m "what"

The revision id continues the lineage's numbering (`registry_0001` → `registry_0002`); the file is written from
script.py.mako beside this module. Then write its `upgrade()` with `op.*` and SQLAlchemy Core (no live table
definitions) and move the lineage's declared `head` to the new id (a test checks they agree).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from kyodo_shared.store.migrations import HERE


def next_revision(location: Path, message: str) -> Path:
    script = ScriptDirectory(str(HERE), version_locations=[str(location)], file_template="%(rev)s_%(slug)s")
    (head,) = script.get_heads()
    prefix, number = head.rsplit("_", 1)
    created = script.generate_revision(
        f"{prefix}_{int(number) + 1:04d}", message, head=head, version_path=str(location)
    )
    assert created is not None
    return Path(created.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("location", type=Path, help="the lineage's directory of revision files")
    parser.add_argument("-m", "--message", required=True, help="what the revision changes")
    args = parser.parse_args(argv)
    path = next_revision(args.location.resolve(), args.message)
    sys.stdout.write(f"wrote {path}\nnow write its upgrade() and move the lineage's head to its revision id\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
