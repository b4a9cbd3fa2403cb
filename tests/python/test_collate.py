"""Collating shards and providers into one dataset; statement verdicts."""

import json

import pytest

from test_results import checks, line, write
from wsaconform import collate
from wsaconform.collate import build_dataset, load_inputs, statement_verdict
from wsaconform.errors import UsageError

CATALOG = {"version": "2026.11.1", "statements": [
    {"id": "S14", "level": "MUST", "text": "event signaled at return", "reference_behaviour": "signaled",
     "accepted_codes": [0]},
    {"id": "S22", "level": "MAY", "text": "send completions in any order"},
    {"id": "S25", "level": "INFO", "text": "cannot cancel"},
    {"id": "S26", "level": "MUST", "text": "close aborts pending"},
]}


def rec(verdict, statement="S14", held=0, violated=0, reasons=(), reports=None, checks=True, other_violated=False):
    record = {"id": f"C{verdict}{held}{violated}", "verdict": verdict, "statements": [statement, "S99"],
              "reports": reports or {}}
    if checks:
        record["checks"] = {statement: {"held": held, "violated": violated, "exercised": bool(held or violated),
                                        "violations": [{"check": "c", "observed": "1", "expected": "2"}] * violated,
                                        "not_exercised": list(reasons)}}
        if other_violated:
            record["checks"]["S99"] = {"held": 0, "violated": 1, "exercised": True, "not_exercised": [],
                                       "violations": [{"check": "d", "observed": "3", "expected": "4"}]}
    return record


@pytest.mark.parametrize("records, expected", [
    ([rec("PASS", held=2), rec("PASS", held=1)], "CONFORMS"),
    ([rec("PASS", held=1), rec("NOT_SUPPORTED")], "CONFORMS"),
    ([rec("NOT_SUPPORTED")], "NOT_SUPPORTED"),
    ([rec("PASS", held=1), rec("FAIL", violated=1), rec("CRASH", checks=False)], "DEVIATES"),
    ([rec("PASS", held=1), rec("TIMEOUT")], "UNKNOWN"),
    ([rec("BROKEN")], "UNKNOWN"),
    ([rec("CRASH", checks=False), rec("NOT_SUPPORTED")], "UNKNOWN"),
    ([rec("TIMEOUT", violated=1)], "DEVIATES"),  # a violation before the hang decides
    ([rec("PASS", reasons=["the call pended"]), rec("NOT_SUPPORTED")], "UNEXERCISED"),
    # The case failed, but on another statement's check: this one only held.
    ([rec("FAIL", held=1, other_violated=True)], "CONFORMS"),
    ([rec("FAIL", reasons=["ended before"], other_violated=True)], "UNEXERCISED"),
    # A FAIL with no violated check anywhere (an older runner's line) cannot be attributed.
    ([rec("FAIL", checks=False)], "UNKNOWN"),
    ([rec("PASS", checks=False)], "UNEXERCISED"),
    ([], "NOT_TESTED"),
])
def test_statement_verdict(records, expected):
    assert statement_verdict(records, "MUST", "S14") == expected


def test_info_statements_are_not_tested():
    assert statement_verdict([rec("FAIL", violated=1)], "INFO", "S14") == "NOT_TESTED"


def test_may_statements_are_answered_by_a_report():
    reported = rec("PASS", statement="S22", reports={"S22": "in order 2 of 2"})
    assert statement_verdict([reported], "MAY", "S22") == "CONFORMS"
    assert statement_verdict([reported], "MUST", "S22") == "UNEXERCISED", "a report answers only a permission"


