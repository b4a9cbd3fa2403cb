"""wsaconform diff OLD NEW: what changed between two runs.

OLD and NEW are results files, datasets, or the output directory of a run
(its report/results.json, else every <provider>/results.jsonl in it). Per
provider, in this order:

  new failures       failing in NEW, passing (or absent) in OLD
  fixed              failing in OLD, passing in NEW
  changed signature  failing in both, another way (other checks, other values)
  new cases          in NEW only
  removed cases      in OLD only
  statements         statement verdicts that changed

Failures are grouped as in the report: one entry per case body and
signature, its instances named compactly. Printed as text, or Markdown with
--markdown; `report --baseline` and `run --baseline` put the same comparison
into the HTML report. Exit status 1 when NEW has new failures or changed
signatures, 0 otherwise, 2 on unusable input.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field

from .collate import build_dataset, load_inputs
from .errors import UsageError
from .failure_groups import Group, bodies, describe_instances, group_failures, instance, signature
from .results import OK_VERDICTS
from .summary import Cell

EXIT_SAME = 0
EXIT_WORSE = 1


# ---- inputs --------------------------------------------------------------------


def resolve(path: str) -> list[str]:
    """The files a path stands for: itself, or a run's output directory."""
    if not os.path.isdir(path):
        return [path]
    dataset = os.path.join(path, "report", "results.json")
    if os.path.isfile(dataset):
        return [dataset]
    found = sorted(glob.glob(os.path.join(path, "*", "results.jsonl")))
    if os.path.isfile(os.path.join(path, "results.jsonl")):
        found.insert(0, os.path.join(path, "results.jsonl"))
    if not found:
        raise UsageError(f"{path}: no report/results.json and no <provider>/results.jsonl in this directory")
    return found


def load_side(path: str, requirements: str | None = None) -> dict:
    result_set, catalog, _ = load_inputs(resolve(path), requirements, quiet=True)
    return build_dataset(result_set, catalog, quiet=True)


# ---- the comparison ------------------------------------------------------------


@dataclass
class CaseSet:
    """Instances of one body that appeared or disappeared, with their verdicts."""

    body_key: str
    ids: list[str]
    verdicts: dict[str, int]
    description: str


@dataclass
class Changed:
    """One body that fails another way now: the old signature's group and the new one's."""

    old: Group
    new: Group


@dataclass
class StatementChange:
    statement: str
    level: str
    old: str
    new: str


@dataclass
class ProviderDiff:
    old_label: str
    new_label: str
    new_failures: list[Group] = field(default_factory=list)
    fixed: list[Group] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    new_cases: list[CaseSet] = field(default_factory=list)
    removed_cases: list[CaseSet] = field(default_factory=list)
    statements: list[StatementChange] = field(default_factory=list)
    still_failing: int = 0  # the same way
    not_comparable: int = 0  # failing in both, one side without per-check records

    @property
    def label(self) -> str:
        return self.new_label if self.old_label == self.new_label else f"{self.old_label} → {self.new_label}"

    def counts(self) -> dict[str, int]:
        return {
            "new failures": sum(g.count for g in self.new_failures),
            "fixed": sum(g.count for g in self.fixed),
            "changed": sum(c.new.count for c in self.changed),
            "new cases": sum(len(c.ids) for c in self.new_cases),
            "removed cases": sum(len(c.ids) for c in self.removed_cases),
        }

    @property
    def worse(self) -> bool:
        return bool(self.new_failures or self.changed)


@dataclass
class Comparison:
    old_name: str
    new_name: str
    old_results: int
    new_results: int
    providers: list[ProviderDiff]
    only_old: list[str]  # provider labels with no counterpart
    only_new: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def worse(self) -> bool:
        return any(p.worse for p in self.providers)


def _pair(old_labels: list[str], new_labels: list[str], old: dict, new: dict) -> list[tuple[str, str]]:
    """Provider columns of OLD and NEW that answer for the same provider: the same label, else the same
    provider name when each side has one column of it (a new Wine build against the old one)."""
    pairs = [(label, label) for label in new_labels if label in old_labels]
    rest_old = [l for l in old_labels if l not in {p[0] for p in pairs}]
    rest_new = [l for l in new_labels if l not in {p[1] for p in pairs}]
    name_old = {p["key"]: p["provider"] for p in old["providers"]}
    name_new = {p["key"]: p["provider"] for p in new["providers"]}
    for label in list(rest_new):
        same = [o for o in rest_old if name_old[o] == name_new[label]]
        if len(same) == 1 and sum(1 for n in rest_new if name_new[n] == name_new[label]) == 1:
            pairs.append((same[0], label))
            rest_old.remove(same[0])
    return pairs


