"""wsaconform report: a dataset (or results files) in, four files out.

  report.html   one self-contained page (no network request: style and script
                inline, a Content-Security-Policy that forbids fetching): a
                summary per provider, the changes since a baseline, the
                statement × provider matrix with the counts behind each
                verdict, failures grouped by case body and deviation
                signature, what MAY statements were seen doing, the kill
                matrix and chaos coverage when given, each statement's
                details, and every case body with its instances
  summary.md    short enough for a CI job summary
  junit.xml     one testcase per case and provider
  results.json  the dataset itself

The HTML and Markdown come from the jinja2 templates in templates/, with
autoescaping: every string that came from a provider or a results file
(provider names, case IDs, messages, observed values) is escaped where it is
written, HTML-escaped in the page and Markdown-escaped in the summary. A
provider under test is not trusted to name itself harmlessly.

Inputs are always collated afresh (a dataset is read back into result lines),
so several datasets and results files can be reported together.
"""

from __future__ import annotations

import html
import json
import os
import re
from functools import lru_cache
from pathlib import Path

# Debian's python3-jinja2 (which brings markupsafe). Without it this module does not load, and
# `run` says so and goes on without a report.
import jinja2
from markupsafe import Markup

from .collate import (
    STATEMENT_VERDICTS,
    build_dataset,
    dataset_json,
    load_inputs,
    read_input,
    write_files_atomically,
)
from .errors import UsageError, warn
from .failure_groups import Group, acceptance_from_expectations, bodies, group_failures, instance
from .junit import render_junit
from .results import OK_VERDICTS, VERDICTS, clean

TEMPLATES = Path(__file__).with_name("templates")


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
    return [(case, label, entry) for case in dataset["cases"] for label, entry in case["results"].items()
            if entry["verdict"] not in OK_VERDICTS]


# ---- templates -------------------------------------------------------------------


class _Raw(str):
    """Markdown the report wrote itself: the summary's escaping leaves it alone."""


def _md_finalize(value):
    if isinstance(value, _Raw):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return md("" if value is None else value)


@lru_cache(maxsize=None)
def _environments():
    """(HTML environment, Markdown environment, Markup)."""

    def html_finalize(value):
        if isinstance(value, Markup) or not isinstance(value, str):
            return value
        return clean(value)  # control characters as text; autoescaping does the rest

    loader = jinja2.FileSystemLoader(str(TEMPLATES))
    page = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              finalize=html_finalize, trim_blocks=True, lstrip_blocks=True)
    summary = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                                 finalize=_md_finalize, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True)
    summary.globals.update(raw=_Raw, short=lambda text, n: _Raw(md(text, n)))
    return page, summary, Markup


