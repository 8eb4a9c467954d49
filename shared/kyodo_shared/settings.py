"""Settings shared by every service: event store, bus, relay, consumers and HTTP limits.

Each service's own settings class extends `KernelSettings`; values come from `KYODO_*` environment variables.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only public-key algorithms: an HMAC "key" published in a JWKS would be a shared secret anyone can read.
ASYMMETRIC_ALGORITHMS: frozenset[str] = frozenset(
    {"EdDSA", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)


class AuthSettings(BaseModel):
    """Where tokens come from, whom they are for, and how the issuer's keys are fetched."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    jwks_url: str
    algorithms: list[str] = Field(default_factory=lambda: ["EdDSA", "ES256", "RS256"], min_length=1)
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwks_cache_seconds: int = Field(default=300, gt=0)
    min_refresh_interval_seconds: float = Field(default=5.0, ge=0)

    @field_validator("jwks_url")
    @classmethod
    def _check_jwks_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme in ("http", "https") and parsed.netloc:
            return value
        if parsed.scheme == "file" and parsed.netloc in ("", "localhost") and parsed.path:
            return value
        raise ValueError("jwks_url must be an http(s):// URL or a file:// path")

    @field_validator("algorithms")
    @classmethod
    def _check_algorithms(cls, value: list[str]) -> list[str]:
        # Symmetric algorithms would let anyone holding the public JWKS forge tokens (alg confusion).
        disallowed = sorted(set(value) - ASYMMETRIC_ALGORITHMS)
        if disallowed:
            raise ValueError(f"only asymmetric algorithms are allowed, not {disallowed}")
        return value


# A session key shorter than this (in UTF-8 bytes) is refused at start: it seals every browser session.
MIN_SESSION_KEY_BYTES = 32


class LoginSettings(BaseModel):
    """Login of people by browser (OIDC authorization code with PKCE; docs/LOGIN.md): the client registered at the
    identity provider, where its discovery document is, the origin people see, and the key sealing the session.

    Unset, the API works as before (bearer tokens) and `/auth/login` answers 503 naming what to set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = Field(default="kyodo-web", min_length=1)
    # Absent: a public client (PKCE alone); present: a confidential client (client_secret_basic, and PKCE too).
    client_secret: SecretStr | None = None
    # Default: `<KYODO_AUTH__ISSUER>/.well-known/openid-configuration` when the issuer is an http(s) URL.
    discovery_url: str | None = None
    # The origin people's browsers see, e.g. https://kyodo.city.example (no path): the redirect URI is
    # `<public_url>/auth/callback`, and https makes the cookie `__Host-kyodo_session` (Secure).
    public_url: str | None = None
    # Seals the session cookie and keys its CSRF tokens; every service shares it. At least 32 bytes.
    session_key: SecretStr | None = None
    scopes: str = Field(default="openid profile", min_length=1)
    # The longest a sign-in lasts, whatever the token's own expiry (then a new login).
    session_max_seconds: int = Field(default=8 * 3600, ge=60, le=7 * 86400)

    @field_validator("public_url")
    @classmethod
    def _origin_only(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("public_url must be an http(s) origin such as https://kyodo.city.example")
        if parsed.path not in ("", "/") or parsed.query or parsed.fragment:
            raise ValueError("public_url is an origin only: no path, query or fragment")
        return f"{parsed.scheme}://{parsed.netloc}"

    @field_validator("discovery_url")
    @classmethod
    def _discovery_is_http(cls, value: str | None) -> str | None:
        if value is not None and urlparse(value).scheme not in ("http", "https"):
            raise ValueError("discovery_url must be an http(s) URL")
        return value

    @field_validator("session_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode("utf-8")) < MIN_SESSION_KEY_BYTES:
            raise ValueError(
                f"session_key must be at least {MIN_SESSION_KEY_BYTES} bytes "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return value

    @property
    def secure(self) -> bool:
        """Whether people reach Kyodo over TLS: then the cookies are `__Host-` and Secure."""
        return (self.public_url or "").startswith("https://")

    @property
    def redirect_uri(self) -> str | None:
        return None if self.public_url is None else f"{self.public_url}/auth/callback"

    def discovery(self, issuer: str) -> str | None:
        """The discovery document's URL: as set, else derived from an http(s) issuer, else None (must be set)."""
        if self.discovery_url is not None:
            return self.discovery_url
        if urlparse(issuer).scheme in ("http", "https"):
            return f"{issuer.rstrip('/')}/.well-known/openid-configuration"
        return None

    def missing(self, issuer: str) -> list[str]:
        """The variables login needs that are not set (empty when it can run)."""
        names = []
        if self.public_url is None:
            names.append("KYODO_LOGIN__PUBLIC_URL")
        if self.session_key is None:
            names.append("KYODO_LOGIN__SESSION_KEY")
        if self.discovery(issuer) is None:
            names.append("KYODO_LOGIN__DISCOVERY_URL")
        return names


