"""A small run that exercises every section of the report: two providers, a body failing the same way
on eight instances, a case that crashes, a known deviation, a MAY report, a kill matrix, chaos
coverage and a baseline that differs. Shared by test_report.py and the browser test."""

import json

from test_results import checks, line, write

MECHANISMS = ("Event", "Routine", "Port", "Polling")
KINDS = ("Tcp4", "Udp4")


def _catalog(path):
    path.write_text(json.dumps({"version": "2026.11.1", "groups": [
        {"id": "S", "title": "Overlapped I/O and Event Objects (source document)"},
        {"id": "BAD", "title": "Bad input"}], "statements": [
        {"id": "S14", "level": "MUST", "text": "A return value of 0 means the operation completed at once.",
         "source": "Overlapped I/O and Event Objects, para 6", "exercised_when": "the call returned 0"},
        {"id": "S16", "level": "MUST", "text": "The completion is indicated exactly once."},
        {"id": "S22", "level": "MAY", "text": "Completions may arrive in any order."},
        {"id": "BAD-1", "level": "MUST", "text": "A call with dwBufferCount 0 fails with WSAEINVAL (10022).",
         "source": "WSARecv, Error codes", "accepted_codes": [10022]},
        {"id": "BAD-4", "level": "MUST", "text": "A refused call starts nothing."}]}))
    return str(path)


def _bad_input(provider, build, kind, mechanism, *, deviate, observed="ret=-1 err=997"):
    statements = ["BAD-1", "BAD-4"]
    if deviate:
        record_checks = checks(held=["BAD-4"], violated=["BAD-1"], check="WSAC_EXPECT_EQ(call.wsa_error, 10022)",
                               observed=observed, expected="10022")
    else:
        record_checks = checks(held=statements)
    return line(id=f"Failed/BadInput.BufferCountZero/{kind}{mechanism}WSARecv", suite="BadInput",
                name="BufferCountZero", statements=statements, provider=provider, build=build,
                verdict="FAIL" if deviate else "PASS", message="the call was accepted" if deviate else "",
                observed={"call.ret": -1, "call.wsa_error": 997 if deviate else 10022, "mechanism": mechanism},
                checks=record_checks)


def _transfer(provider, build, kind, mechanism, *, unexercised=False, verdict="PASS"):
    record_checks = checks(held=["S16"], unexercised={"S14": "the receive pended"}) if unexercised else \
        checks(held=["S14", "S16"])
    return line(id=f"Transfer/ReceiveIndication.Immediate/{kind}{mechanism}WSARecv", suite="ReceiveIndication",
                name="Immediate", statements=["S14", "S16", "S22"], provider=provider, build=build,
                verdict=verdict, checks=record_checks if verdict == "PASS" else None,
                reports={"S22": "completions in order, 4 of 4"} if verdict == "PASS" else {},
                message="runner died of signal 11" if verdict == "CRASH" else "")


def make_run(tmp_path, *, baseline=False):
    """results.jsonl (and requirements.json beside it) of both providers; the baseline differs from it."""
    directory = tmp_path / ("old" if baseline else "new")
    directory.mkdir()
    _catalog(directory / "requirements.json")
    lines = []
    for kind in KINDS:
        for mechanism in MECHANISMS:
            lines.append(_bad_input("mock", "mock", kind, mechanism, deviate=False))
            lines.append(_transfer("mock", "mock", kind, mechanism))
            # Wine-like: BufferCountZero deviates the same way on every instance (only on the
            # baseline's Udp4 it did not), and S14 is never exercised.
            deviate = not (baseline and kind == "Udp4")
            lines.append(_bad_input("winsock", "Wine 8.0", kind, mechanism, deviate=deviate))
            crash = not baseline and kind == "Tcp4" and mechanism == "Port"
            lines.append(_transfer("winsock", "Wine 8.0", kind, mechanism, unexercised=True,
                                   verdict="CRASH" if crash else "PASS"))
    if baseline:
        lines.append(line(id="Old.Removed", suite="Old", name="Removed", statements=["S16"], provider="winsock",
                          build="Wine 8.0"))
    return write(directory / "results.jsonl", *lines)


def make_expectations(tmp_path):
    path = tmp_path / "expectations.json"
    path.write_text(json.dumps({"format": "wsaconform-expectations", "version": 2, "providers": [
        {"provider": "winsock", "build": "Wine 8.0", "expect": [
            {"case": "Failed/BadInput.BufferCountZero/Tcp4*", "statement": "BAD-1",
             "signature": [{"check": "WSAC_EXPECT_EQ(call.wsa_error, 10022)", "observed": "ret=-1 err=997"}],
             "reason": "Wine 8.0 takes a receive with no buffers as a zero-length receive.",
             "evidence": "Wine 8.0 ws2_32, Tcp4, every mechanism."}]}]}))
    return str(path)


def make_kill_matrix(tmp_path):
    path = tmp_path / "km.json"
    path.write_text(json.dumps({
        "kill_matrix": [
            {"mutant": "zero-buffers-accepted", "statement": "BAD-1", "verdict": "killed",
             "killing_cases": ["Failed/BadInput.BufferCountZero/Tcp4EventWSARecv"], "killed_by_own_statement": True,
             "killed_by": [{"case": "Failed/BadInput.BufferCountZero/Tcp4EventWSARecv",
                            "check": "WSAC_EXPECT_EQ(call.wsa_error, 10022)", "where": "cases/x.cc:7", "message": "",
                            "observed": "997", "expected": "10022"}]},
            {"mutant": "double-indication", "statement": "S16", "verdict": "survived", "killing_cases": [],
             "killed_by_own_statement": False, "note": "no check of S16 was violated"}],
        "chaos": {},
        "chaos_coverage": [
            {"statement": "S14", "level": "MUST", "exercised_when": "the call returned 0", "instances": 160,
             "exercised": 70, "seeds": 20, "seeds_exercised": 20,
             "not_exercised": [{"reason": "the receive pended", "instances": 90}]}]}))
    return str(path)


def render_full(tmp_path, report_module):
    """The report of the new run, with expectations, kill matrix and the baseline; returns the out dir."""
    new = make_run(tmp_path)
    make_run(tmp_path, baseline=True)
    out = tmp_path / "report"
    assert report_module.main([new, "--out", str(out), "--expectations", make_expectations(tmp_path),
                               "--kill-matrix", make_kill_matrix(tmp_path),
                               "--baseline", str(tmp_path / "old")]) == 0
    return out