def _results(dataset: dict, label: str) -> dict[str, tuple[dict, dict]]:
    return {case["id"]: (case, case["results"][label]) for case in dataset["cases"] if label in case["results"]}


def _sig(case: dict, entry: dict) -> tuple:
    return signature(entry, instance(case["id"], case.get("suite", ""), case.get("name", "")))


def _groups(dataset: dict, label: str, ids: set[str], everyone) -> list[Group]:
    return group_failures(dataset, only={(label, cid) for cid in ids}, everyone=everyone)


def _case_sets(dataset: dict, label: str, ids: set[str]) -> list[CaseSet]:
    everyone: dict[str, list] = {}
    for case in dataset["cases"]:
        inst = instance(case["id"], case.get("suite", ""), case.get("name", ""))
        everyone.setdefault(inst.body_key, []).append((inst, case))
    out = []
    for body_key, members in everyone.items():
        chosen = [(inst, case) for inst, case in members if case["id"] in ids and label in case["results"]]
        if not chosen:
            continue
        verdicts: dict[str, int] = {}
        for _, case in chosen:
            verdict = case["results"][label]["verdict"]
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
        description = describe_instances([i for i, _ in chosen], [i for i, _ in members])
        out.append(CaseSet(body_key, [c["id"] for _, c in chosen], verdicts, description))
    return out


def _statement_cell(res: dict) -> str:
    """As the terminal table shows it: "CONFORMS 14/16" (instances that exercised it / that claim it)."""
    return str(Cell(res.get("verdict", "NOT_TESTED"), res.get("exercised", 0), res.get("instances", 0)))


def compare_provider(old: dict, new: dict, old_label: str, new_label: str) -> ProviderDiff:
    diff = ProviderDiff(old_label, new_label)
    before, after = _results(old, old_label), _results(new, new_label)
    new_failing, fixed, changed_ids = set(), set(), set()
    old_sig: dict[str, tuple] = {}
    for cid, (case, entry) in after.items():
        failing = entry["verdict"] not in OK_VERDICTS
        if cid not in before:
            if failing:
                new_failing.add(cid)
            continue
        old_case, old_entry = before[cid]
        was_failing = old_entry["verdict"] not in OK_VERDICTS
        if failing and not was_failing:
            new_failing.add(cid)
        elif was_failing and not failing:
            fixed.add(cid)
        elif failing and was_failing:
            a, b = _sig(old_case, old_entry), _sig(case, entry)
            if a == b:
                diff.still_failing += 1
            elif (a[0] == "legacy") != (b[0] == "legacy"):
                diff.not_comparable += 1
            else:
                changed_ids.add(cid)
                old_sig[cid] = a
    old_bodies, new_bodies = bodies(old), bodies(new)
    diff.new_failures = _groups(new, new_label, new_failing, new_bodies)
    diff.fixed = _groups(old, old_label, fixed, old_bodies)
    # A changed body: the new group, split by the old signature too.
    new_groups = _groups(new, new_label, changed_ids, new_bodies)
    for group in new_groups:
        by_old: dict[tuple, list] = {}
        for member in group.members:
            by_old.setdefault(old_sig[member.inst.id], []).append(member)
        for members in by_old.values():
            ids = {m.inst.id for m in members}
            old_group = (_groups(old, old_label, ids, old_bodies) or [None])[0]
            new_part = Group(**{**group.__dict__, "members": members})
            diff.changed.append(Changed(old_group, new_part))
    diff.new_cases = _case_sets(new, new_label, set(after) - set(before))
    diff.removed_cases = _case_sets(old, old_label, set(before) - set(after))
    old_statements = {s["id"]: s for s in old["statements"]}
    for s in new["statements"]:
        now = s["results"].get(new_label, {})
        then = old_statements.get(s["id"], {}).get("results", {}).get(old_label, {})
        a, b = then.get("verdict", "NOT_TESTED"), now.get("verdict", "NOT_TESTED")
        if a != b:
            diff.statements.append(StatementChange(s["id"], s.get("level", ""), _statement_cell(then),
                                                   _statement_cell(now)))
    return diff


