"""Benchmark: load + validate + merge 200 department plugins × 50 items (10,000 items).

The plugins are real distributions (dist-info with a ``jointcheck`` entry point, a module
and a YAML declaration) generated in a temporary directory and discovered through
importlib.metadata, exactly as installed plugins are. Target: <= 1.0 s on this machine.

Baseline, in the same run: parsing the same YAML files with libyaml's C loader
(``yaml.load(..., Loader=CSafeLoader)``: no positions, no validation, no merge), the floor
of reading them. Wall and CPU time are both printed: the machine may be shared.

    python bench/load_validate_merge.py [--plugins 200] [--items 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from timing import Took, stopwatch  # noqa: E402 - bench/, beside this script

MODULE = """\
from pathlib import Path
from jointcheck.core.hookspecs import hookimpl

@hookimpl
def jointcheck_department():
    return Path(__file__).with_name("department.yaml")
"""


def department_yaml(code: str, n_items: int) -> str:
    lines = [f"department:\n  code: {code}\n  name: 测试部门{code[-3:]}\nitems:"]
    for i in range(n_items):
        lines.append(f"""\
  - id: item_{i:03d}
    title: 是否按规定建立第{i}项安全管理制度并有记录
    group: 第{i % 5}组
    legal_basis:
      duty:
        - {{law: 中华人民共和国安全生产法, edition: 2021年修正, article: 第四十一条, clause: 第二款}}
      penalty:
        - {{law: 中华人民共和国安全生产法, edition: 2021年修正, article: 第一百零一条, clause: 第四项}}
    method: 实地检查
    guidance: 查阅制度文件与记录，现场核实。
    applicability: {{attribute: uses_special_equipment, equals: true}}
    noncompliance: {{result: 8, dispositions: [责令改正, 立案处理], refer_to: {code}}}""")
    return "\n".join(lines) + "\n"


def generate(root: Path, n_plugins: int, n_items: int) -> list[str]:
    codes = []
    for p in range(n_plugins):
        code = f"bench_dept_{p:03d}"
        codes.append(code)
        pkg = root / f"jcbench_{p:03d}"
        pkg.mkdir()
        (pkg / "__init__.py").write_text(MODULE, encoding="utf-8")
        (pkg / "department.yaml").write_text(department_yaml(code, n_items), encoding="utf-8")
        info = root / f"jcbench_{p:03d}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: jcbench-{p:03d}\nVersion: 1.0\n",
                                       encoding="utf-8")
        (info / "entry_points.txt").write_text(f"[jointcheck]\n{code} = jcbench_{p:03d}\n",
                                               encoding="utf-8")
    return codes


def campaign_yaml(codes: list[str]) -> str:
    return ("campaign:\n  id: bench\n  title: 基准测试\n  lead_department: emergency_mgmt\n"
            f"  departments: [emergency_mgmt, {', '.join(codes)}]\n  sample: {{count: 1}}\n")


def parse_floor(root: Path, campaign: Path) -> Took:
    """Wall and CPU seconds of parsing every YAML file with libyaml alone."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    paths = [campaign, *sorted(root.glob("jcbench_*/department.yaml"))]
    with stopwatch() as took:
        for path in paths:
            yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe loader
    return took


def run_once(campaign: Path) -> tuple[Took, int, int]:
    """Wall and CPU seconds (the parse fork's included) of one load+validate+merge, the
    merged items and the errors."""
    for mod in [m for m in sys.modules if m.startswith("jcbench_")]:
        del sys.modules[mod]
    from jointcheck.core.validate import validate_all

    with stopwatch() as took:
        config, checklists = validate_all([campaign])
    return took, len(checklists[0].items), len(config.errors)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--plugins", type=int, default=200)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        codes = generate(root, args.plugins, args.items)
        campaign = root / "campaign.yaml"
        campaign.write_text(campaign_yaml(codes), encoding="utf-8")
        sys.path.insert(0, str(root))
        import jointcheck.core.validate  # noqa: F401 - import cost is not part of the figure

        def measure(cache: str) -> tuple[list[Took], int]:
            runs = []
            for i in range(args.repeat):
                # cold: an empty parse cache for every run; warm: one shared, filled by run 0
                os.environ["JOINTCHECK_CACHE_DIR"] = str(root / f"cache-{cache}-{i if cache == 'cold' else 0}")
                took, n_items, n_errors = run_once(campaign)
                assert n_errors == 0, "the generated configuration should be valid"
                runs.append(took)
            return (runs[1:] if cache == "warm" else runs), n_items

        cold, n_items = measure("cold")
        warm, _n = measure("warm")
        floors = [parse_floor(root, campaign) for _ in range(args.repeat)]
    base = statistics.median(f.seconds for f in floors)
    base_cpu = statistics.median(f.cpu for f in floors)
    print(f"plugins={args.plugins} items/plugin={args.items} merged items={n_items}")
    print(f"baseline: libyaml C loader on the same files (no positions, no validation) "
          f"median {base:.3f} s, CPU {base_cpu:.3f} s")
    for label, runs in (("cold (empty parse cache)", cold), ("warm (parse cache filled)", warm)):
        times = [t.seconds for t in runs]
        median, cpu = statistics.median(times), statistics.median(t.cpu for t in runs)
        print(f"{label}: load+validate+merge median {median:.3f} s, best {min(times):.3f} s "
              f"over {len(times)} runs, CPU {cpu:.3f} s; {n_items / median:,.0f} items/s; "
              f"{median / base:.1f} x baseline wall, {cpu / base_cpu:.1f} x CPU; "
              f"target <= 1.0 s -> {'OK' if median <= 1.0 else 'MISSED'}")


if __name__ == "__main__":
    main()
