"""Runs one provider's cases in parallel shards and survives the runner dying.

Each shard is a list of case ids handed to a runner process (--case-list) that
appends one JSON line per finished case to its own file (--results). The
files are the only channel: a case is done exactly when its line is there.
When a runner ends early (a crash, its watchdog's exit 3, or our guard killing
it after a long silence), the first case of its list without a line is the
one it died in; that case gets a CRASH or TIMEOUT line from here, and a fresh
runner resumes with the rest. So every case gets exactly one line and none
runs twice.

That needs the order a runner runs its list in. The runner runs the cases in
GoogleTest's order, not the list's: registration order (the order of
--list), or with --gtest_shuffle the permutation GoogleTest draws from
--gtest_random_seed, which run_order() predicts. Every result line is checked
against the prediction; see Shard._after_exit for what happens when it is
wrong.

Shards are packed by duration: the longest cases first, each to the shard
with the least work so far, using what the previous runs took
(durations.json next to the shard directory). Runners spend most of a case
waiting (quiet windows, deadlines), so many of them share a core; how many is
default_jobs(), measured by bench/jobs_sweep.py.
"""

from __future__ import annotations

import contextlib
import json
import heapq
import os
import random
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
DURATIONS_FILE = "durations.json"
# Runner processes per core when --jobs is not given, measured with
# bench/jobs_sweep.py on the 2-core machine (numbers in docs/scheduling.md).
# Under Wine, past 12 per core the wall time stops falling while every case
# gets slower (each Wine process costs CPU to start, and every Winsock call
# of every runner goes through the one wineserver). The mock's cases sleep
# through real-time quiet windows, so it gains up to 32 per core; once its
# clock is virtual its cases compute instead, and so many processes cost
# only their start-up.
JOBS_PER_CORE = {"winsock": 12, "mock": 32}
DEFAULT_JOBS_PER_CORE = 4  # a provider never measured


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
    shuffle_seed: int | None = None  # GoogleTest's --gtest_random_seed; None: registration order


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
    """Contiguous, order-keeping chunks: the split when nothing is known about durations."""
    count = max(1, min(jobs, len(cases)))
    size, extra = divmod(len(cases), count)
    chunks, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        chunks.append(cases[start:end])
        start = end
    return [chunk for chunk in chunks if chunk]


# ---- scheduling -----------------------------------------------------------------


def default_jobs(provider: str, cores: int) -> int:
    """Runner processes for a provider when --jobs is not given (see JOBS_PER_CORE)."""
    return max(1, cores) * JOBS_PER_CORE.get(provider, DEFAULT_JOBS_PER_CORE)


