"""The expectations file: known deviations per provider build, with evidence.

The format is documented in docs/expectations.md; this module reads and
validates it strictly (an unknown key is an error, so a typo cannot quietly
turn an expectation off) and answers which expectations apply to a result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from .errors import UsageError
from .results import CaseResult, read_text

FORMAT = "wsaconform-expectations"
FORMAT_VERSION = 1
# PASS is never expected: a passing case needs no entry.
EXPECTABLE_VERDICTS = ("FAIL", "NOT_SUPPORTED", "BROKEN", "TIMEOUT", "CRASH")

_TOP_KEYS = {"format", "version", "description", "providers"}
_BLOCK_KEYS = {"provider", "build", "mutant", "description", "expect"}
_ENTRY_KEYS = {"case", "statement", "verdict", "observed", "message_contains", "reason", "evidence", "issue"}


@dataclass(frozen=True)
class ProviderMatch:
    provider: str  # glob on the provider name
    build: str = "*"  # glob on the build string
    mutant: str = ""  # glob on the mutant name; "" matches unmutated runs only

    def matches(self, result: CaseResult) -> bool:
        key = result.provider
        return (fnmatchcase(key.provider, self.provider) and fnmatchcase(key.build, self.build)
                and fnmatchcase(key.mutant, self.mutant))


@dataclass(frozen=True)
class Expectation:
    where: str  # "providers[0].expect[2]", for messages
    match: ProviderMatch
    verdict: str
    reason: str
    evidence: str
    case: str | None = None  # glob on the case ID
    statement: str | None = None  # a statement ID the case is tagged with
    observed: dict[str, Any] = field(default_factory=dict)
    message_contains: str | None = None
    issue: str | None = None

    @property
    def per_case(self) -> bool:
        """Names cases: each matching case is claimed to end with this verdict."""
        return self.case is not None

    def applies_to(self, result: CaseResult) -> bool:
        if not self.match.matches(result):
            return False
        if self.case is not None and not fnmatchcase(result.id, self.case):
            return False
        if self.statement is not None and self.statement not in result.statements:
            return False
        return True

    def covers(self, result: CaseResult) -> bool:
        """The result is this known deviation: same verdict, same observed signature."""
        if result.verdict != self.verdict:
            return False
        for key, wanted in self.observed.items():
            if key not in result.observed:
                return False
            got = result.observed[key]
            options = wanted if isinstance(wanted, list) else [wanted]
            if not any(_same(got, option) for option in options):
                return False
        if self.message_contains is not None and self.message_contains not in result.message:
            return False
        return True

    def describe(self) -> str:
        parts = [self.verdict]
        if self.observed:
            parts.append(json.dumps(self.observed, ensure_ascii=False, sort_keys=True))
        if self.message_contains is not None:
            parts.append(f"message containing {json.dumps(self.message_contains, ensure_ascii=False)}")
        return " ".join(parts)

    def selector(self) -> str:
        if self.case is not None and self.statement is not None:
            return f"case {self.case} (statement {self.statement})"
        return f"case {self.case}" if self.case is not None else f"statement {self.statement}"


def _same(a, b) -> bool:
    # JSON true is not 1 and "10045" is not 10045: a signature names exact values.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


@dataclass
class Expectations:
    path: str
    entries: list[Expectation]


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def expectations_from_json(obj: Any, path: str) -> Expectations:
    def bad(where: str, why: str) -> UsageError:
        return UsageError(f"{path}: {where + ': ' if where else ''}{why}")

    def text(container: dict, key: str, where: str, *, required: bool) -> str | None:
        value = container.get(key)
        if value is None:
            if required:
                raise bad(where, f"missing {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            raise bad(where, f"{key!r} must be a non-empty string")
        return value

    def no_unknown_keys(container: dict, allowed: set, where: str) -> None:
        unknown = sorted(set(container) - allowed)
        if unknown:
            raise bad(where, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")

    if not isinstance(obj, dict):
        raise bad("", "expected a JSON object")
    no_unknown_keys(obj, _TOP_KEYS, "")
    if obj.get("format") != FORMAT:
        raise bad("", f"'format' must be {FORMAT!r}")
    if obj.get("version") != FORMAT_VERSION:
        raise bad("", f"'version' must be {FORMAT_VERSION}, got {obj.get('version')!r}")
    blocks = obj.get("providers")
    if not isinstance(blocks, list):
        raise bad("", "'providers' must be an array")
    entries = []
    for b, block in enumerate(blocks):
        where = f"providers[{b}]"
        if not isinstance(block, dict):
            raise bad(where, "must be an object")
        no_unknown_keys(block, _BLOCK_KEYS, where)
        match = ProviderMatch(
            provider=text(block, "provider", where, required=True),
            build=text(block, "build", where, required=False) or "*",
            mutant=block.get("mutant", ""),
        )
        if not isinstance(match.mutant, str):
            raise bad(where, "'mutant' must be a string")
        expect = block.get("expect")
        if not isinstance(expect, list):
            raise bad(where, "'expect' must be an array")
        for e, entry in enumerate(expect):
            ewhere = f"{where}.expect[{e}]"
            if not isinstance(entry, dict):
                raise bad(ewhere, "must be an object")
            no_unknown_keys(entry, _ENTRY_KEYS, ewhere)
            case = text(entry, "case", ewhere, required=False)
            statement = text(entry, "statement", ewhere, required=False)
            if case is None and statement is None:
                raise bad(ewhere, "needs 'case' (an ID or glob) or 'statement' (a statement ID)")
            verdict = entry.get("verdict")
            if verdict not in EXPECTABLE_VERDICTS:
                raise bad(ewhere, f"'verdict' must be one of {', '.join(EXPECTABLE_VERDICTS)}, got {verdict!r}")
            observed = entry.get("observed", {})
            if not isinstance(observed, dict):
                raise bad(ewhere, "'observed' must be an object of observed key to value")
            for key, value in observed.items():
                ok = _is_scalar(value) or (isinstance(value, list) and value and all(_is_scalar(v) for v in value))
                if not ok:
                    raise bad(ewhere, f"observed {key!r} must be a value or a non-empty array of values")
            message_contains = entry.get("message_contains")
            if message_contains is not None and (not isinstance(message_contains, str) or not message_contains):
                raise bad(ewhere, "'message_contains' must be a non-empty string")
            entries.append(Expectation(
                where=ewhere, match=match, verdict=verdict,
                reason=text(entry, "reason", ewhere, required=True),
                evidence=text(entry, "evidence", ewhere, required=True),
                case=case, statement=statement, observed=dict(observed),
                message_contains=message_contains, issue=text(entry, "issue", ewhere, required=False),
            ))
    return Expectations(path=path, entries=entries)


def load_expectations(path: str) -> Expectations:
    source = read_text(path, "expectations file")
    try:
        obj = json.loads(source)
    except json.JSONDecodeError as err:
        raise UsageError(f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None
    return expectations_from_json(obj, path)
