"""Reading what the runner wrote: results.jsonl files and the requirement catalog.

A results file holds one JSON object per line, written and flushed by
wsaconform-runner after each case (CRASH lines come from the orchestrator in
the same shape). Everything here validates as it reads, so a later stage never
meets a half-formed record: a bad line is reported with its file and line
number as a UsageError.

Two kinds of record:
  "case"              one case's result; "checks" carries, per statement,
                      the checks that held and were violated and why a
                      claimed statement was not exercised
  "late_indication"   an indication that arrived after the case that started
                      its operation had ended; it is folded into that case
                      as a violated check of the named statement (the case
                      becomes FAIL and claims the statement)
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import UsageError, warn
from .verdicts import UNKNOWN_CASE_VERDICTS, natural_key  # noqa: F401  (natural_key: re-exported)

VERDICTS = ("PASS", "FAIL", "NOT_SUPPORTED", "BROKEN", "TIMEOUT", "CRASH")
# Verdicts that say nothing bad about the provider.
OK_VERDICTS = frozenset({"PASS", "NOT_SUPPORTED"})
# Verdicts where the statement could not be checked at all.
UNKNOWN_VERDICTS = UNKNOWN_CASE_VERDICTS

LEVELS = ("MUST", "MAY", "INFO")


@dataclass(frozen=True, order=True)
class ProviderKey:
    """One column of every matrix: a provider build, possibly mutated or chaotic.

    Results of the same provider name from different builds (Wine 8 and Wine 9,
    two Windows releases) or with a different mutant or chaos seed are
    different implementations as far as verdicts go, so they never merge.
    """

    provider: str
    build: str = ""
    mutant: str = ""
    chaos_seed: int | None = None

    @property
    def label(self) -> str:
        parts = [self.provider]
        if self.build and self.build != self.provider:
            parts.append(self.build)
        if self.mutant:
            parts.append(f"mutant {self.mutant}")
        if self.chaos_seed is not None:
            parts.append(f"chaos {self.chaos_seed}")
        return " · ".join(parts)

    def to_json(self) -> dict:
        return {
            "key": self.label,
            "provider": self.provider,
            "build": self.build,
            "mutant": self.mutant,
            "chaos_seed": self.chaos_seed,
        }


@dataclass(frozen=True)
class CaseResult:
    """One result line: one case run against one provider."""

    id: str
    suite: str
    name: str
    statements: tuple[str, ...]
    provider: ProviderKey
    verdict: str
    suite_version: str
    catalog_version: str
    duration_ms: float | None = None
    message: str = ""
    observed: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)
    requirements: dict[str, str] = field(default_factory=dict)
    # Statement id -> {"held", "violated", "exercised", "violations", "not_exercised"};
    # None when the line has no per-check record (a CRASH made up by the
    # orchestrator, or a runner from before checks named their statement).
    checks: dict[str, dict] | None = None
    # Defects of the suite that made the case BROKEN.
    harness_errors: tuple[str, ...] = ()
    # The late_indication records folded into this result.
    late_indications: tuple[dict, ...] = ()
    # Where the line came from ("shard1/results.jsonl:17"), for warnings.
    origin: str = ""

    def to_json(self) -> dict:
        """The result line again, in the runner's own shape."""
        return {
            "record": "case",
            "id": self.id,
            "suite": self.suite,
            "name": self.name,
            "statements": list(self.statements),
            "provider": self.provider.provider,
            "build": self.provider.build,
            "mutant": self.provider.mutant,
            "chaos_seed": self.provider.chaos_seed,
            "verdict": self.verdict,
            "duration_ms": self.duration_ms,
            "message": self.message,
            "observed": self.observed,
            "reports": self.reports,
            "requirements": self.requirements,
            **({"checks": self.checks} if self.checks is not None else {}),
            "harness_errors": list(self.harness_errors),
            **({"late_indications": list(self.late_indications)} if self.late_indications else {}),
            "suite_version": self.suite_version,
            "catalog_version": self.catalog_version,
        }


class _Invalid(Exception):
    """A field-level problem; the caller adds file and line."""


