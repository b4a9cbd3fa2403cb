"""wsaconform expectations derive: a version 2 file drafted from runs, reasons carried over."""

import json

from test_results import checks, line, write
from wsaconform import derive, gate
from wsaconform.derive import CaseId, compact_globs, split_id

CHECK = "WSAC_EXPECT_EQ(ind->error, 995u)"
PARAMS = [f"{kind}{mech}" for kind in ("Tcp4", "Tcp6", "Udp4", "Udp6") for mech in ("Event", "Routine", "Port")]


def instance(param, prefix="Close", body="Close.Ends"):
    return f"{prefix}/{body}/{param}"


def wine(case_id, **fields):
    suite, name = case_id.split("/")[1].split(".")
    return line(**{"id": case_id, "suite": suite, "name": name, "provider": "winsock", "build": "Wine 8.0 ws2_32",
                   **fields})


def deviating(case_id, observed="676", statement="CLOSE-2", check=CHECK):
    return wine(case_id, statements=[statement, "S26"], verdict="FAIL",
                checks=checks(held=["S26"], violated=[statement], observed=observed, check=check))


def passing(case_id):
    return wine(case_id, statements=["CLOSE-2", "S26"])


def old_v1(tmp_path, entries, build="Wine 8.0*"):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": "wsaconform-expectations", "version": 1, "description": "old file",
                                "providers": [{"provider": "winsock", "build": build, "expect": entries}]}))
    return str(path)


def run_derive(tmp_path, capsys, *files, old=None):
    out = tmp_path / "new.json"
    olds = [old] if isinstance(old, str) else old or []
    argv = ["expectations", "derive", *files, "--out", str(out)] + [a for o in olds for a in ("--from", o)]
    from wsaconform.cli import main

    assert main(argv) == 0
    return json.loads(out.read_text()), capsys.readouterr().err


def test_split_id():
    assert split_id("Close/Close.Ends/Tcp4Event", "Close", "Ends") == CaseId("Close/Close.Ends/Tcp4Event", "Close",
                                                                             "Close.Ends", "Tcp4Event")
    assert split_id("EventCreation.Manual", "EventCreation", "Manual") == CaseId("EventCreation.Manual", None,
                                                                                 "EventCreation.Manual", None)


def test_compact_globs_match_exactly_the_instances():
    ids = {p: split_id(instance(p), "Close", "Ends") for p in PARAMS}
    every = list(ids.values())
    assert compact_globs(every, []) == ["Close/Close.Ends/*"]
    ports = [ids[p] for p in PARAMS if p.endswith("Port")]
    assert compact_globs(ports, [c for c in every if c not in ports]) == ["Close/Close.Ends/*Port"]
    tcp = [ids[p] for p in PARAMS if p.startswith("Tcp")]
    assert compact_globs(tcp, [c for c in every if c not in tcp]) == ["Close/Close.Ends/Tcp*"]
    odd = [ids["Tcp4Event"], ids["Udp6Port"]]
    globs = compact_globs(odd, [c for c in every if c not in odd])
    from fnmatch import fnmatchcase

    assert {c.id for c in every if any(fnmatchcase(c.id, g) for g in globs)} == {c.id for c in odd}
    assert len(globs) == 2
    both = [split_id("Transfer/X.Y/Tcp4Event", "X", "Y"), split_id("Modes/X.Y/Tcp4SocketBlocking", "X", "Y")]
    assert compact_globs(both, [split_id("Transfer/X.Y/Udp4Event", "X", "Y")]) == ["*/X.Y/Tcp*"]


def test_derives_one_entry_per_body_statement_and_signature(tmp_path, capsys):
    lines = [deviating(instance(p), observed="64" if p.endswith("Port") else "676") for p in PARAMS]
    lines.append(wine("Close/Close.Hangs/Tcp4Event", statements=["S26"], verdict="TIMEOUT",
                      message="case did not finish within 10000 ms"))
    lines.append(passing("Close/Close.Hangs/Tcp6Event"))
    document, err = run_derive(tmp_path, capsys, write(tmp_path / "r.jsonl", *lines))
    assert document["format"] == "wsaconform-expectations" and document["version"] == 2
    [block] = document["providers"]
    assert (block["provider"], block["build"]) == ("winsock", "Wine 8.0 ws2_32")
    entries = [(e["case"], e.get("statement"), e.get("signature"), e.get("verdict")) for e in block["expect"]]
    assert entries == [
        (["Close/Close.Ends/*Event", "Close/Close.Ends/*Routine"], "CLOSE-2", [{"check": CHECK, "observed": "676"}], None),
        ("Close/Close.Ends/*Port", "CLOSE-2", [{"check": CHECK, "observed": "64"}], None),
        ("Close/Close.Hangs/Tcp4*", None, None, "TIMEOUT"),
    ]
    assert all(e["reason"] == "TODO" for e in block["expect"])
    assert "Wine 8.0 ws2_32, 4 instance(s): WSAC_EXPECT_EQ(ind->error, 995u) observed 64, expected 0 " \
           "(cases/x.cc:42)" in block["expect"][1]["evidence"]
    assert "derive: 3 entries, 3 with a TODO reason" in err


