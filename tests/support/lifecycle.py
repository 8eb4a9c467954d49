"""A small HTTP client for the registry's group lifecycle, for end-to-end tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from support.harness import Platform
from support.registry import CRITERIA, application

COORDINATOR = "coord-1"


@dataclass
class GroupClient:
    p: Platform
    group_id: str = ""
    etag: str = ""
    representative: str = "rep-1"

    @property
    def registry(self) -> httpx.AsyncClient:
        return self.p.clients["registry"]

    async def apply(self, **overrides: Any) -> httpx.Response:
        response = await self.registry.post(
            "/groups", json=application(**overrides), headers=self.p.token(self.representative, "group")
        )
        assert response.status_code == 201, response.text
        self.group_id, self.etag = response.json()["id"], response.headers["ETag"]
        return response

    async def post(self, path: str, body: Any, sub: str, *roles: str, put: bool = False) -> httpx.Response:
        headers = {**self.p.token(sub, *(roles or ("group",))), "If-Match": self.etag}
        send = self.registry.put if put else self.registry.post
        response = await send(f"/groups/{self.group_id}{path}", json=body, headers=headers)
        if response.status_code < 300:
            self.etag = response.headers["ETag"]
        return response

    async def assess(self, criterion: str, met: bool = True, reason: str = "確認", sub: str = COORDINATOR) -> Any:
        return await self.post(
            "/assessments", {"criterion": criterion, "met": met, "reason": reason}, sub, "coordinator"
        )

    async def assess_all(self, unmet: str | None = None, sub: str = COORDINATOR) -> dict[str, Any]:
        response = None
        for criterion in CRITERIA:
            response = await self.assess(criterion, criterion != unmet, f"{criterion}の判断理由", sub)
            assert response.status_code == 200, response.text
        assert response is not None
        body: dict[str, Any] = response.json()
        return body

    async def read(self, sub: str | None = None, *roles: str) -> dict[str, Any]:
        headers = self.p.token(sub or self.representative, *(roles or ("group",)))
        response = await self.registry.get(f"/groups/{self.group_id}", headers=headers)
        assert response.status_code == 200, response.text
        self.etag = response.headers["ETag"]
        body: dict[str, Any] = response.json()
        return body
