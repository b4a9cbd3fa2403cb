"""JUnit XML for CI systems: one testcase per case and provider build, and
one per statement and provider build.

Each provider build is a testsuite of its cases; FAIL becomes <failure> (its
text lists the violated checks with observed and expected values),
NOT_SUPPORTED <skipped>, BROKEN/TIMEOUT/CRASH <error> with the verdict as
its type, so a CI view never counts a case that could not be checked as
passed. A second testsuite per build ("<build> · statements") holds the
statement verdicts: DEVIATES a <failure> listing the violated checks, UNKNOWN
an <error>, UNEXERCISED, NOT_SUPPORTED and NOT_TESTED <skipped> with how many
instances exercised the statement and why the others did not.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .results import VERDICTS, clean


def _failure_text(case: dict, entry: dict) -> str:
    lines = [f"{entry['verdict']}: {case['id']}", f"statements: {' '.join(case['statements'])}"]
    for sid, checks in (entry.get("checks") or {}).items():
        for v in checks.get("violations") or []:
            lines.append(f"violated [{sid}] {v.get('check', '')}: observed {v.get('observed', '')}, "
                         f"expected {v.get('expected', '')} ({v.get('where', '')})")
    for error in entry.get("harness_errors") or []:
        lines.append(f"suite defect: {error}")
    if entry.get("message"):
        lines.append(entry["message"])
    for k, v in (entry.get("observed") or {}).items():
        lines.append(f"observed {k} = {clean(v)}")
    return clean("\n".join(lines))


def render_junit(dataset: dict) -> str:
    root = ET.Element("testsuites", name="wsaconform")
    by_provider: dict[str, list] = {p["key"]: [] for p in dataset["providers"]}
    for case in dataset["cases"]:
        for label, entry in case["results"].items():
            by_provider.setdefault(label, []).append((case, entry))
    for label, entries in by_provider.items():
        counts = {v: 0 for v in VERDICTS}
        seconds = 0.0
        for _, entry in entries:
            counts[entry["verdict"]] += 1
            seconds += (entry.get("duration_ms") or 0) / 1000
        suite = ET.SubElement(
            root, "testsuite", name=clean(label), tests=str(len(entries)), failures=str(counts["FAIL"]),
            errors=str(counts["BROKEN"] + counts["TIMEOUT"] + counts["CRASH"]),
            skipped=str(counts["NOT_SUPPORTED"]), time=f"{seconds:.3f}",
        )
        for case, entry in entries:
            testcase = ET.SubElement(
                suite, "testcase", classname=clean(f"{label}.{case['suite']}"), name=clean(case["id"]),
                time=f"{(entry.get('duration_ms') or 0) / 1000:.3f}",
            )
            properties = ET.SubElement(testcase, "properties")
            ET.SubElement(properties, "property", name="statements", value=clean(" ".join(case["statements"])))
            verdict = entry["verdict"]
            message_lines = [line for line in (entry.get("message") or "").splitlines() if line.strip()]
            first_line = clean(message_lines[0] if message_lines else verdict)
            if verdict == "FAIL":
                ET.SubElement(testcase, "failure", message=first_line, type="FAIL").text = _failure_text(case, entry)
            elif verdict == "NOT_SUPPORTED":
                ET.SubElement(testcase, "skipped", message=first_line)
            elif verdict != "PASS":
                ET.SubElement(testcase, "error", message=first_line, type=verdict).text = _failure_text(case, entry)
    for label in by_provider:
        _statement_suite(root, label, dataset)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _statement_suite(root, label: str, dataset: dict) -> None:
    rows = [(s, s["results"][label]) for s in dataset["statements"] if label in s.get("results", {})]
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for _, res in rows:
        verdict = res["verdict"]
        counts["failures"] += verdict == "DEVIATES"
        counts["errors"] += verdict == "UNKNOWN"
        counts["skipped"] += verdict in ("UNEXERCISED", "NOT_SUPPORTED", "NOT_TESTED")
    suite = ET.SubElement(root, "testsuite", name=clean(f"{label} · statements"), tests=str(len(rows)),
                          failures=str(counts["failures"]), errors=str(counts["errors"]),
                          skipped=str(counts["skipped"]), time="0.000")
    for statement, res in rows:
        testcase = ET.SubElement(suite, "testcase", classname=clean(f"{label}.statements"),
                                 name=clean(statement["id"]), time="0.000")
        properties = ET.SubElement(testcase, "properties")
        exercise = res.get("exercise", "")
        ET.SubElement(properties, "property", name="exercised", value=clean(exercise))
        ET.SubElement(properties, "property", name="checks",
                      value=f"{res.get('checks_held', 0)} held, {res.get('checks_violated', 0)} violated")
        verdict = res["verdict"]
        if verdict == "DEVIATES":
            violations = res.get("violations", [])
            text = "\n".join(f"{v['case']}: {v.get('check', '')} observed {v.get('observed', '')}, "
                             f"expected {v.get('expected', '')} ({v.get('where', '')})" for v in violations)
            ET.SubElement(testcase, "failure", type="DEVIATES",
                          message=clean(f"{res.get('checks_violated', 0)} violated check(s); exercised in "
                                        f"{exercise}")).text = clean(text)
        elif verdict == "UNKNOWN":
            text = "\n".join(f"{d['case']}: {d['verdict']} {d.get('message', '')}" for d in res.get("decided_by", []))
            ET.SubElement(testcase, "error", type="UNKNOWN",
                          message=clean(f"no violation, but a claiming case could not finish; exercised in "
                                        f"{exercise}")).text = clean(text)
        elif verdict != "CONFORMS":
            ET.SubElement(testcase, "skipped", message=clean(f"{verdict}: exercised in {exercise}"))
