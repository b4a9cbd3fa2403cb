"""Reading results.jsonl files and the requirement catalog."""

import json

import pytest

from wsaconform.errors import UsageError
from wsaconform.results import ProviderKey, ResultSet, load_catalog, load_results_file


def checks(held=(), violated=(), unexercised=None, observed="997", expected="0", check="WSAC_EXPECT_EQ(ret, 0)"):
    """A "checks" object: statements whose checks held, were violated, or were not exercised (id -> reason)."""
    out = {}
    for sid in held:
        out[sid] = {"held": 1, "violated": 0, "exercised": True, "violations": [], "not_exercised": []}
    for sid in violated:
        out[sid] = {"held": 0, "violated": 1, "exercised": True, "not_exercised": [],
                    "violations": [{"check": check, "where": "cases/x.cc:42", "message": f"{sid} broke",
                                    "observed": observed, "expected": expected}]}
    for sid, reason in (unexercised or {}).items():
        out[sid] = {"held": 0, "violated": 0, "exercised": False, "violations": [],
                    "not_exercised": [reason] if reason else []}
    return out


def line(**overrides):
    """A result line; unless given, "checks" follows the verdict: PASS holds every claimed statement,
    FAIL violates the first, other verdicts exercise nothing, CRASH (made up by the orchestrator) has none."""
    record = {
        "record": "case", "id": "Tcp4Event/ReceiveCompletion.ImmediateSignalsEvent/0",
        "suite": "ReceiveCompletion", "name": "ImmediateSignalsEvent", "statements": ["S14", "EVT-1"],
        "provider": "mock", "build": "mock", "mutant": "", "chaos_seed": None, "verdict": "PASS",
        "duration_ms": 1.5, "message": "", "observed": {"ret": 0}, "reports": {},
        "requirements": {"S14": "text of S14"}, "suite_version": "0.1.0", "catalog_version": "2026.11.1+ab12cd34",
    }
    record.update(overrides)
    if "checks" not in overrides and record["verdict"] != "CRASH":
        statements, verdict = record["statements"], record["verdict"]
        if verdict == "PASS":
            record["checks"] = checks(held=statements)
        elif verdict == "FAIL":
            record["checks"] = checks(held=statements[1:], violated=statements[:1])
        else:
            record["checks"] = checks(unexercised={sid: "" for sid in statements})
    if record.get("checks") is None:
        record.pop("checks", None)
    record.setdefault("harness_errors", [])
    return json.dumps(record)


def write(path, *lines):
    path.write_text("".join(l + "\n" for l in lines))
    return str(path)


def test_reads_every_field(tmp_path):
    path = write(tmp_path / "r.jsonl", line(verdict="FAIL", message="boom", observed={"wsa_error": 997},
                                            chaos_seed=3, build="mock (chaos seed 3)"))
    [result] = load_results_file(path)
    assert result.verdict == "FAIL"
    assert result.statements == ("S14", "EVT-1")
    assert result.observed == {"wsa_error": 997}
    assert result.provider == ProviderKey("mock", "mock (chaos seed 3)", "", 3)
    assert result.origin == f"{path}:1"


def test_crash_line_from_the_orchestrator(tmp_path):
    path = write(tmp_path / "r.jsonl", line(verdict="CRASH", message="runner died of signal 11",
                                            duration_ms=None, observed={}, reports={}))
    assert load_results_file(path)[0].verdict == "CRASH"


def test_blank_lines_are_ignored(tmp_path):
    path = write(tmp_path / "r.jsonl", line(), "", line(id="A.B"))
    assert len(load_results_file(path)) == 2


@pytest.mark.parametrize("bad, why", [
    ("{not json", "malformed result line"),
    ('["a list"]', "expected a JSON object"),
    (line(verdict="MAYBE"), "verdict 'MAYBE'"),
    (line(record="summary"), "unknown record kind"),
    (line(statements="S14"), "statements"),
    (line(observed=[1]), "observed"),
    (line(chaos_seed="3"), "chaos_seed"),
    (json.dumps({"record": "case", "id": "A.B"}), "missing field"),
])
def test_malformed_line_names_file_and_line(tmp_path, bad, why):
    path = write(tmp_path / "r.jsonl", line(), bad)
    with pytest.raises(UsageError) as err:
        load_results_file(path)
    message = str(err.value)
    assert message.startswith(f"{path}:2: ")
    assert why in message
    assert "\n" not in message


def test_truncated_last_line_is_an_error(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(line() + "\n" + line()[:40])
    with pytest.raises(UsageError, match=r"r\.jsonl:2: malformed"):
        load_results_file(str(path))


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(UsageError, match="no such results file"):
        load_results_file(str(tmp_path / "nope.jsonl"))
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(UsageError, match="empty results file"):
        load_results_file(str(tmp_path / "empty.jsonl"))


def test_not_utf8(tmp_path):
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UsageError, match="not UTF-8"):
        load_results_file(str(tmp_path / "bin.jsonl"))


def test_result_set_from_shards_keeps_the_last_duplicate(tmp_path, capsys):
    a = write(tmp_path / "a.jsonl", line(id="X.One", verdict="CRASH"), line(id="X.Two"))
    b = write(tmp_path / "b.jsonl", line(id="X.One", verdict="PASS"), line(id="X.One", provider="other"))
    results = ResultSet.from_files([a, b])
    assert len(results) == 3
    by = {(r.provider.provider, r.id): r.verdict for r in results.results}
    assert by[("mock", "X.One")] == "PASS"
    assert by[("other", "X.One")] == "PASS"
    err = capsys.readouterr().err
    assert "warning" in err and "X.One" in err and "keeping the last" in err
    assert f"{a}:1" in err and f"{b}:1" in err
    assert len(results.warnings) == 1