class StoreSettings(BaseModel):
    """Where a service keeps its event store and its own tables (positions, tracking, read models)."""

    backend: Literal["postgres", "sqlite"] = "sqlite"
    sqlite_path: Path = Path(".kyodo/store.sqlite")
    # libpq URL, e.g. postgresql://kyodo@db:5432/kyodo_registry
    pg_dsn: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    # One schema per service keeps services apart even when they share a database.
    pg_schema: str = "public"
    pg_pool_size: int = Field(default=8, ge=1, le=64)
    # PostgreSQL: concurrent commands' events written in one transaction (store/group_commit.py); off writes each
    # command alone, as eventsourcing does.
    group_commit: bool = True


class BusSettings(BaseModel):
    """The NATS JetStream connection and the namespace that prefixes every stream and subject."""

    nats_url: str = "nats://127.0.0.1:4222"
    namespace: str = Field(default="kyodo", pattern=r"^[a-z][a-z0-9]{0,30}$")
    stream_replicas: int = Field(default=1, ge=1, le=5)
    # How long a starting service waits for its first connection before it fails, naming the URL (bus/connection.py).
    connect_wait_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Who makes the streams and durable consumers (bus/topology.py): `check` — `kyodo bus init` made them (a Job
    # in Kubernetes, `kyodo up` embedded); a service only checks they exist and reports what is missing in /readyz
    # (its NATS user may not create them). `create` — the service makes its own part with the same definitions: a
    # development or test rig on a bus nobody provisions.
    provision: Literal["check", "create"] = "check"
    # The PEM file of the CA that signed NATS's certificate (deploy/nats: TLS): set, every connection starts TLS with
    # its first byte (no credentials before the handshake, none to a server that cannot prove its name) and trusts
    # this CA alone; unset, plain TCP (a development rig on loopback).
    tls_ca_file: Path | None = None


class RelaySettings(BaseModel):
    """Outbox relay tuning."""

    enabled: bool = True
    batch_size: int = Field(default=500, ge=1, le=10_000)
    poll_interval_seconds: float = Field(default=0.5, gt=0)
    publish_timeout_seconds: float = Field(default=10.0, gt=0)
    max_in_flight: int = Field(default=256, ge=1, le=10_000)


class ConsumerSettings(BaseModel):
    """Consumer runtime tuning: failure budget, retry delays, and how long a gap is buffered."""

    max_failures: int = Field(default=5, ge=1, le=1000)
    retry_base_seconds: float = Field(default=0.5, gt=0)
    retry_max_seconds: float = Field(default=60.0, gt=0)
    hold_delay_seconds: float = Field(default=1.0, gt=0)
    # 0 holds every out-of-order message by nak-with-delay instead of buffering it in memory.
    max_buffered: int = Field(default=1000, ge=0)
    fetch_batch: int = Field(default=256, ge=1, le=10_000)
    idle_wait_seconds: float = Field(default=2.0, gt=0)
    ack_wait_seconds: float = Field(default=30.0, gt=0)


class AuditSettings(BaseModel):
    """The hash chain and its signed checkpoints."""

    enabled: bool = True
    # Checkpoint signing keys live here, outside the event store (a mounted Secret in Kubernetes).
    keys_dir: Path = Path(".kyodo/keys")
    checkpoint_every_events: int = Field(default=1000, ge=1)
    checkpoint_every_seconds: float = Field(default=60.0, gt=0)
    chain_poll_seconds: float = Field(default=0.5, gt=0)


class PrivacySettings(BaseModel):
    """Where per-person keys live (apart from the event store) and how long each kind of record is kept."""

    # SQLite file of the key vault; with PostgreSQL the vault is the schema `<pg_schema>_vault` of vault_pg_dsn.
    vault_path: Path = Path(".kyodo/vault.sqlite")
    vault_pg_dsn: str | None = Field(default=None, description="Defaults to the store's DSN.")
    # 保存期間: days a record kind is kept before its person's key may be destroyed.
    retention_days: dict[str, int] = Field(default_factory=dict)


class LeaseSettings(BaseModel):
    """One active relay, consumer and auditor per role across replicas; another takes over after expiry."""

    enabled: bool = True
    ttl_seconds: float = Field(default=10.0, gt=0.2)


class HealthSettings(BaseModel):
    """When a background task that keeps failing stops counting as retrying and fails readiness."""

    stall_after_seconds: float = Field(default=30.0, gt=0)


_DURATION = re.compile(r"(\d+)([wdhms])")
# How far a staging clock may run ahead in all: far enough for any retention period, near enough that every date
# stays writable (deadlines are bounded) and no datetime overflows.
MAX_CLOCK_OFFSET = timedelta(days=50 * 366)
_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """`400d`, `1d12h`, `90m`, `2w` (weeks, days, hours, minutes, seconds), or plain seconds: how an operator says
    how far to move a staging clock. Never negative: see `ClockSettings`."""
    value = text.strip().lower()
    if value.isdigit():
        return timedelta(seconds=int(value))
    parts = _DURATION.findall(value)
    if not value or "".join(n + u for n, u in parts) != value:
        raise ValueError(f"not a duration: {text!r} (e.g. 400d, 1d12h, 90m)")
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds > MAX_CLOCK_OFFSET.total_seconds():
        raise ValueError(f"{text!r} is more than a staging clock may move (at most {MAX_CLOCK_OFFSET.days} days)")
    return timedelta(seconds=seconds)


class ClockSettings(BaseModel):
    """A staging clock: the whole service lives `offset` ahead of real time (deadlines, timers, retention, recorded
    times; token validity stays on real time). `allow_shift` lets `kyodo clock advance` move it while it runs.

    Only forward: moving back would put new records before ones already written and re-open decided deadlines.
    Production sets neither (tests/deploy checks the production overlay)."""

    offset: timedelta = timedelta(0)
    allow_shift: bool = False

    @field_validator("offset", mode="before")
    @classmethod
    def _short_duration(cls, value: object) -> object:
        # `400d` as an operator writes it; ISO 8601 (`P400D`) and seconds are pydantic's own forms.
        if isinstance(value, str) and value.strip() and not value.strip().upper().startswith(("P", "-")):
            return parse_duration(value)
        return value

    @field_validator("offset")
    @classmethod
    def _not_back(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("a clock offset moves forward only")
        if value > MAX_CLOCK_OFFSET:
            raise ValueError(f"a clock offset is at most {MAX_CLOCK_OFFSET.days} days")
        return value


class HttpSettings(BaseModel):
    """HTTP limits."""

    max_body_bytes: int = Field(default=256 * 1024, ge=1024)


class MetricsSettings(BaseModel):
    """Where `kyodo serve` answers Prometheus (web/metrics.py)."""

    # /metrics on this port alone, which only the cluster's Prometheus may reach (deploy/base/networkpolicy.yaml); the
    # public port (API, pages, probes) answers it 404. 0: no second listener, /metrics beside the API on the public
    # port (a run with one port, as the test rig's); only the Ingress's guard then keeps it private. `kyodo up`
    # ignores it: its loopback gateway keeps /api/<service>/metrics for local development.
    port: int = Field(default=9100, ge=0, le=65535)


class KernelSettings(BaseSettings):
    """Everything the kernel needs to run one service."""

    model_config = SettingsConfigDict(env_prefix="KYODO_", env_nested_delimiter="__", extra="ignore")

    store: StoreSettings = StoreSettings()
    bus: BusSettings = BusSettings()
    relay: RelaySettings = RelaySettings()
    consumer: ConsumerSettings = ConsumerSettings()
    http: HttpSettings = HttpSettings()
    metrics: MetricsSettings = MetricsSettings()
    audit: AuditSettings = AuditSettings()
    privacy: PrivacySettings = PrivacySettings()
    leases: LeaseSettings = LeaseSettings()
    health: HealthSettings = HealthSettings()
    clock: ClockSettings = ClockSettings()
    auth: AuthSettings = AuthSettings(
        issuer="https://id.kyodo.example", audience="kyodo", jwks_url="https://id.kyodo.example/jwks.json"
    )
    login: LoginSettings = LoginSettings()
    # This replica's name as a lease holder (and in logs); unset, a random one per process. In Kubernetes the pod
    # name (the downward API) says which pod holds a lease; operator commands set `kyodo-cli-<host>-<pid>`.
    replica_id: str | None = Field(default=None, min_length=1, max_length=200)
    # After a command, the chainer, projections and relay wake once for every command answered within this many
    # milliseconds (runtime.py `Kernel.nudge`): fewer, fuller rounds under load, at most this much later when idle.
    wake_coalesce_ms: float = Field(default=5.0, ge=0, le=200)
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        # `info` and `INFO` alike, as logging itself accepts; anything else is refused at start with the choices.
        return value.upper() if isinstance(value, str) else value