def shards(tmp_path):
    (tmp_path / "requirements.json").write_text(json.dumps(CATALOG))
    a = write(tmp_path / "shard1.jsonl",
              line(id="A.Immediate", statements=["S14"]),
              line(id="A.Order", statements=["S22"], reports={"S22": "in order 64 of 64"}),
              line(id="A.Close", statements=["S26"], verdict="CRASH", message="signal 11", observed={}))
    b = write(tmp_path / "shard2.jsonl",
              line(id="A.Immediate", statements=["S14"], provider="winsock", build="Wine 8.0",
                   verdict="FAIL", message="event not signaled", observed={"event_signaled": 0}),
              line(id="A.Close", statements=["S26"], provider="winsock", build="Wine 8.0",
                   observed={"error": 1236}),
              line(id="A.Close", statements=["S26"]))  # rerun after the crash: the last one wins
    return a, b


def test_collate_shards_and_providers(tmp_path, capsys):
    a, b = shards(tmp_path)
    result_set, catalog, kill = load_inputs([a, b])
    assert catalog is not None and catalog.version == "2026.11.1"  # found beside the results
    dataset = build_dataset(result_set, catalog, kill)
    assert "appears again" in capsys.readouterr().err

    assert [p["key"] for p in dataset["providers"]] == ["mock", "winsock · Wine 8.0"]
    mock, wine = dataset["providers"]
    assert mock["totals"]["PASS"] == 3 and mock["totals"]["CRASH"] == 0
    assert wine["totals"]["FAIL"] == 1

    statements = {s["id"]: s for s in dataset["statements"]}
    assert [s["id"] for s in dataset["statements"]] == ["S14", "S22", "S25", "S26"]
    s14 = statements["S14"]["results"]
    assert s14["mock"]["verdict"] == "CONFORMS"
    assert s14["winsock · Wine 8.0"]["verdict"] == "DEVIATES"
    [decided] = s14["winsock · Wine 8.0"]["decided_by"]
    assert decided == {"case": "A.Immediate", "verdict": "FAIL", "message": "event not signaled",
                       "observed": {"event_signaled": 0}}
    assert statements["S22"]["results"]["mock"]["reports"] == [{"case": "A.Order", "text": "in order 64 of 64"}]
    assert statements["S22"]["results"]["winsock · Wine 8.0"]["verdict"] == "NOT_TESTED"
    assert statements["S25"]["results"]["mock"]["verdict"] == "NOT_TESTED"
    assert statements["S26"]["results"]["mock"]["verdict"] == "CONFORMS"  # the rerun replaced the CRASH
    assert statements["S26"]["results"]["winsock · Wine 8.0"]["decided_by"][0]["observed"] == {"error": 1236}
    assert statements["S14"]["reference_behaviour"] == "signaled"

    cases = {c["id"]: c for c in dataset["cases"]}
    assert set(cases["A.Immediate"]["results"]) == {"mock", "winsock · Wine 8.0"}


def test_unknown_when_only_crashes(tmp_path):
    path = write(tmp_path / "r.jsonl", line(id="A.X", statements=["S26"], verdict="TIMEOUT"),
                 line(id="A.Y", statements=["S26"], verdict="PASS"))
    result_set, catalog, _ = load_inputs([path])
    dataset = build_dataset(result_set, catalog)
    [s26] = dataset["statements"]
    assert s26["results"]["mock"]["verdict"] == "UNKNOWN"
    assert s26["level"] == ""  # no catalog: level unknown, text from the results
    assert [d["case"] for d in s26["results"]["mock"]["decided_by"]] == ["A.X"]


def test_cli_writes_dataset(tmp_path):
    a, b = shards(tmp_path)
    out = tmp_path / "out" / "dataset.json"
    assert collate.main([a, b, "--out", str(out)]) == 0
    dataset = json.loads(out.read_text())
    assert dataset["format"] == "wsaconform-dataset"
    assert dataset["catalog"]["version"] == "2026.11.1"
    # A dataset is itself a valid input, and merges with results files.
    extra = write(tmp_path / "more.jsonl", line(id="A.New", provider="other"))
    again = tmp_path / "merged.json"
    assert collate.main([str(out), extra, "--out", str(again)]) == 0
    merged = json.loads(again.read_text())
    assert len(merged["providers"]) == 3
    assert merged["statements"][0]["results"]["mock"]["verdict"] == "CONFORMS"


