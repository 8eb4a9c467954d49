# syntax=docker/dockerfile:1
#
# Kyodo service image. One image serves every service; the service is chosen by the command:
#   docker run IMAGE serve registry      (the default)
#   docker run IMAGE serve info-hub
#
# The image keeps no state and never writes outside /tmp, so it runs with a read-only root filesystem
# (see deploy/base/*/deployment.yaml, which mounts an emptyDir on /tmp).
# For reproducible production builds, pin PYTHON_IMAGE by digest (python:3.11-slim@sha256:...).

ARG PYTHON_IMAGE=python:3.11-slim

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
# Only what the wheel is built from (see [tool.hatch.build.targets.wheel] in pyproject.toml).
COPY pyproject.toml README.md ./
COPY contracts/ contracts/
COPY shared/ shared/
COPY services/ services/
COPY tools/ tools/

# Byte-compile now: at run time the root filesystem is read-only. `kyodo --help` checks the console script.
RUN pip install --no-cache-dir ./contracts . \
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

EXPOSE 8000

ENTRYPOINT ["kyodo"]
CMD ["serve", "registry"]
