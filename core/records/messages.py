"""Problem codes JC801–JC839 of the records (tasks, drafts, submit, amend) and JC840–JC859
of the results (consolidation, reports, publication)."""

from __future__ import annotations

from ..errors import register
from ..i18n import Localized

# The names of a task's statuses, as problems and core.present.records say them.
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "pending": ("待检查", "pending"),
    "draft": ("草稿", "draft"),
    "submitted": ("已提交", "submitted"),
    "amending": ("修改中", "amending"),
}


def status_name(status: str) -> str:
    """A task status by its name, in the active language (the status itself if unknown)."""
    pair = STATUS_NAMES.get(status)
    return Localized(*pair) if pair else status


CODES: dict[str, tuple[str, str]] = {
    "JC801": ("任务“{task}”不存在", "there is no task '{task}'"),
    "JC802": ("任务“{task}”的记录已提交（第 {version} 版），已提交的记录只读",
              "the record of task '{task}' was submitted (version {version}); a submitted "
              "record is read-only"),
    "JC803": ("“{what}”已被 {by} 于 {at} 修改，您看到的是旧内容",
              "'{what}' was changed by {by} at {at} since you loaded it"),
    "JC804": ("未知的记录字段“{key}”", "unknown record field '{key}'"),
    "JC805": ("“{what}”的值无效：{detail}", "invalid value for '{what}': {detail}"),
    "JC806": ("任务“{task}”的记录尚未提交，无法修改", "the record of task '{task}' was never "
              "submitted: there is nothing to amend"),
    "JC807": ("任务“{task}”没有第 {version} 版记录", "task '{task}' has no version {version}"),
    "JC808": ("任务“{task}”属于实施方案“{expected}”，但给出的实施方案是“{given}”",
              "task '{task}' belongs to campaign '{expected}', but the campaign given is "
              "'{given}'"),
    "JC809": ("检查事项快照 {fingerprint} 已损坏：按内容计算的指纹为 {actual}",
              "the checklist snapshot {fingerprint} is damaged: its content computes to "
              "{actual}"),
    "JC810": ("{department}第{n}项尚未填写检查结果：{title}",
              "{department} item {n} has no result yet: {title}"),
    "JC811": ("{department}第{n}项为不符合，但没有填写问题说明：{title}",
              "{department} item {n} is non-compliant but has no note: {title}"),
    "JC812": ("{department}到场的执法检查人员只有 {count} 名，至少需要 2 名（行政处罚法 第四十二条）",
              "only {count} officer(s) of {department} present; at least 2 are required "
              "(行政处罚法 第四十二条)"),
    "JC813": ("尚未填写检查日期", "the check date is missing"),
    "JC814": ("检查日期 {date} 不在实施方案的抽查时间 {start} 至 {end} 之内",
              "the check date {date} is outside the campaign period {start} to {end}"),
    "JC815": ("执法证号 {cert_no} 不是本任务抽取的检查人员",
              "{cert_no} is not an officer drawn for this task"),
    "JC816": ("修改理由不能为空", "the reason must not be empty"),
    "JC817": ("任务“{task}”正在修改中，请先提交或放弃修改", "task '{task}' is being amended: "
              "submit or discard the amendment first"),
    "JC818": ("数据库中没有任务“{task}”的检查事项快照", "the store has no checklist for "
              "task '{task}'"),
    "JC819": ("{department}的“{item}”不适用于该企业，不能填写“{result}”",
              "{department} item '{item}' does not apply to this enterprise; it cannot be "
              "'{result}'"),
    "JC820": ("数据库正忙（另一项写入正在进行，如名录库导入），本次填写尚未保存",
              "the store is busy (another write, such as a library import, is under way); "
              "this answer is not stored yet"),
    "JC821": ("企业信息更正中的“{attribute}”不是已知的检查对象属性",
              "'{attribute}' in the corrected enterprise facts is not a known target attribute"),
    "JC840": ("还有 {n} 户企业没有已提交的检查记录：{tasks}",
              "{n} drawn enterprise(s) have no submitted record: {tasks}"),
    "JC841": ("任务“{task}”没有已提交的检查记录，无法确认或修改其结果",
              "task '{task}' has no submitted record: there is no result to settle or change"),
    "JC842": ("抽查结果代码 {value} 无效，应为 {allowed} 之一",
              "result code {value} is not one of {allowed}"),
    "JC843": ("该记录没有部门“{department}”（可选：{allowed}）",
              "the record has no department '{department}' (choose one of {allowed})"),
    "JC844": ("处理结果“{value}”无效，应为 {allowed} 之一",
              "disposition '{value}' is not one of {allowed}"),
    "JC845": ("理由不能为空", "the reason must not be empty"),
    "JC846": ("没有要修改的内容", "nothing to change"),
    "JC847": ("处理结果属于各部门，请用 --department 指定部门",
              "dispositions belong to a department: name it with --department"),
    "JC848": ("实施方案“{campaign}”没有检查任务", "campaign '{campaign}' has no inspection tasks"),
    "JC849": ("实施方案“{campaign}”还没有已确认的结果", "campaign '{campaign}' has no settled results yet"),
    "JC850": ("列映射文件无效：{detail}", "invalid column mapping file: {detail}"),
    "JC851": ("无法写入 {target}：{detail}", "cannot write {target}: {detail}"),
    "JC852": ("任务“{task}”不属于实施方案“{campaign}”或没有已确认的结果",
              "task '{task}' is not a settled record of campaign '{campaign}'"),
    "JC854": ("任务“{task}”的结果已于 {date} 公示，本次修改使其变为未确认",
              "the result of task '{task}' was published on {date}; this change unsettles it"),
    "JC853": ("任务“{task}”的记录在你查看之后已被修改（你看到的是第 {seen} 版，现在是第 {now} "
              "版，{status}）",
              "the record of task '{task}' changed after you looked at it (you saw version "
              "{seen}; it is version {now} now, {status})"),
}

