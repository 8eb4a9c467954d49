# syntax=docker/dockerfile:1
#
# Kyodo service image. One image serves every service; the service is chosen by the command:
#   docker run IMAGE serve registry      (the default)
#   docker run IMAGE serve info-hub
#
# The image keeps no state and never writes outside /tmp, so it runs with a read-only root filesystem
# (see deploy/base/*/deployment.yaml, which mounts an emptyDir on /tmp).
#
# Reproducible and checked (tests/deploy/test_image.py): the base image is pinned by digest, and every Python
# distribution comes from a lock file with its sha256 hashes (requirements.lock for the runtime,
# requirements-build.lock for the build backends) — pip refuses any file whose hash is not listed. How to refresh
# both: "Build the image" in deploy/README.md.

# python:3.11-slim-bookworm by digest. Taken from public code (this machine cannot reach Docker Hub): the Dockerfile of
# github.com/peiyang-z6/BandStructure_AI_Project (commit 031f26d8) pins this digest, and a second, unrelated project
# pins the same one. Renovate (docker digest pinning) or an operator refreshes it for security updates:
#   docker buildx imagetools inspect python:3.11-slim-bookworm    → the index digest to put here.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

# ---------------------------------------------------------------------------------------------------------
# build: install the `kyodo-contracts` and `kyodo` distributions and their dependencies into a self-contained virtualenv.
# ---------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# Dependencies first (their own layer, rebuilt only when a lock changes). The build backends (setuptools for feedgen,
# the one dependency published only as an sdist; hatchling for Kyodo's own two projects) come hashed too, and are
# used without build isolation, which would otherwise fetch them unpinned and unhashed.
COPY requirements.lock requirements-build.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements-build.lock \
    && pip install --no-cache-dir --require-hashes --no-deps --no-build-isolation -r requirements.lock

# Only what the wheel is built from (see [tool.hatch.build.targets.wheel] in pyproject.toml).
COPY pyproject.toml README.md ./
COPY contracts/ contracts/
COPY shared/ shared/
COPY services/ services/
COPY tools/ tools/

# The projects themselves, without dependencies (all came from the lock; `pip check` proves none is missing). The
# build backends that the runtime does not need leave the virtualenv. Byte-compile now: at run time the root
# filesystem is read-only. `kyodo --help` checks the console script.
RUN pip install --no-cache-dir --no-deps --no-build-isolation ./contracts . \
    && pip uninstall --yes hatchling pathspec pluggy tomlkit trove-classifiers \
    && pip check \
    && python -m compileall -q -j 0 /opt/venv/lib \
    && kyodo --help > /dev/null

# ---------------------------------------------------------------------------------------------------------
# runtime: the virtualenv on a clean base, run as an unprivileged user.
# ---------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="kyodo" \
      org.opencontainers.image.description="Kyodo (協働): event-sourced platform for city–civic group collaboration" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"

RUN groupadd --system --gid 10001 kyodo \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin kyodo \
    && mkdir -p /app

COPY --from=build /opt/venv /opt/venv

# HOME and TMPDIR point at /tmp, the only writable place at run time.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TMPDIR=/tmp

# /app stays root-owned and empty: the production store is PostgreSQL, so nothing is written here.
WORKDIR /app

# Numeric uid:gid so Kubernetes can verify runAsNonRoot without resolving the name.
USER 10001:10001

EXPOSE 8000 9100

ENTRYPOINT ["kyodo"]
CMD ["serve", "registry"]
