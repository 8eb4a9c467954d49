"""Evaluation settings (env prefix `KYODO_`)."""

from __future__ import annotations

from kyodo_shared.settings import KernelSettings


class EvaluationSettings(KernelSettings):
    """The kernel's settings; the evaluation service adds none of its own yet."""