def compare(old: dict, new: dict, old_name: str = "OLD", new_name: str = "NEW") -> Comparison:
    old_labels = [p["key"] for p in old["providers"]]
    new_labels = [p["key"] for p in new["providers"]]
    pairs = _pair(old_labels, new_labels, old, new)
    notes = []
    if old.get("catalog_version") != new.get("catalog_version"):
        notes.append(f"the catalogs differ ({old.get('catalog_version')} → {new.get('catalog_version')}): "
                     f"a case may claim other statements now")
    if old.get("suite_version") != new.get("suite_version"):
        notes.append(f"the suites differ ({old.get('suite_version')} → {new.get('suite_version')})")
    comparison = Comparison(
        old_name, new_name, sum(len(c["results"]) for c in old["cases"]),
        sum(len(c["results"]) for c in new["cases"]),
        [compare_provider(old, new, a, b) for a, b in pairs],
        [l for l in old_labels if l not in {a for a, _ in pairs}],
        [l for l in new_labels if l not in {b for _, b in pairs}], notes)
    for p in comparison.providers:
        if p.not_comparable:
            notes.append(f"{p.label}: {p.not_comparable} result(s) fail in both runs, but one run has no per-check "
                         f"records (an older runner), so their signatures cannot be compared")
    return comparison


# ---- text ----------------------------------------------------------------------

MAX_LISTED = 40  # instances named per entry before "and N more"
MAX_CASE_SETS = 30  # bodies listed under new and removed cases before "and N more"


@dataclass
class Entry:
    """One line of a section, with the lines under it; ids: the NEW (or, for removed and fixed, OLD) cases."""

    head: str
    details: list[str]
    ids: list[str]


def _instances(ids: list[str], limit: int = MAX_LISTED) -> str:
    shown = [instance(i).short for i in ids[:limit]]
    return ", ".join(shown) + (f", and {len(ids) - limit} more" if len(ids) > limit else "")


def _subject(group: Group) -> str:
    n = group.count
    if not group.members[0].inst.param:
        return "the case"
    dims = group.instances_text if n > 1 else group.members[0].inst.param
    return f"{n} instance{'s' if n != 1 else ''}" + (f" ({dims})" if dims else "")


def _listing(group: Group) -> list[str]:
    """The instances by name, unless "Tcp4/Udp4 × 4 mechanisms" already names every one of them."""
    dims = group.instances_text
    if dims and not dims.startswith("some of"):
        return []
    if group.members[0].inst.param and group.count > 1:
        return [f"instances: {_instances([m.inst.id for m in group.members])}"]
    return []


def _new_failure(group: Group) -> Entry:
    return Entry(f"{group.body_key}: {group.headline().split(': ', 1)[1]}", _listing(group),
                 [m.inst.id for m in group.members])


def _fixed(group: Group) -> Entry:
    return Entry(f"{group.body_key}: {_subject(group)} pass now; failed: {group.how()}", _listing(group),
                 [m.inst.id for m in group.members])


def _changed(ch: Changed) -> Entry:
    was = f"{ch.old.verdict}: {ch.old.how()}" if ch.old else "?"
    details = [f"was: {was}", f"now: {ch.new.verdict}: {ch.new.how()}", *_listing(ch.new)]
    return Entry(f"{ch.new.body_key}: {_subject(ch.new)}", details, [m.inst.id for m in ch.new.members])


def _case_set(s: CaseSet) -> Entry:
    n = len(s.ids)
    verdicts = ", ".join(f"{k} {v}" for k, v in sorted(s.verdicts.items(), key=lambda kv: -kv[1]))
    what = f"{n} instance{'s' if n != 1 else ''}" if instance(s.ids[0]).param else "the case"
    return Entry(f"{s.body_key}: {what}" + (f" ({s.description})" if s.description else "") + f": {verdicts}",
                 [], s.ids)


