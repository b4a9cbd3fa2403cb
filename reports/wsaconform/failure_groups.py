"""Failures grouped by case body and deviation signature.

A case body (one TEST_P, "Failed/BadInput.BufferCountZero") runs once per
parameter instance ("Tcp4EventWSARecv"); a provider that deviates usually
deviates the same way in many of them. One group is one body failing one
way on one provider: the instances, named compactly ("Tcp4/Udp4 × 4
mechanisms × 4 calls"), and the violated checks with observed and expected
values, shown once.

The signature of a failed result is what the gate compares: per violated
statement, each violated check with its observed and expected values. A
case that could not finish (BROKEN, TIMEOUT, CRASH) is signed by its verdict
and message; a line without per-check records (an older runner) by its
message, with the instance's own parameter words masked so the instances of
one body can meet.

The same grouping serves the report's failures section and `wsaconform diff`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .results import OK_VERDICTS, clean
from .verdicts import natural_key

# ---- instance names ------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    """A case id split into its instantiation prefix, body and parameter."""

    id: str
    prefix: str  # "Failed" ("" for a plain TEST)
    body: str  # "BadInput.BufferCountZero"
    param: str  # "Tcp4EventWSARecv" ("" for a plain TEST)

    @property
    def body_key(self) -> str:
        return f"{self.prefix}/{self.body}" if self.prefix else self.body

    @property
    def short(self) -> str:
        """What tells it apart from the other instances of its body."""
        return self.param or self.body


def instance(case_id: str, suite: str = "", name: str = "") -> Instance:
    """"Prefix/Suite.Name/Param" split into its parts; ids of other shapes are a body of their own."""
    body = f"{suite}.{name}" if suite and name else ""
    at = case_id.find(body) if body else -1
    if at < 0:
        parts = case_id.split("/")
        if len(parts) == 3 and "." in parts[1]:
            return Instance(case_id, parts[0], parts[1], parts[2])
        return Instance(case_id, "", case_id, "")
    before, after = case_id[:at], case_id[at + len(body):]
    if (before and not before.endswith("/")) or (after and not after.startswith("/")):
        return Instance(case_id, "", case_id, "")
    return Instance(case_id, before[:-1], body, after[1:])


# The parameter generators name instances by gluing words: Tcp4 + Event + WSARecvFrom.
_ATOM = re.compile(r"(?:WSA|Non)?[A-Z][a-z]*\d*(?:From|To|Pointer)?|\d+")

# Words of one kind, so that all four of them can be called "4 mechanisms".
_KINDS = (
    ("socket kinds", {"Tcp4", "Tcp6", "Udp4", "Udp6"}),
    ("mechanisms", {"Event", "Routine", "Port", "Polling"}),
    ("calls", {"WSARecv", "WSARecvFrom", "WSASend", "WSASendTo", "WSAIoctl"}),
    ("modes", {"Blocking", "NonBlocking"}),
    ("ways of creating the socket", {"Socket", "WSASocket"}),
    ("ioctls", {"ExtensionPointer", "Fionbio", "Fionread"}),
)


def atoms(param: str) -> tuple[str, ...]:
    """"Tcp4EventWSARecvFrom" -> ("Tcp4", "Event", "WSARecvFrom"); a name of another shape is one atom."""
    found = tuple(_ATOM.findall(param))
    return found if "".join(found) == param and found else (param,)


def _kind(values) -> str | None:
    for name, words in _KINDS:
        if set(values) <= words:
            return name
    return None


def describe_instances(chosen: list[Instance], body: list[Instance]) -> str:
    """"Tcp4/Udp4 × 4 mechanisms × 4 calls" when the chosen instances are every combination of their
    words; "all the body has: ..." when they are every instance of a body that has only some of the
    combinations; otherwise "some of Tcp4/Udp4 × Event/Port × WSARecv"."""
    params = [c.param for c in chosen]
    if not all(params):
        return ""
    if len(chosen) == 1:
        return chosen[0].param
    split = [atoms(p) for p in params]
    width = len(split[0])
    if any(len(a) != width for a in split):
        return ""
    everyone = [atoms(c.param) for c in body if c.param and len(atoms(c.param)) == width]
    parts = []
    product = 1
    for d in range(width):
        values = _ordered({a[d] for a in split}, [a[d] for a in everyone])
        all_values = {a[d] for a in everyone}
        product *= len(values)
        if len(all_values) == 1:
            continue  # the same in every instance of the body: says nothing
        kind = _kind(values)
        if len(values) > 2 and set(values) == all_values and kind:
            parts.append(f"{len(values)} {kind}")
        else:
            parts.append("/".join(values))
    text = " × ".join(parts)
    if product == len(set(params)):
        return text
    if set(params) == {c.param for c in body}:
        return f"all the body has: {text}"
    return f"some of {text}"


def _ordered(values: set[str], order: list[str]) -> list[str]:
    seen: list[str] = []
    for v in order:
        if v in values and v not in seen:
            seen.append(v)
    return seen + sorted(values - set(seen), key=natural_key)


# ---- signatures ----------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(str(text).split())


_PATH = re.compile(r"(?:\.\./)+")


def legacy_message(message: str, inst: Instance) -> str:
    """A message with the instance's own parameter words masked, for lines without per-check records."""
    text = _PATH.sub("", clean(message or ""))
    if inst.param:
        text = text.replace(inst.param, "‹instance›")
        for atom in sorted(set(atoms(inst.param)), key=len, reverse=True):
            if len(atom) > 2:
                text = re.sub(rf"(?<![A-Za-z]){re.escape(atom)}(?![a-z])", "‹" + (_kind([atom]) or "word")
                              .rstrip("s") + "›", text)
    return text.strip()


