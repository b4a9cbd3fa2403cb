#!/usr/bin/env python3
"""A stand-in for wsaconform-runner that speaks its command-line contract.

Cases are Fake/Suite.CaseNN/Mock for NN in 0..FAKE_CASES-1. Environment knobs
(case names are the short "CaseNN"; lists are comma-separated):
  FAKE_CASES       number of cases (default 6)
  FAKE_PROVIDERS   providers this "build" has (default "mock")
  FAKE_FAIL        cases that FAIL
  FAKE_CRASH       cases during which the process SIGKILLs itself
  FAKE_TIMEOUT     cases written as TIMEOUT, then exit 3 (the runner's watchdog)
  FAKE_HANG        cases that hang without any watchdog (for the orchestrator's guard)
  FAKE_LATE        cases whose operation is indicated late: a late_indication record
                   naming the case follows the next case's line
  FAKE_DELAY       seconds each case takes (default 0)
  FAKE_DURATION_MS case=ms pairs: the duration_ms a case reports (default 1.0)
  FAKE_RAN_LOG     file to which every case start is appended, across processes
  FAKE_FLAKY       cases that PASS on their odd-numbered starts and FAIL on the even ones
                   (counted in FAKE_RAN_LOG)
  FAKE_FLAKY_SIGNATURE  cases that always FAIL, with the start's number as the observed value
  FAKE_SHUFFLE     "reverse": --gtest_shuffle runs the cases in reverse registration order,
                   an order the orchestrator cannot predict (default: GoogleTest's shuffle)

Like the real runner, it runs its --case-list in registration order, or with
--gtest_shuffle in the order GoogleTest draws from --gtest_random_seed.
"""

import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "reports"))
from wsaconform.orchestrate import run_order  # noqa: E402

SUITE_VERSION = "0.1.0-fake"
CATALOG_VERSION = "fake-catalog"


def names(var):
    return {n for n in os.environ.get(var, "").split(",") if n}


def all_cases():
    count = int(os.environ.get("FAKE_CASES", "6"))
    return [
        {
            "id": f"Fake/Suite.Case{i:02d}/Mock",
            "suite": "Suite",
            "name": f"Case{i:02d}",
            "statements": [f"S{i % 3 + 1}"],
        }
        for i in range(count)
    ]


def options(argv):
    opts = {}
    for arg in argv:
        key, _, value = arg.partition("=")
        opts[key] = value if value else True
    return opts


def usage(message):
    print(f"fake_runner: {message}", file=sys.stderr)
    return 2


def checks(case, verdict, message="expected 1, got 2", observed="2"):
    """A PASS holds each claimed statement once; a FAIL violates it; other verdicts exercised nothing."""
    out = {}
    for sid in case["statements"]:
        entry = {"held": 0, "violated": 0, "exercised": False, "violations": [], "not_exercised": []}
        if verdict == "PASS":
            entry.update(held=1, exercised=True)
        elif verdict == "FAIL":
            entry.update(violated=1, exercised=True, violations=[
                {"check": "WSAC_EXPECT_EQ(got, 1)", "where": "fake.cc:1", "message": message,
                 "observed": observed, "expected": "1"}])
        out[sid] = entry
    return out


def durations():
    pairs = (item.partition("=") for item in os.environ.get("FAKE_DURATION_MS", "").split(",") if item)
    return {name: float(ms) for name, _, ms in pairs}


def record(case, verdict, opts, message="", duration_ms=1.0, observed="2"):
    return {
        "record": "case", "id": case["id"], "suite": case["suite"], "name": case["name"],
        "provider": opts["--provider"], "build": "fake-build", "mutant": "", "chaos_seed": None,
        "verdict": verdict, "duration_ms": duration_ms, "message": message, "observed": {},
        "reports": {}, "requirements": {s: f"text of {s}" for s in case["statements"]},
        "checks": checks(case, verdict, message, observed), "harness_errors": [],
        "statements": case["statements"], "suite_version": SUITE_VERSION,
        "catalog_version": CATALOG_VERSION,
    }


