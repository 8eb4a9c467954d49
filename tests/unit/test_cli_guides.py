"""`kyodo` guides: help lists every command with its description and defaults, and every foreseeable mistake is
answered with a plain message and an exit code — never a traceback. Each case runs the real command in a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kyodo_shared.cli.operator import CLI_AUTH, service_settings
from kyodo_shared.service import discover

from support.cli import run_kyodo

COMMANDS = [
    ["up"], ["serve"], ["token"], ["dlq", "list"], ["dlq", "retry"], ["dlq", "skip"], ["audit", "verify"],
    ["audit", "export"], ["audit", "recompute"], ["audit", "recompute-evaluation"], ["audit", "rotate-key"],
    ["replay"], ["relay", "reset"], ["privacy", "erase"], ["receipt", "verify"], ["asyncapi"],
]  # fmt: skip
SERVICES = ("evaluation", "info-hub", "proposals", "registry", "screening")
REPO = Path(__file__).resolve().parents[2]


def kyodo(*args: str, data_dir: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KYODO_")}
    prefix = ["--data-dir", str(data_dir)] if data_dir is not None else []
    return run_kyodo(*prefix, *args, env=clean | {"COLUMNS": "200"} | env, timeout=60)


def refused(done: subprocess.CompletedProcess[str], code: int, *phrases: str) -> None:
    """The command stopped with `code`, said each phrase on stderr, and showed no traceback anywhere."""
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for phrase in phrases:
        assert phrase in done.stderr, done.stderr


def test_kyodo_help_lists_every_command_with_a_description_and_the_services() -> None:
    done = kyodo("--help")
    assert done.returncode == 0, done.stderr
    for name in {c[0] for c in COMMANDS}:
        assert f" {name} " in done.stdout, name
    assert "Run every service embedded" in done.stdout
    assert ", ".join(SERVICES) in done.stdout
    assert "KYODO_DATA_DIR" in done.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_each_command_s_help_describes_its_options(command: list[str]) -> None:
    done = kyodo(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage: kyodo " + " ".join(command) in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    if command[-1] not in ("reset", "rotate-key", "erase", "verify"):
        assert "default" in done.stdout, done.stdout


def test_a_service_argument_s_help_names_the_services() -> None:
    done = kyodo("audit", "verify", "--help")
    assert "one of: " + ", ".join(SERVICES) in done.stdout
    assert "audit-pins" in done.stdout  # where the pin file goes by default


def test_receipt_verify_s_help_says_where_each_file_comes_from() -> None:
    out = kyodo("receipt", "verify", "--help").stdout
    assert "RECEIPT" in out
    assert "rest" not in out.split()
    for phrase in ("submit", "/api/proposals/audit/keys", "request body", "`content`", "`receipt`"):
        assert phrase in out, phrase


def test_a_group_alone_shows_its_help() -> None:
    done = kyodo("audit")
    assert done.returncode == 2
    assert "verify" in done.stdout
    assert "recompute" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "nope"],
        ["audit", "verify", "nope"],
        ["replay", "registy"],
        ["dlq", "list", "--service", "nope"],
        ["privacy", "erase", "sub-1", "--service", "nope"],
        ["audit", "recompute", "c", "--service", "nope"],
    ],
    ids=" ".join,
)
def test_an_unknown_service_is_refused_with_the_known_ones(args: list[str], tmp_path: Path) -> None:
    refused(kyodo(*args, data_dir=tmp_path), 2, "unknown service", *SERVICES)


def test_token_refuses_an_unknown_role_and_lists_the_roles(tmp_path: Path) -> None:
    refused(kyodo("token", "--role", "admin", data_dir=tmp_path), 2, "'admin' is not one of", "auditor", "coordinator")
    minted = kyodo("token", "--role", "auditor", data_dir=tmp_path)
    assert minted.returncode == 0, minted.stderr
    assert minted.stdout.count(".") == 2  # a JWT


def test_audit_verify_without_a_token_names_the_variable_and_the_role(tmp_path: Path) -> None:
    done = kyodo("audit", "verify", "registry", "--url", "http://127.0.0.1:9/api/registry", data_dir=tmp_path)
    refused(done, 2, "KYODO_AUDIT_TOKEN", "auditor", "kyodo token --role auditor")


def test_audit_verify_against_nothing_listening_says_it_cannot_reach_the_url(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/api/registry"
    done = kyodo("audit", "verify", "registry", "--url", url, data_dir=tmp_path, KYODO_AUDIT_TOKEN="x")
    refused(done, 1, "cannot reach", url, "--url")


def test_an_unreachable_database_names_the_setting(tmp_path: Path) -> None:
    done = kyodo(
        "audit",
        "verify",
        "registry",
        data_dir=tmp_path,
        KYODO_STORE__BACKEND="postgres",
        KYODO_STORE__PG_DSN="postgresql://nobody@127.0.0.1:9/none?connect_timeout=2",
    )
    refused(done, 1, "PostgreSQL", "KYODO_STORE__PG_DSN")


@pytest.mark.parametrize(
    ("variable", "value", "args"),
    [
        ("KYODO_STORE__BACKEND", "mysql", ["dlq", "list"]),
        ("KYODO_LOG_LEVEL", "verbose", ["token", "--role", "public"]),
        ("KYODO_LOG_FORMAT", "xml", ["asyncapi"]),
    ],
)
def test_a_setting_with_a_wrong_value_is_named_with_its_choices_and_never_echoed(
    variable: str, value: str, args: list[str], tmp_path: Path
) -> None:
    done = kyodo(*args, data_dir=tmp_path, **{variable: value})
    refused(done, 2, variable, "README")
    assert value not in done.stderr


def empty_stores(data_dir: Path, *services: str) -> None:
    """What a first `kyodo up` leaves: each service's (empty) store in the data directory."""
    for service in services:
        settings = service_settings(service, data_dir).model_copy(update={"auth": CLI_AUTH})
        discover()[service].create_app(settings, None).state.kernel.close()


