"""Kyodo's versioned event contracts — the only events that leave a service — and the binding to read them.

    from kyodo_contracts.cloudevents import decode_as
    from kyodo_contracts.registry import GroupRegistered

    envelope, registered = decode_as(GroupRegistered, msg.headers, msg.data)

The compatibility policy (docs/CONTRACTS.md): within a version only optional fields are added, and these models
ignore fields they do not know; anything else is a new version published beside the old one.
"""

from __future__ import annotations

import functools

from kyodo_contracts.base import Contract, ContractModel, parse_type, stream_name, stream_subjects


@functools.cache
def catalog() -> dict[str, type[Contract]]:
    """Every published contract, by CloudEvents type."""
    from kyodo_contracts import (
        audit,
        evaluation,
        info_hub_cases,
        info_hub_news,
        info_hub_surveys,
        info_hub_trainings,
        proposals,
        registry,
        registry_org,
        screening,
    )

    published = (
        *registry.PUBLISHED,
        *registry_org.PUBLISHED,
        *proposals.PUBLISHED,
        *screening.PUBLISHED,
        *evaluation.PUBLISHED,
        *info_hub_news.PUBLISHED,
        *info_hub_trainings.PUBLISHED,
        *info_hub_cases.PUBLISHED,
        *info_hub_surveys.PUBLISHED,
        *audit.PUBLISHED,
    )
    return {c.ce_type(): c for c in published}


__all__ = ["Contract", "ContractModel", "catalog", "parse_type", "stream_name", "stream_subjects"]
