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
        "lang", "charset", "name", "content", "http-equiv", "id", "value", "label", "class", "data-provider",
        "data-verdict", "data-verdicts", "data-statements", "data-text", "data-known", "data-col", "data-group",
        "data-body", "title", "href", "style", "type", "aria-expanded", "colspan", "placeholder", "size", "hidden"}
    # Style attributes carry only the widths of the summary's bars.
    assert all(re.fullmatch(r"width:[0-9.]+%", v) for name, v in parser.attrs if name == "style")
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
    # and the page itself forbids fetching anything, should a value ever slip through
    assert "default-src 'none'" in page


def test_html_has_matrix_filters_and_failure_details(tmp_path):
    page = (render(tmp_path) / "report.html").read_text()
    assert 'id="statement-matrix"' in page
    for select in ("f-statement", "f-provider", "f-verdict"):
        assert f'id="{select}"' in page
    assert "(2 result(s) in 2 group(s))" in page
    assert "text &lt;script&gt;" in page  # statement text shown with the failure
    assert "10045" in page  # observed values


def test_expected_values_from_the_catalog(tmp_path):
    (tmp_path / "requirements.json").write_text(json.dumps({"version": "2026.11.1", "statements": [
        {"id": "S14", "level": "MUST", "text": "signaled at return", "reference_behaviour": "event signaled",
         "accepted_codes": [997, 10045]}]}))
    page = (render(tmp_path) / "report.html").read_text()
    assert "Expected: event signaled; accepted codes: 997, 10045" in page


def test_summary_is_short_and_escaped(tmp_path):
    summary = (render(tmp_path) / "summary.md").read_text()
    assert HOSTILE not in summary and "<img" not in summary
    assert "&lt;script&gt;" in summary
    assert "| Provider |" in summary and "### Failures (2 result(s) in 2 group(s))" in summary
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
    # The page's cells: held of those that exercised it; an unexercised one, how many claim it.
    assert "| S14 | MUST | ⭕ 0 of 2 exercised |" in summary and "| S16 | MUST | ❌ 1/2 |" in summary
    assert "- S14 on mock: 0 of 2 instances (the call returned 0)" in summary
    assert "- **FAIL** A.Fail on mock [S16]: the case fails S16: 10054 instead of 0" in summary
    root = ET.parse(out / "junit.xml").getroot()
    statements = {c.get("name"): c for s in root.iter("testsuite") if s.get("name") == "mock · statements"
                  for c in s.iter("testcase")}
    assert statements["S14"].find("skipped").get("message") == (
        "UNEXERCISED: exercised in 0 of 2 instances (the call returned 0)")
    assert statements["S16"].find("failure").get("type") == "DEVIATES"
    assert "A.Fail: WSAC_EXPECT_EQ(ind->error, 0u) observed 10054" in statements["S16"].find("failure").text
    [failed] = [c for c in root.iter("testcase") if c.get("name") == "A.Fail"]
    assert "violated [S16] WSAC_EXPECT_EQ(ind->error, 0u): observed 10054, expected 0" in failed.find("failure").text


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


# ---- grouping, known deviations, the rest of the page ------------------------------

from report_fixture import make_expectations, make_run, render_full  # noqa: E402
from test_results import checks  # noqa: E402
from wsaconform import failure_groups  # noqa: E402


def test_failures_are_one_entry_per_body_and_signature(tmp_path):
    """Eight instances failing BAD-1 with the same values are one entry, split only where an expectation
    accepts some of them; a crash is its own entry."""
    out = tmp_path / "out"
    assert report.main([make_run(tmp_path), "--out", str(out), "--expectations", make_expectations(tmp_path)]) == 0
    page = (out / "report.html").read_text()
    assert page.count('<details class="failure item') == 3
    assert "BufferCountZero: 4 instances (Udp4 × 4 mechanisms) fail BAD-1 the same way: ret=-1 err=997 instead " \
           "of 10022" in page
    assert "Immediate: 1 instance (Tcp4PortWSARecv) crashes: runner died of signal 11" in page
    # The violated check, observed against expected, once per entry.
    failures = page[page.index('<section id="failures"'):page.index('<section id="observed"')]
    assert failures.count("<code>WSAC_EXPECT_EQ(call.wsa_error, 10022)</code>") == 2
    # The accepted half is marked, with its reason, and comes last.
    known = page.index('data-known="yes"')
    assert known > page.index('data-known="no"')
    assert "Wine 8.0 takes a receive with no buffers as a zero-length receive." in page[known:]
    summary = (out / "summary.md").read_text()
    assert "- **FAIL** (known deviation, providers\\[0\\].expect\\[0\\]) Failed/BadInput.BufferCountZero" in summary


