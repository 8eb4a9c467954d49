"""The one-time links of groups invited to a survey (招待リンク): the token is given once, only its sha256 is kept
(`hub_survey_invitations`, an operational table — never in an event); reissuing replaces it, so the old link stops
working at once."""

from __future__ import annotations

from kyodo_info_hub.trainings_privacy import new_token, token_hash
from kyodo_shared.store.db import Database


class InvitationTokens:
    def __init__(self, db: Database) -> None:
        self.db = db

    def issue(self, survey_id: str, invitation_id: str, now: str) -> str:
        """A fresh token for the invitation, replacing any earlier one; the token itself is returned, once."""
        token = new_token()
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO hub_survey_invitations (invitation_id, survey_id, token_hash, issued_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (invitation_id) DO UPDATE SET "
                "token_hash = excluded.token_hash, issued_at = excluded.issued_at",
                (invitation_id, survey_id, token_hash(token), now),
            )
        return token

    def invitation_of(self, survey_id: str, token: str) -> str | None:
        """The invitation whose current link this token is, for this survey."""
        with self.db.transaction(read_only=True) as tx:
            row = tx.fetchone(
                "SELECT invitation_id FROM hub_survey_invitations WHERE token_hash = %s AND survey_id = %s",
                (token_hash(token), survey_id),
            )
        return str(row[0]) if row else None
