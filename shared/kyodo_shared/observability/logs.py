"""structlog configuration: JSON lines in production, console on a TTY; context bound per request and event."""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog


def configure_logging(fmt: Literal["auto", "json", "console"] = "auto", level: str = "INFO") -> None:
    renderer: structlog.typing.Processor
    console = fmt == "console" or (fmt == "auto" and sys.stderr.isatty())
    renderer = structlog.dev.ConsoleRenderer() if console else structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


def configure_logging_from_env() -> None:
    """KYODO_LOG_FORMAT and KYODO_LOG_LEVEL, as every command and `kyodo serve` apply them."""
    from kyodo_shared.settings import KernelSettings

    settings = KernelSettings()
    configure_logging(settings.log_format, settings.log_level)
