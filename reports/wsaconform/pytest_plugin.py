"""The conformance cases as pytest items.

    PYTHONPATH=reports pytest -p wsaconform.pytest_plugin --wsaconform-provider=mock

Without --wsaconform-provider the plugin does nothing, so loading it never
changes an ordinary test run. With it, pytest collects one item per case the
runner lists (`wsaconform-runner --list`, JSON) and no test files except
those named explicitly on the command line. Items run in batches: one runner
process per batch, told exactly which cases to run (--case-list) and where
to write their result lines (--results); each item then reports its case's
verdict:

    PASS           passed
    FAIL           failed, with the message and observed values
    NOT_SUPPORTED  skipped, with the reason
    BROKEN, TIMEOUT, CRASH   failed (a case that could not be checked never passes)

When the runner dies during a batch, the cases without a result line are run
again; the item whose case still has no result after running alone is a CRASH.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .results import _Invalid, case_result_from_json, clean, fold_records, late_indication_from_json

ROOT = Path(__file__).resolve().parents[2]
NATIVE_RUNNER = ROOT / "build" / "native" / "runner" / "wsaconform-runner"
MINGW_BUILD = ROOT / "build" / "mingw"
WINE_RUN = ROOT / "cmake" / "wine-run.sh"
RUNNER_NAME_EXE = "wsaconform-runner.exe"

DEFAULT_BATCH = 64
DEFAULT_CASE_TIMEOUT = 10  # the runner's own default, used for the backstop deadline
# Runner start-up (a Wine prefix can take a while) on top of the cases' deadlines.
BATCH_GRACE_SECONDS = 120


def pytest_addoption(parser):
    group = parser.getgroup("wsaconform", "wsaconform conformance cases")
    group.addoption("--wsaconform-provider", metavar="NAME",
                    help="run the conformance cases against this provider (mock, winsock); "
                         "without it this plugin does nothing")
    group.addoption("--wsaconform-runner", metavar="PATH",
                    help="wsaconform-runner to use (default: $WSAC_RUNNER, else build/native/runner/"
                         "wsaconform-runner, or for winsock build/mingw/.../wsaconform-runner.exe under Wine)")
    group.addoption("--wsaconform-mutant", metavar="NAME", help="wrap the provider in this mutant")
    group.addoption("--wsaconform-chaos-seed", metavar="N", type=int, help="mock only: chaos seed")
    group.addoption("--wsaconform-case-timeout", metavar="SECONDS", type=int,
                    help="per-case deadline passed to the runner")
    group.addoption("--wsaconform-batch-size", metavar="N", type=int, default=DEFAULT_BATCH,
                    help=f"cases per runner process (default {DEFAULT_BATCH})")
    group.addoption("--wsaconform-results", metavar="FILE",
                    help="also append every result line to FILE (input for wsaconform collate/report)")


# ---- finding the runner --------------------------------------------------


def _find_mingw_runner() -> Path | None:
    preferred = MINGW_BUILD / "runner" / RUNNER_NAME_EXE
    if preferred.is_file():
        return preferred
    found = sorted(MINGW_BUILD.glob(f"**/{RUNNER_NAME_EXE}")) if MINGW_BUILD.is_dir() else []
    return found[0] if found else None


def runner_command(provider: str, explicit: str | None) -> list[str]:
    """The argv prefix that starts the runner; pytest.UsageError when there is none."""
    if explicit:
        path = Path(explicit)
    elif provider == "winsock" and sys.platform != "win32":
        path = _find_mingw_runner()
        if path is None:
            raise pytest.UsageError(
                f"wsaconform: no {RUNNER_NAME_EXE} under {MINGW_BUILD} for provider winsock; build the mingw "
                "preset first, or pass --wsaconform-runner=PATH (or set WSAC_RUNNER)")
    else:
        path = NATIVE_RUNNER
    if not path.is_file():
        raise pytest.UsageError(
            f"wsaconform: runner {path} does not exist; build it first, or pass --wsaconform-runner=PATH "
            "(or set WSAC_RUNNER)")
    if path.suffix.lower() == ".exe" and sys.platform != "win32":
        if not WINE_RUN.is_file():
            raise pytest.UsageError(f"wsaconform: {WINE_RUN} is missing, cannot run {path} under Wine")
        build_dir = path.parent.parent if path.parent.name == "runner" else path.parent
        return ["sh", str(WINE_RUN), f"--default-prefix={build_dir / 'wineprefix'}", str(path)]
    if not os.access(path, os.X_OK):
        raise pytest.UsageError(f"wsaconform: runner {path} is not executable")
    return [str(path)]


# ---- the runner as a batch executor -------------------------------------


class Conformance:
    """Per-session state: the runner, the cases, and the results seen so far."""

    def __init__(self, config, command: list[str]):
        self.config = config
        self.command = command
        self.provider = config.getoption("wsaconform_provider")
        self.mutant = config.getoption("wsaconform_mutant")
        self.chaos_seed = config.getoption("wsaconform_chaos_seed")
        self.case_timeout = config.getoption("wsaconform_case_timeout")
        self.batch_size = max(1, config.getoption("wsaconform_batch_size") or DEFAULT_BATCH)
        self.results_copy = config.getoption("wsaconform_results")
        self.workdir = Path(tempfile.mkdtemp(prefix="wsaconform-pytest-"))
        self.results: dict[str, dict] = {}  # case id -> result line
        self.queue: list["ConformanceItem"] = []
        self.batches = 0
        self.listing: dict = {}

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _provider_args(self) -> list[str]:
        args = [f"--provider={self.provider}"]
        if self.mutant:
            args.append(f"--mutant={self.mutant}")
        if self.chaos_seed is not None:
            args.append(f"--chaos-seed={self.chaos_seed}")
        return args

    def list_cases(self) -> list[dict]:
        argv = self.command + ["--list"] + self._provider_args()
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=BATCH_GRACE_SECONDS)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise pytest.UsageError(f"wsaconform: cannot list cases with {' '.join(argv)}: {err}") from None
        if done.returncode != 0:
            lines = [l for l in done.stderr.splitlines() if l.strip()] or [f"exit status {done.returncode}"]
            # The runner puts its one-line reason first; a crashing script its exception last.
            why = lines[-1] if lines[0].startswith("Traceback") else lines[0]
            raise pytest.UsageError(f"wsaconform: {' '.join(argv)} failed: {why}")
        try:
            listing = json.loads(done.stdout)
        except json.JSONDecodeError as err:
            raise pytest.UsageError(f"wsaconform: the runner's --list output is not JSON: {err}") from None
        cases = listing.get("cases") if isinstance(listing, dict) else listing
        if not isinstance(cases, list) or not all(
                isinstance(c, dict) and isinstance(c.get("id"), str) and c["id"] for c in cases):
            raise pytest.UsageError("wsaconform: the runner's --list output has no 'cases' array of {id, statements}")
        self.listing = listing if isinstance(listing, dict) else {}
        return cases

    def result_for(self, item: "ConformanceItem") -> dict:
        """The case's result line, running a batch that starts with it if needed."""
        if item.case_id not in self.results:
            position = self.queue.index(item) if item in self.queue else -1
            batch = [item]
            if position >= 0:
                for other in self.queue[position + 1:]:
                    if len(batch) >= self.batch_size:
                        break
                    if other.case_id not in self.results:
                        batch.append(other)
            outcome = self._run_batch(batch)
            if item.case_id not in self.results and len(batch) > 1:
                # Another case may have killed the runner before this one ran:
                # alone, the blame is certain.
                outcome = self._run_batch([item])
            if item.case_id not in self.results:
                self._record(self._synthesized(item, outcome))
        return self.results[item.case_id]

    def _run_batch(self, batch: list["ConformanceItem"]) -> dict:
        self.batches += 1
        case_list = self.workdir / f"batch{self.batches}.txt"
        results_path = self.workdir / f"batch{self.batches}.jsonl"
        log_path = self.workdir / f"batch{self.batches}.log"
        case_list.write_text("".join(i.case_id + "\n" for i in batch), encoding="utf-8")
        argv = self.command + self._provider_args() + [f"--results={results_path}", f"--case-list={case_list}"]
        if self.case_timeout is not None:
            argv.append(f"--case-timeout={self.case_timeout}")
        deadline = (self.case_timeout or DEFAULT_CASE_TIMEOUT) * len(batch) + BATCH_GRACE_SECONDS
        outcome = {"status": None, "killed": False, "stderr": "", "malformed": ""}
        with open(log_path, "w+b") as log:
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
            except OSError as err:
                raise pytest.UsageError(f"wsaconform: cannot start {argv[0]}: {err}") from None
            try:
                outcome["status"] = proc.wait(timeout=deadline)
            except subprocess.TimeoutExpired:
                outcome["killed"] = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                outcome["status"] = proc.wait()
            log.seek(0)
            outcome["stderr"] = log.read().decode("utf-8", "replace")
        wanted = {i.case_id for i in batch}
        if results_path.exists():
            records = []
            for lineno, line in enumerate(results_path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    if isinstance(record, dict) and record.get("record") == "late_indication":
                        records.append(late_indication_from_json(record))
                        continue
                    case_result_from_json(record)
                except (json.JSONDecodeError, _Invalid) as err:
                    outcome["malformed"] = f"line {lineno}: {err}"
                    continue
                records.append(record)
            # A late indication fails the case that started the operation, not the one it surfaced in.
            for record in fold_records(records):
                if record["id"] in wanted:
                    self._record(record)
        outcome["deadline"] = deadline
        return outcome

    def _record(self, record: dict) -> None:
        self.results[record["id"]] = record
        if self.results_copy:
            with open(self.results_copy, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _synthesized(self, item: "ConformanceItem", outcome: dict) -> dict:
        """A CRASH (or BROKEN) line for a case the runner gave no result for."""
        status = outcome["status"]
        if outcome["killed"]:
            verdict, why = "TIMEOUT", f"the runner was killed after {outcome['deadline']} s without finishing the case"
        elif status is not None and status < 0:
            verdict, why = "CRASH", f"the runner died of signal {-status} during the case"
        elif status not in (0, 1):
            verdict, why = "CRASH", f"the runner exited with status {status} before writing the case's result"
        else:
            verdict, why = "BROKEN", f"the runner exited with status {status} without a result for the case"
        if outcome["malformed"]:
            why += f"; it wrote a malformed result line ({outcome['malformed']})"
        tail = [line for line in outcome["stderr"].strip().splitlines() if line.strip()][-5:]
        if tail:
            why += "\nrunner output (last lines):\n" + "\n".join(tail)
        # The runner names its build only in result lines; borrow it from a
        # sibling so the synthesized line lands in the same provider column.
        build = next((r.get("build", "") for r in self.results.values() if r.get("build")), "")
        return {
            "record": "case", "id": item.case_id, "suite": item.case.get("suite", ""),
            "name": item.case.get("name", ""), "statements": item.statements, "provider": self.provider,
            "build": build, "mutant": self.mutant or "", "chaos_seed": self.chaos_seed, "verdict": verdict,
            "duration_ms": None, "message": why, "observed": {}, "reports": {}, "requirements": {},
            "suite_version": str(self.listing.get("suite_version", "")),
            "catalog_version": str(self.listing.get("catalog_version", "")),
        }


# ---- pytest nodes --------------------------------------------------------


class ConformanceFailure(Exception):
    """A case verdict other than PASS/NOT_SUPPORTED; str() is the whole report."""


class ConformanceCollector(pytest.Collector):
    def collect(self):  # items are made in pytest_collection_modifyitems
        return []


class ConformanceItem(pytest.Item):
    def __init__(self, *, case: dict, state: Conformance, **kwargs):
        super().__init__(**kwargs)
        self.case = case
        self.case_id = case["id"]
        self.state = state
        self.statements = [s for s in case.get("statements", []) if isinstance(s, str)]
        # `-k S14` selects the cases of a statement.
        self.extra_keyword_matches.update(self.statements)
        self.user_properties.append(("statements", " ".join(self.statements)))

    def runtest(self):
        record = self.state.result_for(self)
        verdict = record.get("verdict")
        self.user_properties.append(("verdict", verdict))
        if record.get("observed"):
            self.user_properties.append(("observed", json.dumps(record["observed"], ensure_ascii=False)))
        if verdict == "PASS":
            return
        if verdict == "NOT_SUPPORTED":
            pytest.skip(f"NOT_SUPPORTED: {clean(record.get('message') or 'no reason given')}")
        raise ConformanceFailure(self._describe(record))

    def _describe(self, record: dict) -> str:
        lines = [f"{record.get('verdict')}: {self.case_id} on provider {self.state.provider}"]
        texts = record.get("requirements") or {}
        for sid in self.statements:
            lines.append(f"  {sid}: {texts[sid]}" if texts.get(sid) else f"  {sid}")
        violated = [(sid, v) for sid, c in (record.get("checks") or {}).items() for v in c.get("violations", [])]
        if violated:
            lines += ["", "violated checks:"] + [
                f"  [{sid}] {clean(v.get('check', ''))}: observed {clean(v.get('observed', ''))}, "
                f"expected {clean(v.get('expected', ''))} ({clean(v.get('where', ''))})" for sid, v in violated]
        for error in record.get("harness_errors") or []:
            lines.append(f"  defect of the suite: {clean(error)}")
        if record.get("message"):
            lines += ["", clean(record["message"])]
        if record.get("observed"):
            lines += ["", "observed:"] + [f"  {k} = {clean(v)}" for k, v in record["observed"].items()]
        return "\n".join(lines)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ConformanceFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"wsaconform {self.state.provider}: {self.case_id}"


# ---- hooks ---------------------------------------------------------------

_STATE = pytest.StashKey[Conformance]()


def pytest_configure(config):
    provider = config.getoption("wsaconform_provider")
    if not provider:
        return
    explicit = config.getoption("wsaconform_runner") or os.environ.get("WSAC_RUNNER")
    config.stash[_STATE] = Conformance(config, runner_command(provider, explicit))


def pytest_unconfigure(config):
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.close()


def pytest_ignore_collect(collection_path, config):
    # Only the conformance cases run, plus test files named on the command
    # line (pytest never asks this hook about those).
    if _STATE in config.stash:
        return True
    return None


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselection sees the items
def pytest_collection_modifyitems(session, config, items):
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    name = f"wsaconform[{state.provider}{'+' + state.mutant if state.mutant else ''}]"
    collector = ConformanceCollector.from_parent(session, name=name, nodeid=name)
    made = [ConformanceItem.from_parent(collector, name=case["id"], case=case, state=state)
            for case in state.list_cases()]
    # So the terminal's "collected N items" counts them.
    config.hook.pytest_collectreport(report=pytest.CollectReport(collector.nodeid, "passed", None, made))
    items.extend(made)


def pytest_collection_finish(session):
    state = session.config.stash.get(_STATE, None)
    if state is not None:
        state.queue = [i for i in session.items if isinstance(i, ConformanceItem)]
