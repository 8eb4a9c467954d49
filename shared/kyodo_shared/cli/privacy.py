"""`kyodo privacy erase`: crypto-shred a person's data once every retention period has passed."""

from __future__ import annotations

import json
from pathlib import Path

from kyodo_shared.cli.errors import REFUSED, CliError
from kyodo_shared.cli.operator import open_kernel
from kyodo_shared.privacy.vault import RetentionNotElapsed


def erase_person(person: str, services: list[str], data_dir: Path) -> int:
    """Crypto-shred a person's data in each service; refuses (naming the date) while a retention period runs."""
    kernels = []
    try:
        for service in services:
            kernels.append(open_kernel(service, data_dir))
        # Check every service first, so erasure is all or nothing.
        for kernel in kernels:
            allowed = kernel.vault.erasable_from(person)
            # The service's clock: on a staging platform moved in time, retention runs on the moved time too.
            if allowed is not None and kernel.clock() < allowed:
                raise CliError(
                    f"{kernel.service}: {RetentionNotElapsed(allowed).message()}",
                    hint="nothing was erased in any service; run the command again once the date has passed",
                    code=REFUSED,
                )
        for kernel in kernels:
            erased = kernel.vault.erase(person)
            print(json.dumps({"service": kernel.service, "person": person, "erased": erased}))
    finally:
        for kernel in kernels:
            kernel.close()
    return 0
