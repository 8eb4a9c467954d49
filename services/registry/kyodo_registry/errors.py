"""The registry's refusals: a code, a Japanese message and its English beside it, and the HTTP status they map to."""

from __future__ import annotations

from kyodo_shared.domain.refusals import Refusal, refusal


class RegistryError(Refusal):
    """A command the current state does not allow, or input the rules refuse."""


_MESSAGES: dict[str, tuple[int, str, str]] = {
    "group_not_found": (404, "団体が見つかりません", "Group not found"),
    "unknown_criterion": (422, "不明な基準です", "Unknown criterion"),
    "criteria_not_declared": (
        422,
        "6つの基準すべてに根拠を記入してください",
        "Every one of the six criteria needs evidence",
    ),
    "invalid_state": (409, "現在の状態ではこの操作はできません", "Not allowed in the group's current state"),
    "awaiting_information": (
        409,
        "追加資料の提出を待っています",
        "The application is waiting for requested information",
    ),
    "application_closed": (409, "この申請は既に決定済みです", "This application has already been decided"),
    "criterion_already_assessed": (409, "この基準は既に審査済みです", "This criterion has already been assessed"),
    "criterion_not_open": (409, "この基準は現在審査の対象ではありません", "This criterion is not open for assessment"),
    "bylaws_unchanged": (409, "会則が変更されていません", "The bylaws are unchanged"),
    "tie_not_found": (404, "届出された関係が見つかりません", "Declared tie not found"),
    "recheck_unmet": (409, "基準5・6の再確認が完了していません", "Criteria 5 and 6 have not passed a re-check"),
    "renewal_not_open": (409, "更新の受付期間ではありません", "Renewal is not open yet"),
    "already_acts_for_group": (409, "既にこの団体の代表者または連絡担当者です", "Already acts for this group"),
    "contact_not_found": (404, "連絡担当者が見つかりません", "Contact not found"),
    "not_representative": (403, "代表者のみが行えます", "Only the representative may do this"),
    "already_representative": (409, "既に代表者です", "Already the representative"),
    "no_handover_for_you": (409, "あなた宛ての代表者交代の申し出はありません", "No handover is waiting for you"),
    "not_acting_for_group": (403, "この団体を代表する権限がありません", "You do not act for this group"),
    "conflict_of_interest": (403, "利害関係があるため審査できません", "Conflict of interest"),
}


def refuse(code: str, state: str = "") -> RegistryError:
    return refusal(RegistryError, _MESSAGES, code, state)
