"""Gating results on an expectations file."""

import json

import pytest

from test_results import line, write
from wsaconform import gate


def expectations(tmp_path, entries, provider="winsock", build="Wine 8.*", **block):
    path = tmp_path / "expectations.json"
    path.write_text(json.dumps({
        "format": "wsaconform-expectations", "version": 1,
        "providers": [dict({"provider": provider, "build": build, "expect": entries}, **block)],
    }))
    return str(path)


def entry(**fields):
    base = {"verdict": "FAIL", "reason": "S26: Wine completes with 1236", "evidence": "error=1236 on Wine 8.0"}
    base.update(fields)
    return base


def wine(**fields):
    return line(provider="winsock", build="Wine 8.0", **fields)


def run_gate(tmp_path, capsys, expect_path, *lines):
    results = write(tmp_path / "results.jsonl", *lines)
    code = gate.main(["--expectations", expect_path, results])
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def test_matching_known_deviation_passes(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close*", observed={"error": [64, 1236]})])
    code, out, _ = run_gate(tmp_path, capsys, path,
                            wine(id="A.Close", verdict="FAIL", observed={"error": 1236, "bytes": 0}),
                            wine(id="A.Other"))
    assert code == 0
    assert out == ["gate: OK: 2 results checked, 1 known deviation(s) matched"]


def test_new_failure(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close")])
    code, out, _ = run_gate(tmp_path, capsys, path,
                            wine(id="A.Close", verdict="FAIL"),
                            wine(id="A.Send", verdict="TIMEOUT", message="overran\nits deadline", statements=["S21"]))
    assert code == 1
    assert out[0] == "NEW FAILURE: A.Send on winsock · Wine 8.0 [S21]: TIMEOUT ret=0: overran its deadline"
    assert out[-1].startswith("gate: FAILED: 1 new failure; 2 results checked, 1 known deviation(s) matched")
    assert len(out) == 2


def test_other_build_is_not_covered(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close")])
    code, out, _ = run_gate(tmp_path, capsys, path,
                            line(id="A.Close", provider="winsock", build="Wine 9.0", verdict="FAIL"))
    assert code == 1 and out[0].startswith("NEW FAILURE: A.Close on winsock · Wine 9.0")


def test_mutant_runs_need_their_own_block(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close")])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Close", verdict="FAIL", mutant="drop"))
    assert code == 1 and out[0].startswith("NEW FAILURE")
    path = expectations(tmp_path, [entry(case="A.Close")], mutant="*")
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Close", verdict="FAIL", mutant="drop"))
    assert code == 0


def test_different_signature(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close", observed={"error": 1236})])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Close", verdict="FAIL", observed={"error": 64}))
    assert code == 1
    assert out[0] == ('CHANGED: A.Close on winsock · Wine 8.0: expected FAIL {"error": 1236} '
                      '(providers[0].expect[0]), got FAIL error=64')
    assert "1 changed" in out[-1]


def test_different_verdict_and_message(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close", verdict="TIMEOUT", message_contains="deadline")])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Close", verdict="CRASH", message="signal 11"),
                            wine(id="A.Close2", verdict="TIMEOUT", message="watchdog"))
    assert code == 1 and out[0].startswith("CHANGED: A.Close on")
    assert "got CRASH" in out[0]


def test_types_must_match_exactly(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close", observed={"error": "1236", "pending": True})])
    code, _, _ = run_gate(tmp_path, capsys, path, wine(id="A.Close", verdict="FAIL",
                                                       observed={"error": 1236, "pending": 1}))
    assert code == 1


def test_unexpected_pass_of_a_case_expectation(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close"), entry(case="A.V6", verdict="NOT_SUPPORTED")])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Close"), wine(id="A.V6"))
    assert code == 1
    assert out[0].startswith("UNEXPECTED PASS: A.Close on winsock · Wine 8.0: expected FAIL (providers[0].expect[0])")
    assert out[1].startswith("UNEXPECTED PASS: A.V6")
    assert "2 unexpected pass" in out[-1]


def test_not_supported_instead_of_expected_failure_is_a_change(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close")])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Close", verdict="NOT_SUPPORTED", message="no v6"))
    assert code == 1 and out[0].startswith("CHANGED: A.Close") and "got NOT_SUPPORTED" in out[0]


