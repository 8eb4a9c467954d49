"""Refusals of the coordination window (総合的な窓口) (see `messages.py`)."""

from __future__ import annotations

from kyodo_shared.web.messages import Message

MESSAGES: dict[str, Message] = {
    "case_not_found": Message(404, "相談案件が見つかりません", "Case not found"),
    "case_busy": Message(503, "相談案件が更新中です", "The case is being changed", retry_after=1),
    "case_closed": Message(
        409,
        "この相談案件は終了しています",
        "This case is closed",
        "終了した案件は変更できません（結果: {outcome}）。",
        "A closed case cannot change (outcome: {outcome}).",
    ),
    "case_group_unknown": Message(422, "団体が名簿にありません", "The group is not in the directory"),
    "case_group_not_registered": Message(
        422,
        "登録団体ではありません",
        "Not a registered group",
        "招待できるのは登録中の団体だけです。",
        "Only groups registered in the directory can be invited.",
    ),
    "case_department_unknown": Message(422, "部署が見つかりません", "Department not found"),
    "case_not_for_this_group": Message(
        403, "この団体の代表者・連絡担当者ではありません", "You do not act for this group"
    ),
    "case_not_the_liaison": Message(
        403, "この部署の協働推進員（連絡担当）ではありません", "You are not this department's liaison"
    ),
    "contact_for_citizens_only": Message(
        422,
        "連絡先は市民からの相談にだけ記録できます",
        "Contact details are kept only for a citizen's case",
        "団体・部署の連絡先は名簿にあります。",
        "Groups and departments are reached through the directory.",
    ),
    "contact_retention_unset": Message(
        503,
        "連絡先を保管できません",
        "Contact details cannot be kept",
        "保管期間（privacy.retention_days の case_contact）が設定されていません。連絡先なしで受け付けてください。",
        "No retention period is set (privacy.retention_days: case_contact); raise the case without the contact.",
    ),
    "case_departments_repeated": Message(
        422, "部署を1つ以上、重複なく指定してください", "Name one or more departments, each once"
    ),
    "already_routed": Message(409, "この部署には既に取り次いでいます", "Already routed to this department"),
    "not_routed": Message(409, "この部署には取り次がれていません", "The case was not routed to this department"),
    "already_acknowledged": Message(
        409, "この部署は既に受付確認しています", "This department has acknowledged already"
    ),
    "case_groups_repeated": Message(
        422, "団体を1つ以上、重複なく指定してください", "Name one or more groups, each once"
    ),
    "already_invited": Message(409, "この団体は既に招待されています", "This group is invited already"),
    "raiser_invited": Message(
        409, "相談した団体自身は招待できません", "The group that raised the case cannot be invited to it"
    ),
    "case_already_linked": Message(409, "既に関連付けられています", "Already linked"),
    "month_not_over": Message(
        422,
        "まだ終わっていない月は公表できません",
        "A month not yet over cannot be published",
        "前月以前の月を指定してください。",
        "Name a month before the current one.",
    ),
    "figures_published": Message(
        409, "この月の集計は公表済みです", "This month's figures are published already", "（{month}）", "({month})"
    ),
    "figures_not_found": Message(404, "この月の集計はまだ公表されていません", "No figures published for this month"),
    "raiser_id_required": Message(
        422,
        "相談者の団体または部署を指定してください",
        "Name the raising group or department",
        "団体からの相談は group_id、部署からの相談は department_id を指定し、もう一方は指定しないでください。",
        "A group's case names group_id, a department's department_id, and not the other.",
    ),
    "citizen_names_no_party": Message(
        422,
        "市民からの相談に団体・部署は指定できません",
        "A citizen's case names no group or department",
    ),
}
