"""Runs one provider's cases in parallel shards and survives the runner dying.

Each shard is a list of case ids handed to a runner process (--case-list) that
appends one JSON line per finished case to its own file (--results). The
files are the only channel: a case is done exactly when its line is there.
When a runner ends early (a crash, its watchdog's exit 3, or our guard killing
it after a long silence), the first case of its list without a line is the
one it died in; that case gets a CRASH or TIMEOUT line from here, and a fresh
runner resumes with the rest. So every case gets exactly one line and none
runs twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# How often shards are looked at: short enough for a snappy progress bar,
# long enough that polling costs nothing next to the runners.
POLL_INTERVAL_S = 0.05
# How long an interrupted runner gets to exit on SIGTERM before SIGKILL.
STOP_GRACE_S = 3.0
# Listing cases under a freshly booted Wine can take a while.
QUERY_TIMEOUT_S = 300
EXIT_USAGE = 2
EXIT_WATCHDOG = 3


class RunnerError(Exception):
    """The runner refused to run (exit 2) or did not answer a query."""


@dataclass(frozen=True)
class Runner:
    """How to start one build of the runner."""

    argv: tuple[str, ...]  # the program, and a launcher (Wine) before it if any
    build: str  # "native", "mingw", or "custom" for an injected runner


@dataclass(frozen=True)
class Settings:
    provider: str
    jobs: int
    case_timeout: int  # seconds, the runner's own per-case watchdog
    guard: float  # seconds without a result line before we kill the runner
    extra_args: tuple[str, ...] = ()  # --mutant=..., --chaos-seed=...
    mutant: str = ""
    chaos_seed: int | None = None


@dataclass
class Listing:
    suite_version: str
    catalog_version: str
    cases: list[dict]


@dataclass
class ProviderRun:
    provider: str
    records: list[dict]  # one per case that finished, in listing order
    attempts: list[dict]  # one per runner process, for run.json
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)


# ---- asking the runner ------------------------------------------------------


def query(runner: Runner, *args: str) -> Any:
    """Runs the runner with a listing flag and returns its JSON answer."""
    argv = [*runner.argv, *args]
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=QUERY_TIMEOUT_S
        )
    except FileNotFoundError:
        raise RunnerError(f"cannot start runner: {argv[0]} not found") from None
    except subprocess.TimeoutExpired:
        raise RunnerError(f"runner did not answer {' '.join(args)} in {QUERY_TIMEOUT_S} s") from None
    if done.returncode != 0:
        why = _first_line(done.stderr) or f"exit status {describe_status(done.returncode)}"
        raise RunnerError(f"runner {' '.join(args)} failed: {why}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as err:
        raise RunnerError(f"runner {' '.join(args)} printed no valid JSON: {err.msg}") from None


def list_cases(runner: Runner, provider: str) -> Listing:
    answer = query(runner, f"--provider={provider}", "--list")
    if not isinstance(answer, dict) or not isinstance(answer.get("cases"), list):
        raise RunnerError("runner --list did not print {\"cases\": [...]}")
    return Listing(
        suite_version=str(answer.get("suite_version", "")),
        catalog_version=str(answer.get("catalog_version", "")),
        cases=[case for case in answer["cases"] if isinstance(case, dict) and case.get("id")],
    )


def requirement_texts(catalog: Any) -> dict[str, str]:
    """Statement id -> text, from the runner's --requirements JSON."""
    entries = catalog.get("statements", []) if isinstance(catalog, dict) else []
    return {e["id"]: e.get("text", "") for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)}


def select(cases: list[dict], gtest_filter: str | None) -> list[dict]:
    """The cases a GoogleTest filter ("POS1:POS2-NEG1:NEG2") keeps, in order."""
    if not gtest_filter:
        return list(cases)
    positive, _, negative = gtest_filter.partition("-")
    keep = _filter_regex(positive or "*")
    drop = _filter_regex(negative) if negative else None
    return [c for c in cases if keep.fullmatch(c["id"]) and not (drop and drop.fullmatch(c["id"]))]