def test_the_gate_refuses_the_draft_until_reasons_are_written_then_passes(tmp_path, capsys):
    results = write(tmp_path / "r.jsonl", *[deviating(instance(p)) for p in PARAMS[:6]],
                    *[passing(instance(p)) for p in PARAMS[6:]])
    document, _ = run_derive(tmp_path, capsys, results)
    path = tmp_path / "new.json"
    assert gate.main(["--expectations", str(path), results]) == 2
    assert "still marked TODO" in capsys.readouterr().err
    for e in document["providers"][0]["expect"]:
        e["reason"] = "CLOSE-2: the closesocket page names 995; Wine reports STATUS_HANDLES_CLOSED"
    path.write_text(json.dumps(document))
    assert gate.main(["--expectations", str(path), results]) == 0, capsys.readouterr().out


def test_several_runs_give_alternatives_and_name_flaky_instances(tmp_path, capsys):
    first = write(tmp_path / "run1.jsonl", deviating(instance("Tcp4Port"), observed="64"),
                  deviating(instance("Tcp4Event")))
    second = write(tmp_path / "run2.jsonl", deviating(instance("Tcp4Port"), observed="1236"),
                   passing(instance("Tcp4Event")))
    document, err = run_derive(tmp_path, capsys, first, second)
    signatures = {json.dumps(e["case"]): e["signature"] for e in document["providers"][0]["expect"]}
    assert signatures['"Close/Close.Ends/*Port"'] == [{"check": CHECK, "observed": ["1236", "64"]}]
    assert "flaky: Close/Close.Ends/Tcp4Event on Wine 8.0 ws2_32: CLOSE-2 deviated in 1 of 2 runs" in err


def test_reasons_carry_over_where_case_and_statement_match(tmp_path, capsys):
    old = old_v1(tmp_path, [
        {"case": "Close/Close.Ends/*Port", "verdict": "FAIL", "observed": {"recv.error": 64},
         "reason": "[CLOSE-2] the closesocket page says 995; Wine gives 64 through a port",
         "evidence": "Wine 8.0: recv.error=64", "issue": "https://bugs.example/1"},
        {"case": "Close/Close.Ends/*Event", "verdict": "FAIL", "reason": "[S26] something about S26",
         "evidence": "e"},
    ])
    results = write(tmp_path / "r.jsonl", *[deviating(instance(p), observed="64" if p.endswith("Port") else "676")
                                            for p in PARAMS])
    document, _ = run_derive(tmp_path, capsys, results, old=old)
    [block] = document["providers"]
    assert block["build"] == "Wine 8.0*", "the old block's build glob is kept"
    others, port = block["expect"]
    assert port["reason"] == "the closesocket page says 995; Wine gives 64 through a port"
    assert (port["evidence"], port["issue"]) == ("Wine 8.0: recv.error=64", "https://bugs.example/1")
    # The old entry of the Event instances named S26, not CLOSE-2: a hint, not a reason.
    assert others["reason"].startswith("TODO: the old entry providers[0].expect[1] (for S26) said: [S26] something")
    assert document["description"] == "old file"


def test_reasons_carry_over_from_version_2(tmp_path, capsys):
    results = write(tmp_path / "r.jsonl", deviating(instance("Tcp4Port"), observed="64"))
    document, _ = run_derive(tmp_path, capsys, results)
    document["providers"][0]["expect"][0]["reason"] = "written by hand"
    (tmp_path / "v2.json").write_text(json.dumps(document))
    again, _ = run_derive(tmp_path, capsys, results, old=str(tmp_path / "v2.json"))
    assert again["providers"][0]["expect"][0]["reason"] == "written by hand"


