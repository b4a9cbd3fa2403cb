"""Reading results.jsonl files and the requirement catalog."""

import json

import pytest

from wsaconform.errors import UsageError
from wsaconform.results import ProviderKey, ResultSet, load_catalog, load_results_file


def line(**overrides):
    record = {
        "record": "case", "id": "Tcp4Event/ReceiveCompletion.ImmediateSignalsEvent/0",
        "suite": "ReceiveCompletion", "name": "ImmediateSignalsEvent", "statements": ["S14", "EVT-1"],
        "provider": "mock", "build": "mock", "mutant": "", "chaos_seed": None, "verdict": "PASS",
        "duration_ms": 1.5, "message": "", "observed": {"ret": 0}, "reports": {},
        "requirements": {"S14": "text of S14"}, "suite_version": "0.1.0", "catalog_version": "2026.11.1+ab12cd34",
    }
    record.update(overrides)
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
