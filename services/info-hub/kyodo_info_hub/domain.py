"""What info-hub itself decides. It keeps no aggregates of its own — its event store holds only the kernel's
records (operators' actions on its consumers, its signed checkpoints) — but it has rules: what its public lists
show, in which time zone, and which mirrored checkpoints it trusts enough to publish as open data.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from kyodo_shared.audit.checkpoints import Checkpoint, check_signatures
from kyodo_shared.contracts.audit import CheckpointSigned

# Public dates are shown in the city's time zone.
TOKYO = ZoneInfo("Asia/Tokyo")

# A group is in the directory once registered; lapsed (更新切れ) and suspended (登録停止) ones stay, marked, and
# dissolved ones leave it.
DIRECTORY_STATUSES = ("registered", "lapsed", "suspended")
# A published call is open (募集中), then closed (締切) and its results published (結果公表), or cancelled (中止).
CALL_STATUSES = ("open", "closed", "results_published", "cancelled")


class UntrustedCheckpoint(Exception):
    """Not mirrored: its signature fails, or its key was never announced by a key already trusted here."""


def check_trusted(checkpoint: CheckpointSigned, trusted: Mapping[str, str]) -> None:
    """Raises unless `checkpoint` is signed by a key trusted for its service (`trusted`: kid → public key).

    The first checkpoint seen for a service sets its trust root, as a verifier's first pin does; after that a key
    is trusted only once a trusted key's checkpoint has announced it.
    """
    public = trusted.get(checkpoint.kid) if trusted else checkpoint.public_key
    if public is None:
        raise UntrustedCheckpoint(f"key {checkpoint.kid} was never announced")
    signed = Checkpoint.model_validate(checkpoint.model_dump(mode="json"))
    if check_signatures([signed], {checkpoint.kid: public}).rejected:
        raise UntrustedCheckpoint("bad signature")