HINTS: dict[str, tuple[str, str]] = {
    "JC801": ("请用 jointcheck tasks list 查看任务编号。",
              "Please list the tasks with `jointcheck tasks list`."),
    "JC802": ("如需更正，请用 jointcheck record amend（或在检查界面按 a）并说明理由。",
              "To correct it, use `jointcheck record amend` (or press a in the app) with a "
              "reason."),
    "JC803": ("请查看对方的修改，再决定保留哪一个。",
              "Please look at the other change and decide which to keep."),
    "JC806": ("请用 jointcheck record submit 提交。", "Please use `jointcheck record submit`."),
    "JC808": ("请用 --campaign 指定该任务所属的实施方案文件。",
              "Please name the task's campaign file with --campaign."),
    "JC809": ("数据库中的快照被改动过；请用 jointcheck audit verify 检查数据库。",
              "The snapshot in the store was altered; please check the store with "
              "`jointcheck audit verify`."),
    "JC811": ("请写明发现的问题（检查界面按 Enter 编辑问题说明）。",
              "Please describe what was found (press Enter in the app to edit the note)."),
    "JC812": ("请在 officers_present 中列出到场人员的执法证号。",
              "Please list the officers present (their 执法证号) in officers_present."),
    "JC814": ("如检查日期无误，请确认（命令行加 --confirm-date）。",
              "If the date is right, confirm it (add --confirm-date on the command line)."),
    "JC816": ("请写明修改的理由。", "Please say why the record is amended."),
    "JC821": ("可更正的是名录库的列和部门插件声明的属性。",
              "What can be corrected are the target library's columns and the attributes "
              "departments declare."),
    "JC820": ("请稍后重试；检查界面会自动重试，直到保存成功。",
              "Please try again shortly; the app retries by itself until it is stored."),
    "JC818": ("请用 --campaign 指定该任务所属的实施方案文件。",
              "Please name the task's campaign file with --campaign."),
    "JC840": ("请等待检查组提交记录，或加 --allow-missing 只确认已提交的记录。",
              "Wait for the teams' records, or add --allow-missing to settle the submitted "
              "ones only."),
    "JC841": ("请先提交检查记录（jointcheck record submit）。",
              "Please submit the record first (`jointcheck record submit`)."),
    "JC845": ("请写明理由（--reason）。", "Please give the reason (--reason)."),
    "JC846": ("请给出 --result、--add-disposition 或 --remove-disposition。",
              "Please give --result, --add-disposition or --remove-disposition."),
    "JC848": ("该实施方案还没有抽取：请先运行 jointcheck draw commit 和 jointcheck draw run。",
              "The campaign has not been drawn yet: please run `jointcheck draw commit` and "
              "`jointcheck draw run` first."),
    "JC849": ("请先用 jointcheck results settle 确认结果。",
              "Please settle the results first with `jointcheck results settle`."),
    "JC850": ("映射文件为 YAML：每行“平台列名: 字段”，字段可选 name、credit_code、departments、"
              "inspected_on、result、department_results。",
              "The mapping is YAML, one 'platform column: field' per line; fields: name, "
              "credit_code, departments, inspected_on, result, department_results."),
    "JC851": ("请检查目录是否存在且可写。", "Please check that the folder exists and is writable."),
    "JC852": ("请用 jointcheck results list 查看已确认的任务。",
              "Please list the settled tasks with `jointcheck results list`."),
    "JC854": ("公示的仍是修改前的结果：请重新确认（jointcheck results settle），再重新公示"
              "（jointcheck publish），以更正公示内容。",
              "What is published is still the result before the change: settle again "
              "(jointcheck results settle), then publish again (jointcheck publish) to correct "
              "it."),
    "JC853": ("请重新查看该记录的结果，再决定是否修改；本次修改未保存。",
              "Look at the record's results again before changing them; nothing was stored."),
}

register(CODES, HINTS)
