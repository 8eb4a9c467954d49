"""Refusals of the center's trainings (see `messages.py`)."""

from __future__ import annotations

from kyodo_shared.web.messages import Message

MESSAGES: dict[str, Message] = {}