def violated(entry: dict) -> dict[str, list[dict]]:
    """statement -> its violated checks, for one case result (dataset entry or result line)."""
    out = {}
    for sid, c in (entry.get("checks") or {}).items():
        if c.get("violated", 0) > 0:
            out[sid] = c.get("violations") or [{"check": "(violation not kept)", "where": "", "message": "",
                                                  "observed": "", "expected": ""}]
    return out


def signature(entry: dict, inst: Instance) -> tuple:
    """What makes two failures of one body "the same way"."""
    by_statement = violated(entry)
    if by_statement:
        return ("checks",) + tuple(sorted(
            (sid, _fold(v.get("check", "")), clean(v.get("observed", "")), clean(v.get("expected", "")))
            for sid, vs in by_statement.items() for v in vs))
    verdict = entry.get("verdict", "")
    if entry.get("harness_errors"):
        return ("harness", verdict) + tuple(legacy_message(e, inst) for e in entry["harness_errors"])
    kind = "outcome" if verdict != "FAIL" else ("legacy" if entry.get("checks") is None else "nocheck")
    return (kind, verdict, legacy_message(entry.get("message", ""), inst))


# ---- groups --------------------------------------------------------------------


@dataclass
class Member:
    inst: Instance
    entry: dict  # the dataset's case result


