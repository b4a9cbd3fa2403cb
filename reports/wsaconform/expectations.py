"""The expectations file: known deviations per provider build, with evidence.

The format (version 2) is documented in docs/expectations.md. An entry names
the statement that deviates and how (its signature: the violated checks of
that statement, with their observed values), or, for a case that cannot
finish on that build, the case verdict (NOT_SUPPORTED, BROKEN, TIMEOUT,
CRASH). This module reads and validates the file strictly (an unknown key
is an error, so a typo cannot quietly turn an expectation off) and answers
which entries apply to a result and which violations they cover.

Version 1 files (case verdicts with observed values, no statement) are
refused with how to re-derive them; `wsaconform expectations derive` reads
them only to carry their reasons over.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from .errors import UsageError
from .results import CaseResult, read_text

FORMAT = "wsaconform-expectations"
FORMAT_VERSION = 2
# Case verdicts an entry may expect; a FAIL is expected per statement, by signature.
EXPECTABLE_VERDICTS = ("NOT_SUPPORTED", "BROKEN", "TIMEOUT", "CRASH")
TODO = "TODO"

_TOP_KEYS = {"format", "version", "description", "providers"}
_BLOCK_KEYS = {"provider", "build", "mutant", "description", "expect"}
_ENTRY_KEYS = {"case", "statement", "signature", "verdict", "message_contains", "reason", "evidence", "issue"}
_ITEM_KEYS = {"check", "observed", "message_contains"}


def same_check(a: str, b: str) -> bool:
    """Check texts compare with runs of white space folded (a reformatted line is the same check)."""
    return " ".join(a.split()) == " ".join(b.split())


def is_todo(text: str | None) -> bool:
    return isinstance(text, str) and text.strip().upper().startswith(TODO)


@dataclass(frozen=True)
class ProviderMatch:
    provider: str  # glob on the provider name
    build: str = "*"  # glob on the build string
    mutant: str = ""  # glob on the mutant name; "" matches unmutated runs only

    def matches(self, result: CaseResult) -> bool:
        return _provider_matches(self, result.provider)


@functools.lru_cache(maxsize=None)
def _provider_matches(match: ProviderMatch, key) -> bool:
    return (fnmatchcase(key.provider, match.provider) and fnmatchcase(key.build, match.build)
            and fnmatchcase(key.mutant, match.mutant))


@dataclass(frozen=True)
class SignatureItem:
    """One violated check: its text, and the observed values it may show."""

    check: str
    observed: tuple[str, ...] | None = None  # None: any value
    message_contains: str | None = None

    def matches(self, violation: dict) -> bool:
        if not same_check(violation.get("check", ""), self.check):
            return False
        if self.observed is not None and violation.get("observed", "") not in self.observed:
            return False
        return self.message_contains is None or self.message_contains in violation.get("message", "")

    def to_json(self) -> dict:
        item: dict[str, Any] = {"check": self.check}
        if self.observed is not None:
            item["observed"] = self.observed[0] if len(self.observed) == 1 else list(self.observed)
        if self.message_contains is not None:
            item["message_contains"] = self.message_contains
        return item

    def describe(self) -> str:
        text = self.check
        if self.observed is not None:
            text += " observed " + " or ".join(self.observed)
        if self.message_contains is not None:
            text += f" (message containing {json.dumps(self.message_contains, ensure_ascii=False)})"
        return text


def covers(signature: tuple[SignatureItem, ...], violations: list[dict]) -> bool:
    """Every violation is one the signature lists, and every item of the signature happened."""
    if not violations:
        return False
    return (all(any(item.matches(v) for item in signature) for v in violations)
            and all(any(item.matches(v) for v in violations) for item in signature))


def violations_text(violations: list[dict], limit: int = 3) -> str:
    parts = []
    for v in violations[:limit]:
        text = v.get("check", "")
        if v.get("observed") or v.get("expected"):
            text += f" observed {v.get('observed', '')}, expected {v.get('expected', '')}"
        parts.append(text)
    if len(violations) > limit:
        parts.append(f"{len(violations) - limit} more")
    return "; ".join(parts)


@dataclass(frozen=True)
class Expectation:
    where: str  # "providers[0].expect[2]", for messages
    match: ProviderMatch
    cases: tuple[str, ...]  # globs on the case ID; any one matching suffices
    reason: str
    evidence: str
    statement: str | None = None
    signature: tuple[SignatureItem, ...] | None = None  # a deviation of `statement`
    verdict: str | None = None  # or a case verdict
    message_contains: str | None = None
    issue: str | None = None

    @property
    def is_deviation(self) -> bool:
        return self.signature is not None

    @functools.cached_property
    def _globs(self) -> list[tuple[str, re.Pattern]]:
        """Each glob with its longest literal part, a cheap test before the pattern."""
        return [(max(re.split(r"[*?\[\]]", glob), key=len), re.compile(fnmatch.translate(glob)))
                for glob in self.cases]

    @functools.cached_property
    def segments(self) -> frozenset[str] | None:
        """A literal '/'-separated part of the case ID each glob requires ("Suite.Name" of
        "*/Suite.Name/*Port"), for looking entries up by case; None when some glob has none."""
        found = set()
        for glob in self.cases:
            literal = [part for part in glob.split("/") if part and not re.search(r"[*?\[\]]", part)]
            if not literal:
                return None
            found.add(max(literal, key=len))
        return frozenset(found)

    def names_case(self, case_id: str) -> bool:
        return any(core in case_id and pattern.match(case_id) for core, pattern in self._globs)

    def case_matches(self, result: CaseResult) -> bool:
        return self.match.matches(result) and self.names_case(result.id)

    def applies_to(self, result: CaseResult) -> bool:
        """The entry speaks about this result: its provider, one of its cases, and its statement claimed."""
        if not self.case_matches(result):
            return False
        return self.statement is None or self.statement in result.statements

    def covers_violations(self, violations: list[dict]) -> bool:
        return self.signature is not None and covers(self.signature, violations)

    def covers_outcome(self, result: CaseResult) -> bool:
        return (self.verdict == result.verdict
                and (self.message_contains is None or self.message_contains in result.message))

    def describe(self) -> str:
        if self.signature is not None:
            return f"{self.statement}: " + "; ".join(item.describe() for item in self.signature)
        text = self.verdict or ""
        if self.message_contains is not None:
            text += f" with message containing {json.dumps(self.message_contains, ensure_ascii=False)}"
        return text

    def selector(self) -> str:
        cases = self.cases[0] if len(self.cases) == 1 else "[" + ", ".join(self.cases) + "]"
        return f"case {cases}" + (f", statement {self.statement}" if self.statement else "")


@dataclass
class Expectations:
    path: str
    entries: list[Expectation]

    def todo(self) -> list[Expectation]:
        """Entries still marked TODO (a drafted reason or signature nobody has written)."""
        return [e for e in self.entries if is_todo(e.reason) or is_todo(e.evidence) or is_todo(e.statement)
                or any(is_todo(item.check) for item in e.signature or ())]


def v1_refusal(path: str) -> str:
    return (f"expectations format version 1 records case verdicts, not the statements that deviate; "
            f"re-derive it from a run: wsaconform expectations derive RESULTS... --from {path} --out NEW.json "
            f"(docs/expectations.md)")


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
    if obj.get("format") != FORMAT:
        raise bad("", f"'format' must be {FORMAT!r}")
    if obj.get("version") == 1:
        raise bad("", v1_refusal(path))
    no_unknown_keys(obj, _TOP_KEYS, "")
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
            entries.append(_entry(entry, ewhere, match, bad, text))
    return Expectations(path=path, entries=entries)


def _entry(entry: dict, ewhere: str, match: ProviderMatch, bad, text) -> Expectation:
    cases = entry.get("case")
    if isinstance(cases, str):
        cases = [cases]
    if not isinstance(cases, list) or not cases or not all(isinstance(c, str) and c.strip() for c in cases):
        raise bad(ewhere, "needs 'case': a case ID or glob, or a non-empty array of them")
    statement = text(entry, "statement", ewhere, required=False)
    has_signature, has_verdict = "signature" in entry, "verdict" in entry
    if has_signature == has_verdict:
        raise bad(ewhere, "needs exactly one of 'signature' (how a statement deviates) and 'verdict' "
                          f"(a case that ends {', '.join(EXPECTABLE_VERDICTS)})")
    signature = None
    verdict = None
    message_contains = entry.get("message_contains")
    if has_signature:
        if statement is None:
            raise bad(ewhere, "a 'signature' needs the 'statement' it deviates from")
        if message_contains is not None:
            raise bad(ewhere, "'message_contains' belongs in a signature item, or on a 'verdict' entry")
        signature = _signature(entry["signature"], ewhere, bad)
    else:
        verdict = entry["verdict"]
        if verdict not in EXPECTABLE_VERDICTS:
            hint = " (a failing check is expected by 'statement' and 'signature')" if verdict == "FAIL" else ""
            raise bad(ewhere, f"'verdict' must be one of {', '.join(EXPECTABLE_VERDICTS)}, got {verdict!r}{hint}")
        if message_contains is not None and (not isinstance(message_contains, str) or not message_contains):
            raise bad(ewhere, "'message_contains' must be a non-empty string")
    return Expectation(
        where=ewhere, match=match, cases=tuple(cases), statement=statement, signature=signature, verdict=verdict,
        message_contains=message_contains,
        reason=text(entry, "reason", ewhere, required=True),
        evidence=text(entry, "evidence", ewhere, required=True),
        issue=text(entry, "issue", ewhere, required=False),
    )


def _signature(value, ewhere: str, bad) -> tuple[SignatureItem, ...]:
    if not isinstance(value, list) or not value:
        raise bad(ewhere, "'signature' must be a non-empty array of violated checks")
    items = []
    for n, item in enumerate(value):
        iwhere = f"{ewhere}.signature[{n}]"
        if not isinstance(item, dict):
            raise bad(iwhere, "must be an object with 'check'")
        unknown = sorted(set(item) - _ITEM_KEYS)
        if unknown:
            raise bad(iwhere, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_ITEM_KEYS))})")
        check = item.get("check")
        if not isinstance(check, str) or not check.strip():
            raise bad(iwhere, "'check' must be the check's text, e.g. \"WSAC_EXPECT_EQ(ind->error, 0u)\"")
        observed = item.get("observed")
        if observed is not None:
            options = observed if isinstance(observed, list) else [observed]
            if not options or not all(isinstance(o, str) for o in options):
                raise bad(iwhere, "'observed' must be the observed value as the result shows it (a string), "
                                  "or a non-empty array of such values")
            observed = tuple(options)
        contains = item.get("message_contains")
        if contains is not None and (not isinstance(contains, str) or not contains):
            raise bad(iwhere, "'message_contains' must be a non-empty string")
        items.append(SignatureItem(check=check, observed=observed, message_contains=contains))
    return tuple(items)


def load_json(path: str, what: str = "expectations file") -> Any:
    source = read_text(path, what)
    try:
        return json.loads(source)
    except json.JSONDecodeError as err:
        raise UsageError(f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None


def load_expectations(path: str) -> Expectations:
    return expectations_from_json(load_json(path), path)
