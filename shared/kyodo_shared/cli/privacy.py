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
        # Check every service first, so erasure is all or nothing. Each service's clock is read once and the same
        # moment serves its check and its erasure: on a staging platform moved in time, retention runs on the moved
        # time, and the erasure (which checks again, in its own transaction) must not judge by another clock.
        moments = []
        for kernel in kernels:
            now = kernel.clock()
            allowed = kernel.vault.erasable_from(person)
            if allowed is not None and now < allowed:
                raise CliError(
                    f"{kernel.service}: {RetentionNotElapsed(allowed).message()}",
                    hint="nothing was erased in any service; run the command again once the date has passed",
                    code=REFUSED,
                )
            moments.append(now)
        erased_in: list[str] = []
        for kernel, now in zip(kernels, moments, strict=True):
            try:
                erased = kernel.vault.erase(person, now)
            except RetentionNotElapsed as refused:
                # The person acted again in this service between the check and now, extending their retention.
                raise CliError(
                    f"{kernel.service}: {refused.message()}",
                    hint=f"erased so far: {', '.join(erased_in) or 'none'}; the person's retention was extended "
                    "meanwhile, run the command again once the date has passed",
                    code=REFUSED,
                ) from refused
            erased_in.append(kernel.service)
            print(json.dumps({"service": kernel.service, "person": person, "erased": erased}))
    finally:
        for kernel in kernels:
            kernel.close()
    return 0