def test_reasons_carry_over_from_pending_notes_too(tmp_path, capsys):
    """expectations/pending/*.json: what engineers recorded per statement before version 2 existed."""
    pending = tmp_path / "pending.json"
    pending.write_text(json.dumps([
        {"case": "Close/Close.Ends/*Port", "statement": "CLOSE-2", "check": CHECK, "observed": "receives 676 (...)",
         "expected": "one of 995, 1236, 64", "reason": "CLOSE-2: the closesocket page says 995", "evidence": "ports"},
    ]))
    old = old_v1(tmp_path, [{"case": "Close/Close.Ends/*", "verdict": "FAIL", "reason": "[CLOSE-2] from v1",
                             "evidence": "v1"}])
    results = write(tmp_path / "r.jsonl", deviating(instance("Tcp4Port"), observed="64"),
                    deviating(instance("Tcp4Event")))
    document, _ = run_derive(tmp_path, capsys, results, old=[str(pending), old])
    [block] = document["providers"]
    assert block["build"] == "Wine 8.0*", "the build glob comes from the file that has one"
    event, port = block["expect"]
    assert (port["reason"], port["evidence"]) == ("CLOSE-2: the closesocket page says 995", "ports")
    assert (event["reason"], event["evidence"]) == ("from v1", "v1")


def test_lines_without_per_check_records(tmp_path, capsys):
    """Results of a runner before per-statement checks (as /work/baseline/winsock/results.jsonl)."""
    old = old_v1(tmp_path, [{"case": "Close/Close.Ends/*", "verdict": "FAIL",
                             "reason": "[S26, CLOSE-2] both", "evidence": "e"}])
    legacy = [wine(instance(p), statements=["S26", "CLOSE-2", "CLOSE-3"], verdict="FAIL", checks=None,
                   message="cases/close.cc:192: Value of: Accepted(codes, ind->error)", observed={"recv.error": 676})
              for p in PARAMS]
    crash = wine("Close/Close.Crash/Tcp4Event", statements=["S26"], verdict="CRASH", checks=None,
                 message="runner killed by SIGSEGV")
    document, err = run_derive(tmp_path, capsys, write(tmp_path / "r.jsonl", *legacy, crash), old=old)
    entries = document["providers"][0]["expect"]
    assert [(e["case"], e.get("statement"), e.get("verdict")) for e in entries] == [
        ("Close/Close.Crash/*", None, "CRASH"),
        ("Close/Close.Ends/*", "S26", None),
        ("Close/Close.Ends/*", "CLOSE-2", None),
    ]
    assert entries[1]["signature"] == [{"check": derive.LEGACY_CHECK}]
    assert entries[1]["reason"] == "[S26, CLOSE-2] both"
    assert entries[1]["evidence"] == "e"  # carried over with the reason
    alone, _ = run_derive(tmp_path, capsys, write(tmp_path / "r.jsonl", *legacy))
    [entry] = alone["providers"][0]["expect"]
    assert (entry["statement"], entry["reason"]) == ("TODO", "TODO"), "nothing says which statement deviated"
    assert "recv.error=676" in entry["evidence"]
    path = tmp_path / "new.json"
    results = write(tmp_path / "r2.jsonl", *legacy)
    assert gate.main(["--expectations", str(path), results]) == 2, "a TODO signature is refused"


def test_baseline_style_results_file(tmp_path, capsys):
    """A results.jsonl as `run` writes it: runner lines and the orchestrator's made-up CRASH/TIMEOUT lines."""
    made_up = json.loads(wine("Close/Close.Ends/Udp6Port", statements=["CLOSE-2"], verdict="TIMEOUT", checks=None,
                              message="no result for 60 s: wsaconform run killed the runner"))
    made_up["synthesized"] = True
    results = write(tmp_path / "results.jsonl", deviating(instance("Tcp4Port")), json.dumps(made_up))
    document, _ = run_derive(tmp_path, capsys, results)
    kinds = [(e.get("statement"), e.get("verdict")) for e in document["providers"][0]["expect"]]
    assert kinds == [("CLOSE-2", None), (None, "TIMEOUT")]


def test_expectations_needs_an_action(tmp_path, capsys):
    from wsaconform.cli import main

    assert main(["expectations"]) == 2
    assert "choose an action: derive" in capsys.readouterr().err
