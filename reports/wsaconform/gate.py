"""wsaconform gate: do the results match the known deviations?

Compared per statement: a statement that deviates (a check of it was
violated) must be covered by an entry naming that case, that statement and
that signature. Exit 0 when every deviation and every case that could not
finish is recorded; 1 when there is a problem, one line per problem:

  NEW FAILURE      a statement deviates (or a case ends BROKEN/TIMEOUT/CRASH)
                   where no entry names that case and statement
  CHANGED          an entry names the case and statement, but the statement
                   now deviates with another signature (other checks, other
                   observed values), the case ends with another verdict, or
                   the statement is no longer exercised
  UNEXPECTED PASS  an entry whose deviation no longer happens: the statement
                   holds now; the line names the entry, which is stale

then "note:" lines for statements no instance exercised, and a summary
line. Exit 2 for unusable input (UsageError), including a file that still
has TODO reasons. The rules are in docs/expectations.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import summary
from .collate import load_inputs
from .errors import UsageError
from .expectations import Expectation, load_expectations, violations_text
from .results import UNKNOWN_VERDICTS, CaseResult, clean, observed_text

EXIT_OK = 0
EXIT_PROBLEMS = 1


def one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(clean(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _got(result: CaseResult) -> str:
    parts = [result.verdict]
    if result.observed:
        parts.append(observed_text(result.observed))
    text = " ".join(parts)
    if result.message:
        text += f": {result.message}"
    return text


@dataclass
class Problem:
    kind: str  # NEW FAILURE, CHANGED, UNEXPECTED PASS
    text: str
    result: tuple[str, str] | None = None  # (provider label, case id) when about one result
    entries: tuple[str, ...] = ()  # the entries it is about ("providers[0].expect[3]")

    def line(self) -> str:
        return f"{self.kind}: {one_line(self.text, 400)}"

    def to_json(self) -> dict:
        return {"kind": self.kind, "text": one_line(self.text, 400),
                "provider": self.result[0] if self.result else None,
                "case": self.result[1] if self.result else None, "entries": list(self.entries)}


@dataclass
class GateOutcome:
    problems: list[Problem]
    checked: int
    expected: int  # deviations and case verdicts an entry covered
    unexercised: list[Expectation]  # matched no result at all (partial runs)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def failed_results(self) -> set[tuple[str, str]]:
        return {p.result for p in self.problems if p.result is not None}

    @property
    def failed(self) -> int:
        """What failed, counted once each: results with a problem, plus entries that failed on their own."""
        return len(self.failed_results) + sum(1 for p in self.problems if p.result is None)

    @property
    def passed(self) -> int:
        return self.checked - len(self.failed_results)

    def failing_entries(self) -> list[str]:
        seen: dict[str, None] = {}
        for p in self.problems:
            for where in p.entries:
                seen.setdefault(where, None)
        return list(seen)

    def summary(self) -> str:
        if self.ok:
            line = f"gate: OK: {self.checked} results checked, {self.expected} known deviation(s) matched"
        else:
            counts: dict[str, int] = {}
            for p in self.problems:
                counts[p.kind] = counts.get(p.kind, 0) + 1
            listed = ", ".join(f"{n} {kind.lower()}" for kind, n in counts.items())
            entries = self.failing_entries()
            named = f" (entries: {', '.join(entries[:10])}{' …' if len(entries) > 10 else ''})" if entries else ""
            line = (f"gate: FAILED: {listed}{named}; {self.checked} results checked, {self.passed} without a problem, "
                    f"{self.expected} known deviation(s) matched")
        if self.unexercised:
            line += f"; {len(self.unexercised)} expectation(s) matched no result"
        return line

    def to_json(self) -> dict:
        return {"ok": self.ok, "checked": self.checked, "passed": self.passed, "failed": self.failed,
                "known_deviations": self.expected, "failing_entries": self.failing_entries(),
                "problems": [p.to_json() for p in self.problems],
                "matched_no_result": [e.where for e in self.unexercised], "notes": self.notes}


def _status(result: CaseResult, statement: str) -> tuple[str, str]:
    """How an instance the entry expects to deviate answered instead: (kind, words for the line)."""
    if result.verdict == "NOT_SUPPORTED":
        return "not supported", "the case is NOT_SUPPORTED now"
    checks = (result.checks or {}).get(statement) or {}
    if checks.get("held", 0) > 0:
        return "held", "holds now"
    reasons = checks.get("not_exercised") or []
    return "not exercised", "not exercised now" + (f" ({'; '.join(reasons)})" if reasons else "")


def evaluate(results: list[CaseResult], entries: list[Expectation], statements: dict | None = None) -> GateOutcome:
    problems: list[Problem] = []
    expected = 0
    applied: dict[int, int] = {i: 0 for i in range(len(entries))}
    covered: dict[int, int] = {i: 0 for i in range(len(entries))}
    # entry index -> [(result, (status, words))] where its deviation did not happen
    missing: dict[int, list[tuple[CaseResult, tuple[str, str]]]] = {i: [] for i in range(len(entries))}
    # Entries by a part of the case ID they require, so each result meets only its own entries.
    by_segment: dict[str, list[int]] = {}
    anywhere: list[int] = []
    for i, e in enumerate(entries):
        for segment in e.segments or ():
            by_segment.setdefault(segment, []).append(i)
        if e.segments is None:
            anywhere.append(i)

    for result in results:
        key = (result.provider.label, result.id)
        where = f"{result.id} on {result.provider.label}"
        violated = {sid: c for sid, c in (result.checks or {}).items() if c.get("violated", 0) > 0}
        # The entries naming this case on this provider, whatever their statement.
        candidates = set(anywhere).union(*(by_segment.get(part, ()) for part in result.id.split("/")))
        naming = [(i, entries[i]) for i in sorted(candidates) if entries[i].case_matches(result)]
        deviations = [(i, e) for i, e in naming if e.is_deviation]
        outcomes = [(i, e) for i, e in naming if not e.is_deviation]
        for i, e in naming:
            if e.statement is None or e.statement in result.statements:
                applied[i] += 1

        def judge(applicable, covering, what: str, got: str, new: str | None) -> None:
            """Covered: a known deviation; else a change when entries name it; else new (if `new`)."""
            nonlocal expected
            if covering:
                expected += 1
                for i in covering:
                    covered[i] += 1
            elif applicable:
                wanted = " or ".join(f"{e.describe()} ({e.where})" for _, e in applicable)
                problems.append(Problem("CHANGED", f"{where}{what}: expected {wanted}, got {got}", key,
                                        tuple(e.where for _, e in applicable)))
            elif new is not None:
                problems.append(Problem("NEW FAILURE", new, key))

        for sid, checks in violated.items():
            applicable = [(i, e) for i, e in deviations if e.statement == sid]
            covering = [i for i, e in applicable if e.covers_violations(checks["violations"])]
            got = violations_text(checks["violations"]) or f"{checks['violated']} violated check(s)"
            judge(applicable, covering, f" [{sid}]", got, f"{where} [{sid}] deviates: {got}")

        if result.verdict not in UNKNOWN_VERDICTS:
            for i, e in deviations:
                if e.statement not in violated and e.statement in result.statements:
                    missing[i].append((result, _status(result, e.statement)))

        claims = [(i, e) for i, e in outcomes if e.statement is None or e.statement in result.statements]
        if result.verdict in UNKNOWN_VERDICTS or result.verdict == "NOT_SUPPORTED":
            covering = [i for i, e in claims if e.covers_outcome(result)]
            new = None if result.verdict == "NOT_SUPPORTED" else (
                f"{where} [{' '.join(result.statements)}]: {_got(result)}")
            judge(claims, covering, "", _got(result), new)
        else:
            if claims:
                wanted = " or ".join(f"{e.describe()} ({e.where})" for _, e in claims)
                kind = "UNEXPECTED PASS" if result.verdict == "PASS" else "CHANGED"
                problems.append(Problem(kind, f"{where}: expected {wanted}, got {_got(result)}", key,
                                        tuple(e.where for _, e in claims)))
            if result.verdict == "FAIL" and not violated:
                problems.append(Problem(
                    "NEW FAILURE", f"{where} [{' '.join(result.statements)}]: FAIL with no violated check on record "
                    f"(a line from a runner without per-check records cannot be gated per statement): "
                    f"{_got(result)}", key))

    for i, e in enumerate(entries):
        if not missing[i]:
            continue
        if not covered[i]:
            # Nothing the entry describes happened any more: one line for the entry.
            held = sum(1 for _, (status, _) in missing[i] if status == "held")
            providers = sorted({r.provider.label for r, _ in missing[i]})
            statuses: dict[str, int] = {}
            for _, (status, _) in missing[i]:
                statuses[status] = statuses.get(status, 0) + 1
            shown = ", ".join(f"{status} in {n}" for status, n in statuses.items())
            kind = "UNEXPECTED PASS" if held else "CHANGED"
            problems.append(Problem(
                kind, f"{e.where} ({e.selector()}) on {', '.join(providers)}: expected {e.describe()}; "
                f"{e.statement} deviates in none of its {len(missing[i])} instance(s) now ({shown})"
                + ("; the entry is stale" if held else ""), None, (e.where,)))
            continue
        for result, (status, words) in missing[i]:
            kind = "UNEXPECTED PASS" if status == "held" else "CHANGED"
            problems.append(Problem(
                kind, f"{result.id} on {result.provider.label} [{e.statement}]: {words}; "
                f"expected {e.describe()} ({e.where})", (result.provider.label, result.id), (e.where,)))

    unexercised = [e for i, e in enumerate(entries) if not applied[i]]
    return GateOutcome(problems=problems, checked=len(results), expected=expected, unexercised=unexercised,
                       notes=_unexercised_notes(results, statements))


def _unexercised_notes(results: list[CaseResult], statements: dict | None) -> list[str]:
    """The statements no instance put to the test, per provider: not failures, but what the gate could not see."""
    by_provider: dict[str, list[dict]] = {}
    for result in results:
        by_provider.setdefault(result.provider.label, []).append(result.to_json())
    labels, rows = summary.rows_from_records(by_provider, statements)
    return summary.unexercised_lines(labels, rows)


def add_arguments(parser) -> None:
    parser.description = "Compare results with the known deviations in an expectations file."
    parser.add_argument("--expectations", required=True, metavar="FILE", help="expectations JSON (docs/expectations.md)")
    parser.add_argument("--requirements", metavar="FILE",
                        help="requirement catalog, for exercised_when in the notes "
                             "(default: requirements.json beside the results, if there is one)")
    parser.add_argument("--json", metavar="FILE", help="also write the outcome as JSON (counts, problems, entries)")
    parser.add_argument("results", nargs="+", metavar="RESULTS", help="results.jsonl files or datasets")


def run(args) -> int:
    expectations = load_expectations(args.expectations)
    todo = expectations.todo()
    if todo:
        raise UsageError(f"{args.expectations}: {len(todo)} entr{'y' if len(todo) == 1 else 'ies'} still marked "
                         f"TODO (first: {todo[0].where}, {todo[0].selector()}): write the reason and check "
                         f"the signature before gating")
    result_set, catalog, _ = load_inputs(args.results, getattr(args, "requirements", None))
    statements = ({sid: {"level": s.level, "exercised_when": s.exercised_when}
                   for sid, s in catalog.statements.items()} if catalog else None)
    outcome = evaluate(result_set.results, expectations.entries, statements)
    for problem in outcome.problems:
        print(problem.line())
    for note in outcome.notes:
        print(f"note: {one_line(note, 400)}")
    print(outcome.summary())
    if getattr(args, "json", None):
        from .collate import write_files_atomically

        write_files_atomically({args.json: json.dumps(outcome.to_json(), indent=1, ensure_ascii=False) + "\n"})
    return EXIT_OK if outcome.ok else EXIT_PROBLEMS


def main(argv=None) -> int:
    from .errors import main_for

    return main_for(add_arguments, run, "wsaconform gate", argv)


if __name__ == "__main__":
    raise SystemExit(main())
