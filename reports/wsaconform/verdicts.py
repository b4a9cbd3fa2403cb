"""Statement verdicts from the checks of each statement, never from case verdicts.

A case claims statements (its tags); its result line says, per statement,
how many checks held, which were violated, and why a statement it claims was
not put to the test ("checks"). A statement's verdict on one provider comes
from the claiming cases' checks of that statement alone:

  DEVIATES       a check of the statement was violated in a claiming case
  UNKNOWN        none was, but a claiming case was BROKEN, TIMEOUT or CRASH
                 (or FAILed with no violated check on record, e.g. a line
                 from a runner that did not record checks)
  CONFORMS       some check of the statement held (a MAY statement: or a
                 claiming case reported what it saw, Report())
  NOT_SUPPORTED  every claiming case was NOT_SUPPORTED
  UNEXERCISED    claiming cases ran, none put the statement to the test
  NOT_TESTED     no case claims it, or it is INFO

Pure and dependency-free: it reads result lines as plain dicts, so the
terminal table can be printed even when the reporting modules cannot load.
"""

from __future__ import annotations

import re
from collections import Counter

STATEMENT_VERDICTS = ("CONFORMS", "DEVIATES", "UNKNOWN", "UNEXERCISED", "NOT_SUPPORTED", "NOT_TESTED")
UNKNOWN_CASE_VERDICTS = frozenset({"BROKEN", "TIMEOUT", "CRASH"})

# Why a claiming instance did not exercise a statement when the case said nothing.
NO_RECORD = "no per-check record (the line was made up after a crash, or written by an older runner)"
REPORTED_ONLY = "reported what it saw, checked nothing (a Report answers only a MAY statement)"


def _no_reason(verdict: str) -> str:
    if verdict == "NOT_SUPPORTED":
        return "the case was NOT_SUPPORTED"
    if verdict in UNKNOWN_CASE_VERDICTS:
        return f"the case was {verdict}"
    if verdict == "FAIL":
        return "the case failed before checking it"
    return "no reason given"


def has_violation(record: dict) -> bool:
    checks = record.get("checks")
    return isinstance(checks, dict) and any(c.get("violated", 0) > 0 for c in checks.values())


class Tally:
    """What the claiming instances of one statement on one provider showed."""

    def __init__(self, statement: str, level: str = "", exercised_when: str = "") -> None:
        self.statement = statement
        self.level = level
        self.exercised_when = exercised_when
        self.instances = 0
        self.exercised = 0
        self.checks_held = 0
        self.checks_violated = 0
        self.violations: list[dict] = []
        self.reasons: Counter = Counter()
        self.cases: dict[str, str] = {}
        self._violated: list[dict] = []  # records with a violated check of the statement
        self._unknown: list[dict] = []
        self._conforming: list[dict] = []
        self._not_supported: list[dict] = []

    def add(self, record: dict) -> None:
        """One result line of a case that claims the statement."""
        sid, verdict = self.statement, record.get("verdict", "")
        self.instances += 1
        self.cases[record.get("id", "")] = verdict
        all_checks = record.get("checks")
        checks = all_checks.get(sid) if isinstance(all_checks, dict) else None
        checks = checks or {}
        held, violated = int(checks.get("held", 0)), int(checks.get("violated", 0))
        self.checks_held += held
        self.checks_violated += violated
        reported = self.level == "MAY" and sid in (record.get("reports") or {})
        exercised = bool(checks.get("exercised")) or held > 0 or violated > 0 or reported
        if exercised:
            self.exercised += 1
        else:
            reasons = [r for r in checks.get("not_exercised") or [] if isinstance(r, str)]
            if not reasons:
                if not isinstance(all_checks, dict) and verdict not in UNKNOWN_CASE_VERDICTS:
                    reasons = [NO_RECORD]
                elif sid in (record.get("reports") or {}) and verdict == "PASS":
                    reasons = [REPORTED_ONLY]
                else:
                    reasons = [_no_reason(verdict)]
            self.reasons.update(reasons)
        if violated:
            self._violated.append(record)
            for v in checks.get("violations") or []:
                self.violations.append({"case": record.get("id", ""), **{
                    k: v.get(k, "") for k in ("check", "where", "message", "observed", "expected")}})
        if verdict in UNKNOWN_CASE_VERDICTS or (verdict == "FAIL" and not has_violation(record)):
            self._unknown.append(record)
        if held > 0 or reported:
            self._conforming.append(record)
        if verdict == "NOT_SUPPORTED":
            self._not_supported.append(record)

    @property
    def verdict(self) -> str:
        if self.level == "INFO" or not self.instances:
            return "NOT_TESTED"
        if self._violated:
            return "DEVIATES"
        if self._unknown:
            return "UNKNOWN"
        if self._conforming:
            return "CONFORMS"
        if len(self._not_supported) == self.instances:
            return "NOT_SUPPORTED"
        return "UNEXERCISED"

    def deciding(self) -> list[dict]:
        """The result lines that decided the verdict (none for UNEXERCISED and NOT_TESTED)."""
        return {"DEVIATES": self._violated, "UNKNOWN": self._unknown, "CONFORMS": self._conforming,
                "NOT_SUPPORTED": self._not_supported}.get(self.verdict, [])

    def reason_counts(self) -> list[dict]:
        return [{"reason": reason, "instances": n} for reason, n in self.reasons.most_common()]

    def exercise_text(self) -> str:
        """"E of N instances", with why the rest were not exercised when none was.

        The catalog's exercised_when names the condition that puts a
        conditional statement to the test ("the call returned 0"); without
        one, the cases' own reasons are shown, most frequent first.
        """
        if not self.instances:
            return "no claiming case"
        plural = "instance" if self.instances == 1 else "instances"
        text = f"{self.exercised} of {self.instances} {plural}"
        if self.exercised == 0 and self.verdict == "UNEXERCISED":
            text += f" ({self.why_not()})"
        return text

    def why_not(self) -> str:
        if self.exercised_when:
            return self.exercised_when
        return "; ".join(f"{reason} ×{n}" if n > 1 else reason for reason, n in self.reasons.most_common(3)) + (
            f"; {len(self.reasons) - 3} more reason(s)" if len(self.reasons) > 3 else "")


def tally(records, statements: dict[str, dict] | None = None) -> dict[str, Tally]:
    """Statement id -> Tally over result lines of one provider.

    statements: id -> {"level", "exercised_when"} from the catalog; statements
    the results claim but the catalog lacks are tallied with level "".
    """
    statements = statements or {}
    tallies: dict[str, Tally] = {}
    for sid, info in statements.items():
        tallies[sid] = Tally(sid, info.get("level", ""), info.get("exercised_when", "") or "")
    for record in records:
        for sid in record.get("statements") or []:
            if sid not in tallies:
                info = statements.get(sid, {})
                tallies[sid] = Tally(sid, info.get("level", ""), info.get("exercised_when", "") or "")
            tallies[sid].add(record)
    return tallies


_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str):
    """S2 before S10; EVT-1 after S27 (letters first, then numbers)."""
    return [int(part) if part.isdigit() else part for part in _NATURAL.split(text)]
