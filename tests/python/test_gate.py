"""Gating results on an expectations file (format version 2: per statement, by signature)."""

import json

import pytest

from test_results import checks, late, line, write
from wsaconform import gate

CHECK = "WSAC_EXPECT_EQ(ind->error, 995u)"


def expectations(tmp_path, entries, provider="winsock", build="Wine 8.*", **block):
    path = tmp_path / "expectations.json"
    path.write_text(json.dumps({
        "format": "wsaconform-expectations", "version": 2,
        "providers": [dict({"provider": provider, "build": build, "expect": entries}, **block)],
    }))
    return str(path)


def entry(**fields):
    base = {"case": "A.Close*", "statement": "CLOSE-2", "signature": [{"check": CHECK, "observed": "1236"}],
            "reason": "CLOSE-2: Wine completes with 1236", "evidence": "error=1236 on Wine 8.0"}
    base.update(fields)
    return base


def wine(**fields):
    return line(**{"provider": "winsock", "build": "Wine 8.0", **fields})


def deviates(case_id="A.Close", statement="CLOSE-2", observed="1236", check=CHECK, also=("S26",), **fields):
    """A result whose only violated check is `check` of `statement`; the other claimed statements held."""
    return wine(id=case_id, statements=[statement, *also], verdict="FAIL",
                checks=checks(held=also, violated=[statement], observed=observed, check=check), **fields)


def holds(case_id="A.Close", statements=("CLOSE-2", "S26"), **fields):
    return wine(id=case_id, statements=list(statements), **fields)


def run_gate(tmp_path, capsys, expect_path, *lines, extra=()):
    results = write(tmp_path / "results.jsonl", *lines)
    code = gate.main(["--expectations", expect_path, *extra, results])
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def test_matching_known_deviation_passes(tmp_path, capsys):
    path = expectations(tmp_path, [entry(signature=[{"check": CHECK, "observed": ["64", "1236"]}])])
    code, out, _ = run_gate(tmp_path, capsys, path, deviates(), deviates("A.Close2", observed="64"), holds("A.Other"))
    assert code == 0, out
    assert out == ["gate: OK: 3 results checked, 2 known deviation(s) matched"]


def test_new_deviation_names_statement_and_check(tmp_path, capsys):
    path = expectations(tmp_path, [entry()])
    code, out, _ = run_gate(tmp_path, capsys, path, deviates(),
                            deviates("A.Send", statement="S21", observed="2,1,3", check="WSAC_EXPECT_EQ(order, want)",
                                     also=()))
    assert code == 1
    assert out[0] == ("NEW FAILURE: A.Send on winsock · Wine 8.0 [S21] deviates: WSAC_EXPECT_EQ(order, want) "
                      "observed 2,1,3, expected 0")
    assert out[-1].startswith("gate: FAILED: 1 new failure; 2 results checked, 1 without a problem, "
                              "1 known deviation(s) matched")
    assert len(out) == 2


def test_a_case_that_now_fails_another_statement_is_a_change(tmp_path, capsys):
    # Recorded: CLOSE-2 deviates. Now CLOSE-2 holds and S26 deviates instead.
    path = expectations(tmp_path, [entry(case="A.Close")])
    now = wine(id="A.Close", statements=["CLOSE-2", "S26"], verdict="FAIL",
               checks=checks(held=["CLOSE-2"], violated=["S26"], check="WSAC_EXPECT_EQ(count, 1)", observed="0",
                             expected="1"))
    code, out, _ = run_gate(tmp_path, capsys, path, now)
    assert code == 1
    assert out[0].startswith("NEW FAILURE: A.Close on winsock · Wine 8.0 [S26] deviates: WSAC_EXPECT_EQ(count, 1)")
    assert out[1].startswith("UNEXPECTED PASS: providers[0].expect[0] (case A.Close, statement CLOSE-2) on "
                             "winsock · Wine 8.0: expected CLOSE-2: WSAC_EXPECT_EQ(ind->error, 995u) observed 1236; "
                             "CLOSE-2 deviates in none of its 1 instance(s) now (held in 1); the entry is stale")
    assert "entries: providers[0].expect[0]" in out[-1]


