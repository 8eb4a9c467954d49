"""Open data fed from stream KYODO_CHECKPOINTS: info-hub mirrors every service's signed checkpoints and their
public keys, so anyone can check a service's history without trusting that service's own answers.
"""

from __future__ import annotations

from collections.abc import Mapping

from kyodo_contracts import Contract
from kyodo_contracts.audit import CheckpointSigned
from kyodo_shared.audit.checkpoints import Checkpoint, check_signatures
from kyodo_shared.bus.cloudevents import Envelope
from kyodo_shared.bus.consumer import Handler
from kyodo_shared.store.db import Tx


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


TABLES = ["open_checkpoints", "open_keys"]


def on_checkpoint(envelope: Envelope, tx: Tx) -> None:
    checkpoint = envelope.data
    assert isinstance(checkpoint, CheckpointSigned)
    rows = tx.fetchall("SELECT kid, public_key FROM open_keys WHERE service = %s", (checkpoint.service,))
    # An untrusted checkpoint fails, is retried and then parked for an operator: it never enters open data.
    check_trusted(checkpoint, {str(r[0]): str(r[1]) for r in rows})
    tx.execute(
        "INSERT INTO open_checkpoints (service, position, body) VALUES (%s, %s, %s) "
        "ON CONFLICT (service, position) DO NOTHING",
        (checkpoint.service, checkpoint.position, checkpoint.model_dump_json()),
    )
    keys = [(checkpoint.kid, checkpoint.public_key)]
    if checkpoint.announces is not None:
        keys.append((checkpoint.announces.kid, checkpoint.announces.public_key))
    for kid, public_key in keys:
        tx.execute(
            "INSERT INTO open_keys (service, kid, public_key, first_seen_position) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (service, kid) DO NOTHING",
            (checkpoint.service, kid, public_key, checkpoint.position),
        )


HANDLERS: dict[type[Contract], Handler] = {CheckpointSigned: on_checkpoint}
