"""The coverage check of issue 4: the logic on synthetic data, then the real
runner's catalog and case list (skipped, with the reason printed, only when
the native runner is not built)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "reports"))

from wsaconform.coverage import check_coverage  # noqa: E402

CATALOG_FILE = ROOT / "suite" / "catalog" / "statements.json"
DEFAULT_RUNNER = ROOT / "build" / "native" / "runner" / "wsaconform-runner"


def statement(sid, level):
    return {"id": sid, "level": level, "text": f"text of {sid}", "source": "test"}


def case(suite, name, *ids, param="Mock"):
    return {"id": f"P/{suite}.{name}/{param}", "suite": suite, "name": name, "statements": list(ids)}


CATALOG = {
    "version": "test",
    "statements": [
        statement("S1", "MUST"),
        statement("S2", "MUST"),
        statement("S22", "MAY"),
        statement("S25", "INFO"),
        statement("ARG-1", "MUST"),
    ],
}


# ---- the logic, on synthetic data ---------------------------------------------------


def test_full_coverage_has_no_problems():
    cases = [case("Basic", "A", "S1", "S22"), case("Basic", "B", "S2"), case("Args", "C", "ARG-1")]
    assert check_coverage(CATALOG, cases) == []


def test_accepts_the_list_document_and_a_bare_statement_list():
    listing = {"suite_version": "x", "catalog_version": "y", "cases": [case("Basic", "A", "S1", "S2", "ARG-1")]}
    assert check_coverage(CATALOG, listing) == []
    assert check_coverage(CATALOG["statements"], listing["cases"]) == []


def test_uncovered_must_is_a_problem():
    problems = check_coverage(CATALOG, [case("Basic", "A", "S1", "ARG-1")])
    assert problems == ["statement S2 (MUST) has no case"]


def test_every_uncovered_must_is_reported_in_catalog_order():
    problems = check_coverage(CATALOG, [])
    assert problems == [
        "statement S1 (MUST) has no case",
        "statement S2 (MUST) has no case",
        "statement ARG-1 (MUST) has no case",
    ]


def test_uncovered_may_and_info_are_not_problems():
    assert check_coverage(CATALOG, [case("Basic", "A", "S1", "S2", "ARG-1")]) == []


def test_unknown_statement_id_is_a_problem():
    problems = check_coverage(CATALOG, [case("Basic", "A", "S1", "S2", "ARG-1", "S99")])
    assert problems == ["case Basic.A: names unknown statement S99"]


def test_case_without_statement_ids_is_a_problem():
    cases = [case("Basic", "A", "S1", "S2", "ARG-1"), case("Basic", "Untagged")]
    assert check_coverage(CATALOG, cases) == ["case Basic.Untagged: names no statement ID"]


def test_case_missing_the_statements_member_is_a_problem():
    bare = {"id": "P/Basic.Bare/Mock", "suite": "Basic", "name": "Bare"}
    problems = check_coverage(CATALOG, [case("Basic", "A", "S1", "S2", "ARG-1"), bare])
    assert problems == ["case Basic.Bare: names no statement ID"]


def test_claiming_an_info_statement_is_a_problem():
    problems = check_coverage(CATALOG, [case("Basic", "A", "S1", "S2", "ARG-1", "S25")])
    assert len(problems) == 1
    assert problems[0].startswith("case Basic.A: claims INFO statement S25")


def test_info_claim_does_not_count_as_coverage_of_anything():
    problems = check_coverage(CATALOG, [case("Basic", "A", "S25")])
    assert problems[0].startswith("case Basic.A: claims INFO statement S25")
    assert "statement S1 (MUST) has no case" in problems


def test_instances_of_one_parameterised_case_are_reported_once():
    cases = [case("Basic", "A", "S1", "S2", "ARG-1", "S99", param=p) for p in ("TcpV4Event", "TcpV6Port", "UdpV4")]
    assert check_coverage(CATALOG, cases) == ["case Basic.A: names unknown statement S99"]


def test_case_without_suite_and_name_is_named_by_its_id():
    problems = check_coverage(CATALOG, [{"id": "Odd/Id", "statements": []}, case("B", "A", "S1", "S2", "ARG-1")])
    assert problems == ["case Odd/Id: names no statement ID"]


def test_malformed_catalog_is_reported():
    catalog = {"statements": [statement("S1", "MUST"), statement("S1", "MUST"), statement("X-1", "SHOULD")]}
    problems = check_coverage(catalog, [case("B", "A", "S1", "X-1")])
    assert "catalog: statement S1 appears twice" in problems
    assert any(p.startswith("catalog: statement X-1 has level 'SHOULD'") for p in problems)


def test_the_catalog_file_itself_is_consistent():
    """statements.json against a case list that claims every MUST and MAY once."""
    catalog = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    testable = [s["id"] for s in catalog["statements"] if s["level"] != "INFO"]
    assert check_coverage(catalog, [case("All", "Claims", *testable)]) == []


# ---- the real runner -----------------------------------------------------------------


def runner_command():
    """The native runner (WSAC_RUNNER overrides); a .exe runs under Wine."""
    path = Path(os.environ.get("WSAC_RUNNER", str(DEFAULT_RUNNER)))
    if not path.is_absolute():
        path = ROOT / path
    if not path.is_file() or not os.access(path, os.X_OK):
        reason = f"runner not built: {path} does not exist or is not executable (set WSAC_RUNNER to use another)"
        print(reason)
        pytest.skip(reason)
    if path.suffix.lower() == ".exe" and os.name != "nt":
        return [str(ROOT / "cmake" / "wine-run.sh"), str(path)]
    return [str(path)]


def run_json(*args):
    command = runner_command() + list(args)
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}"
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as error:
        pytest.fail(f"{' '.join(command)} printed no JSON document ({error}):\n{done.stdout[:2000]}")


def test_runner_embeds_the_current_catalog():
    printed = run_json("--requirements")
    on_disk = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    assert printed == on_disk, f"the runner was built from another {CATALOG_FILE}; rebuild it"


def test_runner_cases_cover_the_catalog():
    catalog = run_json("--requirements")
    listing = run_json("--list")
    assert str(listing.get("catalog_version", "")).split("+", 1)[0] == catalog["version"], (
        f"--list names catalog {listing.get('catalog_version')!r}, --requirements is {catalog['version']!r}"
    )
    assert listing.get("cases"), "--list printed no cases"
    problems = check_coverage(catalog, listing["cases"])
    assert not problems, f"{len(problems)} coverage problem(s):\n" + "\n".join(problems)
