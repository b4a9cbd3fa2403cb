"""wsaconform test: build and run the project's own tests, every way this machine can.

    native   ctest of the native build
    mingw    ctest of the mingw-w64 build, each .exe under Wine
    winsock  every case against Wine's ws2_32, gated by expectations/wine-8.0.json
    samples  the sample third-party providers certified under Wine, each certificate
             checked against suite/providers/samples/expected.json and `wsaconform verify`
    asan     ctest of the AddressSanitizer/UBSan build
    pytest   tests/python (with the HTML report in headless Chromium when it is installed)

The last line sums every part as 'N passed, N failed'; the exit status is
non-zero when any part failed or could not be built.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from . import build, env, wine
from .runcmd import GATE_JSON

ROOT = build.ROOT
CTEST_JOBS = build.BUILD_JOBS


def add_arguments(parser) -> None:
    parser.description = "Build and run the project's own tests (C++ natively, under Wine, with ASan; pytest)."
    parser.add_argument("--no-wine", action="store_true", help="skip the mingw-w64 build and its tests under Wine")
    parser.add_argument("--no-asan", action="store_true", help="skip the AddressSanitizer build")
    parser.add_argument("--fast", action="store_true", help="native build and pytest only")


@dataclass
class Part:
    name: str
    where: str  # "natively", "under Wine", ...
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    note: str = ""  # why it did not run, or what went wrong

    @property
    def ok(self) -> bool:
        return self.failed == 0


def run(args) -> int:
    env.ensure_packages(env.PACKAGES + env.BROWSER_TEST_PACKAGES)
    tools = env.detect_tools()
    parts = [_native(tools)]
    if args.fast or args.no_wine:
        parts.append(Part("mingw", "under Wine", note="skipped (--fast or --no-wine)"))
        parts.append(Part("samples", "under Wine, certified", note="skipped (--fast or --no-wine)"))
    else:
        parts.append(_mingw(tools))
        parts.append(_winsock_gate(tools))
        parts.append(_sample_certificates(tools))
    if args.fast or args.no_asan:
        parts.append(Part("asan", "natively, ASan+UBSan", note="skipped (--fast or --no-asan)"))
    else:
        parts.append(_asan(tools))
    parts.append(_pytest())
    _print_summary(parts)
    return 0 if all(part.ok for part in parts) else 1


# ---- the parts -------------------------------------------------------------------


def _native(tools: env.Tools) -> Part:
    if not tools.native:
        return Part("native", "natively", failed=1, note=tools.why_not["native"])
    return _build_and_ctest("native", "natively")


def _mingw(tools: env.Tools) -> Part:
    if not tools.cross:
        reasons = ", ".join(tools.why_not[k] for k in ("mingw", "wine") if k in tools.why_not)
        return Part("mingw", "under Wine", note=f"skipped: {reasons}")
    directory = build.build_dir("mingw")
    # The prefix is booted and its server running before ctest starts, so no
    # test pays for the boot and no server holds ctest's output pipes open.
    return _build_and_ctest("mingw", "under Wine", before=lambda: wine.boot(directory),
                            after=lambda: wine.stop(directory))


# The sanitizer build covers the code that owns memory and threads: the mock,
# the fixtures, the harness and the runner (the conformance cases run against
# the mock in the native and Wine builds).
ASAN_TARGETS = ["wsac_mock_tests", "wsac_fixtures_tests", "wsac_harness_tests", "wsac_runner_tests",
                "wsac_verdict_probe", "wsac_mutants_tests"]
ASAN_TESTS = "^(mock_unit|fixtures_unit|harness_unit|runner_unit|mutants_unit)$"


def _asan(tools: env.Tools) -> Part:
    if not tools.native:
        return Part("asan", "natively, ASan+UBSan", failed=1, note=tools.why_not["native"])
    if not env.compiler_has_asan():
        return Part("asan", "natively, ASan+UBSan", note="skipped: the C++ compiler cannot link -fsanitize=address")
    return _build_and_ctest("asan", "natively, ASan+UBSan", targets=ASAN_TARGETS, tests=ASAN_TESTS)


def _winsock_gate(tools: env.Tools) -> Part:
    """Every case against Wine's real ws2_32, gated by the expectations of this
    Wine build: known deviations pass, anything new or changed fails."""
    where = "under Wine, gated"
    if not tools.cross:
        return Part("winsock", where, note="skipped: no mingw-w64 build or Wine here")
    expectations = ROOT / "expectations" / "wine-8.0.json"
    out = build.build_dir("mingw") / "conformance"
    _banner(f"winsock: every case against Wine's ws2_32, gated by {expectations.relative_to(ROOT)}")
    argv = [_python(), "-m", "wsaconform", "run", "--provider", "winsock", "--no-build", "--no-report",
            "--jobs", str(max(4, CTEST_JOBS)), "--gate", str(expectations), "--out", str(out)]
    env.log(" ".join(argv))
    child_env = dict(os.environ, PYTHONPATH=_pythonpath())
    (out / GATE_JSON).unlink(missing_ok=True)
    returncode = subprocess.run(argv, cwd=ROOT, env=child_env, stdin=subprocess.DEVNULL).returncode
    return _gate_part(where, returncode, out / GATE_JSON)


SAMPLES_EXPECTED = ROOT / "suite" / "providers" / "samples" / "expected.json"


def _sample_certificates(tools: env.Tools) -> Part:
    """The sample providers (suite/providers/samples), each certified under Wine and its certificate
    compared with Wine's own run (the winsock part's results): the statements standing in the way are
    Wine's, less what the sample hides and plus what it breaks (expected.json); the sample's DLL is the
    one the certificate names, and `wsaconform verify` accepts the package."""
    where = "under Wine, certified"
    if not tools.cross:
        return Part("samples", where, note="skipped: no mingw-w64 build or Wine here")
    directory = build.build_dir("mingw")
    base_results = directory / "conformance" / "winsock" / "results.jsonl"
    _banner("samples: the sample providers certified under Wine")
    if not base_results.is_file():
        return Part("samples", where, failed=1, note=f"no run of Wine's own ws2_32 to compare with ({base_results})")
    try:
        build.build("mingw", target="wsac_samples")
        wine.boot(directory)
    except (build.BuildError, RuntimeError) as err:
        return Part("samples", where, failed=1, note=str(err))
    try:
        return _certify_samples(directory, base_results)
    finally:
        wine.stop(directory)


def _certify_samples(directory: Path, base_results: Path) -> Part:
    from . import certify

    expected = json.loads(SAMPLES_EXPECTED.read_text(encoding="utf-8"))["samples"]
    base = certify.certificate_body(base_results.read_text(encoding="utf-8"),
                                    json.loads((base_results.parent.parent / "requirements.json").read_text()))
    base_named = {s["id"] for s in base["standing_in_the_way"]}
    base_unexercised = {s["id"] for s in base["unexercised"]}
    child_env = dict(os.environ, PYTHONPATH=_pythonpath())
    passed, problems = 0, []
    for name, want in expected.items():
        out = directory / "certificates" / name
        argv = [_python(), "-m", "wsaconform", "certify", "--runner", str(directory / "samples" / name / "run.sh"),
                "--all-layered", "--out", str(out), "--durations", str(base_results.parent / "durations.json")]
        env.log(" ".join(argv))
        subprocess.run(argv, cwd=ROOT, env=child_env, stdin=subprocess.DEVNULL)
        packages = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")] if out.is_dir() else []
        if len(packages) != 1:
            problems.append(f"{name}: {len(packages)} certificate packages instead of one")
            continue
        package = packages[0]
        certificate = json.loads((package / "certificate.json").read_text(encoding="utf-8"))
        named = {s["id"] for s in certificate["standing_in_the_way"]}
        unexercised = {s["id"] for s in certificate["unexercised"]}
        want_named = base_named - set(want["hides"]) | set(want["adds"])
        want_unexercised = base_unexercised | set(want["unexercised"])
        identity = json.loads((package / "identity.json").read_text(encoding="utf-8"))
        dll = certify.sha256_file(directory / "samples" / name / "ws2_32.dll")
        verify = subprocess.run([_python(), "-m", "wsaconform", "verify", str(package)], cwd=ROOT, env=child_env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True)
        print(verify.stdout, end="", flush=True)
        checks = [
            (certificate["verdict"] == (certify.CERTIFIED if not want_named and not certificate["crashed_or_timed_out"]
                                        else certify.NOT_CERTIFIED), f"verdict {certificate['verdict']}"),
            (named == want_named, f"names {sorted(named - want_named)} beyond and lacks {sorted(want_named - named)}"),
            (unexercised == want_unexercised, f"unexercised {sorted(unexercised ^ want_unexercised)} differ"),
            (identity.get("system", {}).get("ws2_32", {}).get("sha256") == dll,
             "the ws2_32 the runner was bound to is not the sample's DLL"),
            (verify.returncode == 0, "wsaconform verify rejected it"),
        ]
        for ok, problem in checks:
            passed += ok
            if not ok:
                problems.append(f"{name}: {problem}")
    for problem in problems:
        env.log(f"samples: {problem}")
    note = "; ".join(problems[:3]) if problems else (
        f"each certificate names Wine's {len(base_named)} statement(s) and what its sample breaks")
    return Part("samples", "under Wine, certified", passed=passed, failed=len(problems), note=note)


def _gate_part(where: str, returncode: int, gate_json: Path) -> Part:
    """Counts what the gate checked: results without a problem pass, each failing result or stale entry
    fails once (one unexpected pass is one failure, not the whole run)."""
    try:
        outcome = json.loads(gate_json.read_text(encoding="utf-8"))
        passed, failed = int(outcome["passed"]), int(outcome["failed"])
    except (OSError, ValueError, KeyError, TypeError):
        # No outcome: the gate refused its input (a malformed or TODO expectations file) or the run stopped.
        return Part("winsock", where, failed=1, note=f"exit {returncode} without a gate outcome: see the lines above")
    if outcome.get("ok") and returncode == 0:
        return Part("winsock", where, passed=passed,
                    note=f"every result PASS, NOT_SUPPORTED or one of {outcome.get('known_deviations', 0)} "
                         f"known deviation(s)")
    kinds: dict[str, int] = {}
    for problem in outcome.get("problems", []):
        kinds[problem.get("kind", "?")] = kinds.get(problem.get("kind", "?"), 0) + 1
    entries = outcome.get("failing_entries") or []
    named = f"; entries {', '.join(entries[:5])}{' …' if len(entries) > 5 else ''}" if entries else ""
    listed = ", ".join(f"{n} {kind.lower()}" for kind, n in kinds.items()) or f"exit {returncode}"
    return Part("winsock", where, passed=passed, failed=max(1, failed), note=f"gate: {listed}{named}")


def _build_and_ctest(preset: str, where: str, before=None, after=None, targets=None, tests=None) -> Part:
    _banner(f"{preset}: build, then ctest {where}")
    try:
        build.build(preset, target=targets)
    except build.BuildError as err:
        return Part(preset, where, failed=1, note=str(err))
    try:
        if before:
            before()
        return _ctest(preset, where, tests)
    except RuntimeError as err:
        return Part(preset, where, failed=1, note=str(err))
    finally:
        if after:
            after()


def _ctest(preset: str, where: str, tests: str | None = None) -> Part:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp, "ctest.xml")
        argv = ["ctest", "--preset", preset, "-j", str(CTEST_JOBS), "--output-junit", str(junit)]
        if tests:
            argv += ["-R", tests]
        env.log(" ".join(argv))
        returncode = subprocess.run(argv, cwd=ROOT, stdin=subprocess.DEVNULL).returncode
        part = _from_junit(preset, where, junit)
    if part is None:
        return Part(preset, where, failed=1, note=f"ctest wrote no results (exit {returncode})")
    if returncode != 0 and part.failed == 0:
        part.failed, part.note = 1, f"ctest exited {returncode} with no failed test"
    if part.passed + part.failed == 0:
        part.note = part.note or "no tests registered"
    return part


def _pytest() -> Part:
    _banner("pytest: tests/python, natively")
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp, "pytest.xml")
        argv = [_python(), "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", "tests/python"]
        env.log(" ".join(argv))
        child_env = dict(os.environ, PYTHONPATH=_pythonpath())
        returncode = subprocess.run(argv, cwd=ROOT, env=child_env, stdin=subprocess.DEVNULL).returncode
        part = _from_junit("pytest", "natively", junit)
    # 5: nothing was collected, which is not a failure of any test.
    if part is None:
        return Part("pytest", "natively", failed=int(returncode not in (0, 5)), note=f"pytest exit {returncode}")
    if returncode not in (0, 5) and part.failed == 0:
        part.failed, part.note = 1, f"pytest exited {returncode} with no failed test"
    return part


# ---- results ---------------------------------------------------------------------


def _from_junit(name: str, where: str, path: Path) -> Part | None:
    """Counts from a JUnit XML file (ctest --output-junit, pytest --junitxml)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0)) + int(suite.get("disabled", 0))
    return Part(name, where, passed=total - failed - skipped, failed=failed, skipped=skipped)


def _print_summary(parts: list[Part]) -> None:
    _banner("summary")
    for part in parts:
        counts = f"{part.passed} passed, {part.failed} failed, {part.skipped} skipped"
        note = f"  ({part.note})" if part.note else ""
        print(f"  {part.name:<7} {part.where:<22} {counts}{note}")
    passed = sum(p.passed for p in parts)
    failed = sum(p.failed for p in parts)
    skipped = sum(p.skipped for p in parts)
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""), flush=True)


def _banner(title: str) -> None:
    print(f"\n==== {title} ====", flush=True)


def _python() -> str:
    return "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def _pythonpath() -> str:
    existing = os.environ.get("PYTHONPATH")
    return str(ROOT / "reports") + (os.pathsep + existing if existing else "")