def _static(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


# ---- the page's contents -----------------------------------------------------------

_WORD = {"CONFORMS": "conform", "DEVIATES": "deviate", "UNEXERCISED": "unexercised", "UNKNOWN": "unknown",
         "NOT_SUPPORTED": "not supported", "NOT_TESTED": "not tested"}
_MUST_PARTS = ("CONFORMS", "DEVIATES", "UNEXERCISED", "UNKNOWN", "NOT_SUPPORTED", "NOT_TESTED")
_SEVERITY = {"DEVIATES": 0, "UNKNOWN": 1, "UNEXERCISED": 2}
MAX_WORST = 12
MAX_SUMMARY_FAILURES = 25
MAX_DECIDED = 8
_MARK = {"CONFORMS": "✅", "DEVIATES": "❌", "UNKNOWN": "❓", "UNEXERCISED": "⭕", "NOT_SUPPORTED": "➖",
         "NOT_TESTED": "·"}


def _violated_instances(res: dict) -> int:
    return len({v["case"] for v in res.get("violations") or []})


def cell(res: dict, provider: str) -> dict:
    """One matrix cell: the verdict and the counts behind it, with the rest in its title."""
    verdict = res.get("verdict", "NOT_TESTED")
    instances, exercised = res.get("instances", 0), res.get("exercised", 0)
    out = {"provider": provider, "verdict": verdict, "word": verdict, "main": "", "sub": "", "title": ""}
    if verdict == "NOT_TESTED" or not instances:
        out.update(word="–", title="no case claims it on this provider, or it is INFO")
        return out
    checks = f"checks held {res.get('checks_held', 0)}, violated {res.get('checks_violated', 0)}"
    if verdict in ("CONFORMS", "DEVIATES"):
        bad = _violated_instances(res)
        out["main"] = f"{exercised - bad}/{exercised}"
        out["sub"] = f"of {instances}" if exercised < instances else ""
        out["title"] = (f"{verdict}: {exercised} of {instances} claiming instances exercised it; "
                        f"{exercised - bad} held, {bad} violated a check; {checks}")
    elif verdict == "UNEXERCISED":
        out["main"] = f"0 of {instances}"
        out["sub"] = "exercised"
        out["title"] = f"UNEXERCISED: {res.get('exercise', '')}"
    elif verdict == "UNKNOWN":
        undecided = len(res.get("decided_by") or [])
        out["main"] = f"{undecided}/{instances}"
        out["sub"] = "undecided"
        out["title"] = (f"UNKNOWN: no check violated, but {undecided} claiming instance(s) ended BROKEN, TIMEOUT or "
                        f"CRASH, or failed with no violated check on record; exercised in "
                        f"{res.get('exercise', '')}; {checks}")
    else:
        out["main"] = f"{instances}"
        out["title"] = f"{verdict}: every one of {instances} claiming instances"
    return out


def _group_of(sid: str) -> str:
    found = re.match(r"[A-Za-z]+", sid)
    return found.group(0).upper() if found else sid


def _duration(ms: float) -> str:
    seconds = int(round(ms / 1000))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def _percent(n: int, total: int) -> str:
    return f"{100 * n / total:.2f}" if total else "0"


def _cards(dataset: dict, groups: list[Group]) -> list[dict]:
    cards = []
    for p in dataset["providers"]:
        label = p["key"]
        must = [s["results"].get(label, {}).get("verdict", "NOT_TESTED") for s in dataset["statements"]
                if s.get("level") == "MUST"]
        must_counts = {v: must.count(v) for v in _MUST_PARTS}
        total_ms = sum((c["results"][label].get("duration_ms") or 0) for c in dataset["cases"]
                       if label in c["results"])
        case_total = sum(p["totals"].values())
        mine = [g for g in groups if g.provider == label]
        cards.append({
            "label": label,
            "must": [{"verdict": v, "word": _WORD[v], "count": must_counts[v],
                      "percent": _percent(must_counts[v], len(must))} for v in _MUST_PARTS if must_counts[v]
                     or v in ("CONFORMS", "DEVIATES", "UNEXERCISED", "UNKNOWN")],
            "must_counts": must_counts, "must_total": len(must),
            "cases": [{"verdict": v, "count": p["totals"].get(v, 0), "percent": _percent(p["totals"].get(v, 0),
                                                                                          case_total)}
                      for v in VERDICTS],
            "case_counts": {v: p["totals"].get(v, 0) for v in VERDICTS},
            "case_total": case_total, "duration": _duration(total_ms),
            "failures": sum(g.count for g in mine), "failure_groups": len(mine),
            "known_groups": sum(1 for g in mine if g.accepted),
            "new_groups": sum(1 for g in mine if not g.accepted),
        })
    return cards


def _search(*parts) -> str:
    return " ".join(clean(p) for p in parts if p).lower()


def _statement_rows(dataset: dict, index: dict[str, int], labels: list[str]) -> list[dict]:
    rows = []
    for s in dataset["statements"]:
        rows.append({
            "id": s["id"], "index": index[s["id"]], "level": s.get("level") or "", "text": s.get("text") or "",
            "source": s.get("source") or "", "exercised_when": s.get("exercised_when") or "",
            "search": _search(s["id"], s.get("text")),
            "cells": [{**cell(s["results"].get(label, {}), label), "col": n} for n, label in enumerate(labels)],
        })
    return rows


def _worst(rows: list[dict], dataset: dict) -> list[dict]:
    by_id = {s["id"]: s for s in dataset["statements"]}
    ranked = []
    for row in rows:
        ranks = [_SEVERITY[c["verdict"]] for c in row["cells"] if c["verdict"] in _SEVERITY
                 and (c["verdict"] != "UNEXERCISED" or row["level"] == "MUST")]
        if not ranks:
            continue
        violated = sum(_violated_instances(r) for r in by_id[row["id"]]["results"].values())
        ranked.append(((min(ranks), -violated, row["level"] != "MUST", len(ranked)), row))
    return [row for _, row in sorted(ranked, key=lambda x: x[0])]


def _groups_of_rows(rows: list[dict], titles: dict[str, str], labels: list[str]) -> list[dict]:
    groups: dict[str, dict] = {}
    for row in rows:
        gid = _group_of(row["id"])
        group = groups.setdefault(gid, {"id": gid, "title": titles.get(gid, ""), "rows": []})
        group["rows"].append(row)
    for group in groups.values():
        tallies = []
        for n, label in enumerate(labels):
            verdicts = [r["cells"][n]["verdict"] for r in group["rows"]]
            counted = ", ".join(f"{verdicts.count(v)} {_WORD[v]}" for v in ("CONFORMS", "DEVIATES", "UNKNOWN",
                                                                           "UNEXERCISED") if verdicts.count(v))
            if counted:
                tallies.append(f"{label}: {counted}" if len(labels) > 1 else counted)
        group["tallies"] = tallies
    return list(groups.values())


def _observed(members) -> list[tuple[str, str]]:
    """Observed values, once: a key whose value differs between the instances says so."""
    first = members[0].entry.get("observed") or {}
    keys = list(first) + [k for m in members[1:] for k in (m.entry.get("observed") or {}) if k not in first]
    out, seen = [], set()
    for key in keys:
        if key in seen:
            continue
        seen.add(key)
        values = []
        for m in members:
            value = (m.entry.get("observed") or {}).get(key, "(absent)")
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            if text not in values:
                values.append(text)
        if len(values) == 1:
            out.append((key, values[0]))
        else:
            shown = ", ".join(values[:6]) + (f", … ({len(values)} values)" if len(values) > 6 else "")
            out.append((key, f"varies: {shown}"))
    return out


def _failure_views(groups: list[Group], statements: dict[str, dict], index: dict[str, int],
                   case_number: dict[str, int]) -> list[dict]:
    views = []
    for g in groups:
        first = g.members[0]
        violations = [{**v, "index": index.get(v["statement"], 0)} for v in g.violations]
        shown = g.violated_statements or g.statements
        ordered = shown + [s for s in g.statements if s not in shown]
        rows = []
        for sid in ordered:
            s = statements.get(sid, {})
            expected = []
            if s.get("reference_behaviour"):
                expected.append(s["reference_behaviour"])
            if s.get("accepted_codes"):
                expected.append("accepted codes: " + ", ".join(str(c) for c in s["accepted_codes"]))
            rows.append({"id": sid, "index": index.get(sid, 0), "level": s.get("level", ""),
                         "text": s.get("text", ""), "expected": "; ".join(expected)})
        headline = g.headline()
        views.append({
            "anchor": g.anchor, "provider": g.provider, "verdict": g.verdict, "body_key": g.body_key,
            "headline": headline, "headline_rest": headline.split(": ", 1)[1] if ": " in headline else headline,
            "count": g.count, "instances_text": g.instances_text if g.count > 1 else "",
            "accepted": g.accepted, "todo": g.todo, "known": g.known, "known_where": ", ".join(k["where"] for k in g.known),
            "known_any": bool(g.gate_problems),
            "gate_kinds": ", ".join(sorted({p.get("kind", "?").lower() for p in g.gate_problems})),
            "gate_problems": g.gate_problems[:3],
            "statements_attr": " ".join(shown), "search": _search(g.body_key, *[m.inst.param for m in g.members],
                                                                   *g.statements),
            "violations": violations, "harness_errors": list(first.entry.get("harness_errors") or []),
            # The message says again what the violated checks or the suite's defects already list.
            "message": (first.entry.get("message") or "") if g.kind not in ("checks", "harness") else "",
            "first": first.inst.short, "statement_rows": rows, "observed": _observed(g.members),
            "members": [{"n": case_number[m.inst.id], "id": m.inst.id, "short": m.inst.short} for m in g.members],
        })
    return views


def _reports(dataset: dict, index: dict[str, int], everyone) -> list[dict]:
    """What MAY statements were seen doing, once per statement, provider, body and text."""
    grouped: dict[tuple, list] = {}
    by_id = {c["id"]: c for c in dataset["cases"]}
    for s in dataset["statements"]:
        for label, res in s["results"].items():
            for r in res.get("reports") or []:
                case = by_id.get(r["case"], {})
                inst = instance(r["case"], case.get("suite", ""), case.get("name", ""))
                grouped.setdefault((s["id"], label, inst.body_key, r["text"]), []).append(inst)
    from .failure_groups import describe_instances

    out = []
    for (sid, label, body_key, text), members in grouped.items():
        out.append({"statement": sid, "index": index.get(sid, 0), "provider": label, "body": body_key,
                    "text": text, "count": len(members), "search": _search(sid, body_key),
                    "instances_text": describe_instances(members, everyone.get(body_key, [])) if len(members) > 1
                    else members[0].param})
    return out


def _details(dataset: dict, index: dict[str, int], anchors: dict[tuple, str]) -> list[dict]:
    out = []
    for s in dataset["statements"]:
        results = []
        for label, res in s["results"].items():
            grouped: dict[tuple, dict] = {}
            for v in res.get("violations") or []:
                key = (" ".join(v.get("check", "").split()), v.get("observed", ""), v.get("expected", ""))
                entry = grouped.setdefault(key, {"check": key[0], "observed": key[1], "expected": key[2],
                                                 "cases": set(), "anchors": []})
                entry["cases"].add(v["case"])
                anchor = anchors.get((label, v["case"]))
                if anchor and anchor not in entry["anchors"]:
                    entry["anchors"].append(anchor)
            decided = res.get("decided_by") or [] if res.get("verdict") in ("UNKNOWN", "NOT_SUPPORTED") else []
            results.append({
                "provider": label, "verdict": res.get("verdict", "NOT_TESTED"), "instances": res.get("instances", 0),
                "exercise": res.get("exercise", ""), "checks_held": res.get("checks_held", 0),
                "checks_violated": res.get("checks_violated", 0),
                "violations": [{**v, "count": len(v["cases"]), "anchors": v["anchors"][:5]} for v in grouped.values()],
                "not_exercised": res.get("not_exercised") or [],
                "decided_by": decided[:MAX_DECIDED], "decided_more": max(0, len(decided) - MAX_DECIDED),
            })
        out.append({"id": s["id"], "index": index[s["id"]], "level": s.get("level") or "", "text": s.get("text", ""),
                    "source": s.get("source", ""), "reference_behaviour": s.get("reference_behaviour", ""),
                    "exercised_when": s.get("exercised_when", ""), "search": _search(s["id"], s.get("text")),
                    "results": results})
    return out


def _case_bodies(dataset: dict, labels: list[str], case_number: dict[str, int],
                 anchors: dict[tuple, str]) -> list[dict]:
    order = {v: n for n, v in enumerate(("CRASH", "TIMEOUT", "BROKEN", "FAIL", "NOT_SUPPORTED", "PASS"))}
    found: dict[str, dict] = {}
    for case in dataset["cases"]:
        inst = instance(case["id"], case.get("suite", ""), case.get("name", ""))
        body = found.setdefault(inst.body_key, {"key": inst.body_key, "n": len(found), "statements": [],
                                                "instances": [], "search": ""})
        for sid in case["statements"]:
            if sid not in body["statements"]:
                body["statements"].append(sid)
        body["instances"].append({
            "n": case_number[case["id"]], "id": case["id"], "short": inst.short, "param": inst.param,
            "cells": [{"provider": label, "verdict": case["results"].get(label, {}).get("verdict", ""),
                       "anchor": anchors.get((label, case["id"]), "")} for label in labels]})
    for body in found.values():
        body["statements"] = " ".join(body["statements"])
        body["count"] = len(body["instances"]) if body["instances"][0]["param"] else ""
        body["search"] = _search(body["key"], *[i["param"] for i in body["instances"]])
        cells = []
        for n, label in enumerate(labels):
            verdicts: dict[str, int] = {}
            for i in body["instances"]:
                v = i["cells"][n]["verdict"]
                if v:
                    verdicts[v] = verdicts.get(v, 0) + 1
            ranked = sorted(verdicts, key=lambda v: order.get(v, 9))
            cells.append({"provider": label, "worst": ranked[0] if ranked else "none",
                          "verdicts": " ".join(ranked),
                          "text": " · ".join(f"{verdicts[v]} {v}" for v in ranked) or "–"})
        body["cells"] = cells
    return list(found.values())


def _kill_rows(kill_matrix: list[dict], index: dict[str, int]) -> list[dict]:
    rows = []
    for k in kill_matrix:
        killers = k.get("killed_by") or [{"case": c, "check": "", "observed": ""} for c in k.get("killing_cases", [])]
        rows.append({**k, "index": index.get(k["statement"], 0), "killers": killers,
                     "killers_text": ", ".join(f"{c['case']}: {c.get('check', '')}" for c in killers[:2])
                     + (f" +{len(killers) - 2}" if len(killers) > 2 else ""),
                     "others": k.get("other_failures", []), "description": k.get("description", ""),
                     "note": k.get("note", ""), "search": _search(k["mutant"], k["statement"])})
    return rows


def _md_cell(res: dict) -> str:
    """The matrix cell of the page, in Markdown: "❌ 14/16 of 20"."""
    verdict = res.get("verdict", "NOT_TESTED")
    shown = cell(res, "")
    if verdict == "NOT_TESTED" or not res.get("instances"):
        return _MARK[verdict]
    return " ".join(part for part in (_MARK[verdict], md(shown["main"]), md(shown["sub"])) if part)


def page_model(dataset: dict, extras: dict | None = None) -> dict:
    """Everything both templates show, computed once."""
    extras = extras or {}
    labels = [p["key"] for p in dataset["providers"]]
    index = {s["id"]: n for n, s in enumerate(dataset["statements"])}
    statements = {s["id"]: s for s in dataset["statements"]}
    case_number = {c["id"]: n for n, c in enumerate(dataset["cases"])}
    acceptance = extras.get("acceptance")
    groups = group_failures(dataset, acceptance, extras.get("gate_problems"))
    anchors = {(g.provider, m.inst.id): g.anchor for g in groups for m in g.members}
    everyone = bodies(dataset)
    rows = _statement_rows(dataset, index, labels)
    worst = _worst(rows, dataset)
    kill_matrix = dataset.get("kill_matrix") or []
    chaos = [{**r, "index": index.get(r["statement"], 0)} for r in extras.get("chaos_coverage") or []]
    tested = [{**s, "md_cells": [_md_cell(s["results"].get(l, {})) for l in labels]} for s in dataset["statements"]
              if any(r["verdict"] != "NOT_TESTED" for r in s["results"].values())]
    verdict_groups = [("statement verdicts", STATEMENT_VERDICTS), ("case verdicts", VERDICTS)]
    if kill_matrix:
        verdict_groups.append(("mutants", ("killed", "survived", "harmless", "rejected")))
    comparison = extras.get("comparison")
    return {
        "d": dataset, "providers": labels, "total_results": sum(len(c["results"]) for c in dataset["cases"]),
        "warnings": list(dataset.get("warnings") or []) + list(extras.get("warnings") or []),
        "expectations_path": extras.get("expectations_path", ""),
        "verdict_groups": verdict_groups, "cards": _cards(dataset, groups),
        "worst": worst[:MAX_WORST], "worst_more": max(0, len(worst) - MAX_WORST),
        "groups": _groups_of_rows(rows, extras.get("group_titles") or {}, labels),
        "failures": _failure_views(groups, statements, index, case_number),
        "failure_total": sum(g.count for g in groups),
        "reports": _reports(dataset, index, everyone),
        "kill_matrix": _kill_rows(kill_matrix, index),
        "killed": sum(1 for k in kill_matrix if k["verdict"] == "killed"),
        "chaos": chaos, "chaos_seeds": max([r.get("seeds", 0) for r in chaos] or [0]),
        "chaos_gaps": [r for r in chaos if r.get("level") == "MUST" and not r.get("exercised")],
        "details": _details(dataset, index, anchors),
        "case_bodies": _case_bodies(dataset, labels, case_number, anchors),
        "comparison": comparison,
        "change_sections": _change_sections(comparison, anchors) if comparison else [],
        "comparison_md": extras.get("comparison_md", ""),
        "tested": tested,
        "untested": len(dataset["statements"]) - len(tested),
        "unexercised": [(s["id"], l, s["results"][l].get("exercise", "")) for s in tested for l in labels
                        if s["results"].get(l, {}).get("verdict") == "UNEXERCISED"],
        "case_verdicts": VERDICTS, "mark": _MARK, "max_failures": MAX_SUMMARY_FAILURES,
        "problems": sum(g.count for g in groups),
    }


def _change_sections(comparison, anchors: dict[tuple, str]) -> list[dict]:
    from .diff import sections, summary_line

    out = []
    for p in comparison.providers:
        rendered = []
        for title, count, entries in sections(p):
            items = []
            for e in entries:
                anchor = ""
                if title in ("new failures", "changed signature") and e.ids:
                    anchor = anchors.get((p.new_label, e.ids[0]), "")
                items.append({"head": e.head, "details": e.details, "anchor": anchor})
            rendered.append((title, count, items))
        out.append({"label": p.new_label, "title": p.label, "summary": summary_line(p), "sections": rendered})
    return out


# ---- rendering -------------------------------------------------------------------


def render_html(dataset: dict, extras: dict | None = None, model: dict | None = None) -> str:
    page, _, Markup = _environments()
    model = model or page_model(dataset, extras)
    return page.get_template("report.html.j2").render(
        **model, css=Markup(_static("report.css")), js=Markup(_static("report.js")))


def render_summary(dataset: dict, extras: dict | None = None, model: dict | None = None) -> str:
    _, summary, _ = _environments()
    model = model or page_model(dataset, extras)
    return summary.get_template("summary.md.j2").render(**model)


# ---- the command -----------------------------------------------------------------

OUTPUTS = ("report.html", "summary.md", "junit.xml", "results.json")


def render_all(dataset: dict, extras: dict | None = None) -> dict[str, str]:
    model = page_model(dataset, extras)
    return {
        "report.html": render_html(dataset, model=model),
        "summary.md": render_summary(dataset, model=model),
        "junit.xml": render_junit(dataset),
        "results.json": dataset_json(dataset),
    }


def write_report(dataset: dict, out_dir: str, extras: dict | None = None) -> list[str]:
    """Renders everything first, then replaces all four files; on any failure none changes."""
    rendered = render_all(dataset, extras)
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
                        help="a file written by 'wsaconform killmatrix --out FILE': its kill matrix and chaos "
                             "coverage are rendered in the report")
    parser.add_argument("--expectations", metavar="FILE",
                        help="mark the failures this expectations file (version 2) accepts as known deviations, "
                             "with their reasons")
    parser.add_argument("--gate-json", metavar="FILE",
                        help="the gate's outcome (run --gate writes out/gate.json): failures it found a problem "
                             "with are marked so")
    parser.add_argument("--baseline", metavar="OLD",
                        help="a previous run (directory, dataset or results file): the report shows what changed "
                             "since, as 'wsaconform diff OLD NEW' does")


