"""Issue 23: a server of the 3-node cluster lost under load. The StatefulSet's three nats-servers from deploy/nats on
loopback (tests/support/nats_conf.py), R3 streams (KYODO_BUS__STREAM_REPLICAS=3), registry and info-hub in-process
under their own users, each naming all three servers. Groups are applied and assessed in the registry one after
another; the leader of the registry's stream — moved onto the server the registry's kernel is connected to — is
SIGKILLed and the commands go on; the server restarts. Nothing is restarted on the services' side: their connections,
relay and consumers find the other servers by themselves. Then every acknowledged command is in the registry exactly
once, every group once in info-hub's directory, the registry's stream is 1..n without a repeated message id, and the
restarted server holds the stream up to the leader's last sequence. A longer run: support/nats_cluster_run.py."""

from __future__ import annotations

from pathlib import Path

from kyodo_shared.web.devissuer import DevIssuer

from support.nats_cluster_run import cluster_run


async def test_a_killed_server_loses_and_repeats_nothing_and_catches_up_after_its_restart(
    tmp_path: Path, issuer: DevIssuer
) -> None:
    figures = await cluster_run(tmp_path, issuer, rounds=1, timeout=45)
    print(figures)  # the run's figures in CI's log (pytest -s / -rP): seconds, groups, messages, the round's
    assert figures["failures"] == [], figures
    # A run that measured something: groups acknowledged before, during and after the loss, published and applied.
    (round_,) = figures["rounds"]
    assert round_["commands_while_down"] > 0, figures
    assert figures["groups"] >= 6, figures
