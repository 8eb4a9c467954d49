"""The image is reproducible and its Python dependencies are checked: a base image by digest, hashed lock files.

Reads the Dockerfile and the lock files (no Docker here). The lock must hold every runtime dependency of
pyproject.toml and contracts/pyproject.toml, with their extras' dependencies, at a version the specifier admits,
and every entry must carry a sha256 hash, since the Dockerfile installs it with --require-hashes.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from functools import cache
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements.lock"
BUILD_LOCK = ROOT / "requirements-build.lock"
OWN = {"kyodo", "kyodo-contracts"}  # installed from the source tree with --no-deps, never from an index
# The image: CPython 3.11 on Debian (linux, x86_64 or arm64) — where the lock's markers are evaluated.
IMAGE_ENVIRONMENT = {"python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux"}
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
HASH = re.compile(r"--hash=sha256:([0-9a-f]+)\b")


@cache
def lock_entries(path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """name → (version, sha256 hashes), from a `pip-compile`/`uv pip compile --generate-hashes` file."""
    entries: dict[str, tuple[str, tuple[str, ...]]] = {}
    current: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if (match := ENTRY.match(line)) is not None:
            current = canonicalize_name(match[1])
            assert current not in entries, f"{current} twice in {path.name}"
            entries[current] = (match[2], ())
        elif current is not None and (hashes := HASH.findall(line)):
            version, known = entries[current]
            entries[current] = (version, known + tuple(hashes))
        elif line.strip() and not line.lstrip().startswith("#"):
            raise AssertionError(f"unexpected line in {path.name}: {line!r}")
    return entries


def runtime_requirements() -> list[Requirement]:
    found = []
    for pyproject in (ROOT / "pyproject.toml", ROOT / "contracts" / "pyproject.toml"):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        found += [Requirement(text) for text in project["dependencies"]]
    return [r for r in found if canonicalize_name(r.name) not in OWN]


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    lines = [line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")]
    return [" ".join(part.split()) for part in re.split(r"(?<!\\)\n", "\n".join(lines).replace("\\\n", " ")) if part]


def test_every_stage_starts_from_the_base_image_pinned_by_a_sha256_digest() -> None:
    instructions = dockerfile_instructions()
    args = dict(
        instruction.removeprefix("ARG ").split("=", 1)
        for instruction in instructions
        if instruction.startswith("ARG ") and "=" in instruction
    )
    stages = [i.split()[1] for i in instructions if i.startswith("FROM ")]
    assert stages
    for image in stages:
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], image)
        assert re.fullmatch(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", resolved), resolved


def test_the_dependencies_are_installed_only_from_the_hashed_locks_and_the_projects_without_dependencies() -> None:
    pip_installs = [
        shlex.split(command.strip())
        for instruction in dockerfile_instructions()
        if instruction.startswith("RUN ")
        for command in instruction.removeprefix("RUN ").split("&&")
        if command.split()[:2] == ["pip", "install"]
    ]
    from_locks = [c for c in pip_installs if "-r" in c]
    assert [c[c.index("-r") + 1] for c in from_locks] == [BUILD_LOCK.name, LOCK.name]
    for command in from_locks:
        assert "--require-hashes" in command
        assert "--no-deps" in command
    (projects,) = [c for c in pip_installs if "-r" not in c]
    assert "--no-deps" in projects, "the projects' dependencies come from the lock only"
    assert projects[-2:] == ["./contracts", "."]
    # Without build isolation the (hashed) build backends of the lock are used: isolation would fetch them unhashed.
    assert "--no-build-isolation" in projects


def test_the_build_backends_leave_the_virtualenv_except_those_the_runtime_needs() -> None:
    (uninstall,) = [
        shlex.split(command.strip())
        for instruction in dockerfile_instructions()
        if instruction.startswith("RUN ")
        for command in instruction.removeprefix("RUN ").split("&&")
        if command.split()[:2] == ["pip", "uninstall"]
    ]
    removed = {canonicalize_name(name) for name in uninstall[2:] if not name.startswith("-")}
    build_only = set(lock_entries(BUILD_LOCK)) - set(lock_entries(LOCK)) - {"setuptools"}
    assert removed == build_only


@pytest.mark.parametrize("lock", [LOCK, BUILD_LOCK], ids=lambda p: p.name)
def test_every_lock_entry_is_pinned_with_at_least_one_sha256_hash(lock: Path) -> None:
    entries = lock_entries(lock)
    assert entries
    for name, (version, hashes) in entries.items():
        assert hashes, f"{name}=={version} has no hash: pip --require-hashes would refuse the whole install"
        assert all(len(h) == 64 for h in hashes)
    assert not set(entries) & OWN, "Kyodo's own projects are installed from the source tree"


@pytest.mark.parametrize("requirement", runtime_requirements(), ids=str)
def test_each_runtime_dependency_is_locked_at_a_version_its_specifier_admits(requirement: Requirement) -> None:
    entries = lock_entries(LOCK)
    name = canonicalize_name(requirement.name)
    assert name in entries, f"{requirement} is missing from {LOCK.name}: refresh it (deploy/README.md)"
    version, _ = entries[name]
    assert requirement.specifier.contains(version, prereleases=True), f"{requirement} but the lock has {version}"


@pytest.mark.parametrize("requirement", [r for r in runtime_requirements() if r.extras], ids=str)
def test_each_extra_of_a_runtime_dependency_is_locked_too(requirement: Requirement) -> None:
    # The installed distribution is the one pyproject pins (==), so its metadata names what each extra brings.
    entries = lock_entries(LOCK)
    for text in requires(requirement.name) or []:
        needed = Requirement(text)
        for extra in requirement.extras:
            if needed.marker is not None and needed.marker.evaluate({**IMAGE_ENVIRONMENT, "extra": extra}):
                assert canonicalize_name(needed.name) in entries, f"{requirement.name}[{extra}] needs {needed.name}"


def test_the_build_lock_agrees_with_the_runtime_lock_on_what_both_hold() -> None:
    runtime, build = lock_entries(LOCK), lock_entries(BUILD_LOCK)
    for name in set(runtime) & set(build):
        assert runtime[name] == build[name], f"{name}: the second install would replace the first"
