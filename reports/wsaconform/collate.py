"""wsaconform collate: results files in, one dataset out.

The dataset is the JSON every later stage reads (report, gate, a certificate):
case × provider with each case's verdict, observed values and per-statement
checks, and statement × provider with a statement verdict decided by that
statement's own checks (verdicts.py has the rule):

  DEVIATES       a check of the statement was violated in a claiming case
  UNKNOWN        none was, but a claiming case was BROKEN, TIMEOUT or CRASH
  CONFORMS       some check of the statement held
  NOT_SUPPORTED  every claiming case was NOT_SUPPORTED
  UNEXERCISED    claiming cases ran, none put the statement to the test
  NOT_TESTED     no case claims it, or it is INFO
MAY statements are answered by a check or by a Report() of what the provider
was seen doing ("reports").

Per statement and provider the dataset carries the claiming instances, how
many exercised the statement, the checks held and violated, every violation
(case, check, where, message, observed, expected) and the reasons the other
instances gave for not exercising it, with counts.
"""

from __future__ import annotations

import json
import os
import tempfile

from . import summary
from .errors import UsageError, warn
from .results import (
    UNKNOWN_VERDICTS,
    VERDICTS,
    Catalog,
    CaseResult,
    ProviderKey,
    ResultSet,
    Statement,
    _Invalid,
    case_result_from_json,
    catalog_matches,
    find_catalog_beside,
    load_catalog,
    natural_key,
    parse_results_text,
    read_text,
)
from .verdicts import STATEMENT_VERDICTS, Tally, tally

DATASET_FORMAT = "wsaconform-dataset"
DATASET_FORMAT_VERSION = 2
# Version 1 datasets (before per-check records) are still read; their
# results answer for no statement, like any line without checks.
READABLE_DATASET_VERSIONS = (1, 2)


def statement_verdict(records, level: str = "MUST", statement: str = "S", exercised_when: str = "") -> str:
    """The verdict of `statement` over result lines (dicts) of cases that claim it."""
    counted = Tally(statement, level, exercised_when)
    for record in records:
        counted.add(record)
    return counted.verdict


def _case_entry(result: CaseResult) -> dict:
    entry = {
        "verdict": result.verdict,
        "duration_ms": result.duration_ms,
        "message": result.message,
        "observed": result.observed,
        "reports": result.reports,
        "checks": result.checks,
        "harness_errors": list(result.harness_errors),
        "origin": result.origin,
    }
    if result.late_indications:
        entry["late_indications"] = list(result.late_indications)
    return entry


def _statement_result(counted: Tally, reports: list[dict]) -> dict:
    return {
        "verdict": counted.verdict,
        "instances": counted.instances,
        "exercised": counted.exercised,
        "checks_held": counted.checks_held,
        "checks_violated": counted.checks_violated,
        "exercise": counted.exercise_text(),
        "violations": counted.violations,
        "not_exercised": counted.reason_counts(),
        "cases": dict(counted.cases),
        "decided_by": [
            {"case": r["id"], "verdict": r["verdict"], "message": r.get("message", ""),
             "observed": r.get("observed") or {}}
            for r in counted.deciding()
        ],
        "reports": reports,
    }


