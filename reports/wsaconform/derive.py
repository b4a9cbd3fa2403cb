"""wsaconform expectations derive: a version 2 expectations file drafted from runs.

    wsaconform expectations derive RESULTS... [--from OLD.json]... --out NEW.json

One entry per (case body, statement, signature): the instances of one
written case (Suite.Name) whose checks of one statement were violated the
same way, under case globs as compact as the run allows (a glob never matches
an instance of the body that deviated otherwise or not at all). Cases that
ended BROKEN, TIMEOUT or CRASH get an entry per (case body, verdict).

Several RESULTS may be several runs of the same build: an instance whose
observed values differ between runs gets each value as an alternative, and
one that deviated in some runs only is reported on stderr as flaky (the
gate never absorbs a flaky case; fix it).

Reasons and evidence are carried over from OLD (version 1 or 2, or the
pending notes of expectations/pending/*.json) where an old entry names the
same case and statement; an entry with nothing to carry
gets the reason "TODO", which the gate refuses until someone writes why the
case is right. Lines without per-check records (a runner older than
per-statement checks) cannot say which statement deviated: their entries
take the statements the old entry named and a TODO signature.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from .collate import dataset_json, read_input, results_from_dataset, write_files_atomically
from .errors import UsageError
from .expectations import FORMAT, FORMAT_VERSION, TODO, expectations_from_json, load_json
from .results import UNKNOWN_VERDICTS, CaseResult, observed_text, parse_results_text
from .verdicts import natural_key

LEGACY_CHECK = "TODO: this run has no per-check record; derive again from a run of the current runner"


# ---- case ids ----------------------------------------------------------------


@dataclass(frozen=True)
class CaseId:
    """"Prefix/Suite.Name/Param" split into its parts; plain cases have no prefix or param."""

    id: str
    prefix: str | None
    body: str
    param: str | None


def split_id(case_id: str, suite: str, name: str) -> CaseId:
    body = f"{suite}.{name}"
    at = case_id.find(body)
    if at < 0:
        return CaseId(case_id, None, case_id, None)
    before, after = case_id[:at], case_id[at + len(body):]
    prefix = before[:-1] if before.endswith("/") else None
    param = after[1:] if after.startswith("/") else None
    if (before and prefix is None) or (after and param is None):
        return CaseId(case_id, None, case_id, None)
    return CaseId(case_id, prefix, body, param)


_TOKEN = re.compile(r"[A-Z]+(?![a-z])\d*|[A-Z]?[a-z]+\d*|\d+|[^A-Za-z\d]+")


def _param_globs(param: str) -> list[str]:
    """Globs on a parameter name built from runs of its words ("Tcp4EventWSARecv": *Event*, *WSARecv, Tcp4*, ...)."""
    tokens = _TOKEN.findall(param)
    runs = {"".join(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, min(len(tokens), i + 3) + 1)}
    runs |= {t.rstrip("0123456789") for t in tokens if t[-1:].isdigit() and t.rstrip("0123456789")}  # Tcp of Tcp4
    globs = set()
    for run in runs:
        globs.add(f"*{run}*")
        if param.endswith(run):
            globs.add(f"*{run}")
        if param.startswith(run):
            globs.add(f"{run}*")
    return sorted(globs)


def compact_globs(wanted: list[CaseId], others: list[CaseId]) -> list[str]:
    """Few globs that match every wanted instance and no other instance of the body."""
    wanted_ids = {c.id for c in wanted}
    other_ids = [c.id for c in others]
    if any(c.param is None for c in wanted):
        plain = sorted(c.id for c in wanted if c.param is None)
        rest = [c for c in wanted if c.param is not None]
        return plain + (compact_globs(rest, others) if rest else [])
    body = wanted[0].body
    prefixes = {c.prefix for c in wanted}
    # "Suite.Name/Param" (an instantiation without a prefix) takes no prefix glob.
    prefix_options = [""] if None in prefixes else ["*"] + sorted(prefixes)

    def pattern(prefix: str, param_glob: str) -> str:
        return f"{prefix}/{body}/{param_glob}" if prefix != "" else f"{body}/{param_glob}"

    def valid(glob: str) -> bool:
        return not any(fnmatchcase(other, glob) for other in other_ids)

    # Single words ("*Port", "Tcp*") and two words in order ("*Tcp*Event*"): the fewest that
    # cover every wanted instance, greedily; what no glob can separate is named exactly.
    words: set[str] = {"*"}
    for c in wanted:
        words.update(_param_globs(c.param))
        inner = [g.strip("*") for g in _param_globs(c.param) if g.startswith("*") and g.endswith("*")]
        words.update(f"*{a}*{b}*" for a in inner for b in inner
                     if a != b and c.param.find(a) + len(a) <= c.param.rfind(b))
    options = [glob for glob in (pattern(p, g) for p in prefix_options for g in sorted(words)) if valid(glob)]
    chosen: list[str] = []
    uncovered = set(wanted_ids)
    while uncovered:
        best = None
        for glob in options:
            hits = {i for i in uncovered if fnmatchcase(i, glob)}
            score = (len(hits), -glob.count("*"), -len(glob))
            if hits and (best is None or score > best[0]):
                best = (score, glob, hits)
        if best is None:
            break
        chosen.append(best[1])
        uncovered.difference_update(best[2])
    chosen.extend(sorted(uncovered))
    return sorted(chosen, key=natural_key)


# ---- observations ------------------------------------------------------------


Signature = tuple[tuple[str, tuple[str, ...]], ...]  # ((check, (observed, ...)), ...) sorted


def _check_key(text: str) -> str:
    return " ".join(text.split())


def _signature_of(violations: list[dict]) -> Signature:
    by_check: dict[str, set[str]] = defaultdict(set)
    for v in violations:
        by_check[_check_key(v.get("check", ""))].add(v.get("observed", ""))
    return tuple(sorted((check, tuple(sorted(values))) for check, values in by_check.items()))


def _merge(signatures: list[Signature]) -> list[Signature]:
    """Signatures of one instance over several runs: the same checks with other values become alternatives."""
    by_checks: dict[tuple[str, ...], dict[str, set[str]]] = {}
    for signature in signatures:
        merged = by_checks.setdefault(tuple(check for check, _ in signature), defaultdict(set))
        for check, values in signature:
            merged[check].update(values)
    return [tuple((check, tuple(sorted(values))) for check, values in sorted(merged.items()))
            for merged in by_checks.values()]


@dataclass
class Block:
    provider: str
    build: str
    mutant: str
    observations: dict[str, list[CaseResult]] = field(default_factory=dict)  # case id -> every run of it
    ids: dict[str, CaseId] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


def read_observations(paths: list[str]) -> tuple[list[Block], list[str]]:
    """Every result line of every file (no deduplication: several runs are several observations)."""
    blocks: dict[tuple[str, str, str], Block] = {}
    versions = set()
    for path in paths:
        text, dataset = read_input(path)
        results = results_from_dataset(dataset, path)[0] if dataset is not None else parse_results_text(text, path)
        for result in results:
            versions.add(result.catalog_version)
            key = (result.provider.provider, result.provider.build, result.provider.mutant)
            block = blocks.setdefault(key, Block(*key))
            block.observations.setdefault(result.id, []).append(result)
            block.ids[result.id] = split_id(result.id, result.suite, result.name)
            if path not in block.sources:
                block.sources.append(path)
    notes = []
    if len(versions) > 1:
        notes.append(f"the results come from {len(versions)} catalog versions ({', '.join(sorted(versions))}); "
                     f"statement IDs may mean different things in them")
    return list(blocks.values()), notes


# ---- the old file ------------------------------------------------------------------


_TAGS = re.compile(r"^\s*\[([A-Za-z0-9\-, ]+)\]\s*")


@dataclass
class OldEntry:
    where: str
    provider: str
    build: str
    mutant: str
    cases: tuple[str, ...]  # globs; ("*",) for a v1 entry that named only a statement
    statements: tuple[str, ...] | None  # None: the entry named no statement
    verdict: str | None  # v1 verdicts, or a v2 verdict entry's; None for a v2 deviation
    reason: str
    evidence: str
    issue: str | None

    def matches_block(self, block: Block) -> bool:
        return (fnmatchcase(block.provider, self.provider) and fnmatchcase(block.build, self.build)
                and fnmatchcase(block.mutant, self.mutant))

    def matches_case(self, case_ids) -> bool:
        return any(fnmatchcase(c, glob) for c in case_ids for glob in self.cases)


def read_old(path: str) -> tuple[list[OldEntry], dict]:
    """Entries of an old file, for carrying reasons over; the top level as read.

    Version 1 and 2 files, and the notes engineers keep while a file cannot
    be derived yet (expectations/pending/*.json: an array of entries with
    "case", "statement", "reason" and "evidence", any provider).
    """
    obj = load_json(path)
    if isinstance(obj, list):
        return _read_pending(obj, path), {}
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise UsageError(f"{path}: not an expectations file ('format' must be {FORMAT!r})")
    entries: list[OldEntry] = []
    if obj.get("version") == FORMAT_VERSION:
        parsed = expectations_from_json(obj, path)
        for e in parsed.entries:
            entries.append(OldEntry(e.where, e.match.provider, e.match.build, e.match.mutant, e.cases,
                                    (e.statement,) if e.statement else None, e.verdict, e.reason, e.evidence,
                                    e.issue))
        return entries, obj
    if obj.get("version") != 1:
        raise UsageError(f"{path}: 'version' must be 1 or {FORMAT_VERSION}, got {obj.get('version')!r}")
    for b, block in enumerate(obj.get("providers") or []):
        for n, e in enumerate(block.get("expect") or []):
            reason = e.get("reason") or ""
            named = None
            if e.get("statement"):
                named = (e["statement"],)
            else:
                tags = _TAGS.match(reason)
                if tags:
                    named = tuple(t.strip() for t in tags.group(1).split(",") if t.strip())
            entries.append(OldEntry(f"providers[{b}].expect[{n}]", block.get("provider", "*"),
                                    block.get("build") or "*", block.get("mutant", ""),
                                    (e["case"],) if e.get("case") else ("*",), named, e.get("verdict"),
                                    reason, e.get("evidence") or "", e.get("issue")))
    return entries, obj


def _read_pending(entries: list, path: str) -> list[OldEntry]:
    found = []
    for n, e in enumerate(entries):
        if not (isinstance(e, dict) and isinstance(e.get("case"), str) and isinstance(e.get("statement"), str)
                and isinstance(e.get("reason"), str)):
            raise UsageError(f"{path}: [{n}] needs 'case', 'statement' and 'reason' strings")
        found.append(OldEntry(f"{path}[{n}]", "*", "*", "*", (e["case"],), (e["statement"],), None, e["reason"],
                              str(e.get("evidence") or ""), e.get("issue")))
    return found


def _strip_own_tag(reason: str, statement: str) -> str:
    tags = _TAGS.match(reason)
    if tags and [t.strip() for t in tags.group(1).split(",")] == [statement]:
        return reason[tags.end():]
    return reason


# ---- drafting ----------------------------------------------------------------------


@dataclass
class Draft:
    body: str
    statement: str | None
    signature: Signature | None  # None for a verdict entry
    verdict: str | None
    instances: list[str]
    evidence: str
    entry: dict = field(default_factory=dict)


def _evidence(block: Block, instances: list[str], runs: int, detail: str) -> str:
    build = block.build or block.provider
    count = f"{len(instances)} instance(s)" + (f", {runs} run(s)" if runs > 1 else "")
    return f"{build}, {count}: {detail}; from {', '.join(block.sources)}"


def _deviation_detail(observations: list[CaseResult], statement: str) -> str:
    seen: dict[tuple[str, str, str], str] = {}
    for result in observations:
        for v in ((result.checks or {}).get(statement) or {}).get("violations", []):
            seen.setdefault((_check_key(v.get("check", "")), v.get("observed", ""), v.get("expected", "")),
                            v.get("where", ""))
    parts = [f"{check} observed {observed}, expected {expected}" + (f" ({where})" if where else "")
             for (check, observed, expected), where in list(seen.items())[:4]]
    if len(seen) > 4:
        parts.append(f"{len(seen) - 4} more")
    return "; ".join(parts)


def draft_block(block: Block) -> tuple[list[Draft], list[str]]:
    """The entries of one provider build, and notes on flaky instances."""
    deviating: dict[tuple[str, str], dict[str, list[Signature]]] = defaultdict(dict)  # (body, sid) -> id -> sigs
    outcomes: dict[tuple[str, str], set[str]] = defaultdict(set)  # (body, verdict) -> ids
    legacy: dict[str, set[str]] = defaultdict(set)  # body -> ids that FAILed without per-check records
    notes = []
    for case_id, runs in block.observations.items():
        body = block.ids[case_id].body
        claimed = {sid for r in runs for sid in r.statements}
        for sid in claimed:
            signatures, held = [], 0
            for r in runs:
                checks = (r.checks or {}).get(sid) or {}
                if checks.get("violated", 0) > 0:
                    signatures.append(_signature_of(checks.get("violations", [])))
                elif r.verdict not in UNKNOWN_VERDICTS and sid in r.statements:
                    held += 1
            if signatures:
                deviating[(body, sid)][case_id] = _merge(signatures)
                if held:
                    notes.append(f"flaky: {case_id} on {block.build or block.provider}: {sid} deviated in "
                                 f"{len(signatures)} of {len(signatures) + held} runs")
        for r in runs:
            if r.verdict in UNKNOWN_VERDICTS:
                outcomes[(body, r.verdict)].add(case_id)
            elif r.verdict == "FAIL" and r.checks is None:
                legacy[body].add(case_id)

    def others(body: str, wanted: set[str], sid: str | None) -> list[CaseId]:
        return [block.ids[i] for i in block.observations
                if block.ids[i].body == body and i not in wanted
                and (sid is None or any(sid in r.statements for r in block.observations[i]))]

    drafts = []
    for (body, sid), by_instance in deviating.items():
        groups: dict[Signature, list[str]] = defaultdict(list)
        for case_id, signatures in by_instance.items():
            for signature in signatures:
                groups[signature].append(case_id)
        for signature, ids in groups.items():
            observations = [r for i in ids for r in block.observations[i]]
            runs = max(len(block.observations[i]) for i in ids)
            draft = Draft(body, sid, signature, None, sorted(ids, key=natural_key),
                          _evidence(block, ids, runs, _deviation_detail(observations, sid)))
            draft.entry["case"] = _one_or_list(compact_globs([block.ids[i] for i in ids], others(body, set(ids), sid)))
            drafts.append(draft)
    for (body, verdict), ids in outcomes.items():
        runs = [r for i in ids for r in block.observations[i] if r.verdict == verdict]
        message = runs[0].message.splitlines()[0] if runs and runs[0].message else ""
        draft = Draft(body, None, None, verdict, sorted(ids, key=natural_key),
                      _evidence(block, sorted(ids), 1, f"{verdict}" + (f": {message}" if message else "")))
        draft.entry["case"] = _one_or_list(compact_globs([block.ids[i] for i in ids], others(body, ids, None)))
        drafts.append(draft)
    for body, ids in legacy.items():
        runs = [r for i in ids for r in block.observations[i]]
        shown = observed_text(runs[0].observed)[:300] if runs else ""
        message = runs[0].message.splitlines()[0] if runs and runs[0].message else ""
        draft = Draft(body, None, ((LEGACY_CHECK, ()),), None, sorted(ids, key=natural_key),
                      _evidence(block, sorted(ids), 1, f"FAIL: {message}" + (f" ({shown})" if shown else "")))
        draft.entry["case"] = _one_or_list(compact_globs([block.ids[i] for i in ids], others(body, ids, None)))
        drafts.append(draft)
    drafts.sort(key=lambda d: (natural_key(d.body), d.verdict is not None, natural_key(d.statement or ""),
                               d.instances[0]))
    return drafts, notes


def _one_or_list(globs: list[str]):
    return globs[0] if len(globs) == 1 else globs


def _signature_json(signature: Signature) -> list[dict]:
    items = []
    for check, values in signature:
        item: dict = {"check": check}
        observed = list(values)
        if observed and observed != [""]:
            item["observed"] = observed[0] if len(observed) == 1 else observed
        items.append(item)
    return items


def finish(draft: Draft, block: Block, old: list[OldEntry]) -> list[dict]:
    """The draft as entries, with reasons carried over from the old file."""
    relevant = [o for o in old if o.matches_block(block) and o.matches_case(draft.instances)]
    statements = [draft.statement]
    if draft.signature is not None and draft.signature[0][0] == LEGACY_CHECK:
        named = [s for o in relevant if o.statements for s in o.statements]
        claimed = {s for i in draft.instances for r in block.observations[i] for s in r.statements}
        statements = [s for s in dict.fromkeys(named) if s in claimed] or [TODO]
    entries = []
    for sid in statements:
        if draft.verdict is not None:
            same = [o for o in relevant if o.verdict == draft.verdict]
        else:
            same = [o for o in relevant if o.verdict in (None, "FAIL")
                    and (o.statements is None or sid in o.statements)]
        entry = dict(draft.entry)
        if sid is not None:
            entry["statement"] = sid
        if draft.signature is not None:
            entry["signature"] = _signature_json(draft.signature)
        else:
            entry["verdict"] = draft.verdict
        if same:
            entry["reason"] = _strip_own_tag(same[0].reason, sid) if sid else same[0].reason
            entry["evidence"] = same[0].evidence or draft.evidence
            if same[0].issue:
                entry["issue"] = same[0].issue
        else:
            hint = next((o for o in relevant if o.verdict in (None, "FAIL", draft.verdict)), None)
            entry["reason"] = TODO if hint is None else (
                f"{TODO}: the old entry {hint.where}"
                + (f" (for {', '.join(hint.statements)})" if hint.statements else "")
                + f" said: {hint.reason}")
            entry["evidence"] = draft.evidence
        entries.append(entry)
    return entries


def derive(paths: list[str], old_paths: list[str]) -> tuple[dict, list[str]]:
    blocks, notes = read_observations(paths)
    old: list[OldEntry] = []
    old_top: dict = {}
    for path in old_paths:
        entries, top = read_old(path)
        old += entries
        old_top = old_top or top
    providers = []
    todo = 0
    count = 0
    for block in blocks:
        drafts, flaky = draft_block(block)
        notes.extend(flaky)
        entries = [e for d in drafts for e in finish(d, block, old)]
        if not entries:
            continue
        count += len(entries)
        todo += sum(1 for e in entries if str(e.get("reason", "")).startswith(TODO))
        carried = next((o for o in old if o.matches_block(block) and o.build != "*"), None)
        header = {"provider": block.provider, "build": carried.build if carried else block.build}
        if block.mutant:
            header["mutant"] = block.mutant
        providers.append({**header, "expect": entries})
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "description": old_top.get("description") or f"Drafted by wsaconform expectations derive from "
                                                       f"{', '.join(paths)}",
        "providers": providers,
    }
    notes.append(f"derive: {count} entr{'y' if count == 1 else 'ies'}, {todo} with a TODO reason")
    return document, notes


# ---- the command ----------------------------------------------------------------


def add_arguments(parser) -> None:
    parser.description = "Work with expectations files (docs/expectations.md)."
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    sub = actions.add_parser("derive", help="draft a version 2 expectations file from results")
    sub.description = ("Draft an expectations file from results: one entry per case body, statement and "
                       "signature; reasons carried over from --from.")
    sub.add_argument("results", nargs="+", metavar="RESULTS", help="results.jsonl files or datasets (several runs allowed)")
    sub.add_argument("--from", dest="old", action="append", default=[], metavar="OLD.json",
                     help="an expectations file (version 1 or 2), or a list of pending entries, to carry reasons "
                          "from (repeatable; the first that matches wins)")
    sub.add_argument("--out", required=True, metavar="NEW.json", help="the expectations file to write")


def run(args) -> int:
    if getattr(args, "action", None) != "derive":
        raise UsageError("expectations: choose an action: derive")
    document, notes = derive(args.results, args.old)
    write_files_atomically({args.out: dataset_json(document)})
    for note in notes:
        print(note, file=sys.stderr)
    return 0
