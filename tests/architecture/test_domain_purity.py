"""A service's domain is plain Python: importing it loads no web framework, token library, HTTP client, logging
setup, cipher or wire contract. Each module is imported in a fresh interpreter, so nothing imported earlier by
another test can hide a dependency.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

DOMAIN_MODULES = [
    "kyodo_registry.domain",
    "kyodo_registry.org.domain",
    "kyodo_proposals.domain",
    "kyodo_proposals.review",
    "kyodo_proposals.ranking",
    "kyodo_proposals.sealed",
    "kyodo_info_hub.domain",
    "kyodo_info_hub.news",
    "kyodo_info_hub.exchange",
    "kyodo_info_hub.trainings",
    "kyodo_info_hub.trainings_plan",
    "kyodo_info_hub.cases",
    "kyodo_info_hub.disclosure",
    "kyodo_info_hub.surveys",
    "kyodo_info_hub.survey_answers",
    "kyodo_info_hub.survey_questionnaire",
    "kyodo_screening.domain",
    "kyodo_screening.screening",
    "kyodo_screening.vocabulary",
    "kyodo_evaluation.domain",
    "kyodo_evaluation.committee",
    "kyodo_evaluation.agreement",
    "kyodo_evaluation.vocabulary",
    "kyodo_shared.domain.refusals",
    "kyodo_shared.domain.actors",
    "kyodo_shared.domain.text",
    "kyodo_registry.vocabulary",
]

# Top-level packages a domain must not load, directly or through the kernel.
FORBIDDEN = ["fastapi", "starlette", "jwt", "httpx", "structlog", "cryptography", "nats", "psycopg", "pydantic"]
# Nor the contracts: the bus module maps the domain's vocabulary to them, never the other way round.
FORBIDDEN_KYODO = ["kyodo_contracts", "kyodo_shared.web", "kyodo_shared.bus", "kyodo_shared.store"]


def loaded_after_import(module: str) -> list[str]:
    probe = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded: list[str] = json.loads(out)
    return loaded


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_importing_a_domain_module_loads_nothing_of_the_web_the_bus_or_the_contracts(module: str) -> None:
    loaded = loaded_after_import(module)
    offenders = sorted(
        name
        for name in loaded
        if name.split(".")[0] in FORBIDDEN or any(name == k or name.startswith(k + ".") for k in FORBIDDEN_KYODO)
    )
    assert offenders == [], f"{module} loads {offenders}"


def test_the_probe_itself_sees_a_forbidden_import() -> None:
    # The check above can fail: an application module does load the web framework.
    assert "fastapi" in loaded_after_import("kyodo_registry.main")


APPLICATION_MODULES = ["kyodo_registry.app", "kyodo_proposals.app", "kyodo_info_hub.app"]
# An application service may use the store, the vault and its clock, but not the web or the bus: routes call it,
# consumers feed the read models it reads.
FORBIDDEN_IN_APPLICATION = ["fastapi", "starlette", "jwt", "httpx", "nats"]


@pytest.mark.parametrize("module", APPLICATION_MODULES)
def test_importing_an_application_service_loads_no_web_framework_or_bus_client(module: str) -> None:
    loaded = loaded_after_import(module)
    offenders = sorted(name for name in loaded if name.split(".")[0] in FORBIDDEN_IN_APPLICATION)
    assert offenders == [], f"{module} loads {offenders}"