@dataclass
class Group:
    provider: str
    body_key: str
    body: str
    signature: tuple
    verdict: str
    statements: list[str]
    members: list[Member] = field(default_factory=list)
    body_instances: list[Instance] = field(default_factory=list)  # every instance of the body on any provider
    known: list[dict] = field(default_factory=list)  # expectations entries that accept it: {"where", "reason", ...}
    gate_problems: list[dict] = field(default_factory=list)  # gate.json problems about its results
    anchor: str = ""

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def accepted(self) -> bool:
        """Known: entries cover it, none still waiting for its reason (the gate refuses those), and the
        gate, when it ran, found nothing wrong with it."""
        return bool(self.known) and not self.gate_problems and not self.todo

    @property
    def todo(self) -> bool:
        return any(k.get("todo") for k in self.known)

    @property
    def instances_text(self) -> str:
        return describe_instances([m.inst for m in self.members], self.body_instances)

    @property
    def violations(self) -> list[dict]:
        """The violated checks, once: those of the first instance (the signature makes them the same),
        a check violated several times with the same values counted ("times")."""
        first = self.members[0].entry
        out: dict[tuple, dict] = {}
        for sid, vs in violated(first).items():
            for v in vs:
                key = (sid, _fold(v.get("check", "")), v.get("observed", ""), v.get("expected", ""))
                if key in out:
                    out[key]["times"] += 1
                else:
                    out[key] = {"statement": sid, **v, "times": 1}
        return list(out.values())

    @property
    def violated_statements(self) -> list[str]:
        seen: list[str] = []
        for v in self.violations:
            if v["statement"] not in seen:
                seen.append(v["statement"])
        return seen

    @property
    def kind(self) -> str:
        return self.signature[0]

    def headline(self) -> str:
        """"BufferCountZero: 32 instances (Tcp4/Udp4 × 4 mechanisms × 4 calls) fail BAD-1 the same way: ..."."""
        name = self.body.split(".", 1)[-1]
        n = self.count
        parameterised = bool(self.members[0].inst.param)
        if not parameterised:
            subject, plural = "the case", False
        elif n == 1:
            subject, plural = f"1 instance ({self.members[0].inst.param})", False
        else:
            dims = self.instances_text
            subject, plural = f"{n} instances" + (f" ({dims})" if dims else ""), True
        same = " the same way" if plural else ""
        how = self.how()
        if self.kind == "checks":
            verb = "fail" if plural else "fails"
            return f"{name}: {subject} {verb} {', '.join(self.violated_statements)}{same}: {how}"
        verb = {"BROKEN": ("is BROKEN", "are BROKEN"), "TIMEOUT": ("times out", "time out"),
                "CRASH": ("crashes", "crash")}.get(self.verdict, ("fails", "fail"))[plural]
        if self.kind in ("legacy", "nocheck"):
            verb += " (no per-check record)" if self.kind == "legacy" else " (no violated check on record)"
        return f"{name}: {subject} {verb}{same}" + (f": {how}" if how else "")

    def how(self) -> str:
        """The deviation in a few words: "ret=-1 err=997 instead of 10022"."""
        if self.kind == "checks":
            parts = [observed_instead_of_expected(v) for v in self.violations[:2]]
            if len(self.violations) > 2:
                parts.append(f"{len(self.violations) - 2} more check(s)")
            return "; ".join(parts)
        if self.kind == "harness":
            errors = list(self.signature[2:])
            return "suite defect: " + errors[0] + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")
        lines = [line for line in self.signature[-1].splitlines() if line.strip()]
        return _fold(lines[-1]) if lines else ""


def observed_instead_of_expected(v: dict) -> str:
    observed, expected = _fold(v.get("observed", "")), _fold(v.get("expected", ""))
    if not observed and not expected:
        return _fold(v.get("check", ""))
    if observed in ("true", "false", ""):
        return f"{_fold(v.get('check', ''))} was {observed or 'violated'}"
    if expected in ("true", "false", ""):
        return observed  # the observed text already says what is wrong
    return f"{observed or '?'} instead of {expected}"


def failed_entries(dataset: dict):
    """(case, provider label, entry) for every result that is not PASS or NOT_SUPPORTED, in case order."""
    for case in dataset["cases"]:
        for label, entry in case["results"].items():
            if entry["verdict"] not in OK_VERDICTS:
                yield case, label, entry


def bodies(dataset: dict) -> dict[str, list[Instance]]:
    out: dict[str, list[Instance]] = {}
    for case in dataset["cases"]:
        inst = instance(case["id"], case.get("suite", ""), case.get("name", ""))
        out.setdefault(inst.body_key, []).append(inst)
    return out


