"""A refusal that waits on the bus says when to try again: its message's `retry_after` is answered as Retry-After."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kyodo_shared.domain.refusals import Refusal
from kyodo_shared.web.handlers import install_problem_handlers
from kyodo_shared.web.messages import Message, MessageTable

TABLE = MessageTable(
    {
        "not_here_yet": Message(409, "まだ届いていません", "Not here yet", retry_after=5),
        "never": Message(422, "できません", "Not allowed"),
    }
)


def app_refusing(code: str) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app, TABLE)

    @app.post("/thing")
    def refuse() -> None:
        raise Refusal(code, field="thing_id")

    return TestClient(app)


def test_a_refusal_whose_message_sets_retry_after_is_answered_with_the_header_and_its_field_named() -> None:
    response = app_refusing("not_here_yet").post("/thing")
    assert (response.status_code, response.headers["Retry-After"]) == (409, "5")
    assert [e["field"] for e in response.json()["errors"]] == ["thing_id"]


def test_a_refusal_without_retry_after_has_no_such_header() -> None:
    response = app_refusing("never").post("/thing")
    assert response.status_code == 422
    assert "Retry-After" not in response.headers