def run_sequence(opts, wanted):
    """The order GoogleTest would run the listed cases in."""
    cases = all_cases()
    if "--gtest_shuffle" in opts and os.environ.get("FAKE_SHUFFLE") == "reverse":
        positions = {case["id"]: -index for index, case in enumerate(cases)}
    elif "--gtest_shuffle" in opts:
        positions = run_order(cases, int(opts["--gtest_random_seed"]))
    else:
        positions = run_order(cases, None)
    return sorted(set(wanted), key=positions.__getitem__)


def starts(case_id):
    """How often case_id has been started so far, this start included."""
    log = os.environ.get("FAKE_RAN_LOG")
    return open(log).read().split().count(case_id) if log else 1


def run_cases(opts):
    wanted = run_sequence(opts, open(opts["--case-list"]).read().split())
    by_id = {case["id"]: case for case in all_cases()}
    try:
        out = open(opts["--results"], "a")
    except OSError:
        return usage("cannot open --results")
    fail, crash, timeout, hang, late = (names(v) for v in ("FAKE_FAIL", "FAKE_CRASH", "FAKE_TIMEOUT", "FAKE_HANG",
                                                            "FAKE_LATE"))
    flaky, flaky_signature = names("FAKE_FLAKY"), names("FAKE_FLAKY_SIGNATURE")
    started_late = None
    delay = float(os.environ.get("FAKE_DELAY", "0"))
    took = durations()
    bad = 0
    for case_id in wanted:
        case = by_id[case_id]
        if os.environ.get("FAKE_RAN_LOG"):
            with open(os.environ["FAKE_RAN_LOG"], "a") as ran:
                ran.write(case_id + "\n")
        short = case["name"]
        if short in crash:
            os.kill(os.getpid(), signal.SIGKILL)
        if short in hang:
            while True:
                time.sleep(60)
        time.sleep(delay)
        if short in timeout:
            out.write(json.dumps(record(case, "TIMEOUT", opts, "case overran its deadline")) + "\n")
            out.flush()
            os._exit(3)
        start = starts(case_id)
        failing = short in fail or short in flaky_signature or (short in flaky and start % 2 == 0)
        verdict = "FAIL" if failing else "PASS"
        observed = str(start + 1) if short in flaky_signature else "2"
        bad += verdict != "PASS"
        message = f"expected 1, got {observed}" if verdict == "FAIL" else ""
        out.write(json.dumps(record(case, verdict, opts, message, took.get(short, 1.0), observed)) + "\n")
        if started_late is not None:
            out.write(json.dumps({"record": "late_indication", "case": started_late, "statement": "IND-1",
                                  "detected_in": case_id, "mechanism": "event", "what": "signaled after its case",
                                  "observed": {"error": 0}}) + "\n")
            started_late = None
        if short in late:
            started_late = case_id
        out.flush()
    return 1 if bad else 0


def main():
    opts = options(sys.argv[1:])
    providers = [p for p in os.environ.get("FAKE_PROVIDERS", "mock").split(",") if p]
    if "--list-providers" in opts:
        print(json.dumps(providers))
        return 0
    if "--requirements" in opts:
        print(json.dumps({"version": CATALOG_VERSION, "statements": [
            {"id": f"S{i}", "level": "MUST", "text": f"text of S{i}"} for i in (1, 2, 3)]}))
        return 0
    if "--list-mutants" in opts:
        print("[]")
        return 0
    if opts.get("--provider") not in providers:
        return usage(f"unknown provider {opts.get('--provider')!r}; choose from {', '.join(providers)}")
    if "--list" in opts:
        print(json.dumps({"suite_version": SUITE_VERSION, "catalog_version": CATALOG_VERSION,
                          "cases": all_cases()}))
        return 0
    if "--case-list" not in opts or "--results" not in opts:
        return usage("this fake needs --case-list and --results")
    return run_cases(opts)


if __name__ == "__main__":
    sys.exit(main())
