"""The publication page ``index.html``: one static file, no network, no external script or
font, readable on a phone. Its three parts follow the plan's 公开透明原则: 事项公开 (the
joint checklist), 程序公开 (the draw and how to replay it), 结果公开 (the settled results,
searchable by 市场主体名称 or 统一社会信用代码, 50 to a page).

Up to ``page_rows`` enterprises are embedded in the page; beyond that the rows go to
``data/results-NNNN.js`` files beside it, loaded one after another by script elements
(which work from a local folder, unlike fetch), so the first page shows at once and
search covers what has loaded (the page says how much).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _js(value: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def compact(records: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Rows as ``[name, code, date, i_departments, i_result, i_department_results]``,
    the repeated texts replaced by indexes into one table of strings."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def ref(text: str) -> int:
        n = index.get(text)
        if n is None:
            n = index[text] = len(strings)
            strings.append(text)
        return n

    rows = [[r["name"], r["credit_code"], r["inspected_on"], ref(r["departments"]),
             ref(r["result"]), ref(r["department_results"])] for r in records]
    return strings, rows


def write_index(folder: Path, about: Mapping[str, Any], items: Sequence[Mapping[str, Any]],
                draws: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]], *,
                page_rows: int) -> list[Path]:
    """Write index.html (and data/*.js when paged); return the files written."""
    strings, rows = compact(records)
    written = []
    pages = 0
    inline: list[list[Any]] = rows
    if len(rows) > page_rows:
        data = folder / "data"
        data.mkdir(exist_ok=True)
        for old in data.glob("results-*.js"):
            old.unlink()
        inline = []
        for start in range(0, len(rows), page_rows):
            pages += 1
            path = data / f"results-{pages:04d}.js"
            path.write_text(f"jcData({_js(rows[start:start + page_rows])});\n",
                            encoding="utf-8")
            written.append(path)
    page = PAGE.format(
        title=html.escape(about["title"]),
        docno=html.escape(about.get("document_number") or ""),
        issuer=html.escape(about.get("issuer") or ""),
        published=html.escape(about["published_on"]),
        items=_items_html(items),
        draws=_draws_html(draws), how=HOW_TO_CHECK,
        total=len(rows),
        script=SCRIPT.replace("__STRINGS__", _js(strings)).replace("__ROWS__", _js(inline))
                     .replace("__PAGES__", str(pages)).replace("__TOTAL__", str(len(rows))),
    )
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return [index, *written]


def _items_html(items: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for block in items:
        lis = "".join(f"<li>{html.escape(t)}</li>" for t in block["items"])
        parts.append(f"<h3>{html.escape(block['department'])}</h3><ol>{lis}</ol>")
    return "\n".join(parts)


def _draws_html(draws: Sequence[Mapping[str, Any]]) -> str:
    labels = [("at", "抽取时间（北京时间）"), ("commitment", "随机种子承诺值（SHA-256）"),
              ("seed", "随机种子"), ("algorithm_version", "抽取算法版本"),
              ("eligible", "符合条件的检查对象户数"), ("drawn", "抽取户数"),
              ("targets_fingerprint", "检查对象名录库指纹"),
              ("officers_fingerprint", "执法检查人员名录库指纹"), ("result_digest", "抽取结果摘要"),
              ("inspection_limits", "检查频次限制"), ("history_fingerprint", "检查历史指纹"),
              ("reason", "补充抽取理由")]
    parts = []
    for d in draws:
        rows = "".join(f"<dt>{label}</dt><dd><code>{html.escape(str(d.get(key) or '—'))}"
                       "</code></dd>" for key, label in labels
                       if key in d and (key != "reason" or d.get(key)))
        if d.get("files"):
            links = "".join(f'<li><a href="{html.escape(f)}">{html.escape(f)}</a>'
                            f"（{_FILE_NOTES[f.rsplit('-', 1)[-1] if f.endswith('.csv') else 'json']}）"
                            "</li>" for f in d["files"])
            check = f"<p>复核所用的文件：</p><ul>{links}</ul>"
        elif d.get("unavailable") == "record":
            check = ("<p>本次抽取的记录无法由本软件重放，未提供复核文件；如需复核，请向组织抽取的"
                     "单位申请。</p>")
        else:
            check = ("<p>检查对象名录库或执法检查人员名录库在本次抽取后已更新，无法凭本页的文件复核"
                     "本次抽取；如需复核，请向组织抽取的单位申请查阅抽取时的名录库。</p>")
        parts.append(f"<h3>第 {d['id']} 次抽取</h3><dl>{rows}</dl>{check}")
    return "\n".join(parts) or "<p>—</p>"


_FILE_NOTES = {"json": "抽取记录：种子、参数和抽取结果",
               "targets.csv": "参加抽取的检查对象：统一社会信用代码、名称、行政区划等登记信息",
               "officers.csv": "可被抽取的执法检查人员：部门、执法证号、姓名、单位"}

HOW_TO_CHECK = """<h3>如何自行复核</h3>
<ol>
<li>抽取前，我们公布了随机种子的承诺值。抽取时才公开随机种子。任何人都可以计算随机种子的 SHA-256 值，看它是否等于事先公布的承诺值——相等，说明种子在抽取前就已确定，没有事后更换。</li>
<li>本页所在文件夹的 draws 目录里有每次抽取的记录、参加抽取的全部检查对象名单和可被抽取的执法检查人员名单。名单只含统一社会信用代码、企业名称、行政区划等公开的登记信息，以及执法人员的部门、执法证号、姓名和单位（与行政执法公示的执法人员清单一致），不含电话号码和身份证号码。</li>
<li>抽取方法是公开的：用随机种子为每户企业计算一个“抽签号”（HMAC-SHA256），抽签号最小的若干户被抽中；每户的执法检查人员也用同一种子从名单中依次选出。同样的种子和名单，在任何电脑上都得到同样的结果。</li>
<li>把整个文件夹下载到电脑上，安装 jointcheck 后，在文件夹里运行：<pre>jointcheck draw verify --public .</pre>程序只用这个文件夹里的文件重新抽取一遍，逐户比较抽中的企业和检查人员。显示“一致”，说明公布的结果就是由公布的种子和名单抽出来的，没有人为挑选；如有不同，会指出第一处不同。</li>
<li>还可以核对：名单的户数等于上面公布的“符合条件的检查对象户数”；执法检查人员名单与各部门公示的执法人员清单相符。</li>
</ol>
<p class="muted">抽取方法的完整说明见 jointcheck 的文档 docs/draw.md，任何人都可以据此自行编写程序复核。</p>"""


PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'self' file:; style-src 'unsafe-inline'; img-src data:">
<title>{title} · 抽查结果公示</title>
<style>
:root {{ --line: #d0d7de; --muted: #57606a; --accent: #b42318; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: system-ui, -apple-system, "Noto Sans CJK SC", "Microsoft YaHei",
  sans-serif; color: #1f2328; line-height: 1.6; background: #f6f8fa; }}
header {{ background: #fff; border-bottom: 3px solid var(--accent); padding: 1rem; }}
header h1 {{ font-size: 1.25rem; margin: 0 0 .25rem; }}
header p {{ margin: 0; color: var(--muted); font-size: .9rem; }}
nav {{ display: flex; gap: .5rem; flex-wrap: wrap; padding: .5rem 1rem; background: #fff;
  border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }}
nav a {{ color: var(--accent); text-decoration: none; padding: .25rem .5rem;
  border: 1px solid var(--line); border-radius: 4px; }}
main {{ max-width: 72rem; margin: 0 auto; padding: 1rem; }}
section {{ background: #fff; border: 1px solid var(--line); border-radius: 6px;
  padding: 1rem; margin-bottom: 1rem; }}
h2 {{ font-size: 1.1rem; margin-top: 0; }}
h3 {{ font-size: 1rem; margin-bottom: .25rem; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }}
dt {{ color: var(--muted); }}
dd {{ margin: 0; overflow-wrap: anywhere; }}
pre {{ background: #f6f8fa; padding: .5rem; overflow-x: auto; white-space: pre-wrap;
  overflow-wrap: anywhere; }}
.search {{ display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }}
.search input {{ flex: 1 1 16rem; font-size: 1rem; padding: .5rem; border: 1px solid var(--line);
  border-radius: 4px; }}
table {{ width: 100%; border-collapse: collapse; margin-top: .75rem; font-size: .95rem; }}
th, td {{ border: 1px solid var(--line); padding: .4rem .5rem; text-align: left;
  vertical-align: top; }}
th {{ background: #f6f8fa; }}
.pager {{ display: flex; gap: .5rem; align-items: center; margin-top: .75rem; }}
.pager button {{ font-size: 1rem; padding: .3rem .8rem; }}
.muted {{ color: var(--muted); font-size: .9rem; }}
@media (max-width: 640px) {{
  thead {{ display: none; }}
  table, tbody, tr, td {{ display: block; width: 100%; }}
  tr {{ border: 1px solid var(--line); border-radius: 6px; margin-bottom: .75rem; }}
  td {{ border: none; border-bottom: 1px solid #eaeef2; }}
  td::before {{ content: attr(data-label); display: block; color: var(--muted);
    font-size: .8rem; }}
}}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>{docno} {issuer}</p>
<p>抽查结果公示 · 公示日期 {published}</p>
</header>
<nav><a href="#items">事项公开</a><a href="#procedure">程序公开</a><a href="#results">结果公开</a></nav>
<main>
<section id="items">
<h2>事项公开：联合抽查事项</h2>
{items}
</section>
<section id="procedure">
<h2>程序公开：随机抽取</h2>
<p>检查对象从检查对象名录库中随机抽取，执法检查人员从执法检查人员名录库中随机抽取（双随机）。任何人都可以凭本页公布的文件重新抽取一遍，核对结果。</p>
{how}
{draws}
</section>
<section id="results">
<h2>结果公开：抽查结果</h2>
<p class="muted">共 {total} 户。本公示只针对检查行为本身；经营异常名录、行政处罚等后续处理结果另行公示。</p>
<div class="search">
<input id="q" type="search" placeholder="输入市场主体名称或统一社会信用代码查询" aria-label="查询">
<span id="count" class="muted" role="status"></span>
</div>
<table>
<thead><tr><th>市场主体名称</th><th>统一社会信用代码</th><th>检查部门</th><th>检查日期</th><th>抽查结果</th></tr></thead>
<tbody id="rows"></tbody>
</table>
<div class="pager"><button id="prev" type="button">上一页</button><span id="page" class="muted"></span><button id="next" type="button">下一页</button></div>
</section>
</main>
<script>
{script}
</script>
</body>
</html>
"""

SCRIPT = """(function () {
  "use strict";
  var S = __STRINGS__, R = __ROWS__, PAGES = __PAGES__, TOTAL = __TOTAL__;
  var PER = 50, page = 0, found = R, loaded = 0;
  var $ = function (id) { return document.getElementById(id); };
  var LABELS = ["市场主体名称", "统一社会信用代码", "检查部门", "检查日期", "抽查结果"];
  function cell(tr, text, label, title) {
    var td = document.createElement("td");
    td.textContent = text;
    td.setAttribute("data-label", label);
    if (title) { td.title = title; }
    tr.appendChild(td);
  }
  function search() {
    var q = $("q").value.trim(), up = q.toUpperCase();
    found = q ? R.filter(function (r) {
      return r[0].indexOf(q) >= 0 || r[1].indexOf(up) >= 0;
    }) : R;
    page = 0;
    render();
  }
  function render() {
    var pages = Math.max(1, Math.ceil(found.length / PER));
    if (page >= pages) { page = pages - 1; }
    var body = $("rows"), frag = document.createDocumentFragment();
    found.slice(page * PER, page * PER + PER).forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r[0], LABELS[0]);
      cell(tr, r[1], LABELS[1]);
      cell(tr, S[r[3]], LABELS[2]);
      cell(tr, r[2], LABELS[3]);
      cell(tr, S[r[4]], LABELS[4], S[r[5]]);
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
    var note = R.length < TOTAL ? "（已载入 " + R.length + " / " + TOTAL + " 户）" : "";
    $("count").textContent = "找到 " + found.length + " 户" + note;
    $("page").textContent = "第 " + (page + 1) + " / " + pages + " 页";
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }
  window.jcData = function (chunk) {
    for (var i = 0; i < chunk.length; i++) { R.push(chunk[i]); }
    loaded += 1;
    if ($("q").value.trim()) { search(); } else { found = R; render(); }
    more();
  };
  function more() {
    if (loaded >= PAGES) { return; }
    var s = document.createElement("script");
    s.src = "data/results-" + String(loaded + 1).padStart(4, "0") + ".js";
    document.body.appendChild(s);
  }
  $("q").addEventListener("input", search);
  $("prev").addEventListener("click", function () { page -= 1; render(); });
  $("next").addEventListener("click", function () { page += 1; render(); });
  render();
  more();
}());
"""
