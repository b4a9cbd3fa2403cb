"""wsaconform run: build what is stale, run every provider, write results and reports.

    out/<provider>/results.jsonl   one line per case (shards merged, in case order)
    out/<provider>/run.json        the runner processes it took, and how each ended
    out/<provider>/shards/         each runner's case list, results and console log
    out/requirements.json          the requirement catalog the runner was built with
    out/report/                    report.html, summary.md, junit.xml, results.json
    out/gate.json                  with --gate: what the gate checked, its problems and the entries they name

With --gate the report marks the deviations the expectations accept; with
--baseline DIR it shows what changed since that run (wsaconform diff).

Exit status: 0 every case PASS or NOT_SUPPORTED, 1 otherwise (with --gate:
the gate's answer instead), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from . import build, env, summary, wine
from .errors import UsageError
from .orchestrate import Listing, Runner, RunnerError, Settings, interrupts_deferred, list_cases, query
from .orchestrate import default_jobs, requirement_texts, run_provider, select
from .progress import Progress
from .results import fold_records

EXIT_INTERRUPTED = 130
GATE_JSON = "gate.json"  # the gate's outcome, written beside the results with --gate
OK_VERDICTS = frozenset({"PASS", "NOT_SUPPORTED"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Build, run the conformance cases against every provider, and report."
    parser.add_argument("--provider", action="append", default=[], metavar="P",
                        help="provider to run (repeatable, or comma-separated; default: all this machine has)")
    parser.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                        help="runner processes per provider (default: measured per provider, docs/scheduling.md)")
    parser.add_argument("--filter", metavar="F", help="GoogleTest-style filter on case ids, e.g. '*Tcp4*-*Udp*'")
    parser.add_argument("--out", default="out", metavar="DIR", help="output directory (default: out)")
    parser.add_argument("--timeout", type=_positive_int, default=10, metavar="S",
                        help="per-case deadline in seconds, enforced by the runner (default 10)")
    parser.add_argument("--guard", type=float, metavar="S",
                        help="kill a runner that writes no result for S seconds (default 3 x timeout + 30)")
    parser.add_argument("--mutant", default="", metavar="NAME", help="wrap the provider in this mutant")
    parser.add_argument("--chaos-seed", type=int, metavar="N", help="mock only: permitted choices at random")
    parser.add_argument("--gate", metavar="FILE", help="apply these expectations; the exit status is the gate's")
    parser.add_argument("--baseline", metavar="DIR",
                        help="a previous run's output directory (or dataset, or results file): the report shows "
                             "what changed since, as 'wsaconform diff' does")
    parser.add_argument("--runner", default=os.environ.get("WSAC_RUNNER"), metavar="CMD",
                        help="use this runner command instead of building (default: $WSAC_RUNNER)")
    parser.add_argument("--no-build", action="store_true", help="use the runners already built")
    parser.add_argument("--no-report", action="store_true", help="write results only, no report")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


@dataclass
class Outcome:
    records: dict[str, list[dict]] = field(default_factory=dict)  # provider -> records
    expected: int = 0  # cases selected across providers
    interrupted: bool = False


def run(args) -> int:
    requested = [p for value in args.provider for p in value.split(",") if p]
    out = Path(args.out)
    runners = Runners(args)
    try:
        chosen = runners.resolve(requested)
        outcome = Outcome()
        try:
            _save_requirements(runners.for_provider(chosen[0]), out)
            for provider in chosen:
                if outcome.interrupted:
                    break
                _run_one(provider, runners.for_provider(provider), args, out, outcome)
        except KeyboardInterrupt:
            outcome.interrupted = True
    finally:
        runners.close()
    with interrupts_deferred():
        return _finish(outcome, args, out)


# ---- runners: which build runs which provider ----------------------------------


class Runners:
    """Finds (building when needed) a runner for each provider.

    mock comes from the native build; winsock from the mingw build under Wine
    (on Windows, from the native build). A provider both builds have is taken
    from the native one. The mingw build and the Wine prefix are only made
    when a provider the native build lacks is wanted.
    """

    def __init__(self, args):
        self._args = args
        self._by_provider: dict[str, Runner] = {}
        self._missing: list[str] = []
        self._why_not: list[str] = []
        self._wine_build: Path | None = None

    def resolve(self, requested: list[str]) -> list[str]:
        if self._args.runner:
            self._add(Runner(tuple(shlex.split(self._args.runner)), "custom"))
        else:
            self._missing = env.ensure_packages()
            self._add_native()
            if not requested or not set(requested) <= set(self._by_provider):
                self._add_mingw()
        if not self._by_provider:
            raise UsageError("no runner could be built here: " + "; ".join(self._why_not or ["unknown reason"]))
        unknown = [p for p in requested if p not in self._by_provider]
        if unknown:
            hint = f" ({'; '.join(self._why_not)})" if self._why_not else ""
            raise UsageError(f"unknown or unavailable provider {', '.join(unknown)}; "
                             f"available here: {', '.join(self._by_provider)}{hint}")
        return requested or list(self._by_provider)

    def for_provider(self, provider: str) -> Runner:
        return self._by_provider[provider]

    def close(self) -> None:
        if self._wine_build is not None:
            wine.stop(self._wine_build)

    def _add(self, runner: Runner) -> None:
        try:
            providers = query(runner, "--list-providers")
        except RunnerError as err:
            raise UsageError(str(err)) from None
        for provider in providers if isinstance(providers, list) else []:
            self._by_provider.setdefault(str(provider), runner)

    def _add_native(self) -> None:
        tools = env.detect_tools()
        if not tools.native:
            self._why_not.append(f"native build: {tools.why_not['native']}")
            return
        path = self._built("native")
        if path is not None:
            self._add(Runner((str(path),), "native"))

    def _add_mingw(self) -> None:
        tools = env.detect_tools()
        if env.on_windows():
            return
        if not tools.cross:
            reasons = [tools.why_not[k] for k in ("mingw", "wine") if k in tools.why_not]
            self._why_not.append(f"winsock needs the mingw-w64 build under Wine: {', '.join(reasons)}"
                                 + (f"; {env.apt_install_line(self._missing)}" if self._missing else ""))
            return
        path = self._built("mingw")
        if path is None:
            return
        directory = build.build_dir("mingw")
        try:
            wine.boot(directory)
        except RuntimeError as err:
            self._why_not.append(str(err))
            return
        self._wine_build = directory
        self._add(Runner((*wine.command(directory), str(path)), "mingw"))

    def _built(self, preset: str) -> Path | None:
        if not self._args.no_build:
            try:
                # The runner is all a run needs; the tests are `wsaconform test`'s.
                build.build(preset, target=build.RUNNER_TARGET)
            except build.BuildError as err:
                self._why_not.append(f"{preset}: {err}")
                env.log(f"{preset} build failed; going on without it")
                return None
        path = build.runner_path(preset)
        if path is None:
            self._why_not.append(f"{preset}: no runner in {build.build_dir(preset)}")
        return path


# ---- running -----------------------------------------------------------------


def _save_requirements(runner: Runner, out: Path) -> None:
    try:
        catalog = query(runner, "--requirements")
    except RunnerError as err:
        raise UsageError(str(err)) from None
    out.mkdir(parents=True, exist_ok=True)
    (out / "requirements.json").write_text(json.dumps(catalog, indent=1) + "\n", encoding="utf-8")


def _run_one(provider: str, runner: Runner, args, out: Path, outcome: Outcome) -> None:
    settings = _settings(provider, args)
    try:
        listing = list_cases(runner, provider)
        cases = select(listing.cases, args.filter)
        requirements = requirement_texts(json.loads((out / "requirements.json").read_text(encoding="utf-8")))
    except RunnerError as err:
        raise UsageError(f"{provider}: {err}") from None
    if not cases:
        raise UsageError(f"{provider}: no case matches --filter {args.filter!r}")
    outcome.expected += len(cases)
    provider_dir = out / provider
    _clear_previous(provider_dir)
    progress = Progress(provider, len(cases))
    try:
        result = run_provider(runner, settings, listing, cases, provider_dir / "shards", progress, requirements)
    except RunnerError as err:
        raise UsageError(f"{provider}: {err}") from None
    progress.close()
    for note in result.notes:
        progress.note(note)
    late = _late_indications(result.attempts)
    _write_provider(provider_dir, result, late, listing, settings, len(cases))
    # The exit status and the fallback table see each late indication as the failure of its case.
    outcome.records[provider] = fold_records(copy.deepcopy(result.records) + late)
    outcome.interrupted |= result.interrupted


def _settings(provider: str, args) -> Settings:
    extra = []
    if args.mutant:
        extra.append(f"--mutant={args.mutant}")
    if args.chaos_seed is not None:
        extra.append(f"--chaos-seed={args.chaos_seed}")
    # The guard only has to catch a runner whose own watchdog is stuck; it
    # must leave room for that watchdog and for a slow start under Wine.
    guard = args.guard if args.guard is not None else 3 * args.timeout + 30
    jobs = args.jobs or default_jobs(provider, env.cpu_count())
    return Settings(provider=provider, jobs=jobs, case_timeout=args.timeout, guard=guard,
                    extra_args=tuple(extra), mutant=args.mutant, chaos_seed=args.chaos_seed)


def _clear_previous(provider_dir: Path) -> None:
    # Shard files append; a previous run's would otherwise mix with this one.
    shards = provider_dir / "shards"
    if shards.is_dir():
        for stale in shards.iterdir():
            stale.unlink()
    (provider_dir / "results.jsonl").unlink(missing_ok=True)


def _write_provider(provider_dir: Path, result, late: list[dict], listing: Listing, settings: Settings,
                    selected: int) -> None:
    records = list(result.records) + late
    lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    (provider_dir / "results.jsonl").write_text(lines, encoding="utf-8")
    run_info = {
        "provider": settings.provider,
        "suite_version": listing.suite_version,
        "catalog_version": listing.catalog_version,
        "cases_selected": selected,
        "cases_finished": len(result.records),
        "interrupted": result.interrupted,
        "case_timeout_s": settings.case_timeout,
        "guard_s": settings.guard,
        "runner_processes": result.attempts,
        "notes": result.notes,
    }
    (provider_dir / "run.json").write_text(json.dumps(run_info, indent=1) + "\n", encoding="utf-8")


def _late_indications(attempts: list[dict]) -> list[dict]:
    """The late_indication records the runners wrote into their shard files.

    The shards keep only case lines; these records name the case that
    started the operation, and every later stage folds them into that case,
    so they follow the case lines in results.jsonl.
    """
    found = []
    for attempt in attempts:
        try:
            text = Path(attempt["results"]).read_text(encoding="utf-8", errors="replace")
        except (OSError, KeyError):
            continue
        for line in text.splitlines():
            if '"late_indication"' not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("record") == "late_indication":
                found.append(record)
    return found


# ---- after the run -------------------------------------------------------------


def _finish(outcome: Outcome, args, out: Path) -> int:
    if outcome.interrupted:
        print("wsaconform: interrupted; keeping the results of the cases that finished", flush=True)
    results_files = [str(out / p / "results.jsonl") for p, records in outcome.records.items() if records]
    dataset = None
    if results_files and not args.no_report:
        dataset = _write_report(results_files, out, args.gate, args.baseline)
    _print_summary(outcome, dataset, out)
    for path in results_files:
        print(f"results: {path}")
    if dataset is not None:
        print(f"report:  {out / 'report' / 'report.html'}")
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    if args.gate:
        return _gate(args.gate, results_files, out)
    all_ran = sum(len(r) for r in outcome.records.values()) == outcome.expected
    all_ok = all(r.get("verdict") in OK_VERDICTS for records in outcome.records.values() for r in records)
    return 0 if all_ran and all_ok else 1


def _write_report(results_files: list[str], out: Path, expectations: str | None = None,
                  baseline: str | None = None) -> dict | None:
    """Runs `wsaconform report` on the results (known deviations marked from the gate's expectations,
    the changes since a baseline); returns its dataset."""
    try:
        from . import report
    except ImportError as err:
        env.log(f"no report: the reporting modules are not available ({err})")
        return None
    report_dir = out / "report"
    extra = (["--expectations", expectations] if expectations else []) + (["--baseline", baseline] if baseline else [])
    _call(report, [*results_files, "--requirements", str(out / "requirements.json"), "--out", str(report_dir),
                   *extra])
    return json.loads((report_dir / "results.json").read_text(encoding="utf-8"))


def _gate(expectations: str, results_files: list[str], out: Path) -> int:
    """The gate's answer; its counts and problems also go to out/gate.json (`wsaconform test` reads them)."""
    if not results_files:
        raise UsageError("--gate: no case finished, nothing to compare")
    try:
        from . import gate
    except ImportError as err:
        raise UsageError(f"--gate needs wsaconform.gate, which is not available ({err})") from None
    (out / GATE_JSON).unlink(missing_ok=True)
    return _call(gate, ["--expectations", expectations, "--requirements", str(out / "requirements.json"),
                        "--json", str(out / GATE_JSON), *results_files])


def _call(module, argv: list[str]) -> int:
    """Runs another subcommand's module with its own argument parser."""
    parser = argparse.ArgumentParser(prog=f"wsaconform {module.__name__.rsplit('.', 1)[-1]}")
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv))


def _print_summary(outcome: Outcome, dataset: dict | None, out: Path) -> None:
    if dataset is not None:
        labels, rows = summary.rows_from_dataset(dataset)
    else:
        labels, rows = summary.rows_from_records(outcome.records, _catalog_statements(out))
    if rows:
        print()
        print(summary.render(labels, rows))
        print()


def _catalog_statements(out: Path) -> dict[str, dict]:
    """Statement id -> its catalog entry, from the requirements.json this run saved."""
    try:
        catalog = json.loads((out / "requirements.json").read_text(encoding="utf-8"))
        return {s["id"]: s for s in catalog.get("statements", []) if isinstance(s, dict) and "id" in s}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}