def build_dataset(result_set: ResultSet, catalog: Catalog | None = None, kill_matrix=None, *,
                  quiet: bool = False) -> dict:
    """The collated dataset as a JSON-ready dict; warnings also go into result_set.warnings."""
    results = result_set.results
    providers = result_set.providers()
    labels = [p.label for p in providers]
    if len(set(labels)) != len(labels):  # two keys rendering alike would merge columns
        raise UsageError("two provider builds have the same label; cannot tell their columns apart")

    if catalog is not None and results and not catalog_matches(catalog, result_set.catalog_version):
        raise UsageError(
            f"{catalog.path}: catalog version {catalog.version!r} does not match the results' "
            f"catalog_version {result_set.catalog_version!r}"
        )

    # Statements: the catalog's, in its order, then any the results name that it lacks.
    statements: dict[str, Statement] = dict(catalog.statements) if catalog else {}
    texts: dict[str, str] = {}
    for result in results:
        for sid, text in result.requirements.items():
            texts.setdefault(sid, text)
    extra: set[str] = set()
    for result in results:
        for sid in list(result.statements) + list(result.reports):
            if sid not in statements:
                extra.add(sid)
    if catalog is not None:
        for sid in sorted(extra, key=natural_key):
            message = f"statement {sid} is named by results but is not in the catalog {catalog.path}"
            result_set.warnings.append(message)
            if not quiet:
                warn(message)
    for sid in sorted(extra, key=natural_key):
        statements[sid] = Statement(id=sid, level="", text=texts.get(sid, ""))

    cases: dict[str, dict] = {}
    for result in results:
        case = cases.setdefault(
            result.id,
            {"id": result.id, "suite": result.suite, "name": result.name,
             "statements": list(result.statements), "results": {}},
        )
        case["results"][result.provider.label] = _case_entry(result)

    by_provider: dict[ProviderKey, list[CaseResult]] = {p: [] for p in providers}
    for result in results:
        by_provider[result.provider].append(result)

    info = {sid: {"level": st.level, "exercised_when": st.exercised_when} for sid, st in statements.items()}
    tallies = {p: tally([r.to_json() for r in by_provider[p]], info) for p in providers}
    legacy = sum(1 for r in results if r.checks is None and r.verdict not in UNKNOWN_VERDICTS)
    if legacy:
        message = (f"{legacy} result line(s) carry no per-check record (written by a runner older than "
                   f"per-statement checks): they answer for no statement")
        result_set.warnings.append(message)
        if not quiet:
            warn(message)

    statement_rows = []
    for sid, statement in statements.items():
        row = statement.to_json()
        row["text"] = row["text"] or texts.get(sid, "")
        row["in_catalog"] = catalog is not None and sid in catalog.statements
        row["results"] = {}
        for provider in providers:
            reports = [{"case": r.id, "text": r.reports[sid]} for r in by_provider[provider] if sid in r.reports]
            row["results"][provider.label] = _statement_result(tallies[provider][sid], reports)
        statement_rows.append(row)

    provider_rows = []
    for provider in providers:
        row = provider.to_json()
        row["totals"] = {v: 0 for v in VERDICTS}
        for result in by_provider[provider]:
            row["totals"][result.verdict] += 1
        row["statement_totals"] = {v: 0 for v in STATEMENT_VERDICTS}
        for statement_row in statement_rows:
            row["statement_totals"][statement_row["results"][provider.label]["verdict"]] += 1
        provider_rows.append(row)

    dataset = {
        "format": DATASET_FORMAT,
        "format_version": DATASET_FORMAT_VERSION,
        "suite_version": result_set.suite_version,
        "catalog_version": result_set.catalog_version,
        "catalog": {"version": catalog.version, "path": catalog.path} if catalog else None,
        "sources": list(result_set.sources),
        "warnings": list(result_set.warnings),
        "providers": provider_rows,
        "statements": statement_rows,
        "cases": list(cases.values()),
    }
    if kill_matrix is not None:
        dataset["kill_matrix"] = kill_matrix
    return dataset


# ---- reading inputs that are either results files or datasets ------------


def _is_dataset(obj) -> bool:
    return isinstance(obj, dict) and obj.get("format") == DATASET_FORMAT


def validate_kill_matrix(entries, where: str) -> list:
    if not isinstance(entries, list):
        raise UsageError(f"{where}: 'kill_matrix' must be an array")
    for index, entry in enumerate(entries):
        problem = None
        if not isinstance(entry, dict):
            problem = "is not an object"
        elif not isinstance(entry.get("mutant"), str) or not entry["mutant"]:
            problem = "has no 'mutant' name"
        elif not isinstance(entry.get("statement"), str):
            problem = "has no 'statement'"
        elif entry.get("verdict") not in ("killed", "survived", "harmless", "rejected"):
            problem = "'verdict' must be 'killed', 'survived', 'harmless' (a legal mutant) or 'rejected'"
        elif not isinstance(entry.get("killing_cases", []), list):
            problem = "'killing_cases' must be an array"
        elif not isinstance(entry.get("killed_by_own_statement", False), bool):
            problem = "'killed_by_own_statement' must be true or false"
        if problem:
            raise UsageError(f"{where}: kill_matrix[{index}] {problem}")
    return entries


