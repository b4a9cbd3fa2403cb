"""wsaconform gate: do the results match the known deviations?

Exit 0 when they do; 1 when there is a problem, one line per problem:

  NEW FAILURE      a FAIL/BROKEN/TIMEOUT/CRASH result no expectation covers
  CHANGED          a result an expectation names, with another verdict or
                   observed signature than the expectation records
  UNEXPECTED PASS  an expectation that no longer happens (the case passes):
                   it is stale and must be removed or updated

followed by a summary line. Exit 2 for unusable input (UsageError).
The rules are in docs/expectations.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from .collate import load_inputs
from .expectations import Expectation, load_expectations
from .results import OK_VERDICTS, CaseResult, clean, observed_text

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

    def line(self) -> str:
        return f"{self.kind}: {one_line(self.text, 400)}"


@dataclass
class GateOutcome:
    problems: list[Problem]
    checked: int
    expected: int  # failing results an expectation covered
    unexercised: list[Expectation]  # matched no result at all (partial runs)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            line = f"gate: OK: {self.checked} results checked, {self.expected} known deviation(s) matched"
        else:
            counts = {}
            for p in self.problems:
                counts[p.kind] = counts.get(p.kind, 0) + 1
            listed = ", ".join(f"{n} {kind.lower()}" for kind, n in counts.items())
            line = (f"gate: FAILED: {listed}; {self.checked} results checked, "
                    f"{self.expected} known deviation(s) matched")
        if self.unexercised:
            line += f"; {len(self.unexercised)} expectation(s) matched no result"
        return line


def evaluate(results: list[CaseResult], entries: list[Expectation]) -> GateOutcome:
    problems: list[Problem] = []
    expected = 0
    applied: dict[int, list[CaseResult]] = {i: [] for i in range(len(entries))}
    covered: set[int] = set()

    for result in results:
        where = f"{result.id} on {result.provider.label}"
        applicable = [(i, e) for i, e in enumerate(entries) if e.applies_to(result)]
        for i, _ in applicable:
            applied[i].append(result)

        covering = [i for i, e in applicable if e.covers(result)]
        covered.update(covering)
        if result.verdict in OK_VERDICTS:
            # Only an entry naming cases claims this very case deviates; a
            # statement-wide entry covers "some case of S26", see the staleness check below.
            claims = [e for _, e in applicable if e.per_case]
            if claims and not any(e.covers(result) for e in claims):
                wanted = " or ".join(f"{e.describe()} ({e.where})" for e in claims)
                if result.verdict == "PASS":
                    problems.append(Problem(
                        "UNEXPECTED PASS", f"{where}: expected {wanted}; it passes now, the expectation is stale"))
                else:
                    problems.append(Problem("CHANGED", f"{where}: expected {wanted}, got {_got(result)}"))
            elif covering:
                expected += 1
            continue

        if covering:
            expected += 1
        elif applicable:
            wanted = " or ".join(f"{e.describe()} ({e.where})" for _, e in applicable)
            problems.append(Problem("CHANGED", f"{where}: expected {wanted}, got {_got(result)}"))
        else:
            statements = " ".join(result.statements)
            problems.append(Problem("NEW FAILURE", f"{where} [{statements}]: {_got(result)}"))

    for i, e in enumerate(entries):
        if e.per_case or i in covered or not applied[i]:
            continue
        # A statement-wide entry none of whose cases deviate any more. When some
        # of them fail differently that was reported as CHANGED already.
        if all(r.verdict in OK_VERDICTS for r in applied[i]):
            providers = sorted({r.provider.label for r in applied[i]})
            problems.append(Problem(
                "UNEXPECTED PASS",
                f"{e.selector()} on {', '.join(providers)}: expected {e.describe()} ({e.where}); "
                f"none of its {len(applied[i])} case result(s) deviate now, the expectation is stale"))

    unexercised = [e for i, e in enumerate(entries) if not applied[i]]
    return GateOutcome(problems=problems, checked=len(results), expected=expected, unexercised=unexercised)


def add_arguments(parser) -> None:
    parser.description = "Compare results with the known deviations in an expectations file."
    parser.add_argument("--expectations", required=True, metavar="FILE", help="expectations JSON (docs/expectations.md)")
    parser.add_argument("results", nargs="+", metavar="RESULTS", help="results.jsonl files or datasets")


def run(args) -> int:
    expectations = load_expectations(args.expectations)
    result_set, _, _ = load_inputs(args.results, auto_catalog=False)
    outcome = evaluate(result_set.results, expectations.entries)
    for problem in outcome.problems:
        print(problem.line())
    print(outcome.summary())
    return EXIT_OK if outcome.ok else EXIT_PROBLEMS


def main(argv=None) -> int:
    from .errors import main_for

    return main_for(add_arguments, run, "wsaconform gate", argv)


if __name__ == "__main__":
    raise SystemExit(main())
