"""``jointcheck sample-data``: write synthetic target and officer libraries."""

from __future__ import annotations

import click

from ..i18n import translator
from ..libraries.sample import campaign_specs, write_sample
from ._common import cannot_write, open_campaign_or_fail

_ = translator({
    "help": ("生成合成的名录库样例数据（targets.csv、officers.csv），用于演示、测试和基准",
             "Write synthetic libraries (targets.csv, officers.csv) for demos, tests and benchmarks"),
    "opt_targets": ("检查对象数量", "number of targets"),
    "opt_officers": ("执法检查人员数量", "number of officers"),
    "opt_seed": ("随机种子（相同种子生成相同文件）", "random seed (the same seed writes the same files)"),
    "opt_out": ("输出目录", "output directory"),
    "opt_campaign": ("按该实施方案生成：其每个部门的执法检查人员（具备方案要求的资格），以及部门插件声明的检查对象属性列",
                     "for this campaign: officers of each of its departments (with the "
                     "qualifications it asks for) and a column for each target attribute its "
                     "department plugins declare"),
    "written": ("已生成 {targets}（{nt} 户检查对象）和 {officers}（{no} 名执法检查人员）",
                "wrote {targets} ({nt} targets) and {officers} ({no} officers)"),
    "next": ("导入：jointcheck targets import {targets} && jointcheck officers import {officers}",
             "import them: jointcheck targets import {targets} && jointcheck officers import {officers}"),
})


@click.command("sample-data", help=_("help"))
@click.option("--targets", "n_targets", type=click.IntRange(min=0), default=1000,
              show_default=True, help=_("opt_targets"))
@click.option("--officers", "n_officers", type=click.IntRange(min=0), default=60,
              show_default=True, help=_("opt_officers"))
@click.option("--seed", default="2020", show_default=True, help=_("opt_seed"))
@click.option("-o", "--output", "outdir", required=True,
              type=click.Path(file_okay=False, writable=True), help=_("opt_out"))
@click.option("--campaign", type=click.Path(path_type=str), default=None,
              help=_("opt_campaign"))
def sample_data(n_targets: int, n_officers: int, seed: str, outdir: str,
                campaign: str | None) -> None:
    if campaign is None:
        departments, attributes = campaign_specs((), None)
    else:
        opened = open_campaign_or_fail(campaign)
        departments, attributes = campaign_specs(opened.checklist.departments,
                                                 opened.campaign)
    try:
        targets_path, officers_path = write_sample(outdir, targets=n_targets,
                                                   officers=n_officers, seed=seed,
                                                   departments=departments,
                                                   attributes=attributes)
    except OSError as exc:
        cannot_write(exc, outdir)
    click.echo(_("written", targets=targets_path, nt=n_targets, officers=officers_path,
                 no=n_officers))
    click.echo(_("next", targets=targets_path, officers=officers_path))