def _string(obj: dict, key: str, *, required: bool, empty_ok: bool = True) -> str:
    if key not in obj or obj[key] is None:
        if required:
            raise _Invalid(f"missing field {key!r}")
        return ""
    value = obj[key]
    if not isinstance(value, str):
        raise _Invalid(f"field {key!r} must be a string, got {_json_type(value)}")
    if not empty_ok and not value:
        raise _Invalid(f"field {key!r} must not be empty")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _string_map(obj: dict, key: str) -> dict[str, str]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _Invalid(f"field {key!r} must be an object of strings")
    return dict(value)


def case_result_from_json(obj: Any, origin: str = "") -> CaseResult:
    """Validates one decoded result line; raises _Invalid with what is wrong."""
    if not isinstance(obj, dict):
        raise _Invalid(f"expected a JSON object, got {_json_type(obj)}")
    record = _string(obj, "record", required=True)
    if record != "case":
        raise _Invalid(f"unknown record kind {record!r} (expected 'case' or 'late_indication')")
    case_id = _string(obj, "id", required=True, empty_ok=False)
    verdict = _string(obj, "verdict", required=True)
    if verdict not in VERDICTS:
        raise _Invalid(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    provider = _string(obj, "provider", required=True, empty_ok=False)
    statements = obj.get("statements")
    if not isinstance(statements, list) or not all(isinstance(s, str) and s for s in statements):
        raise _Invalid("field 'statements' must be an array of statement IDs")
    chaos_seed = obj.get("chaos_seed")
    if chaos_seed is not None and (isinstance(chaos_seed, bool) or not isinstance(chaos_seed, int)):
        raise _Invalid("field 'chaos_seed' must be an integer or null")
    duration = obj.get("duration_ms")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, (int, float))):
        raise _Invalid("field 'duration_ms' must be a number or null")
    observed = obj.get("observed")
    if observed is None:
        observed = {}
    if not isinstance(observed, dict):
        raise _Invalid("field 'observed' must be an object")
    checks = _checks(obj.get("checks")) if "checks" in obj else None
    harness_errors = obj.get("harness_errors") or []
    if not isinstance(harness_errors, list) or not all(isinstance(e, str) for e in harness_errors):
        raise _Invalid("field 'harness_errors' must be an array of strings")
    late = obj.get("late_indications") or []
    if not isinstance(late, list) or not all(isinstance(e, dict) for e in late):
        raise _Invalid("field 'late_indications' must be an array of objects")
    suite, _, name = case_id.partition(".")
    return CaseResult(
        id=case_id,
        suite=_string(obj, "suite", required=False) or suite,
        name=_string(obj, "name", required=False) or name,
        statements=tuple(statements),
        provider=ProviderKey(
            provider=provider,
            build=_string(obj, "build", required=False),
            mutant=_string(obj, "mutant", required=False),
            chaos_seed=chaos_seed,
        ),
        verdict=verdict,
        suite_version=_string(obj, "suite_version", required=True),
        catalog_version=_string(obj, "catalog_version", required=True),
        duration_ms=float(duration) if duration is not None else None,
        message=_string(obj, "message", required=False),
        observed=dict(observed),
        reports=_string_map(obj, "reports"),
        requirements=_string_map(obj, "requirements"),
        checks=checks,
        harness_errors=tuple(harness_errors),
        late_indications=tuple(late),
        origin=origin,
    )


_VIOLATION_FIELDS = ("check", "where", "message", "observed", "expected")