def test_statement_expectation(tmp_path, capsys):
    path = expectations(tmp_path, [entry(statement="S26", observed={"error": 1236})])
    # Some cases of the statement fail as recorded, others pass: both fine.
    code, out, _ = run_gate(tmp_path, capsys, path,
                            wine(id="A.Close", statements=["S26"], verdict="FAIL", observed={"error": 1236}),
                            wine(id="A.Close2", statements=["S26"]))
    assert code == 0, out
    # None fails any more: the expectation is stale.
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Close", statements=["S26"]),
                            wine(id="A.Close2", statements=["S26"]))
    assert code == 1
    assert out[0].startswith("UNEXPECTED PASS: statement S26 on winsock · Wine 8.0: expected FAIL")
    assert "stale" in out[0]
    # A case of another statement is not covered by it.
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Send", statements=["S21"], verdict="FAIL",
                                                         observed={"error": 1236}))
    assert code == 1 and out[0].startswith("NEW FAILURE")


def test_statement_expected_not_supported(tmp_path, capsys):
    path = expectations(tmp_path, [entry(statement="S11", verdict="NOT_SUPPORTED")])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="U.RcvBuf0", statements=["S11"], verdict="NOT_SUPPORTED"))
    assert code == 0, out
    assert "1 known deviation(s) matched" in out[-1]
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="U.RcvBuf0", statements=["S11"]))
    assert code == 1 and out[0].startswith("UNEXPECTED PASS: statement S11")


def test_unexercised_expectations_are_counted_not_failed(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="Not.Run")])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Close"))
    assert code == 0
    assert out[-1].endswith("; 1 expectation(s) matched no result")


def test_hostile_text_stays_on_one_line(tmp_path, capsys):
    path = expectations(tmp_path, [])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.X", verdict="FAIL", message="a\nb\r\nc\x00d"))
    assert code == 1 and len(out) == 2 and out[0].endswith("a b c\\x00d")


@pytest.mark.parametrize("content, why", [
    ("{", "invalid JSON"),
    ('{"format": "wsaconform-expectations", "version": 2, "providers": []}', "'version' must be 1"),
    ('{"format": "other", "version": 1, "providers": []}', "'format' must be"),
    ('{"format": "wsaconform-expectations", "version": 1, "providers": [{"provider": "w", "expect": [{}]}]}',
     "providers[0].expect[0]: needs 'case'"),
    ('{"format": "wsaconform-expectations", "version": 1, "providers": [{"provider": "w", "expect": '
     '[{"case": "A", "verdict": "FAILED", "reason": "r", "evidence": "e"}]}]}', "'verdict' must be one of"),
    ('{"format": "wsaconform-expectations", "version": 1, "providers": [{"provider": "w", "expect": '
     '[{"case": "A", "verdict": "FAIL", "reason": "r", "evidence": "e", "observd": {}}]}]}', "unknown key 'observd'"),
    ('{"format": "wsaconform-expectations", "version": 1, "providers": [{"provider": "w", "expect": '
     '[{"case": "A", "verdict": "FAIL", "evidence": "e"}]}]}', "missing 'reason'"),
    ('{"format": "wsaconform-expectations", "version": 1, "providers": [{"provider": "w", "expect": '
     '[{"case": "A", "verdict": "FAIL", "reason": "r", "evidence": "e", "observed": {"x": {}}}]}]}',
     "observed 'x' must be a value"),
])
def test_unusable_expectations_exit_2_with_one_line(tmp_path, capsys, content, why):
    path = tmp_path / "expectations.json"
    path.write_text(content)
    results = write(tmp_path / "results.jsonl", wine(id="A.X"))
    assert gate.main(["--expectations", str(path), results]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith(f"wsaconform: error: {path}")
    assert why in out.err
    assert out.err.count("\n") == 1


def test_missing_expectations_file(tmp_path, capsys):
    results = write(tmp_path / "results.jsonl", wine(id="A.X"))
    assert gate.main(["--expectations", str(tmp_path / "none.json"), results]) == 2
    assert "no such expectations file" in capsys.readouterr().err


def test_gate_reads_a_dataset_too(tmp_path, capsys):
    from wsaconform import collate

    results = write(tmp_path / "results.jsonl", wine(id="A.Close", verdict="FAIL", observed={"error": 1236}))
    assert collate.main([results, "--out", str(tmp_path / "dataset.json")]) == 0
    path = expectations(tmp_path, [entry(case="A.Close", observed={"error": 1236})])
    assert gate.main(["--expectations", path, str(tmp_path / "dataset.json")]) == 0
