"""Everything the app says, in Simplified Chinese and English (core.i18n)."""

from __future__ import annotations

from dataclasses import replace

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
    "note": ("问题说明", "问题说明 (note)"),
    "opinion": ("处理意见", "处理意见"),
    "remarks": ("备注", "备注 (record remarks)"),
    "submit": ("提交", "Submit"),
    "legal": ("法律依据", "Legal basis"),
    "date": ("检查日期", "Check date"),
    "outcome": ("检查情况", "Visit outcome"),
    "escort": ("陪同人员", "Escort"),
    "officers": ("检查人员", "Officers present"),
    "amend": ("修改", "Amend"),
    "history": ("历史版本", "Versions"),
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
    # the office's review (汇总审核)
    "review": ("汇总审核", "Review results"),
    "review_title": ("汇总审核（共同协商汇总结果）", "Review of the results (共同协商汇总结果)"),
    "review_filter": ("输入名称、代码、结果或“未确认”筛选…",
                      "Type a name, code, result or 未确认 to filter…"),
    "review_none": ("还没有已提交的检查记录。", "No submitted record yet."),
    "review_no_match": ("没有符合筛选条件的记录。", "No record matches the filter."),
    "details": ("详情", "Details"),
    "settle": ("确认结果", "Settle"),
    "change_result": ("修改结果", "Change result"),
    "add_disposition": ("增加处理结果", "Add disposition"),
    "remove_disposition": ("删去处理结果", "Remove disposition"),
    "record_heading": ("任务 {task} · {name} · 第 {version} 版 · {state}",
                       "Task {task} · {name} · version {version} · {state}"),
    "targets_heading": ("各部门结果（计算结果为建议，可修改，须说明理由）",
                        "Results by department (computed as a proposal; change with a reason)"),
    "problems_heading": ("不符合的检查事项", "不符合 items"),
    "history_heading": ("修改记录（理由、修改人、时间）", "Changes (reason, who, when)"),
    "no_history": ("无", "none"),
    "settled_by": ("确认：{at}，{by}", "Settled {at} by {by}"),
    "result_title": ("修改{target}的抽查结果", "Change the result of {target}"),
    "add_title": ("为{target}增加处理结果", "Add a disposition to {target}"),
    "remove_title": ("删去{target}的处理结果", "Remove a disposition of {target}"),
    "current": ("（当前）", " (current)"),
    "reason": ("理由（必填）", "Reason (required)"),
    "reason_placeholder": ("例如：经与各部门协商，问题已当场整改",
                           "e.g. agreed with the departments: corrected on the spot"),
    "no_reason": ("理由不能为空：请写明为什么修改，修改未保存。",
                  "The reason must not be empty: say why; nothing was stored."),
    "dispositions_of_department": ("处理结果属于各部门：请先选择一个部门。",
                                   "Dispositions belong to a department: choose one first."),
    "nothing_to_add": ("{target}已有全部处理结果。", "{target} has every disposition already."),
    "nothing_to_remove": ("{target}没有处理结果可删去。", "{target} has no disposition to remove."),
    "changed": ("已修改：{what}", "Changed: {what}"),
    "unsettled": ("该记录的结果原已确认，现已解除确认：请重新确认（Ctrl+S）。",
                  "The record's results were settled; they are unsettled now: settle again "
                  "(Ctrl+S)."),
    "busy_write": ("数据库正忙（另一项写入正在进行），修改未保存，请稍后再试。",
                   "The store is busy (another write is under way): nothing was stored; try "
                   "again shortly."),
    "store_error": ("无法读写数据库：{error}", "The store cannot be read or written: {error}"),
    "not_saved_retry": ("未保存：{message}", "Not stored: {message}"),
    "settle_title": ("确认实施方案的结果", "Settle the campaign's results"),
    "settle_ready": ("将确认 {todo} 户企业已提交记录的结果（此前已确认 {already} 户）。确认后，报表和公示使用确认的结果；"
                     "之后修改或更正记录会解除确认。",
                     "This settles the results of {todo} submitted record(s) ({already} settled "
                     "before). Reports and the publication use settled results; a later change "
                     "or amendment unsettles a record."),
    "settle_missing_heading": ("未提交记录的企业：", "Enterprises without a submitted record:"),
    "allow_missing": ("仍然确认：只确认已提交的 {n} 户，未提交的 {m} 户暂不确认",
                      "Settle anyway: the {n} submitted only; the {m} missing stay unsettled"),
    "must_allow_missing": ("仍有记录未提交：如确需只确认已提交的记录，请先勾选上面的“仍然确认”。",
                           "Records are missing: tick “Settle anyway” above to settle the "
                           "submitted ones only."),
    "do_settle": ("确认", "Settle"),
    "nothing_to_settle": ("没有需要确认的记录：已提交的记录均已确认。",
                          "Nothing to settle: every submitted record is settled."),
    "settled_done": ("已确认 {n} 户企业的结果；此前已确认 {already} 户。",
                     "Settled {n} enterprise(s); {already} were settled before."),
    "settled_missing": ("未提交记录、未确认：{n} 户。", "Not submitted, not settled: {n}."),
    "review_campaign_none": ("没有可审核的实施方案：请先抽取（jointcheck draw run）。",
                             "No campaign to review: run a draw first (jointcheck draw run)."),
    # inspection screen
    "task": ("任务 {id}", "task {id}"),
    "saved": ("已保存", "saved"),
    "saving": ("保存中…", "saving…"),
    "busy": ("未保存（数据库忙，正在重试）", "not saved (database busy, retrying)"),
    "unsaved": ("未保存", "not saved"),
    "readonly": ("只读", "read-only"),
    "items_heading": ("检查事项", "Items"),
    "results_heading": ("结果（自动计算，可在提交前复核）", "Results (computed; review before submitting)"),
    "results_submitted": ("结果（提交时计算）", "Results (computed when submitted)"),
    "does_not_apply": ("该事项不适用于该企业，只能为“不适用”。", "This item does not apply to this "
                       "enterprise: it can only be 不适用."),
    "read_only_hint": ("已提交的记录只读；按 a 修改（需说明理由）。",
                       "A submitted record is read-only; press a to amend it (with a reason)."),
    "versions": ("版本：{list}", "Versions: {list}"),
    "version": ("第 {n} 版 {at} {by}{reason}", "v{n} {at} {by}{reason}"),
    "version_short": ("第 {n} 版", "v{n}"),
    "reason_part": ("（{r}）", " ({r})"),
    "rejected": ("未保存：{message}", "Not saved: {message}"),
    "amending": ("修改中：{reason}", "Amending: {reason}"),
    "older": ("（旧版本）", " (an older version)"),
    "history_title": ("选择要查看的已提交版本", "Choose a submitted version to read"),
    # modals
    "note_title": ("问题说明：{title}", "问题说明 (note): {title}"),
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
    "facts": ("企业信息", "Enterprise facts"),
    "facts_title": ("更正企业信息（以现场核实为准）", "Correct the enterprise's facts (as found on site)"),
    "facts_help": ("与名录库不同的值记入本记录；改回名录库的值即撤销更正。适用的检查事项随之更新。",
                   "Values that differ from the library are kept with this record; setting "
                   "one back to the library's value withdraws the correction. The items that "
                   "apply follow."),
    "facts_library": ("名录库：{value}", "library: {value}"),
    "facts_unknown": ("不详", "unknown"),
    "facts_number": ("“{label}”应为数字", "“{label}” takes a number"),
    "facts_changed": ("企业信息已更正：{what}", "Enterprise facts corrected: {what}"),
    "facts_withdrawn": ("已撤销企业信息的更正，按名录库", "Corrections withdrawn: the library's facts apply"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "ok": ("确定", "OK"),
    # login (a server store without a configured password)
    "login_title": ("登录", "Log in"),
    "login_help": ("数据库服务器 {where} 需要您的登录名和密码（每人使用自己的登录）。",
                   "The database server {where} needs your login and password (each person "
                   "uses their own login)."),
    "login_user": ("登录名", "Login"),
    "login_password": ("密码", "Password"),
    "login_ok": ("登录", "Log in"),
    "login_missing": ("请填写登录名和密码", "Please enter the login and the password"),
    "login_connecting": ("正在连接…", "Connecting…"),
    "cancel": ("取消", "Cancel"),
    "submit_title": ("提交检查记录", "Submit the record"),
    "referrals_heading": ("提交后将移交的问题（不符合且未当场整改的事项移交接收部门；选择一项可返回修改）：",
                          "What submitting will refer (a 不符合 item not corrected on the spot "
                          "goes to its receiving department; choose one to go back to it):"),
    "referrals_none": ("无：没有需要移交的问题", "nothing: no problem to refer"),
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
    bindings = node._bindings.key_to_bindings
    for key, listed in bindings.items():
        bindings[key] = [replace(b, description=_(b.description))
                         if b.description in CATALOGUE else b for b in listed]