def _filter_regex(patterns: str) -> re.Pattern:
    # GoogleTest patterns know only * and ?; everything else is literal.
    alternatives = []
    for pattern in patterns.split(":"):
        alternatives.append("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern))
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


def split(cases: list[dict], jobs: int) -> list[list[dict]]:
    """Contiguous, order-keeping chunks: a suite's cases mostly share a runner."""
    count = max(1, min(jobs, len(cases)))
    size, extra = divmod(len(cases), count)
    chunks, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        chunks.append(cases[start:end])
        start = end
    return [chunk for chunk in chunks if chunk]


# ---- processes ---------------------------------------------------------------


def describe_status(status: int) -> str:
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit code {status}" if status < 256 else f"exit code {status:#x}"


def _spawn(argv: list[str], log_path: Path) -> subprocess.Popen:
    # A session of its own: a terminal's Ctrl-C reaches only us, and we stop
    # the runner (and any Wine process it started) as one group.
    with open(log_path, "ab") as log:
        if os.name == "nt":
            return subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                creationflags=subprocess.CREATE_NEW_PROCESS_GROUP,
            )
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    if os.name == "nt":
        proc.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


@contextlib.contextmanager
def interrupts_deferred():
    """Lets a cleanup finish even if the user presses Ctrl-C again."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to defer
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


# ---- one shard ---------------------------------------------------------------


class Shard:
    """A list of cases and the runner processes that work through it."""

    def __init__(self, index: int, cases: list[dict], runner: Runner, settings: Settings,
                 work_dir: Path, make_record):
        self.index = index
        self.cases = {case["id"]: case for case in cases}
        self.pending = [case["id"] for case in cases]  # in the order the runner runs them
        self.records: dict[str, dict] = {}
        self.attempts: list[dict] = []
        self.notes: list[str] = []
        self._runner, self._settings, self._dir = runner, settings, work_dir
        self._make_record = make_record
        self._proc: subprocess.Popen | None = None

    @property
    def done(self) -> bool:
        return self._proc is None and not self.pending

    def start(self) -> None:
        number = len(self.attempts) + 1
        stem = self._dir / f"shard{self.index:02d}-run{number}"
        self._case_list, self._results, self._log = (stem.with_suffix(s) for s in (".cases", ".jsonl", ".log"))
        self._case_list.write_text("".join(f"{case_id}\n" for case_id in self.pending), encoding="utf-8")
        s = self._settings
        argv = [
            *self._runner.argv,
            f"--provider={s.provider}",
            f"--case-list={self._case_list}",
            f"--results={self._results}",
            f"--case-timeout={s.case_timeout}",
            *s.extra_args,
        ]
        self._offset, self._partial, self._this_run = 0, b"", []
        self._last_output = time.monotonic()
        self.attempts.append({"shard": self.index, "run": number, "argv": argv, "cases": len(self.pending),
                              "results": str(self._results), "log": str(self._log)})
        self._proc = _spawn(argv, self._log)

    def poll(self, now: float) -> list[dict]:
        """New records since the last poll; restarts the runner when it died."""
        if self._proc is None:
            return []
        new = self._read_new_lines()
        if new:
            self._last_output = now
        status = self._proc.poll()
        guard_fired = status is None and now - self._last_output > self._settings.guard
        if guard_fired:
            self._kill()
            status = self._proc.returncode
        if status is None:
            return new
        new += self._read_new_lines()
        new += self._after_exit(status, now, guard_fired)
        if self.pending:
            self.start()
        return new

    def stop(self) -> list[dict]:
        """Ends the runner for an interrupted run; keeps what it finished."""
        if self._proc is None:
            return []
        _signal_group(self._proc, signal.SIGTERM)
        try:
            self._proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self._kill()
        new = self._read_new_lines()
        self._finish_attempt(self._proc.returncode, interrupted=True)
        return new

    def _kill(self) -> None:
        _signal_group(self._proc, getattr(signal, "SIGKILL", signal.SIGTERM))  # Windows has no SIGKILL
        self._proc.wait()

    def _read_new_lines(self) -> list[dict]:
        try:
            with open(self._results, "rb") as results:
                results.seek(self._offset)
                chunk = results.read()
        except FileNotFoundError:  # the runner has not opened it yet
            return []
        self._offset += len(chunk)
        # Only whole lines count: a runner killed mid-write leaves a partial
        # last line, and its case is then one without a result.
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        return [record for record in map(self._accept, lines) if record is not None]

    def _accept(self, line: bytes) -> dict | None:
        if not line.strip():
            return None
        try:
            record = json.loads(line)
        except ValueError:
            self.notes.append(f"shard {self.index}: ignored a line that is not JSON: {line[:120]!r}")
            return None
        if not isinstance(record, dict) or record.get("record", "case") != "case":
            return None
        case_id = record.get("id")
        if case_id not in self.pending:
            why = "a second result" if case_id in self.records else "a result for a case it was not given"
            self.notes.append(f"shard {self.index}: runner wrote {why} ({case_id}); ignored")
            return None
        self.pending.remove(case_id)
        self.records[case_id] = record
        self._this_run.append(record)
        return record

    def _after_exit(self, status: int, now: float, guard_fired: bool) -> list[dict]:
        """Records for the case the runner died in, if any; finishes the attempt."""
        self._finish_attempt(status, guard_fired=guard_fired)
        if not self.pending:
            return []
        took_ms = self._dead_case_duration_ms(now)
        where = f"see {self._log.name}"
        if guard_fired:
            return [self._blame("TIMEOUT", f"no result for {self._settings.guard:g} s: wsaconform run "
                                f"killed the runner ({where})", took_ms)]
        if status in (0, 1):
            # A runner that ends normally but skipped cases was not given ids
            # it knows: running it again would skip them again.
            message = f"runner ended ({describe_status(status)}) without running this case ({where})"
            return [self._blame("BROKEN", message, took_ms) for _ in list(self.pending)]
        if status == EXIT_USAGE:
            raise RunnerError(f"runner refused the shard ({describe_status(status)}): {self._log_tail()}")
        if status == EXIT_WATCHDOG:
            if self._this_run and self._this_run[-1].get("verdict") == "TIMEOUT":
                return []  # the runner wrote the hung case itself
            return [self._blame("TIMEOUT", f"runner's watchdog ended it ({describe_status(status)}) "
                                f"without a result line ({where})", took_ms)]
        return [self._blame("CRASH", f"runner {describe_status(status)} while running this case "
                            f"or right after the previous one ({where})", took_ms)]

    def _blame(self, verdict: str, message: str, took_ms: float) -> dict:
        case_id = self.pending.pop(0)
        record = self._make_record(self.cases[case_id], verdict, message, took_ms)
        self.records[case_id] = record
        return record

    def _dead_case_duration_ms(self, now: float) -> float:
        # The dead case started when the previous line was written (or the
        # runner started); we saw that line at a poll, which is close enough.
        return (now - self._last_output) * 1000.0

    def _finish_attempt(self, status: int, *, guard_fired: bool = False, interrupted: bool = False) -> None:
        attempt = self.attempts[-1]
        attempt.update(exit=status, status=describe_status(status), finished=len(self._this_run))
        if guard_fired:
            attempt["killed_by_guard"] = True
        if interrupted:
            attempt["interrupted"] = True
        self._proc = None

    def _log_tail(self) -> str:
        try:
            lines = [line for line in self._log.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            return "no log"
        return lines[-1].strip() if lines else "no output"


# ---- one provider --------------------------------------------------------------


def run_provider(runner: Runner, settings: Settings, listing: Listing, cases: list[dict],
                 work_dir: Path, progress, requirements: dict[str, str]) -> ProviderRun:
    """Runs cases in settings.jobs shards; returns every finished case's record."""
    work_dir.mkdir(parents=True, exist_ok=True)

    def make_record(case: dict, verdict: str, message: str, duration_ms: float) -> dict:
        return synthesize(case, listing, settings, runner.build, verdict, message, duration_ms, requirements)

    shards = [Shard(i + 1, chunk, runner, settings, work_dir, make_record)
              for i, chunk in enumerate(split(cases, settings.jobs))]
    interrupted = False
    try:
        for shard in shards:
            shard.start()
        while not all(shard.done for shard in shards):
            now = time.monotonic()
            for shard in shards:
                for record in shard.poll(now):
                    progress.case_finished(record)
            time.sleep(POLL_INTERVAL_S)
    except KeyboardInterrupt:
        interrupted = True
        with interrupts_deferred():
            for shard in shards:
                for record in shard.stop():
                    progress.case_finished(record)
    except BaseException:
        for shard in shards:
            shard.stop()
        raise
    by_id = {case_id: record for shard in shards for case_id, record in shard.records.items()}
    records = [by_id[case["id"]] for case in cases if case["id"] in by_id]
    _adopt_runner_build(records)
    return ProviderRun(
        provider=settings.provider,
        records=records,
        attempts=[attempt for shard in shards for attempt in shard.attempts],
        interrupted=interrupted,
        notes=[note for shard in shards for note in shard.notes],
    )


def _adopt_runner_build(records: list[dict]) -> None:
    """Gives our own records the runner's "build" string, so they share its column.

    Collation keys providers by build; only the runner knows what it calls
    its build, and it says so in every line it writes.
    """
    build = next((r["build"] for r in records if not r.get("synthesized") and isinstance(r.get("build"), str)), None)
    if build is not None:
        for record in records:
            if record.get("synthesized"):
                record["build"] = build


def synthesize(case: dict, listing: Listing, settings: Settings, build: str, verdict: str,
               message: str, duration_ms: float, requirements: dict[str, str]) -> dict:
    """A result line in the runner's shape for a case the runner could not finish."""
    statements = [s for s in case.get("statements", []) if isinstance(s, str)]
    return {
        "record": "case",
        "id": case["id"],
        "suite": case.get("suite", ""),
        "name": case.get("name", ""),
        "provider": settings.provider,
        "build": build,
        "mutant": settings.mutant,
        "chaos_seed": settings.chaos_seed,
        "verdict": verdict,
        "duration_ms": round(duration_ms, 1),
        "message": message,
        "observed": {},
        "reports": {},
        "requirements": {s: requirements.get(s, "") for s in statements},
        "statements": statements,
        "suite_version": listing.suite_version,
        "catalog_version": listing.catalog_version,
        "synthesized": True,
    }