def _read_json(path: str, what: str):
    from .results import read_text

    try:
        return json.loads(read_text(path, what))
    except json.JSONDecodeError as err:
        raise UsageError(f"{path}: invalid JSON: {err}") from None


def _group_titles(catalog_path: str | None) -> dict[str, str]:
    """Statement group id -> title, from the catalog's "groups" when it has them."""
    if not catalog_path or not os.path.isfile(catalog_path):
        return {}
    try:
        catalog = json.loads(Path(catalog_path).read_text(encoding="utf-8"))
        return {str(g["id"]).upper(): str(g.get("title", "")) for g in catalog.get("groups") or []
                if isinstance(g, dict) and "id" in g}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return {}


def extras_from_args(args, dataset: dict) -> dict:
    """What the report shows beyond the dataset: known deviations, the gate, a comparison, chaos coverage."""
    extras: dict = {"warnings": [], "chaos_coverage": list(dataset.get("chaos_coverage") or [])}
    catalog_path = (dataset.get("catalog") or {}).get("path")
    extras["group_titles"] = dataset.get("statement_groups") or _group_titles(catalog_path)
    if extras["group_titles"]:
        dataset["statement_groups"] = extras["group_titles"]
    if getattr(args, "expectations", None):
        from .expectations import load_expectations

        try:
            expectations = load_expectations(args.expectations)
        except UsageError as err:
            # The report still shows every failure; the gate gives its own answer about the file.
            message = f"no deviation marked as known: {err}"
            warn(message)
            extras["warnings"].append(message)
        else:
            extras["acceptance"] = acceptance_from_expectations(expectations)
            extras["expectations_path"] = args.expectations
    if getattr(args, "gate_json", None):
        outcome = _read_json(args.gate_json, "gate outcome")
        problems: dict[tuple, list] = {}
        for p in outcome.get("problems") or [] if isinstance(outcome, dict) else []:
            if isinstance(p, dict) and p.get("case") and p.get("provider"):
                problems.setdefault((p["provider"], p["case"]), []).append(p)
        extras["gate_problems"] = problems
    if getattr(args, "baseline", None):
        from .diff import compare, load_side, render_markdown

        try:
            old = load_side(args.baseline)
        except UsageError as err:
            # The run's own report matters more than the comparison: say why there is none.
            message = f"no comparison with the baseline: {err}"
            warn(message)
            extras["warnings"].append(message)
        else:
            comparison = compare(old, dataset, args.baseline, "this run")
            extras["comparison"] = comparison
            extras["comparison_md"] = render_markdown(comparison, heading="###")
    return extras