def load_durations(path: Path) -> dict[str, float]:
    """Case id -> milliseconds from a durations file; empty when there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, dict):
        return {}
    return {k: float(v) for k, v in cases.items() if isinstance(v, (int, float)) and v >= 0}


def save_durations(path: Path, known: dict[str, float], records: list[dict]) -> None:
    """Merges this run's durations into the file: a filtered run keeps the other cases' times."""
    merged = dict(known)
    for record in records:
        duration = record.get("duration_ms")
        if isinstance(duration, (int, float)) and isinstance(record.get("id"), str):
            merged[record["id"]] = round(float(duration), 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"format": "wsaconform-durations", "version": 1, "cases": merged},
                              indent=0, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def estimate_durations(cases: list[dict], known: dict[str, float]) -> dict[str, float] | None:
    """Case id -> expected milliseconds, or None when nothing is known.

    A case never timed is expected to take what the other instances of its
    body took (one body, one cost, whatever the socket kind or mechanism),
    else the median of every timed case.
    """
    timed = [known[c["id"]] for c in cases if c["id"] in known]
    if not timed:
        return None
    median = sorted(timed)[len(timed) // 2]
    by_body: dict[str, list[float]] = {}
    for case in cases:
        if case["id"] in known:
            by_body.setdefault(_body(case), []).append(known[case["id"]])
    estimate = {}
    for case in cases:
        same_body = by_body.get(_body(case))
        estimate[case["id"]] = known.get(case["id"], sum(same_body) / len(same_body) if same_body else median)
    return estimate


def _body(case: dict) -> str:
    return f"{case.get('suite', '')}.{case.get('name', '')}"


def pack(cases: list[dict], jobs: int, estimate: dict[str, float]) -> list[list[dict]]:
    """Longest first, each case to the shard with the least expected work so far.

    Returns the shards with their cases in listing order (the runner decides
    the order it runs them in; see run_order). Ties go to the lower shard, so
    the same inputs give the same split.
    """
    count = max(1, min(jobs, len(cases)))
    shards: list[list[int]] = [[] for _ in range(count)]
    loads = [(0.0, index) for index in range(count)]
    heapq.heapify(loads)
    by_length = sorted(range(len(cases)), key=lambda i: (-estimate.get(cases[i]["id"], 0.0), i))
    for i in by_length:
        load, index = heapq.heappop(loads)
        shards[index].append(i)
        heapq.heappush(loads, (load + estimate.get(cases[i]["id"], 0.0), index))
    return [[cases[i] for i in sorted(shard)] for shard in shards if shard]


def random_split(cases: list[dict], jobs: int, rng: random.Random) -> list[list[dict]]:
    """A random partition into about equal shards: which cases share a runner changes from draw to draw."""
    count = max(1, min(jobs, len(cases)))
    order = list(range(len(cases)))
    rng.shuffle(order)
    return [[cases[i] for i in sorted(order[index::count])] for index in range(count)]


# GoogleTest's shuffle (gtest 1.12; the same algorithm since 1.4): a linear
# congruential generator seeded with --gtest_random_seed draws a Fisher-Yates
# permutation of all registered test suites (death-test suites among
# themselves first), then one of the tests of each suite, suites taken in
# registration order. Filtered-out tests are shuffled too, so the prediction
# needs the full listing.
_GTEST_RANGE = 1 << 31
_GTEST_MAX_SEED = 99999
_DEATH_TEST_SUITE = re.compile(r".*DeathTest(/.*)?")


def gtest_seed(seed: int) -> int:
    """The seed GoogleTest uses for --gtest_random_seed=seed (it folds any value into 1..99999)."""
    return (seed - 1) % _GTEST_MAX_SEED + 1


class _GtestRandom:
    def __init__(self, seed: int):
        self.state = seed

    def generate(self, bound: int) -> int:
        self.state = (1103515245 * self.state + 12345) % _GTEST_RANGE
        return self.state % bound


def _gtest_shuffle_range(rand: _GtestRandom, begin: int, end: int, items: list) -> None:
    for width in range(end - begin, 1, -1):
        last = begin + width - 1
        chosen = begin + rand.generate(width)
        items[chosen], items[last] = items[last], items[chosen]


def run_order(listing_cases: list[dict], seed: int | None) -> dict[str, int]:
    """Case id -> position in the order a runner runs the cases it is given.

    Without a seed that is registration order (the listing's); with one, the
    order GoogleTest's --gtest_shuffle --gtest_random_seed=seed runs them in.
    """
    if seed is None:
        return {case["id"]: position for position, case in enumerate(listing_cases)}
    suites: list[list[str]] = []
    index_of_suite: dict[str, int] = {}
    for case in listing_cases:
        suite = case["id"].split(".", 1)[0]
        if suite not in index_of_suite:
            index_of_suite[suite] = len(suites)
            suites.append([])
        suites[index_of_suite[suite]].append(case["id"])
    death_suites = sum(1 for name in index_of_suite if _DEATH_TEST_SUITE.fullmatch(name))
    rand = _GtestRandom(gtest_seed(seed))
    suite_order = list(range(len(suites)))
    _gtest_shuffle_range(rand, 0, death_suites, suite_order)
    _gtest_shuffle_range(rand, death_suites, len(suites), suite_order)
    test_orders = []
    for tests in suites:
        order = list(range(len(tests)))
        _gtest_shuffle_range(rand, 0, len(order), order)
        test_orders.append(order)
    ids = (suites[s][t] for s in suite_order for t in test_orders[s])
    return {case_id: position for position, case_id in enumerate(ids)}


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
                 work_dir: Path, make_record, positions: dict[str, int], registration: dict[str, int]):
        self.index = index
        self.cases = {case["id"]: case for case in cases}
        # In the order the runner runs them (positions and registration: see run_order).
        self.pending = sorted(self.cases, key=lambda case_id: positions[case_id])
        self._registration = registration
        self.shuffle_seed = settings.shuffle_seed
        self._order_known = True
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
        if self.shuffle_seed is not None:
            argv += ["--gtest_shuffle", f"--gtest_random_seed={gtest_seed(self.shuffle_seed)}"]
        self._order_known = True
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
        if case_id != self.pending[0] and self._order_known:
            self._order_known = False
            self.notes.append(f"shard {self.index}: runner ran {case_id} where {self.pending[0]} was expected; "
                              f"a case it dies in can no longer be named")
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
        wrote_its_timeout = status == EXIT_WATCHDOG and bool(self._this_run) \
            and self._this_run[-1].get("verdict") == "TIMEOUT"
        if status not in (0, 1, EXIT_USAGE) and not wrote_its_timeout and not self._order_known:
            return self._unattributable_death(status, guard_fired)
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
            if wrote_its_timeout:
                return []  # the runner wrote the hung case itself
            return [self._blame("TIMEOUT", f"runner's watchdog ended it ({describe_status(status)}) "
                                f"without a result line ({where})", took_ms)]
        return [self._blame("CRASH", f"runner {describe_status(status)} while running this case "
                            f"or right after the previous one ({where})", took_ms)]

    def _unattributable_death(self, status: int, guard_fired: bool) -> list[dict]:
        """The runner died, but it did not run its cases in the predicted order.

        Which pending case it died in is unknown, so nobody is blamed: the
        rest of the shard runs again in registration order, where the next
        death can be named. The case it died in runs a second time.
        """
        if self.shuffle_seed is None:
            # Registration order was wrong too: nothing better is left than
            # the first pending case, as before the order was checked.
            return [self._blame("TIMEOUT" if guard_fired else "CRASH",
                                f"runner {describe_status(status)}; it ran its cases in an unexpected order, so "
                                f"this, the first case without a result, is only a guess (see {self._log.name})",
                                self._dead_case_duration_ms(time.monotonic()))]
        self.notes.append(f"shard {self.index}: runner {describe_status(status)} in one of {len(self.pending)} "
                          f"cases, shuffled in an order that was not predicted; they run again unshuffled")
        self.shuffle_seed = None
        self.pending.sort(key=lambda case_id: self._registration[case_id])
        return []

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
                 work_dir: Path, progress, requirements: dict[str, str], *,
                 plan: list[list[dict]] | None = None, durations_file: Path | None = None) -> ProviderRun:
    """Runs cases in shards; returns every finished case's record.

    plan is the shards to run; by default the cases are packed into
    settings.jobs shards by the durations in durations_file (default:
    durations.json beside work_dir), or split evenly when none is known.
    A run without a mutant adds its durations to the file.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    durations_file = durations_file or work_dir.parent / DURATIONS_FILE
    known = load_durations(durations_file)
    estimate = estimate_durations(cases, known)
    if plan is None:
        plan = pack(cases, settings.jobs, estimate) if estimate else split(cases, settings.jobs)
    if estimate:
        progress.expect_durations(estimate)
    registration = run_order(listing.cases, None)
    positions = registration if settings.shuffle_seed is None else run_order(listing.cases, settings.shuffle_seed)

    def make_record(case: dict, verdict: str, message: str, duration_ms: float) -> dict:
        return synthesize(case, listing, settings, runner.build, verdict, message, duration_ms, requirements)

    shards = [Shard(i + 1, chunk, runner, settings, work_dir, make_record, positions, registration)
              for i, chunk in enumerate(plan) if chunk]
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
    if not settings.mutant:
        # A mutant's cases wait out deadlines a clean run never meets.
        save_durations(durations_file, known, records)
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