def group_failures(dataset: dict, acceptance=None, gate_problems=None, only=None, everyone=None) -> list[Group]:
    """Failures of the dataset as groups, those nobody accepted first, then the largest.

    acceptance(case, provider row, entry) -> the expectations entries that accept
    the failure ([] when none); gate_problems: (label, case id) -> gate.json problems;
    only: the (label, case id) pairs to group (default: every failure); everyone:
    bodies() of the dataset the instances are named against (default: this one).
    """
    by_body = everyone if everyone is not None else bodies(dataset)
    provider_rows = {p["key"]: p for p in dataset["providers"]}
    groups: dict[tuple, Group] = {}
    for case, label, entry in failed_entries(dataset):
        if only is not None and (label, case["id"]) not in only:
            continue
        inst = instance(case["id"], case.get("suite", ""), case.get("name", ""))
        sig = signature(entry, inst)
        known = acceptance(case, provider_rows[label], entry) if acceptance else []
        problems = (gate_problems or {}).get((label, case["id"]), [])
        key = (label, inst.body_key, sig, tuple(k["where"] for k in known), bool(problems))
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(provider=label, body_key=inst.body_key, body=inst.body, signature=sig,
                                        verdict=entry["verdict"], statements=list(case["statements"]),
                                        body_instances=by_body.get(inst.body_key, []), known=known)
        group.members.append(Member(inst, entry))
        group.gate_problems.extend(problems)
        for sid in case["statements"]:
            if sid not in group.statements:
                group.statements.append(sid)
    ordered = sorted(groups.values(), key=lambda g: (g.accepted, -g.count, g.body_key, g.provider))
    for n, group in enumerate(ordered):
        group.anchor = f"f-{n}"
    return ordered


# ---- known deviations ----------------------------------------------------------


def acceptance_from_expectations(expectations) -> callable:
    """acceptance() for group_failures: the entries of an expectations file (version 2) that cover a
    failure the way the gate does: every violated statement by an entry with its signature, or a case
    that could not finish by an entry with its verdict."""
    from .results import _Invalid, case_result_from_json

    entries = expectations.entries
    todo = set(expectations.todo())

    def accept(case: dict, provider: dict, entry: dict) -> list[dict]:
        line = _line(case, provider, entry)
        try:
            result = case_result_from_json(line)
        except _Invalid:  # a result the dataset cannot give back as a line is accepted by no entry
            return []
        naming = [e for e in entries if e.case_matches(result)]
        found: list = []
        by_statement = violated(entry)
        if by_statement:
            for sid, violations in by_statement.items():
                covering = [e for e in naming if e.statement == sid and e.covers_violations(violations)]
                if not covering:
                    return []
                found.extend(covering)
        elif entry["verdict"] in ("BROKEN", "TIMEOUT", "CRASH"):
            found = [e for e in naming if not e.is_deviation and e.covers_outcome(result)
                     and (e.statement is None or e.statement in result.statements)]
        return [{"where": e.where, "reason": e.reason, "evidence": e.evidence, "issue": e.issue or "",
                 "describe": e.describe(), "todo": e in todo} for e in _unique(found)]

    return accept


def _unique(entries):
    seen, out = set(), []
    for e in entries:
        if e.where not in seen:
            seen.add(e.where)
            out.append(e)
    return out


def _line(case: dict, provider: dict, entry: dict) -> dict:
    line = {"record": "case", "id": case["id"], "suite": case.get("suite"), "name": case.get("name"),
            "statements": case["statements"], "provider": provider["provider"], "build": provider.get("build"),
            "mutant": provider.get("mutant"), "chaos_seed": provider.get("chaos_seed"), "verdict": entry["verdict"],
            "message": entry.get("message") or "", "observed": entry.get("observed") or {},
            "suite_version": "", "catalog_version": ""}
    if entry.get("checks") is not None:
        line["checks"] = entry["checks"]
    return line