def test_one_group_instead_of_one_box_per_instance_shrinks_the_page(tmp_path):
    lines = [line(id=f"Failed/BadInput.BufferCountZero/{k}{m}{c}", suite="BadInput", name="BufferCountZero",
                  statements=["BAD-1"], verdict="FAIL", message=f"{m} call=pending",
                  checks=checks(violated=["BAD-1"], observed="ret=-1 err=997", expected="10022"))
             for k in ("Tcp4", "Udp4") for m in ("Event", "Routine", "Port", "Polling")
             for c in ("WSARecv", "WSARecvFrom", "WSASend", "WSASendTo")]
    out = tmp_path / "out"
    assert report.main([write(tmp_path / "r.jsonl", *lines), "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert page.count('<details class="failure item') == 1
    assert "BufferCountZero: 32 instances (Tcp4/Udp4 × 4 mechanisms × 4 calls) fail BAD-1 the same way: " \
           "ret=-1 err=997 instead of 10022" in page
    assert page.count("BAD-1 broke") == 1  # the message of the violated check, shown once


def test_instances_are_named_compactly():
    def inst(param):
        return failure_groups.instance(f"P/S.N/{param}", "S", "N")

    body = [inst(f"{k}{m}WSARecv") for k in ("Tcp4", "Tcp6", "Udp4", "Udp6") for m in ("Event", "Port")]
    assert failure_groups.describe_instances(body, body) == "4 socket kinds × Event/Port"
    assert failure_groups.describe_instances(body[:2], body) == "Tcp4 × Event/Port"
    assert failure_groups.describe_instances([body[0], body[3]], body) == "some of Tcp4/Tcp6 × Event/Port"
    assert failure_groups.atoms("Tcp4NonBlockingWSARecvFrom") == ("Tcp4", "NonBlocking", "WSARecvFrom")
    assert failure_groups.atoms("weird_name") == ("weird_name",)


def test_lines_without_checks_meet_by_their_message_with_the_instance_masked(tmp_path):
    lines = [line(id=f"P/S.N/Tcp4{m}", suite="S", name="N", verdict="FAIL", checks=None,
                  message=f"../../../cases/x.cc:9: failed\n{m} call=immediate ret=0") for m in ("Event", "Port")]
    lines.append(line(id="P/S.N/Tcp4Routine", suite="S", name="N", verdict="FAIL", checks=None,
                      message="../../../cases/x.cc:9: failed\nRoutine call=pending ret=-1"))
    result_set, catalog, _ = collate.load_inputs([write(tmp_path / "r.jsonl", *lines)], quiet=True)
    groups = failure_groups.group_failures(collate.build_dataset(result_set, catalog, quiet=True))
    assert [g.count for g in groups] == [2, 1]
    assert groups[0].headline().startswith("N: 2 instances (Event/Port) fail (no per-check record) the same way")


def test_gate_outcome_marks_what_the_gate_found(tmp_path):
    gate = tmp_path / "gate.json"
    gate.write_text(json.dumps({"ok": False, "problems": [
        {"kind": "NEW FAILURE", "text": "Failed/BadInput.BufferCountZero/Udp4EventWSARecv deviates",
         "provider": "winsock · Wine 8.0", "case": "Failed/BadInput.BufferCountZero/Udp4EventWSARecv"}]}))
    out = tmp_path / "out"
    assert report.main([make_run(tmp_path), "--out", str(out), "--gate-json", str(gate)]) == 0
    page = (out / "report.html").read_text()
    assert "gate: new failure" in page and "gate: NEW FAILURE: Failed/BadInput.BufferCountZero/Udp4Event" in page


def test_an_expectations_file_the_gate_refuses_is_a_warning_not_a_missing_report(tmp_path, capsys):
    old = tmp_path / "v1.json"
    old.write_text(json.dumps({"format": "wsaconform-expectations", "version": 1, "providers": []}))
    out = tmp_path / "out"
    assert report.main([make_run(tmp_path), "--out", str(out), "--expectations", str(old)]) == 0
    assert "no deviation marked as known" in capsys.readouterr().err
    assert "no deviation marked as known" in (out / "report.html").read_text()


def test_every_section_is_in_the_page(tmp_path):
    out = render_full(tmp_path, report)
    page = (out / "report.html").read_text()
    for section in ("summary", "changes", "matrix", "failures", "observed", "kill-matrix", "chaos-coverage",
                    "statements", "cases"):
        assert f'<section id="{section}"' in page, section
    # Matrix cells carry the counts behind the verdict; rows are grouped by the catalog's groups.
    assert "<b>DEVIATES</b> 0/8" in page and "<b>CONFORMS</b> 8/8" in page
    assert "<b>BAD</b> Bad input" in page
    assert "70/160" in page and "the receive pended ×90" in page  # chaos coverage
    assert "Kill matrix (1 of 2 killed)" in page
    observed = page[page.index('<section id="observed"'):page.index('<section id="kill-matrix"')]
    assert observed.count("completions in order, 4 of 4") == 2  # MAY reports: once per provider and body
    assert "8 <span class=\"n\">(Tcp4/Udp4 × 4 mechanisms)</span>" in observed
    # The summary: MUST statements and cases per provider, worst first.
    summary = page[page.index('<section id="summary"'):page.index('<section id="changes"')]
    assert summary.index(">BAD-1<") < summary.index(">S14<")
    changes = page[page.index('<section id="changes"'):page.index('<section id="matrix"')]
    assert "New failures" in changes and "Removed cases" in changes
    assert changes.index("New failures") < changes.index("Removed cases")
    md_text = (out / "summary.md").read_text()
    assert "### Changes since" in md_text and "**New failures (5)**" in md_text


def test_run_with_a_baseline_shows_the_changes(wsaconform, fake_runner, tmp_path):
    first = wsaconform("run", "--runner", fake_runner, "--out", str(tmp_path / "first"), "--jobs", "1",
                       env={"FAKE_CASES": "4"})
    assert first.returncode == 0, first.stderr
    second = wsaconform("run", "--runner", fake_runner, "--out", str(tmp_path / "second"), "--jobs", "1",
                        "--baseline", str(tmp_path / "first"), env={"FAKE_CASES": "5", "FAKE_FAIL": "Case01"})
    assert second.returncode == 1
    assert "1 new failures, 0 fixed, 0 changed, 1 new cases, 0 removed cases" in second.stdout
    page = (tmp_path / "second" / "report" / "report.html").read_text()
    changes = page[page.index('<section id="changes"'):page.index('<section id="matrix"')]
    assert "Fake/Suite.Case01: 1 instance (Mock) fails S2: 2 instead of 1" in changes
    diff = wsaconform("diff", str(tmp_path / "first"), str(tmp_path / "second"))
    assert diff.returncode == 1 and diff.stdout.index("NEW FAILURES (1)") < diff.stdout.index("NEW CASES (1)")


def test_a_baseline_that_cannot_be_read_costs_the_comparison_not_the_report(tmp_path, capsys):
    out = tmp_path / "out"
    assert report.main([make_run(tmp_path), "--out", str(out), "--baseline", str(tmp_path / "missing")]) == 0
    assert "no comparison with the baseline" in capsys.readouterr().err
    assert '<section id="changes"' not in (out / "report.html").read_text()
