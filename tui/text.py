"""Everything the app says, in Simplified Chinese and English (core.i18n)."""

from __future__ import annotations

from jointcheck.core.i18n import translator

CATALOGUE: dict[str, tuple[str, str]] = {
    # bindings (footer, command palette, help screen)
    "quit": ("退出", "Quit"),
    "help": ("帮助", "Help"),
    "back": ("返回", "Back"),
    "down": ("下一项", "Next item"),
    "up": ("上一项", "Previous item"),
    "compliant": ("符合", "符合 (compliant)"),
    "noncompliant": ("不符合", "不符合 (non-compliant)"),
    "not_applicable": ("不适用", "不适用 (not applicable)"),
    "corrected": ("当场整改", "当场整改 (corrected on site)"),
    "note": ("备注", "Note"),
    "opinion": ("处理意见", "处理意见"),
    "remarks": ("备注（记录）", "备注 (record)"),
    "submit": ("提交", "Submit"),
    "legal": ("法律依据", "Legal basis"),
    "date": ("检查日期", "Check date"),
    "outcome": ("检查情况", "Visit outcome"),
    "escort": ("陪同人员", "Escort"),
    "officers": ("检查人员", "Officers present"),
    "amend": ("修改", "Amend"),
    "open": ("打开", "Open"),
    "filter": ("筛选", "Filter"),
    "palette": ("命令", "Commands"),
    # task list
    "tasks_title": ("检查任务", "Inspection tasks"),
    "filter_placeholder": ("输入名称、代码或组长筛选…", "Type a name, code or leader to filter…"),
    "c_seq": ("抽取序号", "抽取序号"),
    "c_name": ("市场主体名称", "市场主体名称"),
    "c_code": ("统一社会信用代码", "统一社会信用代码"),
    "c_leader": ("组长", "Leader"),
    "c_status": ("状态", "Status"),
    "c_date": ("检查日期", "Check date"),
    "c_task": ("任务", "Task"),
    "no_tasks": ("没有检查任务。请先用 jointcheck draw run 抽取。",
                 "No inspection tasks. Run a draw first (jointcheck draw run)."),
    "loading": ("正在读取…", "Loading…"),
    # dashboard
    "dashboard": ("进度", "Progress"),
    "dashboard_title": ("实施方案进度", "Campaign progress"),
    "due_heading": ("逾期和 7 日内到期的事项（逾期在前）", "Overdue and due within 7 days (overdue first)"),
    "none_due": ("没有逾期或 7 日内到期的事项", "Nothing overdue or due within 7 days"),
    "reload": ("刷新", "Reload"),
    "no_campaign": ("没有可显示进度的实施方案", "No campaign to show the progress of"),
    # inspection screen
    "task": ("任务 {id}", "task {id}"),
    "saved": ("已保存", "saved"),
    "saving": ("保存中…", "saving…"),
    "busy": ("未保存（数据库忙，正在重试）", "not saved (database busy, retrying)"),
    "unsaved": ("未保存", "not saved"),
    "readonly": ("只读", "read-only"),
    "items_heading": ("检查事项", "Items"),
    "results_heading": ("结果（自动计算，可在提交前复核）", "Results (computed; review before submitting)"),
    "does_not_apply": ("该事项不适用于该企业，只能为“不适用”。", "This item does not apply to this "
                       "enterprise: it can only be 不适用."),
    "read_only_hint": ("已提交的记录只读；按 a 修改（需说明理由）。",
                       "A submitted record is read-only; press a to amend it (with a reason)."),
    "versions": ("版本：{list}", "Versions: {list}"),
    "version": ("第 {n} 版 {at} {by}{reason}", "v{n} {at} {by}{reason}"),
    "reason_part": ("（{r}）", " ({r})"),
    "rejected": ("未保存：{message}", "Not saved: {message}"),
    "amending": ("修改中：{reason}", "Amending: {reason}"),
    # modals
    "note_title": ("备注：{title}", "Note: {title}"),
    "note_help": ("输入即保存 · Ctrl+S 或 Esc 关闭", "Saved as you type · Ctrl+S or Esc closes"),
    "opinion_title": ("处理意见（根据检查结果生成，可修改）", "处理意见 (generated from the findings; edit freely)"),
    "remarks_title": ("备注", "备注"),
    "date_title": ("检查日期（YYYY-MM-DD）", "Check date (YYYY-MM-DD)"),
    "bad_date": ("日期格式应为 YYYY-MM-DD，例如 2020-07-15", "Use YYYY-MM-DD, e.g. 2020-07-15"),
    "escort_title": ("陪同人员（企业方签字人）", "Escort (the enterprise's signatory)"),
    "escort_name": ("姓名", "Name"),
    "escort_position": ("职务", "Position"),
    "outcome_title": ("检查情况", "Visit outcome"),
    "officers_title": ("到场的执法检查人员（每个部门至少 2 名；空格选择）",
                       "Officers present (at least 2 per department; space toggles)"),
    "pick_one": ("至少选择一名", "Choose at least one"),
    "ok": ("确定", "OK"),
    "cancel": ("取消", "Cancel"),
    "submit_title": ("提交检查记录", "Submit the record"),
    "submit_problems": ("以下问题需先处理（选择一项可跳转）：", "Fix these first (choose one to jump to it):"),
    "submit_ready": ("可以提交。提交后记录只读，如需更正须说明理由修改。",
                     "Ready to submit. A submitted record is read-only; corrections are "
                     "amendments with a reason."),
    "confirm_date": ("检查日期不在抽查时间内，仍然提交", "The date is outside the campaign "
                     "period: submit anyway"),
    "do_submit": ("提交", "Submit"),
    "submitting": ("正在提交…", "Submitting…"),
    "submitted": ("已提交第 {n} 版。", "Version {n} submitted."),
    "amend_title": ("修改已提交的记录：请说明理由", "Amend the submitted record: give the reason"),
    "conflict_title": ("“{what}”已被 {by} 修改", "“{what}” was changed by {by}"),
    "conflict_mine": ("我的：{value}", "Mine: {value}"),
    "conflict_theirs": ("对方的：{value}", "Theirs: {value}"),
    "keep_mine": ("保留我的", "Keep mine"),
    "keep_theirs": ("保留对方的", "Keep theirs"),
    "empty": ("（空）", "(empty)"),
    "help_title": ("按键说明", "Keys"),
    "c_key": ("按键", "Key"),
    "c_action": ("功能", "Action"),
    "help_close": ("按 Esc 或 ? 关闭", "Esc or ? closes"),
    "crashed": ("出现意外错误，已填写的内容均已保存；错误详情已写入 {path}",
                "An unexpected error occurred; everything entered is stored. Details: {path}"),
    "crashed_nolog": ("出现意外错误，已填写的内容均已保存；错误详情无法写入日志：{error}",
                      "An unexpected error occurred; everything entered is stored. The crash "
                      "log could not be written: {error}"),
}
_ = translator(CATALOGUE)


def localise(node) -> None:
    """Translate the descriptions of *node*'s bindings now, in the active language.

    Bindings are declared with a catalogue key as description (class attributes exist
    before ``--lang`` is known); each screen calls this from ``__init__``."""
    from dataclasses import replace

    bindings = node._bindings.key_to_bindings
    for key, listed in bindings.items():
        bindings[key] = [replace(b, description=_(b.description))
                         if b.description in CATALOGUE else b for b in listed]
