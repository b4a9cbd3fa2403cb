"""wsaconform catalog, certify and verify.

The pure parts on synthetic data: which entries a selector chooses, which
cases a target runs, what stands in the way of a certificate. Then a real
certificate of the mock (the native runner, the whole suite, a few seconds)
and what `wsaconform verify` says of it, untouched and after every kind of
edit: one byte of the results, a verdict, a dataset cell, the case list, the
catalog version, a file added. The samples under Wine are certified by
`wsaconform test` (selftest.py), not here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from wsaconform import catalog, certify, verify
from wsaconform.errors import UsageError
from wsaconform.orchestrate import Runner

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(os.environ.get("WSAC_RUNNER") or ROOT / "build" / "native" / "runner" / "wsaconform-runner")
needs_runner = pytest.mark.skipif(not RUNNER.is_file(), reason=f"runner not built at {RUNNER}")

BASE_TCP = "{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}"
BASE_TCP6 = "{F9EAB0C0-26D4-11D0-BBBF-00AA006C34E4}"
LSP = "{4F622CB1-B165-4FF3-A21E-C46321064E3D}"


def entry(entry_id, guid, protocol, af, socktype, chain=(), ifs=True):
    chain = list(chain) or [entry_id]
    return {"catalog_entry_id": entry_id, "provider_guid": guid, "protocol": protocol, "address_family": af,
            "socket_type": socktype, "protocol_number": 6 if socktype == 1 else 17,
            "chain_length": 0 if chain == [] else len(chain), "chain": chain,
            "service_flags1": "0x00020066" if ifs else "0x00000066", "ifs_handles": ifs, "provider_flags": "0x00000008"}


def wine_with_lsp():
    layered = entry(3100, LSP, "sample LSP", 2, 1)
    layered["chain_length"], layered["chain"] = 0, []
    return [
        entry(3101, LSP, "sample LSP over [TCP/IP]", 2, 1, (3100, 1001)),
        entry(3102, LSP, "sample LSP over [UDP/IP]", 2, 2, (3100, 1002)),
        entry(3103, LSP, "sample LSP over [TCP/IPv6]", 23, 1, (3100, 1004)),
        entry(3104, LSP, "sample LSP over [UDP/IPv6]", 23, 2, (3100, 1005)),
        entry(1001, BASE_TCP, "TCP/IP", 2, 1), entry(1002, BASE_TCP, "UDP/IP", 2, 2),
        entry(1004, BASE_TCP6, "TCP/IPv6", 23, 1), entry(1005, BASE_TCP6, "UDP/IPv6", 23, 2),
        {**entry(1030, "{11058240-BE47-11CF-95C8-00805F48A192}", "IPX", 6, 2), "protocol_number": 1000},
        layered,
    ]


# ---- choosing what to certify -------------------------------------------------------------


def test_an_entry_id_is_that_one_entry():
    [target] = certify.choose_targets(wine_with_lsp(), ["1001"], False)
    assert [e["catalog_entry_id"] for e in target.entries] == [1001]
    assert target.catalog_entry_arg == "1001" and target.kinds == ["tcp4"]
    assert target.name == "entry-1001-tcp-ip"


def test_a_guid_takes_every_entry_of_that_provider_one_per_socket_kind():
    [target] = certify.choose_targets(wine_with_lsp(), [LSP.strip("{}").lower()], False)
    assert target.catalog_entry_arg == "3101,3102,3103,3104"
    assert sorted(target.kinds) == ["tcp4", "tcp6", "udp4", "udp6"]
    assert target.name == "sample-lsp-4f622cb1"  # named after its layered protocol entry


def test_a_name_matches_exactly_before_it_matches_a_part():
    [target] = certify.choose_targets(wine_with_lsp(), ["tcp/ip"], False)
    assert target.catalog_entry_arg == "1001"
    [target] = certify.choose_targets(wine_with_lsp(), ["over [UDP"], False)
    assert target.catalog_entry_arg == "3102,3104"


def test_all_layered_takes_every_layered_provider_and_no_base_one():
    [target] = certify.choose_targets(wine_with_lsp(), [], True)
    assert target.catalog_entry_arg == "3101,3102,3103,3104"


def test_no_selector_certifies_the_default_entries():
    [target] = certify.choose_targets(wine_with_lsp(), [], False)
    assert target.entries == [] and target.catalog_entry_arg == "" and target.name == "default"
    assert sorted(target.kinds) == ["tcp4", "tcp6", "udp4", "udp6"]


@pytest.mark.parametrize("selector, message", [
    ("4242", "no catalog entry 4242"),
    ("3100", "a layered protocol entry makes no sockets"),
    ("1030", "not a TCP or UDP socket"),
    ("no such provider", "no catalog entry of a TCP or UDP socket matches"),
])
def test_a_selector_that_names_nothing_certifiable_is_a_usage_error(selector, message):
    with pytest.raises(UsageError, match=message):
        certify.choose_targets(wine_with_lsp(), [selector], False)


def test_all_layered_on_a_catalog_without_layers_is_a_usage_error():
    with pytest.raises(UsageError, match="no layered chain entry"):
        certify.choose_targets([e for e in wine_with_lsp() if e["provider_guid"] != LSP], [], True)


def test_a_target_runs_the_cases_of_its_socket_kinds_and_those_of_none():
    cases = [{"id": i} for i in ("A/X.Y/Tcp4Event", "A/X.Y/Udp6Port", "EventCreation.Manual",
                                 "Failed/NotASocket.EventHandle/EventWSARecv", "Tcp4Only/X.Y/Udp4")]
    assert [c["id"] for c in certify.cases_for(cases, ["tcp4"])] == [
        "A/X.Y/Tcp4Event", "EventCreation.Manual", "Failed/NotASocket.EventHandle/EventWSARecv"]
    # The kind is read after the suite's name: a prefix that spells one does not count.
    assert certify.case_kind("Tcp4Only/X.Y/Udp4") == "udp4"


def test_the_catalog_table_gives_the_entry_type_and_the_ifs_flag_columns_of_their_own():
    text = catalog.table({"system": {"os": "Wine 8.0"}, "entries": wine_with_lsp()})
    header, *rows = text.splitlines()[3:]
    assert header.split()[:4] == ["ID", "Entry", "type", "Protocol"] and " IFS " in header
    lsp_row = next(r for r in rows if r.startswith("3101"))
    assert "Layered Chain Entry" in lsp_row and "3100 > 1001" in lsp_row
    assert next(r for r in rows if r.startswith("3100")).count("Layered Protocol Entry") == 1
    decoded = catalog.decoded({"entries": [entry(1, BASE_TCP, "x", 2, 1, ifs=False)]})["entries"][0]
    assert "XP1_IFS_HANDLES" not in decoded["service_flags"] and "XP1_GUARANTEED_DELIVERY" in decoded["service_flags"]


# ---- what a certificate says -------------------------------------------------------------


REQUIREMENTS = {"version": "t", "statements": [
    {"id": "S1", "level": "MUST", "text": "one"},
    {"id": "S14", "level": "MUST", "text": "zero", "exercised_when": "the call returned 0"},
    {"id": "S22", "level": "MAY", "text": "order"},
    {"id": "S26", "level": "MUST", "text": "close"},
]}


def line(case_id, verdict, checks, statements=None):
    return json.dumps({"record": "case", "id": case_id, "statements": statements or list(checks),
                       "provider": "winsock", "build": "b", "verdict": verdict, "checks": {
                           sid: {"held": h, "violated": v, "exercised": h + v > 0,
                                 "violations": [{"check": "c", "where": "w", "message": "m", "observed": "1",
                                                 "expected": "2"}] * v,
                                 "not_exercised": [] if h + v else ["the call pended"]}
                           for sid, (h, v) in checks.items()},
                       "suite_version": "v", "catalog_version": "t"}) + "\n"


def test_certified_when_no_must_statement_deviates_and_unexercised_is_listed_not_counted():
    body = certify.certificate_body(
        line("A/X.Y/Tcp4", "PASS", {"S1": (2, 0), "S14": (0, 0)}) + line("A/X.Z/Tcp4", "FAIL", {"S22": (0, 1)}),
        REQUIREMENTS)
    assert body["verdict"] == certify.CERTIFIED  # a MAY statement that deviates stands in nobody's way
    assert [s["id"] for s in body["unexercised"]] == ["S14"]
    assert body["unexercised"][0]["exercise"] == "0 of 1 instance (the call returned 0)"
    assert {s["id"]: s["verdict"] for s in body["statements"]}["S14"] == "UNEXERCISED"


def test_statements_that_deviate_come_first_most_violating_instances_first_then_unknown_ones():
    text = (line("A/X.Y/Tcp4", "FAIL", {"S1": (0, 1)}) + line("A/X.Z/Tcp4", "FAIL", {"S26": (0, 1)})
            + line("A/X.Z/Udp4", "FAIL", {"S26": (0, 1)}) + line("A/X.W/Tcp4", "BROKEN", {"S14": (0, 0)}))
    body = certify.certificate_body(text, REQUIREMENTS)
    assert body["verdict"] == certify.NOT_CERTIFIED
    assert [(s["id"], s["verdict"]) for s in body["standing_in_the_way"]] == [
        ("S26", "DEVIATES"), ("S1", "DEVIATES"), ("S14", "UNKNOWN")]
    assert certify.summary_line(body) == ("NOT CERTIFIED: 2 MUST statement(s) deviate (S26, S1); "
                                          "1 MUST statement(s) unknown (S14)")


def test_a_case_that_crashed_or_timed_out_stands_in_the_way_by_itself():
    crash = json.dumps({"record": "case", "id": "A/X.Y/Tcp4", "statements": ["S22"], "provider": "winsock",
                        "build": "b", "verdict": "CRASH", "message": "runner killed", "suite_version": "v",
                        "catalog_version": "t"}) + "\n"
    body = certify.certificate_body(line("A/X.Z/Tcp4", "PASS", {"S1": (1, 0)}) + crash, REQUIREMENTS)
    assert body["verdict"] == certify.NOT_CERTIFIED and body["standing_in_the_way"] == []
    assert body["crashed_or_timed_out"] == [{"case": "A/X.Y/Tcp4", "verdict": "CRASH", "message": "runner killed"}]


# ---- a real certificate of the mock, and verify ------------------------------------------


@pytest.fixture(scope="module")
def mock_package(tmp_path_factory):
    if not RUNNER.is_file():
        pytest.skip(f"runner not built at {RUNNER}")
    out = tmp_path_factory.mktemp("certs")
    args = type("Args", (), dict(provider="mock", entry=[], all_layered=False, out=str(out), runner=str(RUNNER),
                                 jobs=None, timeout=10, guard=None, no_build=True, durations=None))()
    assert certify.run(args) == 0
    return out / "mock"


@pytest.fixture
def package(mock_package, tmp_path):
    copy = tmp_path / "mock"
    shutil.copytree(mock_package, copy)
    return copy


def verdict_of(package: Path) -> str:
    try:
        certificate, _ = verify.verify(package, Runner((str(RUNNER),), "native"))
    except verify.Rejected as err:
        return f"FAILED: {err}"
    return f"OK: {certificate['verdict']}"


def rehash(package: Path, name: str) -> None:
    manifest = json.loads((package / certify.MANIFEST).read_text())
    manifest["files"][name] = hashlib.sha256((package / name).read_bytes()).hexdigest()
    (package / certify.MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")


def edit_json(package: Path, name: str, change) -> None:
    data = json.loads((package / name).read_text())
    change(data)
    (package / name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    rehash(package, name)


def test_the_mock_is_certified_with_its_identity_and_every_file_in_the_manifest(mock_package):
    certificate = json.loads((mock_package / "certificate.json").read_text())
    assert certificate["verdict"] == certify.CERTIFIED
    assert certificate["provider"]["entries"][0]["provider_guid"] == "{CFBBE59E-3578-4FCC-A96C-CE749DEEF69F}"
    assert certificate["cases"]["count"] == len((mock_package / "cases.txt").read_text().splitlines())
    manifest = json.loads((mock_package / certify.MANIFEST).read_text())["files"]
    assert set(manifest) == {p.name for p in mock_package.iterdir()} - {certify.MANIFEST}
    identity = json.loads((mock_package / "identity.json").read_text())
    assert [s["kind"] for s in identity["sockets"]] == ["tcp4", "udp4", "tcp6", "udp6"]
    assert verdict_of(mock_package) == "OK: CERTIFIED"


def test_one_changed_byte_of_the_results_is_rejected_by_the_manifest(package):
    data = bytearray((package / "results.jsonl").read_bytes())
    data[data.index(b'"held": 1') + len(b'"held": ')] = ord("2")
    (package / "results.jsonl").write_bytes(bytes(data))
    assert verdict_of(package).startswith("FAILED: results.jsonl was edited: its sha256 is")


def test_changed_results_with_a_manifest_to_match_no_longer_give_the_certificates_verdicts(package):
    data = bytearray((package / "results.jsonl").read_bytes())
    data[data.index(b'"held": 1') + len(b'"held": ')] = ord("2")
    (package / "results.jsonl").write_bytes(bytes(data))
    rehash(package, "results.jsonl")
    assert "the results give" in verdict_of(package)


def test_an_edited_statement_verdict_is_rejected(package):
    def unexercised_to_conforms(certificate):
        for s in certificate["statements"]:
            if s["verdict"] == "UNEXERCISED":
                s["verdict"] = "CONFORMS"
    edit_json(package, "certificate.json", unexercised_to_conforms)
    assert "UNEXERCISED" in verdict_of(package) and "the certificate says" in verdict_of(package)


def test_an_edited_certificate_verdict_is_rejected(package):
    edit_json(package, "certificate.json", lambda c: c.update(verdict=certify.NOT_CERTIFIED))
    assert verdict_of(package).startswith(
        "FAILED: the certificate's verdict NOT CERTIFIED does not follow from the results")


def test_an_edited_dataset_verdict_is_rejected(package):
    def flip(dataset):
        dataset["statements"][0]["results"]["mock"]["verdict"] = "DEVIATES"
    edit_json(package, "dataset.json", flip)
    assert verdict_of(package).startswith("FAILED: dataset.json says")


def test_a_file_the_manifest_does_not_list_is_rejected(package):
    (package / "notes.txt").write_text("added later\n")
    assert verdict_of(package) == "FAILED: notes.txt is not in the manifest"


def test_a_case_list_that_is_not_the_suites_is_rejected(package):
    # Drop one case everywhere, consistently: only the comparison with the runner's --list can tell.
    ids = (package / "cases.txt").read_text().splitlines()
    dropped = ids.pop()
    (package / "cases.txt").write_text("".join(f"{i}\n" for i in ids))
    lines = [l for l in (package / "results.jsonl").read_text().splitlines(keepends=True)
             if json.loads(l).get("id") != dropped]
    (package / "results.jsonl").write_text("".join(lines))
    requirements = json.loads((package / "requirements.json").read_text())
    body = certify.certificate_body("".join(lines), requirements)
    def rewrite(certificate):
        certificate.update(body, summary=certify.summary_line(body))
        certificate["cases"].update(count=len(ids), sha256=certify.sha256_file(package / "cases.txt"))
    edit_json(package, "certificate.json", rewrite)
    fresh = certify.dataset_from(package / "results.jsonl", package / "requirements.json")
    (package / "dataset.json").write_text(certify.dataset_json(fresh))
    (package / "statements.txt").write_text(certify.statement_table(fresh))
    (package / "certificate.md").write_text(
        certify.certificate_markdown(json.loads((package / "certificate.json").read_text())))
    for name in ("results.jsonl", "cases.txt", "dataset.json", "statements.txt", "certificate.md"):
        rehash(package, name)
    assert verdict_of(package) == (f"FAILED: the case list differs from the suite's (runner --list, socket kinds "
                                   f"tcp4, tcp6, udp4, udp6): {dropped} was not run")


def test_a_package_from_another_catalog_version_is_rejected(package):
    edit_json(package, "certificate.json", lambda c: c["requirements"].update(catalog_version="2020.1.1+0123"))
    (package / "certificate.md").write_text(
        certify.certificate_markdown(json.loads((package / "certificate.json").read_text())))
    rehash(package, "certificate.md")
    assert verdict_of(package).startswith("FAILED: the package is from requirement catalog 2020.1.1+0123; "
                                          "this suite's is ")


@needs_runner
def test_verify_prints_one_line_and_exits_1_for_a_rejected_package(package, wsaconform):
    (package / "run.json").write_text("{}\n")
    done = wsaconform("verify", "--runner", str(RUNNER), str(package))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [f"wsaconform verify: FAILED: {package}: run.json was edited: its sha256 is "
                                        + done.stdout.split("its sha256 is ")[1].strip()]


@needs_runner
def test_every_result_line_carries_the_mock_identity(mock_package):
    identity = json.loads((mock_package / "identity.json").read_text())
    assert identity["provider"] == "mock" and identity["system"]["model"] == "wsaconform mock"
    for text in (mock_package / "results.jsonl").read_text().splitlines()[:50]:
        assert json.loads(text)["provider_identity"] == identity