def test_a_data_directory_without_stores_is_refused_and_left_untouched(tmp_path: Path) -> None:
    typo = tmp_path / "typo"
    for args in (["dlq", "list"], ["audit", "verify", "registry"], ["replay", "info-hub"]):
        refused(kyodo(*args, data_dir=typo), 2, "has no store in", "--data-dir")
    assert not typo.exists()


def test_audit_export_says_what_it_wrote_and_verify_uses_the_data_directory_for_pins(tmp_path: Path) -> None:
    data = tmp_path / "data"
    empty_stores(data, "registry")
    work = tmp_path / "cwd"
    work.mkdir()
    export = tmp_path / "registry.jsonl"
    done = kyodo("audit", "export", "registry", "--output", str(export), data_dir=data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("exported registry: ")
    assert " records, " in done.stdout
    assert " checkpoints, " in done.stdout
    assert str(export) in done.stdout
    assert export.exists()
    assert not export.with_name("registry.jsonl.partial").exists()
    checked = subprocess.run(
        [sys.executable, "-m", "kyodo_shared.cli.main", "--data-dir", str(data), "audit", "verify", "registry"],
        cwd=work,
        env={k: v for k, v in os.environ.items() if not k.startswith("KYODO_")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["ok"] is True  # piped: today's JSON report
    assert (data / "audit-pins" / "registry.json").exists()
    assert list(work.iterdir()) == []  # nothing written to the current directory
    summary = kyodo("audit", "verify", "registry", "--export", str(export), "--summary", data_dir=data)
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.startswith("OK registry: the history verifies")


def test_audit_export_into_a_missing_directory_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    empty_stores(data, "registry")
    missing = tmp_path / "nonexistent" / "dir"
    done = kyodo("audit", "export", "registry", "--output", str(missing / "x.jsonl"), data_dir=data)
    refused(done, 2, f"the directory {missing} does not exist")
    assert not (tmp_path / "nonexistent").exists()


def test_audit_recompute_of_something_that_is_not_a_call_id_says_what_one_is_and_where_to_find_it(
    tmp_path: Path,
) -> None:
    done = kyodo("audit", "recompute", "nosuchcall", data_dir=tmp_path)
    refused(done, 1, "'nosuchcall'", "is not a call id (a UUID)", "GET /api/proposals/calls")
    assert "badly formed" not in done.stderr


def test_verify_export_of_a_file_that_is_not_an_export_says_so(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.jsonl"
    bogus.write_text("hello\n")
    refused(kyodo("audit", "verify", "registry", "--export", str(bogus), data_dir=tmp_path), 2, "kyodo audit export")
    refused(kyodo("audit", "verify", "registry", "--export", str(tmp_path / "none"), data_dir=tmp_path), 2, "none")


def test_dlq_list_prints_a_table_or_json_lines(tmp_path: Path) -> None:
    empty_stores(tmp_path, "info-hub")
    table = kyodo("dlq", "list", "--service", "info-hub", "--table", data_dir=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "no parked messages" in table.stdout
    lines = kyodo("dlq", "list", "--service", "info-hub", "--json", data_dir=tmp_path)
    assert (lines.returncode, lines.stdout) == (0, "")


def test_dlq_retry_of_nothing_parked_says_so(tmp_path: Path) -> None:
    empty_stores(tmp_path, "info-hub")
    done = kyodo("dlq", "retry", "info-hub", "registry", "--reason", "r", "--operator", "me", data_dir=tmp_path)
    refused(done, 1, "error:", "kyodo dlq list --service info-hub")


def test_dev_sh_says_it_is_installing_on_the_first_run_only(tmp_path: Path) -> None:
    shutil.copy(REPO / "dev.sh", tmp_path / "dev.sh")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    # A stand-in python: `-m venv DIR` makes a venv whose pip does nothing and whose kyodo echoes its arguments.
    fake = tmp_path / "python"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'if [[ "$1 $2" == "-m venv" ]]; then\n'
        '  mkdir -p "$3/bin"\n'
        "  printf '#!/usr/bin/env bash\\nexit 0\\n' > \"$3/bin/python\"\n"
        '  printf \'#!/usr/bin/env bash\\necho "kyodo $*"\\n\' > "$3/bin/kyodo"\n'
        '  chmod +x "$3/bin/python" "$3/bin/kyodo"\n'
        "fi\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {"PATH": os.environ["PATH"], "PYTHON": str(fake)}

    def up() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(tmp_path / "dev.sh"), "up"], env=env, capture_output=True, text=True, timeout=30, check=False
        )

    first = up()
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines() == ["setting up .venv — first run installs packages, about 30 s", ".venv ready"]
    assert first.stdout == "kyodo up --demo\n"
    second = up()
    assert (second.returncode, second.stderr, second.stdout) == (0, "", "kyodo up --demo\n")
