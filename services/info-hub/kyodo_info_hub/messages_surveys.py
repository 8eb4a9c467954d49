"""The survey's refusals as people read them (Japanese, English beside it)."""

from __future__ import annotations

from kyodo_shared.web.messages import Message

MESSAGES: dict[str, Message] = {}
