"""Collating shards and providers into one dataset; statement verdicts."""

import json

import pytest

from test_results import line, write
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


@pytest.mark.parametrize("verdicts, expected", [
    (["PASS", "PASS"], "CONFORMS"),
    (["PASS", "NOT_SUPPORTED"], "CONFORMS"),
    (["NOT_SUPPORTED"], "NOT_SUPPORTED"),
    (["PASS", "FAIL", "CRASH"], "DEVIATES"),
    (["PASS", "TIMEOUT"], "UNKNOWN"),
    (["BROKEN"], "UNKNOWN"),
    (["CRASH", "NOT_SUPPORTED"], "UNKNOWN"),
    ([], "NOT_TESTED"),
])
def test_statement_verdict(verdicts, expected):
    assert statement_verdict(verdicts, "MUST") == expected


def test_info_statements_are_not_tested():
    assert statement_verdict(["FAIL"], "INFO") == "NOT_TESTED"


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
    with pytest.raises(UsageError, match="killed' or 'survived"):
        load_inputs([str(out)])
