"""Rendering: HTML (escaped, self-contained), Markdown summary, JUnit XML; atomic writes."""

import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from test_results import line, write
from wsaconform import collate, report
from wsaconform.errors import UsageError

HOSTILE = "<script>alert(1)</script>"
QUOTES = "a\"b'c&<d>|e"


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.starts = []
        self.attrs = []

    def handle_starttag(self, tag, attrs):
        self.starts.append(tag)
        self.attrs += attrs


def hostile_results(tmp_path):
    return write(
        tmp_path / "r.jsonl",
        line(id=f"Evil/{HOSTILE}.Case\"x", statements=["S14", HOSTILE], provider=f"{HOSTILE}{QUOTES}",
             build=f"build {QUOTES}", verdict="FAIL", message=f"{HOSTILE}\n\x00\x1b[31m{QUOTES}",
             observed={HOSTILE: f"<img src=x onerror=alert(2)>{QUOTES}", "wsa_error": 10045},
             reports={HOSTILE: HOSTILE}, requirements={"S14": f"text {HOSTILE}"}),
        line(id="Good.Case", verdict="NOT_SUPPORTED", message=f"no ipv6 {HOSTILE}"),
        line(id="Bad.Crash", verdict="CRASH", message="signal 11"),
    )


def render(tmp_path, *extra_args):
    out = tmp_path / "out"
    assert report.main([hostile_results(tmp_path), "--out", str(out), *extra_args]) == 0
    return out


def test_writes_the_four_files(tmp_path):
    out = render(tmp_path)
    assert sorted(os.listdir(out)) == ["junit.xml", "report.html", "results.json", "summary.md"]
    dataset = json.loads((out / "results.json").read_text())
    assert dataset["format"] == "wsaconform-dataset"


def test_html_escapes_everything_from_results(tmp_path):
    page = (render(tmp_path) / "report.html").read_text()
    assert HOSTILE not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parser = Tags()
    parser.feed(page)
    assert parser.starts.count("script") == 1  # ours, the filter code
    assert "img" not in parser.starts
    # Quotes never break out of an attribute: every attribute the parser saw is one we wrote.
    assert {name for name, _ in parser.attrs} <= {
        "lang", "charset", "name", "content", "id", "value", "label", "class", "data-provider", "data-verdict",
        "data-statements", "title", "href"}
    providers = [v for name, v in parser.attrs if name == "data-provider"]
    assert f"{HOSTILE}{QUOTES} · build {QUOTES}" in providers
    assert "\x00" not in page and "\x1b" not in page


def test_html_is_self_contained(tmp_path):
    page = (render(tmp_path) / "report.html").read_text()
    parser = Tags()
    parser.feed(page)
    assert not any(name == "src" for name, _ in parser.attrs)
    assert all(v.startswith("#") for name, v in parser.attrs if name == "href")
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_html_has_matrix_filters_and_failure_details(tmp_path):
    page = (render(tmp_path) / "report.html").read_text()
    assert 'id="statement-matrix"' in page
    for select in ("f-statement", "f-provider", "f-verdict"):
        assert f'id="{select}"' in page
    assert "Failures (2)" in page
    assert "text &lt;script&gt;" in page  # statement text shown with the failure
    assert "10045" in page  # observed values
    assert "no ipv6" in page  # NOT_SUPPORTED reason is in the case grid title


def test_expected_values_from_the_catalog(tmp_path):
    (tmp_path / "requirements.json").write_text(json.dumps({"version": "2026.11.1", "statements": [
        {"id": "S14", "level": "MUST", "text": "signaled at return", "reference_behaviour": "event signaled",
         "accepted_codes": [997, 10045]}]}))
    page = (render(tmp_path) / "report.html").read_text()
    assert "<b>Expected</b>" in page and "event signaled" in page and "<code>997</code>" in page


def test_summary_is_short_and_escaped(tmp_path):
    summary = (render(tmp_path) / "summary.md").read_text()
    assert HOSTILE not in summary and "<img" not in summary
    assert "&lt;script&gt;" in summary
    assert "| Provider |" in summary and "### Failures (2)" in summary
    # Hostile pipes are escaped: every row of a table has as many cells as its header.
    tables, current = [], []
    for row in summary.splitlines() + [""]:
        if row.startswith("|"):
            current.append(len(re.findall(r"(?<!\\)\|", row)))
        elif current:
            tables.append(current)
            current = []
    assert len(tables) == 2
    for cells in tables:
        assert len(set(cells)) == 1, cells


def test_summary_caps_the_failure_list(tmp_path):
    lines = [line(id=f"Many.Case{i}", verdict="FAIL", message="x") for i in range(40)]
    out = tmp_path / "out"
    assert report.main([write(tmp_path / "r.jsonl", *lines), "--out", str(out)]) == 0
    summary = (out / "summary.md").read_text()
    assert summary.count("- **FAIL**") == report.MAX_SUMMARY_FAILURES
    assert "and 15 more" in summary


def test_junit_maps_verdicts_and_is_valid_xml(tmp_path):
    root = ET.parse(render(tmp_path) / "junit.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    evil = cases[f"Evil/{HOSTILE}.Case\"x"]
    assert evil.find("failure") is not None
    assert HOSTILE in evil.find("failure").get("message")
    assert cases["Good.Case"].find("skipped") is not None
    assert cases["Bad.Crash"].find("error").get("type") == "CRASH"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["mock"].get("errors") == "1" and suites["mock"].get("skipped") == "1"
    # S14 and EVT-1 of the mock: a crash and a NOT_SUPPORTED, so UNKNOWN; the hostile provider's S14 was violated.
    assert suites["mock · statements"].get("errors") == "2"
    hostile = [s for name, s in suites.items() if name.endswith(" · statements") and name != "mock · statements"]
    assert [s.get("failures") for s in hostile] == ["1"]


