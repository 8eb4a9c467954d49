"""Every event type whose visibility hides sealed or personal data carries a salt, so its hash confirms no guess; and
every stored event class of every service has one published type name of its own (the audit interface's)."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import pytest
from eventsourcing.domain import Aggregate, CanInitAggregate
from eventsourcing.utils import get_topic, resolve_topic

from kyodo_registry.visibility import POLICY
from kyodo_shared.audit.visibility import VisibilityPolicy
from kyodo_shared.service import discover


@pytest.mark.parametrize("topic", sorted(POLICY.events))
def test_an_event_with_sealed_or_personal_fields_declares_a_salt(topic: str) -> None:
    policy = POLICY.events[topic]
    event_class = resolve_topic(topic)
    fields = {f.name for f in dataclasses.fields(event_class)}
    assert set(policy.fields) <= fields, "the policy names fields the event does not have"
    if policy.needs_salt:
        assert "salt" in fields


def _event_classes(*aggregates: type) -> set[str]:
    topics = set()
    for aggregate in aggregates:
        for value in vars(aggregate).values():
            generic = value in (getattr(aggregate, "Event", None), getattr(aggregate, "Created", None))
            if isinstance(value, type) and issubclass(value, aggregate.Event) and not generic:  # type: ignore[attr-defined]
                topics.add(f"{value.__module__}:{value.__qualname__}")
    return topics


@pytest.mark.parametrize("topic", sorted(__import__("kyodo_info_hub.bus_center").bus_center.POLICY.events))
def test_a_center_event_s_policy_names_only_its_fields_and_a_salt_where_it_hides_some(topic: str) -> None:
    from kyodo_info_hub.bus_center import POLICY as CENTER

    policy = CENTER.events[topic]
    fields = {f.name for f in dataclasses.fields(resolve_topic(topic))}
    assert set(policy.fields) <= fields, "the policy names fields the event does not have"
    if policy.needs_salt:
        assert "salt" in fields


def test_every_center_event_type_has_a_declared_visibility() -> None:
    from kyodo_info_hub.bus_center import POLICY as CENTER
    from kyodo_info_hub.cases import Case, MonthlyFigures
    from kyodo_info_hub.exchange import Topic
    from kyodo_info_hub.news import News
    from kyodo_info_hub.survey_answers import Answer
    from kyodo_info_hub.surveys import Survey
    from kyodo_info_hub.trainings import Training

    assert _event_classes(News, Topic, Training, Case, MonthlyFigures, Survey, Answer) <= set(CENTER.events)


def test_every_proposals_event_type_has_a_declared_visibility() -> None:
    from kyodo_proposals.domain import Call
    from kyodo_proposals.review import Review
    from kyodo_proposals.sealed import Gate, Proposal
    from kyodo_proposals.visibility import POLICY as PROPOSALS

    assert _event_classes(Call, Review, Gate, Proposal) <= set(PROPOSALS.events)


@pytest.mark.parametrize("topic", sorted(k for k in __import__("kyodo_proposals.visibility").visibility.POLICY.events))
def test_a_sealed_proposals_event_carries_only_ciphertext_or_nothing(topic: str) -> None:
    from kyodo_proposals.visibility import POLICY as PROPOSALS

    policy = PROPOSALS.events[topic]
    if not policy.needs_salt:
        return
    fields = {f.name for f in dataclasses.fields(resolve_topic(topic))} - {
        "originator_id",
        "originator_version",
        "timestamp",
        "originator_topic",
    }
    # A random nonce inside the ciphertext keeps its hash from confirming a guess, as a salt would.
    assert fields <= {"sealed", "proposal_id", "gate_id"}, fields


# ------------------------------------------------------------------------------------------------------------
# Published type names: every stored event of every service is named once, by the service's own policy.


def _aggregates(package: str) -> set[type[Aggregate]]:
    """Every aggregate class defined in a package, found by importing each of its modules."""
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(info.name)
    found: set[type[Aggregate]] = set()
    pending: list[type[Aggregate]] = [Aggregate]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith(package + "."):
                found.add(sub)
    return found


def _stored_event_classes(aggregate: type[Aggregate]) -> set[type]:
    """The event classes an aggregate stores: the generic `Created` only when it names no creation event itself."""
    nested = {
        value
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, aggregate.Event) and value is not aggregate.Event
    }
    if any(issubclass(v, CanInitAggregate) and v is not aggregate.Created for v in nested):
        nested.discard(aggregate.Created)
    return nested


@pytest.fixture(scope="module")
def stored_types(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[type, str | None]]:
    """Per service: each event class it stores (its own aggregates' and the kernel's) → the published type name
    its running kernel's policy gives the class's topic."""
    kernel_classes = {e for a in _aggregates("kyodo_shared") for e in _stored_event_classes(a)}
    found: dict[str, dict[type, str | None]] = {}
    for name, spec in discover().items():
        data = tmp_path_factory.mktemp(name)
        settings = spec.settings_type.model_validate(
            {
                "store": {"backend": "sqlite", "sqlite_path": data / "store.sqlite"},
                "audit": {"keys_dir": data / "keys"},
                "privacy": {"vault_path": data / "vault.sqlite"},
            }
        )
        kernel = spec.create_app(settings, None).state.kernel
        try:
            package = spec.create_app.__module__.split(".")[0]
            classes = kernel_classes | {e for a in _aggregates(package) for e in _stored_event_classes(a)}
            found[name] = {cls: kernel.visibility.type_of(get_topic(cls)) for cls in classes}
        finally:
            kernel.close()
    return found


def test_every_stored_event_class_of_every_service_has_a_published_type_name(
    stored_types: dict[str, dict[type, str | None]],
) -> None:
    assert {"registry", "proposals", "info-hub"} <= set(stored_types)
    assert all(stored_types.values()), "the scan found no event classes"
    unnamed = sorted(
        f"{service}: {get_topic(cls)}"
        for service, types in stored_types.items()
        for cls, t in types.items()
        if t is None
    )
    assert unnamed == [], "declare the aggregate's published name in the service's visibility policy"


def test_no_two_event_classes_share_a_published_type_name(stored_types: dict[str, dict[type, str | None]]) -> None:
    owners: dict[str, set[type]] = {}
    for types in stored_types.values():
        for cls, name in types.items():
            if name is not None:
                owners.setdefault(name, set()).add(cls)
    shared = {name: sorted(get_topic(c) for c in classes) for name, classes in owners.items() if len(classes) > 1}
    assert shared == {}


def test_a_type_name_is_the_service_s_or_the_kernel_s(stored_types: dict[str, dict[type, str | None]]) -> None:
    for service, types in stored_types.items():
        for cls, name in types.items():
            prefix = "kernel" if cls.__module__.startswith("kyodo_shared.") else service
            assert str(name).startswith(prefix + "."), (get_topic(cls), name)


def test_published_type_names_are_never_withdrawn_or_renamed(stored_types: dict[str, dict[type, str | None]]) -> None:
    # The audit interface: auditors' tools read events by these names. Add a new event's name here when it is
    # published; never remove or change one (a renamed class keeps its name, a changed meaning gets a new one).
    published = {str(name) for types in stored_types.values() for name in types.values()}
    assert published == PUBLISHED_TYPES


PUBLISHED_TYPES = {
    *(f"kernel.AuditCheckpoints.{n}" for n in ("Opened", "Signed")),
    *(f"kernel.ConsumerOperations.{n}" for n in ("Opened", "MessageSkipped", "MessageRetried")),
    *(
        f"registry.Group.{n}"
        for n in (
            "Applied",
            "CriterionAssessed",
            "Registered",
            "Rejected",
            "InformationRequested",
            "InformationProvided",
            "Reapplied",
            "ProfileUpdated",
            "BylawsChanged",
            "TieDeclared",
            "TieWithdrawn",
            "RecheckOpened",
            "RecheckPassed",
            "Renewed",
            "Lapsed",
            "Suspended",
            "Reinstated",
            "Dissolved",
            "ContactAdded",
            "ContactRemoved",
            "HandoverProposed",
            "RepresentativeChanged",
        )
    ),
    *(f"registry.Department.{n}" for n in ("Created", "StaffAssigned", "StaffUnassigned", "LiaisonAppointed")),
    *(f"registry.Directory.{n}" for n in ("Opened", "Listed")),
    *(f"registry.Team.{n}" for n in ("Formed", "MemberJoined", "MemberLeft")),
    *(
        f"registry.Committee.{n}"
        for n in ("Established", "MemberAppointed", "OfficersChanged", "MembershipEnded", "ActingChairElected")
    ),
    *(
        f"registry.Interests.{n}"
        for n in ("Opened", "Declared", "Withdrawn", "DepartmentDeclared", "DepartmentWithdrawn")
    ),
    *(f"screening.Project.{n}" for n in ("Entered", "Updated", "AwaitingRound", "TakenByRound")),
    *(
        f"screening.Round.{n}"
        for n in ("Drafted", "DraftRevised", "Opened", "SelfCheckClosed", "CloseRequested", "Closed")
    ),
    *(f"screening.Screening.{n}" for n in ("Entered", "SelfChecked", "Assessed", "Decided", "RescreenDue")),
    *(
        f"evaluation.Project.{n}"
        for n in (
            "Created",
            "CriteriaSet",
            "Drafted",
            "Confirmed",
            "Concluded",
            "ReportFiled",
            "ReminderDue",
            "Overdue",
            "Ended",
            "SelfEvaluated",
            "SelfEvaluationReminderDue",
            "Unsealed",
            "Reported",
        )
    ),
    *(
        f"evaluation.CommitteeEvaluation.{n}"
        for n in (
            "Opened",
            "ConflictDeclared",
            "ConflictRemoved",
            "SubstituteAdded",
            "Scored",
            "Recommended",
            "ReportPublished",
        )
    ),
    # info-hub's own domain: the civic activity center (news, opinion exchange, trainings, the coordination window).
    *(
        f"info-hub.News.{n}"
        for n in (
            "Drafted",
            "Revised",
            "AttachmentAdded",
            "AttachmentRemoved",
            "Scheduled",
            "Unscheduled",
            "Published",
            "Corrected",
            "Withdrawn",
        )
    ),
    *(f"info-hub.Topic.{n}" for n in ("Drafted", "Revised", "Published", "OpinionSubmitted", "Closed", "Answered")),
    *(
        f"info-hub.Training.{n}"
        for n in (
            "Drafted",
            "Revised",
            "Announced",
            "Cancelled",
            "Registered",
            "Waitlisted",
            "RegistrationCancelled",
            "Promoted",
            "AttendanceRecorded",
            "ReminderDue",
            "MinutesPublished",
        )
    ),
    *(
        f"info-hub.Case.{n}"
        for n in (
            "Raised",
            "Routed",
            "Acknowledged",
            "AcknowledgementOverdue",
            "GroupsSuggested",
            "GroupsInvited",
            "Linked",
            "Closed",
        )
    ),
    "info-hub.CaseMonthlyFigures.Published",
    *(
        f"info-hub.Survey.{n}"
        for n in (
            "Drafted",
            "Revised",
            "CrosstabsChosen",
            "InvitationIssued",
            "InvitationReissued",
            "Announced",
            "Cancelled",
            "Opened",
            "ReminderDue",
            "Submitted",
            "Closed",
        )
    ),
    *(f"info-hub.SurveyAnswer.{n}" for n in ("Started", "DraftSaved", "Submitted")),
    *(
        f"proposals.Call.{n}"
        for n in (
            "Drafted",
            "DraftRevised",
            "Published",
            "Amended",
            "Closed",
            "Cancelled",
            "ReviewStarted",
            "ResultsPublished",
        )
    ),
    *(
        f"proposals.Review.{n}"
        for n in (
            "Opened",
            "ConflictDeclared",
            "ConflictRemoved",
            "Scored",
            "SubstituteAdded",
            "DecisionBlocked",
            "Decided",
            "ResultsPublished",
        )
    ),
    *(f"proposals.Proposal.{n}" for n in ("Submitted", "Revised", "Withdrawn")),
    *(f"proposals.Gate.{n}" for n in ("Opened", "Passed", "Shut", "Reopened")),
}


def test_the_recompute_reads_only_types_the_proposals_service_publishes(
    stored_types: dict[str, dict[type, str | None]],
) -> None:
    from kyodo_recompute.history import READS

    assert set(stored_types["proposals"].values()) >= READS


def test_consumer_operations_stored_before_the_kernel_moved_keep_their_type_name() -> None:
    policy = VisibilityPolicy()
    for name in ("Opened", "MessageSkipped", "MessageRetried"):
        old = policy.type_of(f"kyodo_shared.operations:ConsumerOperations.{name}")
        current = policy.type_of(f"kyodo_shared.bus.operations:ConsumerOperations.{name}")
        assert old == current == f"kernel.ConsumerOperations.{name}"


def test_an_event_class_renamed_within_its_aggregate_keeps_its_type_name() -> None:
    policy = VisibilityPolicy(
        aggregates={"kyodo_x.domain:Call": "x.Call"},
        renamed={"kyodo_x.domain:Call.Announced": "x.Call.Published"},
    )
    assert policy.type_of("kyodo_x.domain:Call.Announced") == "x.Call.Published"
    assert policy.type_of("kyodo_x.domain:Call.Closed") == "x.Call.Closed"
    # A topic of no named aggregate, resolvable or not, has no type.
    assert policy.type_of("kyodo_x.domain:Other.Closed") is None
    assert policy.type_of("kyodo_registry.domain:Group.Registered") is None