def run(args) -> int:
    result_set, catalog, kill_matrix = load_inputs(args.inputs, args.requirements)
    chaos: list = []
    groups: dict = {}
    for path in args.inputs:
        _, obj = read_input(path)
        if obj is not None:
            chaos += obj.get("chaos_coverage") or []
            groups = groups or obj.get("statement_groups") or {}
    if getattr(args, "kill_matrix", None):
        from .collate import validate_kill_matrix

        matrix = _read_json(args.kill_matrix, "kill matrix")
        if not isinstance(matrix, dict) or "kill_matrix" not in matrix:
            raise UsageError(f"{args.kill_matrix}: no 'kill_matrix' array (write it with wsaconform killmatrix --out)")
        kill_matrix = (kill_matrix or []) + validate_kill_matrix(matrix["kill_matrix"], args.kill_matrix)
        chaos += matrix.get("chaos_coverage") or []
    dataset = build_dataset(result_set, catalog, kill_matrix)
    if chaos:
        dataset["chaos_coverage"] = chaos
    if groups:
        dataset["statement_groups"] = groups
    extras = extras_from_args(args, dataset)
    write_report(dataset, args.out, extras)
    comparison = extras.get("comparison")
    if comparison is not None:
        from .diff import summary_line

        for p in comparison.providers:
            print(f"since {args.baseline}: {p.label}: {summary_line(p)}")
    return 0


def main(argv=None) -> int:
    from .errors import main_for

    return main_for(add_arguments, run, "wsaconform report", argv)


if __name__ == "__main__":
    raise SystemExit(main())