def test_cli_refuses_different_versions(tmp_path, capsys):
    a = write(tmp_path / "a.jsonl", line())
    b = write(tmp_path / "b.jsonl", line(id="Q.R", suite_version="0.2.0"))
    assert collate.main([a, b, "--out", str(tmp_path / "d.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wsaconform: error: results from different suite versions")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "d.json").exists()


def test_cli_refuses_a_mismatched_catalog(tmp_path, capsys):
    a = write(tmp_path / "a.jsonl", line())
    catalog = tmp_path / "cat.json"
    catalog.write_text(json.dumps({"version": "2025.1.0", "statements": []}))
    assert collate.main([a, "--requirements", str(catalog), "--out", str(tmp_path / "d.json")]) == 2
    assert "does not match" in capsys.readouterr().err


def test_cli_malformed_line_is_one_line(tmp_path, capsys):
    path = write(tmp_path / "a.jsonl", line(), "{oops")
    assert collate.main([path, "--out", str(tmp_path / "d.json")]) == 2
    err = capsys.readouterr().err
    assert err == f"wsaconform: error: {path}:2: malformed result line: Expecting property name enclosed in double quotes (column 2)\n"


def test_statement_missing_from_catalog_is_warned(tmp_path, capsys):
    (tmp_path / "requirements.json").write_text(json.dumps(CATALOG))
    path = write(tmp_path / "a.jsonl", line(statements=["S99"]))
    assert collate.main([path, "--out", str(tmp_path / "d.json")]) == 0
    assert "S99 is named by results but is not in the catalog" in capsys.readouterr().err


def test_kill_matrix_passes_through(tmp_path):
    path = write(tmp_path / "a.jsonl", line())
    result_set, catalog, _ = load_inputs([path])
    kill = [{"mutant": "inline-apc", "statement": "S15", "verdict": "killed", "killing_cases": ["A.B"],
             "killed_by_own_statement": True}]
    dataset = build_dataset(result_set, catalog, kill)
    out = tmp_path / "d.json"
    out.write_text(json.dumps(dataset))
    _, _, again = load_inputs([str(out)])
    assert again == kill
    dataset["kill_matrix"] = [{"mutant": "x", "statement": "S1", "verdict": "dead"}]
    out.write_text(json.dumps(dataset))
    with pytest.raises(UsageError, match="'killed', 'survived', 'harmless'"):
        load_inputs([str(out)])


def test_a_statement_deviates_only_by_its_own_checks(tmp_path):
    """A case tagged A and B whose only violated check is A's: A DEVIATES, B CONFORMS."""
    path = write(tmp_path / "r.jsonl", line(id="A.B", statements=["S19", "S23"], verdict="FAIL"))
    result_set, catalog, _ = load_inputs([path])
    dataset = build_dataset(result_set, catalog)
    rows = {s["id"]: s["results"]["mock"] for s in dataset["statements"]}
    assert rows["S19"]["verdict"] == "DEVIATES" and rows["S23"]["verdict"] == "CONFORMS"
    assert rows["S19"]["violations"] == [{"case": "A.B", "check": "WSAC_EXPECT_EQ(ret, 0)", "where": "cases/x.cc:42",
                                          "message": "S19 broke", "observed": "997", "expected": "0"}]
    assert (rows["S19"]["checks_held"], rows["S19"]["checks_violated"]) == (0, 1)
    assert (rows["S23"]["checks_held"], rows["S23"]["checks_violated"]) == (1, 0)
    assert [d["case"] for d in rows["S23"]["decided_by"]] == ["A.B"]


def test_unexercised_counts_and_reasons(tmp_path):
    catalog = {"version": "2026.11.1", "statements": [
        {"id": "S14", "level": "MUST", "text": "t", "exercised_when": "the call returned 0"},
        {"id": "S16", "level": "MUST", "text": "u"}]}
    (tmp_path / "requirements.json").write_text(json.dumps(catalog))
    pended = checks(held=["S16"], unexercised={"S14": "the call pended"})
    lines = [line(id=f"A.B/{n}", statements=["S14", "S16"], checks=pended) for n in range(3)]
    lines.append(line(id="A.C/0", statements=["S14", "S16"], verdict="NOT_SUPPORTED"))
    path = write(tmp_path / "r.jsonl", *lines)
    result_set, catalog, _ = load_inputs([path])
    dataset = build_dataset(result_set, catalog)
    s14 = dataset["statements"][0]
    assert s14["exercised_when"] == "the call returned 0"
    r = s14["results"]["mock"]
    assert r["verdict"] == "UNEXERCISED"
    assert (r["instances"], r["exercised"]) == (4, 0)
    assert r["exercise"] == "0 of 4 instances (the call returned 0)"
    assert r["not_exercised"] == [{"reason": "the call pended", "instances": 3},
                                  {"reason": "the case was NOT_SUPPORTED", "instances": 1}]
    s16 = dataset["statements"][1]["results"]["mock"]
    assert (s16["verdict"], s16["exercise"]) == ("CONFORMS", "3 of 4 instances")
    assert dataset["providers"][0]["statement_totals"]["UNEXERCISED"] == 1


def test_reasons_stand_in_when_the_catalog_has_no_exercised_when(tmp_path):
    pended = checks(unexercised={"S14": "the call pended"})
    path = write(tmp_path / "r.jsonl", line(statements=["S14"], checks=pended))
    dataset = build_dataset(*load_inputs([path])[:2])
    assert dataset["statements"][0]["results"]["mock"]["exercise"] == "0 of 1 instance (the call pended)"


def test_collate_prints_the_table_with_exercised_counts(tmp_path, capsys):
    pended = checks(held=["S16"], unexercised={"S14": "the call pended"})
    path = write(tmp_path / "r.jsonl", line(statements=["S14", "S16"], checks=pended))
    assert collate.main([path, "--out", str(tmp_path / "d.json")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["statement", "mock"]
    assert out[1].split() == ["S14", "UNEXERCISED", "0/1"]
    assert out[2].split() == ["S16", "CONFORMS", "1/1"]
    assert out[-1] == "S14 UNEXERCISED on mock: 0 of 1 instance (the call pended)"


def test_lines_without_checks_are_warned_about(tmp_path, capsys):
    path = write(tmp_path / "r.jsonl", line(checks=None), line(id="X.Y", verdict="FAIL", checks=None))
    dataset = build_dataset(*load_inputs([path])[:2])
    assert "2 result line(s) carry no per-check record" in capsys.readouterr().err
    s14 = dataset["statements"][0]["results"]["mock"]
    assert s14["verdict"] == "UNKNOWN"  # the FAIL cannot be charged to a statement


def test_dataset_round_trip_keeps_checks_and_late_indications(tmp_path):
    from test_results import late

    path = write(tmp_path / "r.jsonl", line(id="A.B", statements=["S14"]),
                 late(case="A.B", statement="IND-1"), line(id="C.D", statements=["S16"], verdict="FAIL"))
    out = tmp_path / "d.json"
    assert collate.main([path, "--out", str(out)]) == 0
    again = tmp_path / "again.json"
    assert collate.main([str(out), "--out", str(again)]) == 0
    first, second = json.loads(out.read_text()), json.loads(again.read_text())
    assert first["statements"] == second["statements"]
    assert first["format_version"] == 2
    ind1 = {s["id"]: s for s in first["statements"]}["IND-1"]["results"]["mock"]
    assert ind1["verdict"] == "DEVIATES" and ind1["violations"][0]["case"] == "A.B"
    case = {c["id"]: c for c in first["cases"]}["A.B"]
    assert case["statements"] == ["S14", "IND-1"] and case["results"]["mock"]["verdict"] == "FAIL"
    assert case["results"]["mock"]["late_indications"][0]["mechanism"] == "routine"
