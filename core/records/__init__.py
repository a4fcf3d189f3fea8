"""Inspection tasks and records (联合检查记录表, 附件4).

Every drawn target of a draw is a **task** (``tasks``) with its team and a status:
待检查 ``pending`` → 草稿 ``draft`` (once anything is entered) → 已提交 ``submitted``
(→ 修改中 ``amending`` while an amendment is being made, → ``submitted`` again).

Records have a write path of their own (docs/records.md): each answer of a draft is one
row of ``task_answers`` with its own version, written in a short transaction of its own
with a compare-and-set on that version, so that two officers editing different items of
one record never overwrite each other and an edit of an item someone else changed is a
:class:`~.service.AnswerConflict`, never a silent overwrite. No store-wide lock is taken
for an answer; the audit chain takes only submit, amend and override.

Submitting stores a read-only version (``record_versions``) with the findings, the
classification computed by :mod:`core.classify` and the fingerprint of the checklist
snapshot (``checklists``) the record was filled against.

Modules: :mod:`.snapshot` (checklist snapshots), :mod:`.service` (tasks, drafts, submit,
amend), :mod:`.messages` (the JC8xx codes).
"""