@pytest.mark.parametrize("field", ["suite_version", "catalog_version"])
def test_result_set_refuses_mixed_versions(tmp_path, field):
    a = write(tmp_path / "a.jsonl", line())
    b = write(tmp_path / "b.jsonl", line(id="X.Y", **{field: "9.9.9"}))
    with pytest.raises(UsageError, match=field.replace("_", " ")):
        ResultSet.from_files([a, b])


def test_provider_key_label_is_distinct_per_build_mutant_and_seed():
    keys = [ProviderKey("winsock", "Wine 8.0"), ProviderKey("winsock", "Wine 9.0"),
            ProviderKey("mock", "mock", "drop-event"), ProviderKey("mock", "mock", "", 3), ProviderKey("mock", "mock")]
    assert len({k.label for k in keys}) == len(keys)
    assert ProviderKey("mock", "mock").label == "mock"


def test_catalog(tmp_path):
    path = tmp_path / "requirements.json"
    path.write_text(json.dumps({"version": "2026.11.1", "statements": [
        {"id": "S14", "level": "MUST", "text": "t", "accepted_codes": [997]},
        {"id": "S22", "level": "MAY", "text": "u"}]}))
    catalog = load_catalog(str(path))
    assert list(catalog.statements) == ["S14", "S22"]
    assert catalog.statements["S14"].accepted_codes == (997,)
    path.write_text(json.dumps({"version": "1", "statements": [{"id": "S1", "level": "SHOULD"}]}))
    with pytest.raises(UsageError, match="level 'SHOULD'"):
        load_catalog(str(path))
    path.write_text("{")
    with pytest.raises(UsageError, match="invalid JSON"):
        load_catalog(str(path))


def test_checks_are_read_and_validated(tmp_path):
    path = write(tmp_path / "r.jsonl", line(verdict="FAIL", statements=["S16", "S14"]))
    [result] = load_results_file(path)
    assert result.checks["S16"]["violated"] == 1
    assert result.checks["S16"]["violations"][0]["observed"] == "997"
    assert result.checks["S14"] == {"held": 1, "violated": 0, "exercised": True, "violations": [], "not_exercised": []}
    assert result.to_json()["checks"] == result.checks
    bad = write(tmp_path / "bad.jsonl", line(checks={"S14": {"held": -1, "violated": 0, "exercised": False}}))
    with pytest.raises(UsageError, match=r"checks\['S14'\]\.held must be a count"):
        load_results_file(bad)


def test_a_line_without_checks_has_none(tmp_path):
    path = write(tmp_path / "r.jsonl", line(verdict="CRASH"))
    [result] = load_results_file(path)
    assert result.checks is None and "checks" not in result.to_json()


def late(case="Tcp4Event/ReceiveCompletion.ImmediateSignalsEvent/0", statement="IND-1", **fields):
    record = {"record": "late_indication", "case": case, "statement": statement, "detected_in": "Next.Case/0",
              "mechanism": "routine", "what": "a completion routine ran after its case ended",
              "observed": {"error": 995, "bytes": 0}}
    record.update(fields)
    return json.dumps(record)


def test_late_indication_is_a_violation_in_the_case_that_started_the_operation(tmp_path):
    path = write(tmp_path / "r.jsonl", line(), late(), line(id="Next.Case/0", statements=["S16"]))
    first, second = load_results_file(path)
    assert first.verdict == "FAIL" and second.verdict == "PASS"
    assert first.statements == ("S14", "EVT-1", "IND-1")
    [violation] = first.checks["IND-1"]["violations"]
    assert violation["check"] == "late indication (routine)"
    assert violation["where"] == "detected in Next.Case/0"
    assert json.loads(violation["observed"]) == {"bytes": 0, "error": 995}
    assert first.checks["S14"]["held"] == 1, "the case's own checks stand"
    assert "late indication of IND-1 by routine" in first.message
    assert first.late_indications[0]["detected_in"] == "Next.Case/0"


def test_late_indication_for_a_case_without_a_line_makes_one(tmp_path):
    path = write(tmp_path / "r.jsonl", late(case="Gone/Suite.Name/P"), line(id="Next.Case/0"))
    results = {r.id: r for r in load_results_file(path)}
    made = results["Gone/Suite.Name/P"]
    assert made.verdict == "FAIL" and made.statements == ("IND-1",)
    assert (made.suite, made.name, made.provider.provider) == ("Suite", "Name", "mock")


def test_late_indication_keeps_a_case_that_could_not_finish(tmp_path):
    path = write(tmp_path / "r.jsonl", line(verdict="TIMEOUT"), late())
    [result] = load_results_file(path)
    assert result.verdict == "TIMEOUT" and result.checks["IND-1"]["violated"] == 1


def test_malformed_late_indication(tmp_path):
    path = write(tmp_path / "r.jsonl", line(), json.dumps({"record": "late_indication", "case": "X"}))
    with pytest.raises(UsageError, match=r"r\.jsonl:2: malformed result line: late_indication: missing"):
        load_results_file(path)