def _checks(value: Any) -> dict[str, dict]:
    """The runner's per-statement check record, validated and normalised."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Invalid("field 'checks' must be an object of statement id to checks")
    checks = {}
    for sid, entry in value.items():
        where = f"checks[{sid!r}]"
        if not isinstance(entry, dict):
            raise _Invalid(f"{where} must be an object")
        counts = {}
        for key in ("held", "violated"):
            n = entry.get(key, 0)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise _Invalid(f"{where}.{key} must be a count")
            counts[key] = n
        exercised = entry.get("exercised", counts["held"] + counts["violated"] > 0)
        if not isinstance(exercised, bool):
            raise _Invalid(f"{where}.exercised must be true or false")
        violations = entry.get("violations") or []
        if not isinstance(violations, list) or not all(isinstance(v, dict) for v in violations):
            raise _Invalid(f"{where}.violations must be an array of objects")
        for v in violations:
            for key in _VIOLATION_FIELDS:
                if not isinstance(v.get(key, ""), str):
                    raise _Invalid(f"{where}.violations: {key!r} must be a string")
        reasons = entry.get("not_exercised") or []
        if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
            raise _Invalid(f"{where}.not_exercised must be an array of strings")
        checks[sid] = {**counts, "exercised": exercised,
                       "violations": [{k: v.get(k, "") for k in _VIOLATION_FIELDS} for v in violations],
                       "not_exercised": list(reasons)}
    return checks


# ---- late indications ------------------------------------------------------

LATE_CHECK = "late indication"


def late_indication_from_json(obj: dict) -> dict:
    """Validates a late_indication record; raises _Invalid with what is wrong."""
    for key in ("case", "statement"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise _Invalid(f"late_indication: missing string field {key!r}")
    for key in ("detected_in", "mechanism", "what"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise _Invalid(f"late_indication: field {key!r} must be a string")
    if obj.get("observed") is not None and not isinstance(obj["observed"], dict):
        raise _Invalid("late_indication: field 'observed' must be an object")
    return obj


def fold_late_indication(case: dict, late: dict) -> None:
    """Charges a late indication to the case that started the operation.

    It is a violated check of the record's statement in that case: the case
    claims the statement (if it did not), and a case that had passed (or was
    not supported) now FAILs. BROKEN, TIMEOUT and CRASH stay: they say the
    case could not finish, which the late indication does not undo.
    """
    sid = late["statement"]
    statements = case.setdefault("statements", [])
    if sid not in statements:
        statements.append(sid)
        case.setdefault("requirements", {}).setdefault(sid, "")
    checks = case.get("checks")
    if not isinstance(checks, dict):
        checks = case["checks"] = {}
    entry = checks.setdefault(sid, {"held": 0, "violated": 0, "exercised": False, "violations": [],
                                    "not_exercised": []})
    entry["violated"] = entry.get("violated", 0) + 1
    entry["exercised"] = True
    mechanism = late.get("mechanism") or ""
    detected_in = late.get("detected_in") or ""
    observed = late.get("observed") or {}
    entry.setdefault("violations", []).append({
        "check": f"{LATE_CHECK} ({mechanism})" if mechanism else LATE_CHECK,
        "where": f"detected in {detected_in}" if detected_in else "",
        "message": late.get("what") or "",
        "observed": json.dumps(observed, sort_keys=True, ensure_ascii=False) if observed else "",
        "expected": "no indication after the case ended",
    })
    if case.get("verdict") in ("PASS", "NOT_SUPPORTED"):
        case["verdict"] = "FAIL"
    note = f"late indication of {sid}" + (f" by {mechanism}" if mechanism else "") + (
        f", detected in {detected_in}" if detected_in else "") + (f": {late['what']}" if late.get("what") else "")
    case["message"] = f"{case['message']}\n{note}" if case.get("message") else note
    case.setdefault("late_indications", []).append(late)


def _case_for_late(late: dict, cases: list[dict]) -> dict:
    """A case line for a late indication whose case has no line of its own here."""
    model = next((c for c in reversed(cases) if c.get("id") == late.get("detected_in")), cases[-1] if cases else {})
    suite_name = late["case"].split("/")[1] if late["case"].count("/") >= 1 else late["case"]
    suite, _, name = suite_name.partition(".")
    return {
        "record": "case", "id": late["case"], "suite": suite, "name": name, "statements": [],
        "provider": late.get("provider", model.get("provider", "")), "build": late.get("build", model.get("build", "")),
        "mutant": late.get("mutant", model.get("mutant", "")), "chaos_seed": late.get("chaos_seed", model.get("chaos_seed")),
        "verdict": "PASS", "duration_ms": None, "message": "no result line for this case in this file",
        "observed": {}, "reports": {}, "requirements": {}, "checks": {},
        "suite_version": model.get("suite_version", ""), "catalog_version": model.get("catalog_version", ""),
    }


def fold_records(records: list[dict]) -> list[dict]:
    """Case records with the late_indication records among them folded in.

    A late indication belongs to the latest line of its case written before
    it (the runner writes it after that case ended), else the first after;
    with no line of its case at all, a FAIL line is made up for it so the
    violation is not lost.
    """
    cases: list[dict] = []
    late: list[tuple[int, dict]] = []
    for record in records:
        if record.get("record", "case") == "late_indication":
            late.append((len(cases), record))
        else:
            cases.append(record)
    for position, record in late:
        before = [c for c in cases[:position] if c.get("id") == record["case"]]
        after = [c for c in cases[position:] if c.get("id") == record["case"]]
        target = before[-1] if before else after[0] if after else None
        if target is None:
            target = _case_for_late(record, cases)
            cases.append(target)
        fold_late_indication(target, record)
    return cases


def read_text(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, expected a {what}") from None
    except UnicodeDecodeError as err:
        raise UsageError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise UsageError(f"{path}: cannot read {what}: {err.strerror}") from None


def parse_results_text(text: str, path: str) -> list[CaseResult]:
    records: list[dict] = []
    origins: dict[int, str] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise UsageError(f"{path}:{lineno}: malformed result line: {err.msg} (column {err.colno})") from None
        try:
            if isinstance(obj, dict) and obj.get("record") == "late_indication":
                late_indication_from_json(obj)
            elif not isinstance(obj, dict):
                raise _Invalid(f"expected a JSON object, got {_json_type(obj)}")
        except _Invalid as err:
            raise UsageError(f"{path}:{lineno}: malformed result line: {err}") from None
        origins[id(obj)] = f"{path}:{lineno}"
        records.append(obj)
    results = []
    for record in fold_records(records):
        origin = origins.get(id(record), path)
        try:
            results.append(case_result_from_json(record, origin=origin))
        except _Invalid as err:
            raise UsageError(f"{origin}: malformed result line: {err}") from None
    if not results:
        raise UsageError(f"{path}: empty results file (no case lines)")
    return results


def load_results_file(path: str) -> list[CaseResult]:
    """All case lines of one results.jsonl, in file order."""
    return parse_results_text(read_text(path, "results file"), path)


class ResultSet:
    """Results of one suite build, from any number of files.

    The files may come from several providers, machines or shards. A case run
    twice against the same provider (a resumed shard, a rerun) keeps its last
    line in the order the files were given, with a warning: the later run is
    the one the user asked for most recently.
    """

    def __init__(self) -> None:
        self._by_key: dict[tuple[ProviderKey, str], CaseResult] = {}
        self.sources: list[str] = []
        self.warnings: list[str] = []

    def add(self, result: CaseResult, *, quiet: bool = False) -> None:
        key = (result.provider, result.id)
        previous = self._by_key.pop(key, None)
        if previous is not None:
            message = (
                f"{result.origin or 'input'}: case {result.id} for provider {result.provider.label} "
                f"appears again (first at {previous.origin or 'an earlier input'}); keeping the last"
            )
            self.warnings.append(message)
            if not quiet:
                warn(message)
        self._by_key[key] = result  # re-inserted, so iteration order is arrival order

    def add_file(self, path: str, *, quiet: bool = False) -> None:
        for result in load_results_file(path):
            self.add(result, quiet=quiet)
        self.sources.append(path)

    @classmethod
    def from_files(cls, paths, *, quiet: bool = False) -> "ResultSet":
        result_set = cls()
        for path in paths:
            result_set.add_file(path, quiet=quiet)
        result_set.check_versions()
        return result_set

    @property
    def results(self) -> list[CaseResult]:
        return list(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def providers(self) -> list[ProviderKey]:
        seen: dict[ProviderKey, None] = {}
        for result in self._by_key.values():
            seen.setdefault(result.provider, None)
        return list(seen)

    def check_versions(self) -> None:
        """Refuses to combine results of different suite or catalog builds.

        Case IDs and statement tags only mean the same thing within one suite
        version and one catalog, so a matrix mixing them would compare
        different questions.
        """
        for attr in ("suite_version", "catalog_version"):
            first: CaseResult | None = None
            for result in self._by_key.values():
                if first is None:
                    first = result
                elif getattr(result, attr) != getattr(first, attr):
                    raise UsageError(
                        f"results from different {attr.replace('_', ' ')}s cannot be combined: "
                        f"{getattr(first, attr)!r} ({first.origin}) vs {getattr(result, attr)!r} ({result.origin})"
                    )

    @property
    def suite_version(self) -> str:
        return next(iter(self._by_key.values())).suite_version if self._by_key else ""

    @property
    def catalog_version(self) -> str:
        return next(iter(self._by_key.values())).catalog_version if self._by_key else ""


# ---- the requirement catalog ---------------------------------------------


@dataclass(frozen=True)
class Statement:
    id: str
    level: str  # MUST, MAY, INFO, or "" when no catalog said
    text: str = ""
    source: str = ""
    reference_behaviour: str = ""
    accepted_codes: tuple = ()
    applies_to: Any = None
    # For a conditional statement, the condition that puts it to the test
    # ("the call returned 0"); empty for statements every claiming case checks.
    exercised_when: str = ""

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "level": self.level,
            "text": self.text,
            "source": self.source,
            "reference_behaviour": self.reference_behaviour,
            "accepted_codes": list(self.accepted_codes),
            "applies_to": self.applies_to,
            "exercised_when": self.exercised_when,
        }


@dataclass
class Catalog:
    version: str
    statements: dict[str, Statement]
    path: str = ""


def catalog_from_json(obj: Any, path: str) -> Catalog:
    def bad(why: str) -> UsageError:
        return UsageError(f"{path}: not a requirement catalog: {why}")

    if not isinstance(obj, dict):
        raise bad("expected a JSON object")
    version = obj.get("version")
    if not isinstance(version, str) or not version:
        raise bad("missing string field 'version'")
    entries = obj.get("statements")
    if not isinstance(entries, list):
        raise bad("missing array field 'statements'")
    statements: dict[str, Statement] = {}
    for index, entry in enumerate(entries):
        where = f"statements[{index}]"
        if not isinstance(entry, dict):
            raise bad(f"{where} is not an object")
        sid = entry.get("id")
        if not isinstance(sid, str) or not sid:
            raise bad(f"{where} has no string 'id'")
        level = entry.get("level")
        if level not in LEVELS:
            raise bad(f"{where} ({sid}): level {level!r} is not one of {', '.join(LEVELS)}")
        if sid in statements:
            raise bad(f"{where}: statement {sid} listed twice")
        codes = entry.get("accepted_codes") or []
        if not isinstance(codes, list):
            raise bad(f"{where} ({sid}): 'accepted_codes' must be an array")
        for text_field in ("text", "source", "reference_behaviour", "exercised_when"):
            if entry.get(text_field) is not None and not isinstance(entry.get(text_field), str):
                raise bad(f"{where} ({sid}): {text_field!r} must be a string")
        statements[sid] = Statement(
            id=sid,
            level=level,
            text=entry.get("text") or "",
            source=entry.get("source") or "",
            reference_behaviour=entry.get("reference_behaviour") or "",
            accepted_codes=tuple(codes),
            applies_to=entry.get("applies_to"),
            exercised_when=entry.get("exercised_when") or "",
        )
    return Catalog(version=version, statements=statements, path=path)


def load_catalog(path: str) -> Catalog:
    """The runner's --requirements output, as `run` saves it (requirements.json)."""
    text = read_text(path, "requirement catalog")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise UsageError(f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None
    return catalog_from_json(obj, path)


def catalog_matches(catalog: Catalog, catalog_version: str) -> bool:
    """Results carry "2026.11.1+ab12cd34" (version + content hash); the catalog "2026.11.1"."""
    if catalog_version == catalog.version:
        return True
    return catalog_version.split("+", 1)[0] == catalog.version.split("+", 1)[0]


def find_catalog_beside(paths) -> str | None:
    """requirements.json next to the first input that has one, or in its parent directory:
    `run` leaves out/requirements.json beside out/<provider>/results.jsonl."""
    for path in paths:
        directory = os.path.dirname(os.path.abspath(path))
        for candidate in (os.path.join(directory, "requirements.json"),
                          os.path.join(os.path.dirname(directory), "requirements.json")):
            if os.path.isfile(candidate) and os.path.abspath(candidate) != os.path.abspath(path):
                return candidate
    return None


# XML 1.0 forbids these even as character references; HTML parsers mangle
# them. They can only come from a provider's message, so show them as text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def observed_text(observed: dict) -> str:
    return ", ".join(f"{k}={clean(v)}" for k, v in observed.items())


