"""Reading registrations for the center's trainings: a registrant's own (by the citizen's secret token or their
login), the center's list with citizens' names decrypted (for the center only), and one registration's view — with
the online link only for a registrant holding a seat.
"""

from __future__ import annotations

import hmac
from typing import Any
from uuid import UUID

from kyodo_info_hub.app_base import InfoHubBase
from kyodo_info_hub.trainings import Seat, Training
from kyodo_info_hub.trainings_privacy import token_hash
from kyodo_shared.domain.actors import Actor, Role
from kyodo_shared.domain.refusals import Refusal


class RegistrationReads(InfoHubBase):
    def _citizen_registration(self, training: Training, registration_id: str, token: str) -> dict[str, Any]:
        found = training.registrations.get(registration_id)
        stored = found.get("token_hash") if found else None
        # As if it did not exist, whether the id or the token is wrong (compared in constant time).
        if not stored or not hmac.compare_digest(str(stored), token_hash(token)):
            raise Refusal("registration_not_found")
        assert found is not None
        return found

    def _own_registration(self, actor: Actor, training: Training, registration_id: str) -> dict[str, Any]:
        found = training.registrations.get(registration_id)
        if found is None or found.get("sub") != actor.sub:
            raise Refusal("registration_not_found")
        return found

    def registration_by_token(self, training_id: UUID, registration_id: str, token: str) -> dict[str, Any]:
        training = self._get(training_id, Training, "training_not_found")
        found = self._citizen_registration(training, registration_id, token)
        return self.registration_view(training, registration_id, found)

    def registration_of(self, actor: Actor, training_id: UUID, registration_id: str) -> dict[str, Any]:
        training = self._get(training_id, Training, "training_not_found")
        if actor.has(Role.COORDINATOR):
            found = training.registrations.get(registration_id)
            if found is None:
                raise Refusal("registration_not_found")
        else:
            found = self._own_registration(actor, training, registration_id)
        return self.registration_view(training, registration_id, found)

    def my_registrations(self, actor: Actor, training_id: UUID) -> tuple[Training, list[dict[str, Any]]]:
        training = self.read_registrable(actor, training_id)
        mine = [(rid, r) for rid, r in training.registrations.items() if r.get("sub") == actor.sub]
        return training, [self.registration_view(training, rid, r) for rid, r in mine]

    def read_registrable(self, actor: Actor, training_id: UUID) -> Training:
        training = self._get(training_id, Training, "training_not_found")
        if training.status.value == "draft" and not actor.has(Role.COORDINATOR):
            raise Refusal("training_not_found")
        return training

    # --- the center's list ----------------------------------------------------------------------------------

    def registrations(
        self, actor: Actor, training_id: UUID, offset: int, limit: int
    ) -> tuple[Training, list[dict[str, Any]], int]:
        """One page of the registrations in the store's order, and how many there are: citizens' names decrypted
        (for this page only) for the center only."""
        self._coordinator(actor)
        training = self._get(training_id, Training, "training_not_found")
        page = list(training.registrations.items())[offset : offset + limit]
        views = [self.registration_view(training, rid, r) for rid, r in page]
        return training, views, len(training.registrations)

    def registration_view(self, training: Training, registration_id: str, r: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {
            "registration_id": registration_id,
            "training_id": str(training.id),
            "title_ja": training.plan["title_ja"],
            "starts_at": training.plan["starts_at"],
            "kind": r["kind"],
            "seat": str(r["seat"]),
            "position": training.position(registration_id),
            "registered_at": r["at"],
            "attended": registration_id in training.attended,
            "sub": r.get("sub"),
            "group_id": r.get("group_id"),
            "name": None,
            "email": None,
            "erased": False,
            "cancelled_by": r.get("cancelled_by"),
            "cancellation_reason": r.get("cancellation_reason"),
            # The meeting link of an online training: only for a registrant holding a seat (and the center).
            "online_url": training.plan.get("online_url") if r["seat"] == Seat.REGISTERED else None,
        }
        if r["kind"] == "citizen":
            fields = self.vault.decrypt(r["sealed"])
            if fields is None:
                view["erased"] = True
            else:
                view["name"], view["email"] = fields["name"], fields["email"]
        return view
