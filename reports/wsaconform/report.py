"""wsaconform report: a dataset (or results files) in, four files out.

  report.html   one self-contained page: statement × provider matrix, filters,
                every failure with statement text, observed and expected values
  summary.md    short enough for a CI job summary
  junit.xml     one testcase per case and provider
  results.json  the dataset itself

Inputs are always collated afresh (a dataset is read back into result lines),
so several datasets and results files can be reported together.

Every string that came from a provider or a results file (provider names,
case IDs, messages, observed values) is escaped where it is written: a
provider under test is not trusted to name itself harmlessly.
"""

from __future__ import annotations

import html
import os
import re

from .collate import (
    STATEMENT_VERDICTS,
    build_dataset,
    dataset_json,
    load_inputs,
    write_files_atomically,
)
from .errors import UsageError
from .junit import render_junit
from .results import OK_VERDICTS, VERDICTS, clean, observed_text

def esc(value) -> str:
    """Text or attribute content for HTML; quotes included, so safe in either."""
    return html.escape(clean(value), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~!])")


def md(value, limit: int | None = None) -> str:
    """Plain text inside a Markdown table cell or list item (GitHub renders HTML in it)."""
    text = " ".join(clean(value).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def failures(dataset: dict) -> list[tuple[dict, str, dict]]:
    """(case, provider label, case result) for every result that is not PASS/NOT_SUPPORTED."""
    found = []
    for case in dataset["cases"]:
        for label, entry in case["results"].items():
            if entry["verdict"] not in OK_VERDICTS:
                found.append((case, label, entry))
    return found


# ---- HTML ----------------------------------------------------------------

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.6em;margin:0 0 .2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
.meta{color:#555}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
thead th{background:#f3f3f3;position:sticky;top:0}
td.dim{opacity:.25}
.v-PASS,.v-CONFORMS,.v-killed{background:#d9f2d9}
.v-FAIL,.v-DEVIATES,.v-survived{background:#f8d0d0}
.v-BROKEN,.v-TIMEOUT,.v-CRASH,.v-UNKNOWN{background:#fbe7b5}
.v-UNEXERCISED{background:#efe3f7}
.n{color:#666;font-size:.85em}
.v-NOT_SUPPORTED{background:#e4e4f4}.v-NOT_TESTED,.v-none{background:#f7f7f7;color:#888}
#filters{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #ddd;z-index:2}
#filters label{margin-right:1em}
.failure{border:1px solid #e0b0b0;border-left:4px solid #c33;padding:.3em .8em;margin:.6em 0}
.failure h3{margin:.2em 0;font-size:1.05em}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.4em;margin:.3em 0}
.warn{color:#8a5a00}
code{background:#f3f3f3}
"""

_JS = """
(function () {
  var fs = document.getElementById('f-statement');
  var fp = document.getElementById('f-provider');
  var fv = document.getElementById('f-verdict');
  function hasStatement(el, s) {
    if (!s) return true;
    var v = el.getAttribute('data-statements');
    if (v === null) return true;
    return v.split(' ').indexOf(s) >= 0;
  }
  function apply() {
    var s = fs.value, p = fp.value, v = fv.value;
    document.querySelectorAll('table.grid').forEach(function (t) {
      t.querySelectorAll('[data-provider]').forEach(function (c) {
        c.hidden = p !== '' && c.getAttribute('data-provider') !== p;
      });
      t.querySelectorAll('tbody tr').forEach(function (r) {
        var show = hasStatement(r, s), any = false;
        r.querySelectorAll('td[data-verdict]').forEach(function (c) {
          var match = !v || (!c.hidden && c.getAttribute('data-verdict') === v);
          c.classList.toggle('dim', !match);
          if (match && !c.hidden) any = true;
        });
        r.hidden = !(show && any);
      });
    });
    document.querySelectorAll('.item').forEach(function (e) {
      var ep = e.getAttribute('data-provider'), ev = e.getAttribute('data-verdict');
      e.hidden = !(hasStatement(e, s) && (!p || ep === null || ep === p) && (!v || ev === null || ev === v));
    });
  }
  [fs, fp, fv].forEach(function (x) { x.addEventListener('change', apply); });
  apply();
})();
"""


def _options(values, groups=None) -> str:
    out = ['<option value="">all</option>']
    if groups:
        for title, items in groups:
            out.append(f'<optgroup label="{esc(title)}">')
            out += [f'<option value="{esc(v)}">{esc(v)}</option>' for v in items]
            out.append("</optgroup>")
    else:
        out += [f'<option value="{esc(v)}">{esc(v)}</option>' for v in values]
    return "".join(out)


def _statement_lookup(dataset: dict) -> dict[str, dict]:
    return {s["id"]: s for s in dataset["statements"]}


def _observed_table(observed: dict) -> str:
    if not observed:
        return "<p><i>no observed values</i></p>"
    rows = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in observed.items())
    return f'<table class="observed">{rows}</table>'


def _violations_html(checks: dict | None, statement_ids) -> str:
    """Each violated check of a failed case, under the statement it belongs to."""
    if not checks:
        return ""
    rows = []
    for sid in list(statement_ids) + [s for s in checks if s not in statement_ids]:
        for v in (checks.get(sid) or {}).get("violations", []):
            rows.append(f"<tr><td>{esc(sid)}</td><td><code>{esc(v.get('check', ''))}</code><br>"
                        f"<span class=\"n\">{esc(v.get('where', ''))}</span></td>"
                        f"<td><code>{esc(v.get('observed', ''))}</code></td><td><code>{esc(v.get('expected', ''))}</code></td>"
                        f"<td><pre>{esc(v.get('message', ''))}</pre></td></tr>")
    if not rows:
        return ""
    return ("<p><b>Violated checks</b></p><table><thead><tr><th>Statement</th><th>Check</th><th>Observed</th>"
            "<th>Expected</th><th>Message</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _statement_result_html(res: dict) -> str:
    """One provider's answer for one statement: verdict, exercised count, violations, reasons."""
    parts = [f'<span class="v-{esc(res["verdict"])}">{esc(res["verdict"])}</span>']
    if res.get("instances"):
        parts.append(f' · exercised in {esc(res.get("exercise", ""))} · checks held {res.get("checks_held", 0)}, '
                     f'violated {res.get("checks_violated", 0)}')
    body = []
    if res.get("violations"):
        body.append("<ul>" + "".join(
            f"<li><code>{esc(v['case'])}</code>: <code>{esc(v.get('check', ''))}</code> "
            f"observed <code>{esc(v.get('observed', ''))}</code>, expected <code>{esc(v.get('expected', ''))}</code>"
            f" <span class=\"n\">{esc(v.get('where', ''))}</span></li>"
            for v in res["violations"]) + "</ul>")
    if res.get("not_exercised"):
        body.append("<p>Not exercised: " + "; ".join(
            f"{esc(r['reason'])} ({r['instances']})" for r in res["not_exercised"]) + "</p>")
    if res.get("verdict") in ("UNKNOWN", "NOT_SUPPORTED") and res.get("decided_by"):
        body.append("<p>Decided by: " + "; ".join(
            f"<code>{esc(d['case'])}</code> {esc(d['verdict'])}" for d in res["decided_by"]) + "</p>")
    return "".join(parts) + "".join(body)


def _expected_html(statement_ids, statements: dict, observed: dict) -> str:
    parts = []
    for sid in statement_ids:
        s = statements.get(sid)
        if not s:
            continue
        bits = []
        if s.get("reference_behaviour"):
            bits.append(esc(s["reference_behaviour"]))
        if s.get("accepted_codes"):
            bits.append("accepted codes: " + ", ".join(f"<code>{esc(c)}</code>" for c in s["accepted_codes"]))
        if bits:
            parts.append(f"<li><b>{esc(sid)}</b>: {'; '.join(bits)}</li>")
    expected_observed = {k: v for k, v in observed.items() if k.lower().startswith("expected")}
    for k, v in expected_observed.items():
        parts.append(f"<li>{esc(k)} = <code>{esc(v)}</code></li>")
    if not parts:
        return ""
    return f"<p><b>Expected</b></p><ul>{''.join(parts)}</ul>"


def render_html(dataset: dict) -> str:
    providers = [p["key"] for p in dataset["providers"]]
    statements = _statement_lookup(dataset)
    kill_matrix = dataset.get("kill_matrix")
    out = []
    w = out.append
    w('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">')
    w("<title>wsaconform report</title>")
    w(f"<style>{_CSS}</style></head><body>")
    w("<h1>wsaconform report</h1>")
    total = sum(len(c["results"]) for c in dataset["cases"])
    w(f'<p class="meta">suite {esc(dataset["suite_version"])} · catalog {esc(dataset["catalog_version"])} · '
      f'{total} results, {len(dataset["cases"])} cases, {len(providers)} provider builds, '
      f'from {len(dataset["sources"])} file(s)</p>')
    if dataset.get("warnings"):
        w('<details class="warn"><summary>%d warning(s)</summary><ul>' % len(dataset["warnings"]))
        w("".join(f"<li>{esc(m)}</li>" for m in dataset["warnings"]))
        w("</ul></details>")

    verdict_groups = [("statement verdicts", STATEMENT_VERDICTS), ("case verdicts", VERDICTS)]
    if kill_matrix:
        verdict_groups.append(("mutants", ("killed", "survived")))
    w('<div id="filters">')
    w(f'<label>Statement <select id="f-statement">{_options(statements.keys())}</select></label>')
    w(f'<label>Provider <select id="f-provider">{_options(providers)}</select></label>')
    w(f'<label>Verdict <select id="f-verdict">{_options(None, verdict_groups)}</select></label>')
    w("</div>")

    # Statement × provider matrix.
    w("<h2>Statements × providers</h2>")
    w('<table class="grid" id="statement-matrix"><thead><tr><th>Statement</th><th>Level</th>')
    w("".join(f'<th data-provider="{esc(p)}">{esc(p)}</th>' for p in providers))
    w("</tr></thead><tbody>")
    for index, s in enumerate(dataset["statements"]):
        w(f'<tr data-statements="{esc(s["id"])}"><th title="{esc(s["text"])}">'
          f'<a href="#st-{index}">{esc(s["id"])}</a></th><td>{esc(s["level"] or "?")}</td>')
        for p in providers:
            res = s["results"].get(p, {})
            verdict = res.get("verdict", "NOT_TESTED")
            count = (f' <span class="n">{res.get("exercised", 0)}/{res["instances"]}</span>'
                     if res.get("instances") and verdict != "NOT_TESTED" else "")
            w(f'<td class="v-{esc(verdict)}" data-provider="{esc(p)}" data-verdict="{esc(verdict)}" '
              f'title="exercised in {esc(res.get("exercise", ""))}">{esc(verdict)}{count}</td>')
        w("</tr>")
    w("</tbody></table>")

    # Totals.
    w("<h2>Totals per provider</h2><table><thead><tr><th>Provider</th>")
    w("".join(f"<th>{v}</th>" for v in VERDICTS))
    w("".join(f"<th>{v.lower()}</th>" for v in STATEMENT_VERDICTS))
    w("</tr></thead><tbody>")
    for p in dataset["providers"]:
        w(f'<tr class="item" data-provider="{esc(p["key"])}"><th>{esc(p["key"])}</th>')
        w("".join(f"<td>{p['totals'].get(v, 0)}</td>" for v in VERDICTS))
        w("".join(f"<td>{p['statement_totals'].get(v, 0)}</td>" for v in STATEMENT_VERDICTS))
        w("</tr>")
    w("</tbody></table>")

    # Failures.
    found = failures(dataset)
    w(f"<h2>Failures ({len(found)})</h2>")
    if not found:
        w("<p>None: every case passed or was not supported.</p>")
    for case, label, entry in found:
        w(f'<section class="failure item v-{esc(entry["verdict"])}" data-statements="{esc(" ".join(case["statements"]))}" '
          f'data-provider="{esc(label)}" data-verdict="{esc(entry["verdict"])}">')
        w(f'<h3>{esc(entry["verdict"])}: <code>{esc(case["id"])}</code> on {esc(label)}</h3>')
        w("<p><b>Statements</b></p><ul>")
        for sid in case["statements"]:
            s = statements.get(sid, {})
            level = f' ({esc(s["level"])})' if s.get("level") else ""
            w(f"<li><b>{esc(sid)}</b>{level}: {esc(s.get('text', ''))}</li>")
        w("</ul>")
        if entry.get("message"):
            w(f"<p><b>Message</b></p><pre>{esc(entry['message'])}</pre>")
        if entry.get("harness_errors"):
            w("<p><b>Defects of the suite</b></p><ul>" + "".join(
                f"<li>{esc(e)}</li>" for e in entry["harness_errors"]) + "</ul>")
        w(_violations_html(entry.get("checks"), case["statements"]))
        w("<p><b>Observed</b></p>" + _observed_table(entry.get("observed") or {}))
        w(_expected_html(case["statements"], statements, entry.get("observed") or {}))
        if entry.get("origin"):
            w(f'<p class="meta">from {esc(entry["origin"])}</p>')
        w("</section>")

    # MAY statements.
    reported = [(s, p, r) for s in dataset["statements"] for p, res in s["results"].items() for r in res["reports"]]
    if reported:
        w("<h2>What providers were seen doing (MAY statements)</h2>")
        w("<table><thead><tr><th>Statement</th><th>Provider</th><th>Case</th><th>Observed</th></tr></thead><tbody>")
        for s, p, r in reported:
            w(f'<tr class="item" data-statements="{esc(s["id"])}" data-provider="{esc(p)}">'
              f'<td>{esc(s["id"])}</td><td>{esc(p)}</td><td><code>{esc(r["case"])}</code></td><td>{esc(r["text"])}</td></tr>')
        w("</tbody></table>")

    if kill_matrix:
        w(f"<h2>Kill matrix ({sum(1 for k in kill_matrix if k['verdict'] == 'killed')} of {len(kill_matrix)} killed)</h2>")
        w("<table><thead><tr><th>Mutant</th><th>Statement</th><th>Verdict</th><th>Killed by (case: check)</th>"
          "<th>Other failing cases</th></tr></thead><tbody>")
        for k in kill_matrix:
            killers = "<br>".join(
                f"<code>{esc(c['case'])}</code>: <code>{esc(c.get('check', ''))}</code>"
                + (f" observed <code>{esc(c['observed'])}</code>" if c.get("observed") else "")
                for c in k.get("killed_by", []))
            if not killers:
                killers = " ".join(f"<code>{esc(c)}</code>" for c in k.get("killing_cases", []))
            others = " ".join(f"<code>{esc(c)}</code>" for c in k.get("other_failures", []))
            w(f'<tr class="item" data-statements="{esc(k["statement"])}" data-verdict="{esc(k["verdict"])}">'
              f'<td>{esc(k["mutant"])}</td><td>{esc(k["statement"])}</td>'
              f'<td class="v-{esc(k["verdict"])}">{esc(k["verdict"])}</td><td>{killers or esc(k.get("note") or "none")}</td>'
              f'<td>{others}</td></tr>')
        w("</tbody></table>")

    # Statement details: what decided each verdict.
    w("<h2>Statements</h2>")
    for index, s in enumerate(dataset["statements"]):
        w(f'<details class="item" id="st-{index}" data-statements="{esc(s["id"])}"><summary><b>{esc(s["id"])}</b> '
          f'{esc(s["level"] or "?")}: {esc(s["text"])}</summary>')
        if s.get("source"):
            w(f"<p>Source: {esc(s['source'])}</p>")
        if s.get("reference_behaviour"):
            w(f"<p>Reference behaviour: {esc(s['reference_behaviour'])}</p>")
        if s.get("exercised_when"):
            w(f"<p>Exercised when {esc(s['exercised_when'])}.</p>")
        w("<ul>")
        for p, res in s["results"].items():
            w(f"<li>{esc(p)}: {_statement_result_html(res)}</li>")
        w("</ul></details>")

    # Every case.
    w("<h2>All cases</h2>")
    w('<table class="grid" id="case-matrix"><thead><tr><th>Case</th><th>Statements</th>')
    w("".join(f'<th data-provider="{esc(p)}">{esc(p)}</th>' for p in providers))
    w("</tr></thead><tbody>")
    for case in dataset["cases"]:
        w(f'<tr data-statements="{esc(" ".join(case["statements"]))}"><th><code>{esc(case["id"])}</code></th>'
          f'<td>{esc(" ".join(case["statements"]))}</td>')
        for p in providers:
            entry = case["results"].get(p)
            if entry is None:
                w(f'<td class="v-none" data-provider="{esc(p)}" data-verdict="">–</td>')
            else:
                title = entry.get("message") or observed_text(entry.get("observed") or {})
                w(f'<td class="v-{esc(entry["verdict"])}" data-provider="{esc(p)}" '
                  f'data-verdict="{esc(entry["verdict"])}" title="{esc(title)}">{esc(entry["verdict"])}</td>')
        w("</tr>")
    w("</tbody></table>")
    w(f"<script>{_JS}</script></body></html>\n")
    return "\n".join(out)


# ---- Markdown summary ----------------------------------------------------

_MARK = {"CONFORMS": "✅", "DEVIATES": "❌", "UNKNOWN": "❓", "UNEXERCISED": "⭕", "NOT_SUPPORTED": "➖",
         "NOT_TESTED": "·"}
MAX_SUMMARY_FAILURES = 25


def render_summary(dataset: dict) -> str:
    providers = [p["key"] for p in dataset["providers"]]
    found = failures(dataset)
    total = sum(len(c["results"]) for c in dataset["cases"])
    lines = [
        f"## wsaconform: {len(found)} problem(s) in {total} results",
        "",
        f"suite {md(dataset['suite_version'])} · catalog {md(dataset['catalog_version'])} · "
        f"{len(dataset['cases'])} cases × {len(providers)} provider builds",
        "",
        "| Provider | " + " | ".join(VERDICTS) + " | statements ✅/❌/❓/⭕ |",
        "|---" * (len(VERDICTS) + 2) + "|",
    ]
    for p in dataset["providers"]:
        st = p["statement_totals"]
        lines.append(
            f"| {md(p['key'])} | " + " | ".join(str(p["totals"].get(v, 0)) for v in VERDICTS)
            + f" | {st.get('CONFORMS', 0)}/{st.get('DEVIATES', 0)}/{st.get('UNKNOWN', 0)}/{st.get('UNEXERCISED', 0)} |"
        )
    tested = [s for s in dataset["statements"]
              if any(r["verdict"] != "NOT_TESTED" for r in s["results"].values())]
    lines += ["", "### Statements", ""]
    if tested:
        lines.append("| Statement | Level | " + " | ".join(md(p) for p in providers) + " |")
        lines.append("|---" * (len(providers) + 2) + "|")
        for s in tested:
            cells = [_md_cell(s["results"].get(p, {})) for p in providers]
            lines.append(f"| {md(s['id'])} | {md(s['level'] or '?')} | " + " | ".join(cells) + " |")
        lines.append("")
        lines.append("✅ conforms · ❌ deviates · ❓ unknown (broken, timeout, crash) · ⭕ unexercised (claimed, "
                     "never put to the test) · ➖ not supported · · not tested; n/N: instances that exercised it")
        unexercised = [(s, p, s["results"][p]) for s in tested for p in providers
                       if s["results"].get(p, {}).get("verdict") == "UNEXERCISED"]
        if unexercised:
            lines += ["", f"### Unexercised ({len(unexercised)})", ""]
            lines += [f"- {md(s['id'])} on {md(p)}: {md(r.get('exercise', ''), 200)}" for s, p, r in unexercised]
    untested = len(dataset["statements"]) - len(tested)
    if untested:
        lines += ["", f"{untested} statement(s) not tested by any provider (INFO, or no case ran)."]
    lines += ["", f"### Failures ({len(found)})", ""]
    if not found:
        lines.append("None.")
    for case, label, entry in found[:MAX_SUMMARY_FAILURES]:
        violated = _violated_statements(entry)
        detail = md(violated or entry.get("message") or "", 160)
        observed = md(observed_text(entry.get("observed") or {}), 120)
        lines.append(
            f"- **{entry['verdict']}** {md(case['id'])} on {md(label)} [{md(' '.join(case['statements']))}]"
            + (f": {detail}" if detail else "")
            + (f" (observed: {observed})" if observed else "")
        )
    if len(found) > MAX_SUMMARY_FAILURES:
        lines.append(f"- … and {len(found) - MAX_SUMMARY_FAILURES} more; see report.html")
    kill_matrix = dataset.get("kill_matrix")
    if kill_matrix:
        killed = sum(1 for k in kill_matrix if k["verdict"] == "killed")
        lines += ["", f"### Kill matrix ({killed} of {len(kill_matrix)} killed)", "",
                  "| Mutant | Statement | Verdict | Killed by (case: check) |", "|---|---|---|---|"]
        for k in kill_matrix:
            killers = [f"{c['case']}: {c.get('check', '')}" for c in k.get("killed_by", [])] or k.get("killing_cases", [])
            shown = ", ".join(md(c, 120) for c in killers[:2]) + (f" +{len(killers) - 2}" if len(killers) > 2 else "")
            lines.append(f"| {md(k['mutant'])} | {md(k['statement'])} | {md(k['verdict'])} | "
                         f"{shown or md(k.get('note') or 'none')} |")
    return "\n".join(lines) + "\n"


def _md_cell(res: dict) -> str:
    verdict = res.get("verdict", "NOT_TESTED")
    if verdict == "NOT_TESTED" or not res.get("instances"):
        return _MARK[verdict]
    return f"{_MARK[verdict]} {res.get('exercised', 0)}/{res['instances']}"


def _violated_statements(entry: dict) -> str:
    """"[S16] WSAC_EXPECT_EQ(ind->error, 0u): observed 997, expected 0; ..." for a failed case."""
    parts = []
    for sid, c in (entry.get("checks") or {}).items():
        for v in c.get("violations", [])[:2]:
            text = f"[{sid}] {v.get('check', '')}"
            if v.get("observed") or v.get("expected"):
                text += f": observed {v.get('observed', '')}, expected {v.get('expected', '')}"
            parts.append(text)
    return "; ".join(parts)


# ---- the command ---------------------------------------------------------

OUTPUTS = ("report.html", "summary.md", "junit.xml", "results.json")


def render_all(dataset: dict) -> dict[str, str]:
    return {
        "report.html": render_html(dataset),
        "summary.md": render_summary(dataset),
        "junit.xml": render_junit(dataset),
        "results.json": dataset_json(dataset),
    }


def write_report(dataset: dict, out_dir: str) -> list[str]:
    """Renders everything first, then replaces all four files; on any failure none changes."""
    rendered = render_all(dataset)
    paths = {os.path.join(out_dir, name): text for name, text in rendered.items()}
    write_files_atomically(paths)
    return list(paths)


def add_arguments(parser) -> None:
    parser.description = "Render a dataset or results files as HTML, Markdown summary, JUnit XML and JSON."
    parser.add_argument("inputs", nargs="+", metavar="DATASET_OR_RESULTS",
                        help="a dataset from 'collate', or results.jsonl files")
    parser.add_argument("--requirements", metavar="FILE",
                        help="requirement catalog (default: the dataset's, or requirements.json beside the inputs)")
    parser.add_argument("--out", required=True, metavar="DIR", help="directory for the four report files")
    parser.add_argument("--kill-matrix", metavar="FILE",
                        help="a kill matrix written by 'wsaconform killmatrix --out FILE', rendered as its own table")


def run(args) -> int:
    result_set, catalog, kill_matrix = load_inputs(args.inputs, args.requirements)
    if getattr(args, "kill_matrix", None):
        import json

        from .collate import validate_kill_matrix
        from .results import read_text

        try:
            matrix = json.loads(read_text(args.kill_matrix, "kill matrix"))
        except json.JSONDecodeError as err:
            raise UsageError(f"{args.kill_matrix}: invalid JSON: {err}") from None
        if not isinstance(matrix, dict) or "kill_matrix" not in matrix:
            raise UsageError(f"{args.kill_matrix}: no 'kill_matrix' array (write it with wsaconform killmatrix --out)")
        kill_matrix = (kill_matrix or []) + validate_kill_matrix(matrix["kill_matrix"], args.kill_matrix)
    dataset = build_dataset(result_set, catalog, kill_matrix)
    write_report(dataset, args.out)
    return 0


def main(argv=None) -> int:
    from .errors import main_for

    return main_for(add_arguments, run, "wsaconform report", argv)


if __name__ == "__main__":
    raise SystemExit(main())