def test_same_statement_other_signature_is_a_change(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close")])
    code, out, _ = run_gate(tmp_path, capsys, path, deviates(observed="64"))
    assert code == 1
    assert out[0] == ("CHANGED: A.Close on winsock · Wine 8.0 [CLOSE-2]: expected CLOSE-2: "
                      "WSAC_EXPECT_EQ(ind->error, 995u) observed 1236 (providers[0].expect[0]), got "
                      "WSAC_EXPECT_EQ(ind->error, 995u) observed 64, expected 0")
    assert "1 changed" in out[-1]


def test_another_check_of_the_same_statement_is_a_change(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close")])
    code, out, _ = run_gate(tmp_path, capsys, path, deviates(check="WSAC_EXPECT_EQ(ind->bytes, 0u)"))
    assert code == 1 and out[0].startswith("CHANGED: A.Close")


def test_a_signature_must_happen_whole(tmp_path, capsys):
    two = [{"check": CHECK, "observed": "1236"}, {"check": "WSAC_EXPECT_EQ(ind->bytes, 0u)"}]
    path = expectations(tmp_path, [entry(case="A.Close", signature=two)])
    code, out, _ = run_gate(tmp_path, capsys, path, deviates())
    assert code == 1 and out[0].startswith("CHANGED"), "one of the two recorded checks no longer fails"


def test_check_text_ignores_white_space(tmp_path, capsys):
    path = expectations(tmp_path, [entry(signature=[{"check": "WSAC_EXPECT_EQ(ind->error,  995u)"}])])
    code, out, _ = run_gate(tmp_path, capsys, path, deviates())
    assert code == 0, out


def test_some_instances_hold_now(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close/*")])
    code, out, _ = run_gate(tmp_path, capsys, path, deviates("A.Close/Tcp4"), holds("A.Close/Udp4"),
                            wine(id="A.Close/Tcp6", statements=["CLOSE-2"],
                                 checks=checks(unexercised={"CLOSE-2": "the receive completed at once"})))
    assert code == 1
    assert out[0] == ("UNEXPECTED PASS: A.Close/Udp4 on winsock · Wine 8.0 [CLOSE-2]: holds now; expected CLOSE-2: "
                      "WSAC_EXPECT_EQ(ind->error, 995u) observed 1236 (providers[0].expect[0])")
    assert out[1].startswith("CHANGED: A.Close/Tcp6 on winsock · Wine 8.0 [CLOSE-2]: not exercised now "
                             "(the receive completed at once)")
    assert out[-1].startswith("gate: FAILED: 1 unexpected pass, 1 changed (entries: providers[0].expect[0]); "
                              "3 results checked, 1 without a problem")


def test_case_may_be_a_list_of_globs(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case=["A.Close/*Event", "A.Close/*Port"])])
    code, out, _ = run_gate(tmp_path, capsys, path, deviates("A.Close/Tcp4Event"), deviates("A.Close/Tcp4Port"),
                            holds("A.Close/Tcp4Routine"))
    assert code == 0, out


def test_other_build_and_mutant_are_not_covered(tmp_path, capsys):
    path = expectations(tmp_path, [entry()])
    code, out, _ = run_gate(tmp_path, capsys, path, deviates(build="Wine 9.0"))
    assert code == 1 and out[0].startswith("NEW FAILURE: A.Close on winsock · Wine 9.0")
    code, out, _ = run_gate(tmp_path, capsys, path, deviates(mutant="drop"))
    assert code == 1 and out[0].startswith("NEW FAILURE")
    path = expectations(tmp_path, [entry()], mutant="*")
    code, out, _ = run_gate(tmp_path, capsys, path, deviates(mutant="drop"))
    assert code == 0, out


def test_cases_that_cannot_finish(tmp_path, capsys):
    path = expectations(tmp_path, [{"case": "A.Hang", "verdict": "TIMEOUT", "message_contains": "deadline",
                                    "reason": "r", "evidence": "e"}])
    code, out, _ = run_gate(tmp_path, capsys, path,
                            wine(id="A.Hang", verdict="TIMEOUT", message="overran its deadline"))
    assert code == 0, out
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Hang", verdict="CRASH", message="signal 11"))
    assert code == 1 and out[0].startswith("CHANGED: A.Hang on") and "got CRASH" in out[0]
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.Hang"))
    assert code == 1 and out[0].startswith("UNEXPECTED PASS: A.Hang on winsock · Wine 8.0: expected TIMEOUT")
    code, out, _ = run_gate(tmp_path, capsys, path,
                            wine(id="A.Send", verdict="TIMEOUT", message="overran\nits deadline", statements=["S21"]))
    assert code == 1
    assert out[0] == "NEW FAILURE: A.Send on winsock · Wine 8.0 [S21]: TIMEOUT ret=0: overran its deadline"


def test_a_timeout_after_a_violation_needs_both_entries(tmp_path, capsys):
    hung = wine(id="A.Close", statements=["CLOSE-2"], verdict="TIMEOUT", message="deadline",
                checks=checks(violated=["CLOSE-2"], observed="1236", check=CHECK))
    path = expectations(tmp_path, [entry(case="A.Close")])
    code, out, _ = run_gate(tmp_path, capsys, path, hung)
    assert code == 1 and out[0].startswith("NEW FAILURE: A.Close on winsock · Wine 8.0 [CLOSE-2]: TIMEOUT")
    path = expectations(tmp_path, [entry(case="A.Close"),
                                   {"case": "A.Close", "verdict": "TIMEOUT", "reason": "r", "evidence": "e"}])
    code, out, _ = run_gate(tmp_path, capsys, path, hung)
    assert code == 0, out


def test_expected_not_supported(tmp_path, capsys):
    path = expectations(tmp_path, [{"case": "U.RcvBuf0/*", "statement": "S11", "verdict": "NOT_SUPPORTED",
                                    "reason": "r", "evidence": "e"}])
    code, out, _ = run_gate(tmp_path, capsys, path,
                            wine(id="U.RcvBuf0/Udp4", statements=["S11"], verdict="NOT_SUPPORTED"))
    assert code == 0, out
    assert "1 known deviation(s) matched" in out[-1]
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="U.RcvBuf0/Udp4", statements=["S11"]))
    assert code == 1 and out[0].startswith("UNEXPECTED PASS: U.RcvBuf0/Udp4")
    # NOT_SUPPORTED needs no entry.
    code, out, _ = run_gate(tmp_path, capsys, expectations(tmp_path, []),
                            wine(id="U.RcvBuf0/Udp4", statements=["S11"], verdict="NOT_SUPPORTED"))
    assert code == 0, out


def test_a_deviation_that_became_not_supported_is_a_change(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Close")])
    code, out, _ = run_gate(tmp_path, capsys, path,
                            wine(id="A.Close", statements=["CLOSE-2"], verdict="NOT_SUPPORTED", message="no v6"))
    assert code == 1 and out[0].startswith("CHANGED: providers[0].expect[0]") and "not supported in 1" in out[0]


def test_fail_without_per_check_record_cannot_be_gated(tmp_path, capsys):
    path = expectations(tmp_path, [entry()])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="B.X", verdict="FAIL", checks=None))
    assert code == 1 and "FAIL with no violated check on record" in out[0]


def test_late_indication_is_gated_per_statement(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.Recv", statement="IND-1",
                                         signature=[{"check": "late indication (routine)"}])])
    code, out, _ = run_gate(tmp_path, capsys, path, holds("A.Recv", statements=["S16"]),
                            late(case="A.Recv", statement="IND-1"))
    assert code == 0, out
    code, out, _ = run_gate(tmp_path, capsys, expectations(tmp_path, []), holds("A.Recv", statements=["S16"]),
                            late(case="A.Recv", statement="IND-1"))
    assert code == 1 and out[0].startswith("NEW FAILURE: A.Recv on winsock · Wine 8.0 [IND-1] deviates: "
                                           "late indication (routine) observed")


def test_unexercised_statements_are_noted(tmp_path, capsys):
    (tmp_path / "requirements.json").write_text(json.dumps({"version": "2026.11.1", "statements": [
        {"id": "S14", "level": "MUST", "text": "t", "exercised_when": "the call returned 0"},
        {"id": "S16", "level": "MUST", "text": "u"}]}))
    pended = checks(held=["S16"], unexercised={"S14": "the call pended"})
    code, out, _ = run_gate(tmp_path, capsys, expectations(tmp_path, []),
                            wine(id="A.B", statements=["S14", "S16"], checks=pended))
    assert code == 0
    assert out[0] == "note: S14 UNEXERCISED on winsock · Wine 8.0: 0 of 1 instance (the call returned 0)"


def test_unexercised_expectations_are_counted_not_failed(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="Not.Run")])
    code, out, _ = run_gate(tmp_path, capsys, path, holds())
    assert code == 0
    assert out[-1].endswith("; 1 expectation(s) matched no result")


def test_json_outcome_counts_one_failure_per_result_or_entry(tmp_path, capsys):
    path = expectations(tmp_path, [entry(case="A.*")])
    lines = [holds(f"A.Close{n}") for n in range(50)]
    out_json = tmp_path / "gate.json"
    code, out, _ = run_gate(tmp_path, capsys, path, *lines, extra=["--json", str(out_json)])
    assert code == 1 and len([l for l in out if not l.startswith("gate:")]) == 1
    outcome = json.loads(out_json.read_text())
    assert (outcome["checked"], outcome["passed"], outcome["failed"]) == (50, 50, 1)
    assert outcome["failing_entries"] == ["providers[0].expect[0]"]
    assert outcome["problems"][0]["kind"] == "UNEXPECTED PASS"


def test_hostile_text_stays_on_one_line(tmp_path, capsys):
    path = expectations(tmp_path, [])
    code, out, _ = run_gate(tmp_path, capsys, path, wine(id="A.X", verdict="BROKEN", message="a\nb\r\nc\x00d"))
    assert code == 1 and len(out) == 2 and out[0].endswith("a b c\\x00d")


def test_version_1_is_refused_with_how_to_rederive(tmp_path, capsys):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": "wsaconform-expectations", "version": 1, "providers": []}))
    results = write(tmp_path / "results.jsonl", holds())
    assert gate.main(["--expectations", str(path), results]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "version 1 records case verdicts, not the statements that deviate" in err
    assert f"wsaconform expectations derive RESULTS... --from {path} --out NEW.json" in err


def test_todo_reasons_are_refused(tmp_path, capsys):
    path = expectations(tmp_path, [entry(), entry(case="B.*", reason="TODO")])
    results = write(tmp_path / "results.jsonl", deviates())
    assert gate.main(["--expectations", path, results]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "1 entry still marked TODO (first: providers[0].expect[1], case B.*, statement CLOSE-2)" in err


def v2(entries):
    return json.dumps({"format": "wsaconform-expectations", "version": 2,
                       "providers": [{"provider": "w", "expect": entries}]})


@pytest.mark.parametrize("content, why", [
    ("{", "invalid JSON"),
    ('{"format": "wsaconform-expectations", "version": 3, "providers": []}', "'version' must be 2"),
    ('{"format": "other", "version": 2, "providers": []}', "'format' must be"),
    (v2([{}]), "providers[0].expect[0]: needs 'case'"),
    (v2([{"case": "A", "reason": "r", "evidence": "e"}]), "needs exactly one of 'signature'"),
    (v2([{"case": "A", "verdict": "FAIL", "reason": "r", "evidence": "e"}]), "expected by 'statement' and 'signature'"),
    (v2([{"case": "A", "signature": [{"check": "c"}], "reason": "r", "evidence": "e"}]), "needs the 'statement'"),
    (v2([{"case": "A", "statement": "S1", "signature": [], "reason": "r", "evidence": "e"}]), "non-empty array"),
    (v2([{"case": "A", "statement": "S1", "signature": [{"check": "c", "observed": 997}], "reason": "r",
          "evidence": "e"}]), "signature[0]: 'observed' must be the observed value"),
    (v2([{"case": "A", "statement": "S1", "signature": [{"chek": "c"}], "reason": "r", "evidence": "e"}]),
     "unknown key 'chek'"),
    (v2([{"case": "A", "statement": "S1", "signature": [{"check": "c"}], "reason": "r", "evidence": "e",
          "observed": {}}]), "unknown key 'observed'"),
    (v2([{"case": "A", "statement": "S1", "signature": [{"check": "c"}], "evidence": "e"}]), "missing 'reason'"),
])
def test_unusable_expectations_exit_2_with_one_line(tmp_path, capsys, content, why):
    path = tmp_path / "expectations.json"
    path.write_text(content)
    results = write(tmp_path / "results.jsonl", holds())
    assert gate.main(["--expectations", str(path), results]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith(f"wsaconform: error: {path}")
    assert why in out.err
    assert out.err.count("\n") == 1


def test_missing_expectations_file(tmp_path, capsys):
    results = write(tmp_path / "results.jsonl", holds())
    assert gate.main(["--expectations", str(tmp_path / "none.json"), results]) == 2
    assert "no such expectations file" in capsys.readouterr().err


def test_gate_reads_a_dataset_too(tmp_path, capsys):
    from wsaconform import collate

    results = write(tmp_path / "results.jsonl", deviates())
    assert collate.main([results, "--out", str(tmp_path / "dataset.json")]) == 0
    capsys.readouterr()
    path = expectations(tmp_path, [entry()])
    assert gate.main(["--expectations", path, str(tmp_path / "dataset.json")]) == 0
