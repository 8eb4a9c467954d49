"""The audit API of one service as a verifier reads it: records page by page over one fixed range, checkpoints,
keys and the sealed periods' chains (`kyodo audit verify --url`, `kyodo audit export --url`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx

from kyodo_shared.audit.checkpoints import Checkpoint
from kyodo_shared.audit.history import WalkRow
from kyodo_shared.audit.records import AuditRecord
from kyodo_shared.cli.errors import USAGE, CliError
from kyodo_shared.cli.failures import AUDITOR_HINT, http_status

# Records per request: the API's largest page (fewer round trips; a page of 5000 is ~2 MB of JSON).
RECORDS_PAGE = 5000
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    # httpx leaves a scheme's default port out (None): https://h and https://h:443 are one origin.
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def _walk_row(item: dict[str, Any]) -> WalkRow:
    stored, chained = item.get("stored"), item.get("chained")
    link = item.get("link")
    return (
        int(item["position"]),
        *(
            (str(stored["originator_id"]), int(stored["originator_version"]), str(stored["topic"]),
             bytes.fromhex(stored["state_hash"]))
            if stored
            else (None, None, None, None)
        ),
        *(
            (str(chained["originator_id"]), int(chained["originator_version"]), str(chained["topic"]),
             str(chained["state_hash"]), str(link))
            if link is not None and chained
            else (None, None, None, None, None)
        ),
    )  # fmt: skip


class AuditApi:
    """The audit API of one service, e.g. https://kyodo.example/api/registry."""

    def __init__(self, base_url: str, token: str | None, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.token = token
        self.stop: int | None = None
        self.client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=60, transport=transport)
        # Checkpoints are public: read from another origin (a mirror), they go without the auditor's token. Neither
        # client follows redirects, so the service's own origin cannot pass the token on to another either.
        self.public = httpx.Client(timeout=60, transport=transport)

    def require_token(self) -> None:
        """The records need an auditor's token: say so before asking the service."""
        if not self.token:
            raise CliError(
                "KYODO_AUDIT_TOKEN is not set: the audit records need a token", hint=AUDITOR_HINT, code=USAGE
            )

    def records(self, on_total: Callable[[int], None] | None = None) -> Iterator[AuditRecord]:
        for page in self._pages(on_total):
            yield from (AuditRecord.from_dict(item) for item in page)

    def rows(self, on_total: Callable[[int], None] | None = None) -> Iterator[WalkRow]:
        """The records as a verification walks them, one page held at a time (no record objects)."""
        for page in self._pages(on_total):
            yield from map(_walk_row, page)

    def chained_hashes(self) -> Iterator[tuple[int, str]]:
        """Every chained position's state hash over the range the last read fixed (a verification's rescan)."""
        for page in self._pages(None, self.stop):
            yield from ((int(i["position"]), str(i["chained"]["state_hash"])) for i in page if i.get("chained"))

    def _pages(self, on_total: Callable[[int], None] | None, stop: int | None = None) -> Iterator[list[Any]]:
        self.require_token()
        after, params = 0, {"limit": RECORDS_PAGE}
        if stop is not None:
            params["stop"] = stop
        while True:
            page = self._get("/audit/records", params={**params, "after": after})
            # Every page covers the range the first one fixed, while the service keeps writing.
            params["stop"] = self.stop = int(page["stop"])
            if on_total is not None:
                on_total(params["stop"])
            yield page["items"]
            if page["next_after"] is None:
                return
            if int(page["next_after"]) <= after:
                # A page that does not move forward would be asked for again and again.
                raise CliError(
                    f"the audit API answered next_after {page['next_after']} after {after}: it does not move forward",
                    hint="the service's audit API is faulty; report it to its operators",
                )
            after = int(page["next_after"])

    def checkpoints(self, url: str | None = None) -> list[Checkpoint]:
        """The service's own checkpoints, or those at `url` (`--checkpoints-url`): a path under the base URL, or an
        absolute URL such as info-hub's mirror, which is read without the token unless it is the base URL's origin."""
        path = url or "/audit/checkpoints"
        target = httpx.URL(path)
        # Exactly the URLs httpx joins onto the base URL are relative (it takes scheme and host both to leave it).
        foreign = target.is_absolute_url and _origin(target) != _origin(self.client.base_url)
        page = self._get(path, client=self.public if foreign else self.client)
        return [Checkpoint.model_validate(c) for c in page["items"]]

    def keys(self) -> dict[str, str]:
        return dict(self._get("/audit/keys")["keys"])

    def sealed(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self._get("/audit/sealed")["items"]
        return items

    def _get(self, path: str, params: dict[str, Any] | None = None, client: httpx.Client | None = None) -> Any:
        response = (client or self.client).get(path, params=params)
        if response.status_code >= 400:
            raise http_status(response.status_code, str(response.request.url))
        try:
            return response.json()
        except ValueError:
            raise CliError(
                f"{response.request.url} did not answer JSON: is it a Kyodo service's base URL?",
                hint="--url is the service's base URL, e.g. http://127.0.0.1:8080/api/registry",
                code=USAGE,
            ) from None