def sections(p: ProviderDiff) -> list[tuple[str, int, list[Entry]]]:
    """(title, how many results, entries) in the order a reader wants them; empty sections left out."""
    counts = p.counts()
    found = [
        ("new failures", counts["new failures"], [_new_failure(g) for g in p.new_failures]),
        ("fixed", counts["fixed"], [_fixed(g) for g in p.fixed]),
        ("changed signature", counts["changed"], [_changed(ch) for ch in p.changed]),
        ("new cases", counts["new cases"], _capped([_case_set(s) for s in p.new_cases])),
        ("removed cases", counts["removed cases"], _capped([_case_set(s) for s in p.removed_cases])),
        ("statements", len(p.statements), [Entry(f"{s.statement}: {s.old} → {s.new}", [], [])
                                           for s in p.statements]),
    ]
    return [section for section in found if section[2]]


def _capped(entries: list[Entry], limit: int = MAX_CASE_SETS) -> list[Entry]:
    if len(entries) <= limit:
        return entries
    rest = entries[limit:]
    return entries[:limit] + [Entry(f"… and {len(rest)} more case bodies ({sum(len(e.ids) for e in rest)} instances)",
                                    [], [i for e in rest for i in e.ids])]


def summary_line(p: ProviderDiff) -> str:
    text = ", ".join(f"{n} {what}" for what, n in p.counts().items())
    return f"{text}; {p.still_failing} still failing the same way"


def render_text(c: Comparison) -> str:
    lines = [f"wsaconform diff: {c.old_name} ({c.old_results} results) → {c.new_name} ({c.new_results} results)"]
    lines += [f"note: {n}" for n in c.notes]
    lines += [f"only in {c.old_name}: {label}" for label in c.only_old]
    lines += [f"only in {c.new_name}: {label}" for label in c.only_new]
    for p in c.providers:
        lines += ["", f"{p.label}: {summary_line(p)}"]
        for title, count, entries in sections(p):
            lines += ["", f"{title.upper()} ({count})"]
            for entry in entries:
                lines.append(f"  {entry.head}")
                lines += [f"    {d}" for d in entry.details]
    return "\n".join(lines) + "\n"


# ---- Markdown ------------------------------------------------------------------


def render_markdown(c: Comparison, heading: str = "##") -> str:
    try:
        from .report import md
    except ImportError as err:
        raise UsageError(f"--markdown needs the reporting modules ({err}); the text form does not") from None

    lines = [f"{heading} Changes since {md(c.old_name)}", "",
             f"{md(c.old_name)} ({c.old_results} results) → {md(c.new_name)} ({c.new_results} results)"]
    extra = [f"- note: {md(n)}" for n in c.notes]
    extra += [f"- only in {md(c.old_name)}: {md(l)}" for l in c.only_old]
    extra += [f"- only in {md(c.new_name)}: {md(l)}" for l in c.only_new]
    lines += [""] + extra if extra else []
    for p in c.providers:
        lines += ["", f"{heading}# {md(p.label)}", "", md(summary_line(p))]
        if not sections(p):
            lines += ["", "Nothing changed."]
        for title, count, entries in sections(p):
            lines += ["", f"**{md(title.capitalize())} ({count})**", ""]
            for entry in entries:
                lines.append(f"- {md(entry.head)}")
                lines += [f"  - {md(d)}" for d in entry.details]
    return "\n".join(lines).rstrip() + "\n"


# ---- the command ---------------------------------------------------------------


def add_arguments(parser) -> None:
    parser.description = ("Compare two runs: new failures first, then fixed, changed signatures, new and removed "
                          "cases, statement verdicts. Exit 1 when NEW has new failures or changed signatures.")
    parser.add_argument("old", metavar="OLD", help="results.jsonl, dataset, or a run's output directory")
    parser.add_argument("new", metavar="NEW", help="results.jsonl, dataset, or a run's output directory")
    parser.add_argument("--markdown", action="store_true", help="print Markdown instead of text")
    parser.add_argument("--requirements", metavar="FILE",
                        help="requirement catalog for NEW (default: requirements.json beside each input)")


def run(args) -> int:
    old = load_side(args.old)
    new = load_side(args.new, getattr(args, "requirements", None))
    comparison = compare(old, new, args.old, args.new)
    print(render_markdown(comparison) if args.markdown else render_text(comparison), end="")
    return EXIT_WORSE if comparison.worse else EXIT_SAME


def main(argv=None) -> int:
    from .errors import main_for

    return main_for(add_arguments, run, "wsaconform diff", argv)


if __name__ == "__main__":
    raise SystemExit(main())
