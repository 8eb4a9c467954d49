"""The registry's refusals as people read them: status, Japanese title and its English (the web layer's table).

The domain raises `Refusal(code)`; nothing here is imported by it. Codes several services answer (`invalid_state`,
`conflict_of_interest`, `not_acting_for_group`, `group_not_found` …) are written once, in the kernel's table.
"""

from __future__ import annotations

from kyodo_shared.web.messages import Message

MESSAGES: dict[str, Message] = {
    "unknown_criterion": Message(422, "不明な基準です", "Unknown criterion"),
    "criteria_not_declared": Message(
        422, "6つの基準すべてに根拠を記入してください", "Every one of the six criteria needs evidence"
    ),
    "awaiting_information": Message(
        409, "追加情報の依頼への回答を待っています", "The application is waiting for requested information"
    ),
    "application_closed": Message(409, "この申請は既に決定済みです", "This application has already been decided"),
    "criterion_already_assessed": Message(
        409, "この基準は既に審査済みです", "This criterion has already been assessed"
    ),
    "criterion_not_open": Message(
        409, "この基準は現在審査の対象ではありません", "This criterion is not open for assessment"
    ),
    "bylaws_unchanged": Message(409, "会則が変更されていません", "The bylaws are unchanged"),
    "tie_not_found": Message(404, "届出された関係が見つかりません", "Declared tie not found"),
    "recheck_unmet": Message(409, "基準5・6の再確認が完了していません", "Criteria 5 and 6 have not passed a re-check"),
    "renewal_not_open": Message(409, "更新の受付期間ではありません", "Renewal is not open yet"),
    "already_acts_for_group": Message(409, "既にこの団体の代表者または連絡担当者です", "Already acts for this group"),
    "contact_not_found": Message(404, "連絡担当者が見つかりません", "Contact not found"),
    "not_representative": Message(403, "代表者のみが行えます", "Only the representative may do this"),
    "already_representative": Message(409, "既に代表者です", "Already the representative"),
    "no_handover_for_you": Message(409, "あなた宛ての代表者交代の申し出はありません", "No handover is waiting for you"),
    # Departments, the team, committees and declared interests (the org part).
    "department_code_taken": Message(409, "この部署コードは既に使われています", "The code is already taken"),
    "not_department_staff": Message(409, "その部署の職員ではありません", "Not on that department's staff"),
    "not_on_team": Message(409, "チームのメンバーではありません", "Not on the team"),
    "term_out_of_order": Message(422, "任期の終了日が開始日より前です", "The term ends before it starts"),
    "overlapping_term": Message(409, "同じ委員の任期と重なります", "The term overlaps another term of the same member"),
    "officers_must_differ": Message(
        409, "委員長と副委員長は別の委員にしてください", "Chair and vice-chair must differ"
    ),
    "chair_not_member": Message(409, "委員長は現任の委員から選んでください", "The chair must be a member"),
    "vice_chair_not_member": Message(409, "副委員長は現任の委員から選んでください", "The vice-chair must be a member"),
    "date_before_last_change": Message(409, "前回の選任日より前の日付です", "The date is before the last change"),
    "membership_already_ended": Message(409, "この任期は既に終了しています", "This term has already ended"),
    "already_staff": Message(409, "既にこの部署の職員です", "Already on this department's staff"),
    "assignment_overlaps": Message(409, "以前の配属期間と重なります", "The assignment overlaps an earlier one"),
    "not_staff": Message(409, "この部署の職員ではありません", "Not on this department's staff"),
    "liaison_must_stay": Message(
        409,
        "連絡担当は配属解除できません。先に別の連絡担当を指名してください",
        "The liaison cannot leave: appoint another liaison first",
    ),
    "date_before_start": Message(409, "開始日より前の日付です", "The date is before the start"),
    "liaison_not_staff": Message(
        409, "連絡担当はこの部署の職員から指名してください", "The liaison must be on the staff"
    ),
    "already_liaison": Message(409, "既に連絡担当です", "Already the liaison"),
    "date_before_current_liaison": Message(
        409,
        "現在の連絡担当の指名日より前の日付です",
        "The date is before the current liaison's appointment",
    ),
    "already_listed": Message(409, "既に登録されています", "Already listed"),
    "already_declared": Message(409, "同じ利害関係を申告済みです", "This interest is already declared"),
    "already_withdrawn": Message(409, "この申告は既に取り下げられています", "Already withdrawn"),
    "already_on_team": Message(409, "既にチームのメンバーです", "Already on the team"),
    "stint_overlaps": Message(409, "以前の参加期間と重なります", "The date overlaps an earlier stint on the team"),
    "document_not_found": Message(404, "文書が見つかりません", "Document not found"),
}

# What `Refusal("not_found", what=…)` names.
TERMS: dict[str, tuple[str, str]] = {
    "department": ("部署", "Department"),
    "committee": ("委員会", "Committee"),
    "declaration": ("申告", "Declaration"),
}