def test_kill_matrix_is_rendered(tmp_path):
    results = write(tmp_path / "r.jsonl", line())
    result_set, catalog, _ = collate.load_inputs([results])
    dataset = collate.build_dataset(result_set, catalog, [
        {"mutant": f"m{HOSTILE}", "statement": "S15", "verdict": "killed", "killing_cases": ["A.B"],
         "killed_by_own_statement": True,
         "killed_by": [{"case": "A.B", "check": f"WSAC_EXPECT_EQ(op.routine_runs_at_return, 0) {HOSTILE}",
                        "where": "cases/r.cc:7", "message": "", "observed": "1", "expected": "0"}]},
        {"mutant": "lazy", "statement": "S21", "verdict": "survived", "killing_cases": [],
         "killed_by_own_statement": False, "note": "no check of S21 was violated", "other_failures": ["C.D"]}])
    report.write_report(dataset, str(tmp_path / "out"))
    page = (tmp_path / "out" / "report.html").read_text()
    assert "Kill matrix (1 of 2 killed)" in page and HOSTILE not in page
    assert "WSAC_EXPECT_EQ(op.routine_runs_at_return, 0)" in page
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "### Kill matrix (1 of 2 killed)" in summary
    assert "| lazy | S21 | survived | no check of S21 was violated |" in summary
    assert "A.B: WSAC\\_EXPECT\\_EQ(op.routine\\_runs\\_at\\_return, 0)" in summary


def test_statement_checks_are_shown_everywhere(tmp_path):
    from test_results import checks

    (tmp_path / "requirements.json").write_text(json.dumps({"version": "2026.11.1", "statements": [
        {"id": "S14", "level": "MUST", "text": "t", "exercised_when": "the call returned 0"},
        {"id": "S16", "level": "MUST", "text": "u"}]}))
    results = write(tmp_path / "r.jsonl",
                    line(id="A.Pend", statements=["S14", "S16"],
                         checks=checks(held=["S16"], unexercised={"S14": "the call pended"})),
                    line(id="A.Fail", statements=["S16", "S14"], verdict="FAIL",
                         checks=checks(violated=["S16"], unexercised={"S14": "the call pended"},
                                       check="WSAC_EXPECT_EQ(ind->error, 0u)", observed="10054")))
    out = tmp_path / "out"
    assert report.main([results, "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "WSAC_EXPECT_EQ(ind-&gt;error, 0u)" in page and "10054" in page
    assert "the call pended (2)" in page
    summary = (out / "summary.md").read_text()
    assert "| S14 | MUST | ⭕ 0/2 |" in summary and "| S16 | MUST | ❌ 2/2 |" in summary
    assert "- S14 on mock: 0 of 2 instances (the call returned 0)" in summary
    assert "\\[S16\\] WSAC\\_EXPECT\\_EQ(ind-&gt;error, 0u): observed 10054, expected 0" in summary
    root = ET.parse(out / "junit.xml").getroot()
    statements = {c.get("name"): c for s in root.iter("testsuite") if s.get("name") == "mock · statements"
                  for c in s.iter("testcase")}
    assert statements["S14"].find("skipped").get("message") == (
        "UNEXERCISED: exercised in 0 of 2 instances (the call returned 0)")
    assert statements["S16"].find("failure").get("type") == "DEVIATES"
    assert "A.Fail: WSAC_EXPECT_EQ(ind->error, 0u) observed 10054" in statements["S16"].find("failure").text


def test_failed_render_leaves_the_previous_report(tmp_path, monkeypatch):
    out = render(tmp_path)
    before = {name: (out / name).read_bytes() for name in os.listdir(out)}

    def broken(dataset):
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(report, "render_junit", broken)
    with pytest.raises(RuntimeError):
        report.write_report(json.loads((out / "results.json").read_text()), str(out))
    assert {name: (out / name).read_bytes() for name in os.listdir(out)} == before


def test_failed_write_leaves_the_previous_report(tmp_path, monkeypatch):
    out = render(tmp_path)
    before = {name: (out / name).read_bytes() for name in os.listdir(out)}
    real_replace = os.replace
    calls = []

    def replace_then_fail(src, dst):
        calls.append(dst)
        raise OSError(28, "No space left on device", dst)

    monkeypatch.setattr(os, "replace", replace_then_fail)
    new_results = write(tmp_path / "new.jsonl", line(id="Other.Case", verdict="FAIL"))
    with pytest.raises(UsageError, match="No space left"):
        report.run(type("Args", (), {"inputs": [new_results], "requirements": None, "out": str(out)})())
    monkeypatch.setattr(os, "replace", real_replace)
    assert calls
    assert {name: (out / name).read_bytes() for name in os.listdir(out)} == before  # and no temp files left


def test_missing_input_is_a_one_line_error(tmp_path, capsys):
    assert report.main([str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"wsaconform: error: {tmp_path / 'missing.jsonl'}: no such results file\n"
    assert not (tmp_path / "out").exists()