def results_from_dataset(dataset: dict, path: str) -> tuple[list[CaseResult], Catalog | None]:
    """Turns a dataset back into result lines, so datasets can be merged like shards."""
    try:
        if dataset.get("format_version") not in READABLE_DATASET_VERSIONS:
            raise _Invalid(f"format_version {dataset.get('format_version')!r} is not one of "
                           f"{', '.join(map(str, READABLE_DATASET_VERSIONS))}")
        by_label = {}
        for p in dataset["providers"]:
            by_label[p["key"]] = p
        texts = {s["id"]: s.get("text", "") for s in dataset["statements"]}
        results = []
        for case in dataset["cases"]:
            for label, entry in case["results"].items():
                p = by_label[label]
                line = {
                    "record": "case", "id": case["id"], "suite": case.get("suite"), "name": case.get("name"),
                    "statements": case["statements"], "provider": p["provider"], "build": p.get("build"),
                    "mutant": p.get("mutant"), "chaos_seed": p.get("chaos_seed"), "verdict": entry["verdict"],
                    "duration_ms": entry.get("duration_ms"), "message": entry.get("message"),
                    "observed": entry.get("observed"), "reports": entry.get("reports"),
                    "requirements": {sid: texts.get(sid, "") for sid in case["statements"]},
                    "harness_errors": entry.get("harness_errors") or [],
                    "late_indications": entry.get("late_indications") or [],
                    "suite_version": dataset["suite_version"], "catalog_version": dataset["catalog_version"],
                }
                if entry.get("checks") is not None:
                    line["checks"] = entry["checks"]
                results.append(case_result_from_json(line, origin=entry.get("origin") or path))
        catalog = None
        if dataset.get("catalog"):
            catalog = Catalog(
                version=dataset["catalog"]["version"],
                statements={
                    s["id"]: Statement(
                        id=s["id"], level=s.get("level", ""), text=s.get("text", ""), source=s.get("source", ""),
                        reference_behaviour=s.get("reference_behaviour", ""),
                        accepted_codes=tuple(s.get("accepted_codes") or ()), applies_to=s.get("applies_to"),
                        exercised_when=s.get("exercised_when") or "",
                    )
                    for s in dataset["statements"] if s.get("in_catalog", True)
                },
                path=dataset["catalog"].get("path") or path,
            )
    except (_Invalid, KeyError, TypeError, AttributeError) as err:
        detail = f"missing {err}" if isinstance(err, KeyError) else str(err)
        raise UsageError(f"{path}: not a valid wsaconform dataset: {detail}") from None
    return results, catalog


def read_input(path: str) -> tuple[str, dict | None]:
    """The file's text, and the dataset it holds (None for a results.jsonl)."""
    text = read_text(path, "results file")
    if text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            return text, None  # several lines: a results file
        if _is_dataset(obj):
            return text, obj
    return text, None


def load_inputs(paths, requirements: str | None = None, *, quiet: bool = False, auto_catalog: bool = True):
    """Results files and datasets, merged: (ResultSet, Catalog or None, kill matrix or None).

    A file whose whole text is a dataset JSON object is read as a dataset;
    anything else must be a results.jsonl.
    """
    if not paths:
        raise UsageError("no results files given")
    result_set = ResultSet()
    catalog = None
    kill_matrix = None
    for path in paths:
        text, obj = read_input(path)
        if obj is not None:
            results, dataset_catalog = results_from_dataset(obj, path)
            catalog = catalog or dataset_catalog
            if "kill_matrix" in obj:
                kill_matrix = (kill_matrix or []) + validate_kill_matrix(obj["kill_matrix"], path)
            if not results:
                raise UsageError(f"{path}: dataset holds no results")
        else:
            results = parse_results_text(text, path)
        for result in results:
            result_set.add(result, quiet=quiet)
        result_set.sources.append(path)
    result_set.check_versions()
    if requirements is None and auto_catalog and catalog is None:
        requirements = find_catalog_beside(paths)
    if requirements is not None:
        catalog = load_catalog(requirements)
    return result_set, catalog, kill_matrix


# ---- writing -------------------------------------------------------------


def write_files_atomically(files: dict[str, str]) -> None:
    """Writes every file or none of them: a failure leaves the previous ones intact.

    Each file goes to a temporary file in its own directory first (so the
    final os.replace is a rename within one file system); only when all
    temporaries are written and flushed are they renamed into place.
    """
    staged: list[tuple[str, str]] = []
    # mkstemp makes 0600 files; reports are for sharing, so they get the
    # mode an ordinary file would (0666 less the umask).
    umask = os.umask(0)
    os.umask(umask)
    try:
        for path, text in files.items():
            directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(directory, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o666 & ~umask)
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as err:
        raise UsageError(f"cannot write {err.filename or 'output'}: {err.strerror}") from None
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def dataset_json(dataset: dict) -> str:
    return json.dumps(dataset, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


# ---- the command ---------------------------------------------------------


def add_arguments(parser) -> None:
    parser.description = "Merge results files (providers, machines, shards) into one dataset JSON."
    parser.add_argument("files", nargs="+", metavar="FILE", help="results.jsonl files or datasets")
    parser.add_argument("--requirements", metavar="FILE",
                        help="requirement catalog (default: requirements.json beside the first input that has one)")
    parser.add_argument("--out", required=True, metavar="FILE", help="dataset JSON to write")


def run(args) -> int:
    result_set, catalog, kill_matrix = load_inputs(args.files, args.requirements)
    dataset = build_dataset(result_set, catalog, kill_matrix)
    write_files_atomically({args.out: dataset_json(dataset)})
    print(summary.table_from_dataset(dataset))
    return 0


def main(argv=None) -> int:
    from .errors import main_for

    return main_for(add_arguments, run, "wsaconform collate", argv)


if __name__ == "__main__":
    raise SystemExit(main())
