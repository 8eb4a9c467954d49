"""`python -m kyodo_subscriber` runs the subscriber; `python -m kyodo_subscriber parked …` manages parked messages."""

from __future__ import annotations

import asyncio
import logging
import os
import sys


def main() -> None:
    if len(sys.argv) > 1:
        from kyodo_subscriber.cli import main as cli

        sys.exit(cli(sys.argv[1:]))
    logging.basicConfig(
        level=os.environ.get("KYODO_SUB_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # Imported here: building the app reads the settings, which the CLI does not need.
    from kyodo_subscriber.app import StartAborted, app

    try:
        asyncio.run(app.run())
    except StartAborted:
        # A start refusal (refusals.py): the start-up hook reported it as one line saying what to do (app.py).
        sys.exit(1)


if __name__ == "__main__":
    main()
