"""wsaconform certify: the whole suite against chosen catalog entries, a certificate package per entry.

    wsaconform certify [--entry ID|GUID|NAME ...] [--all-layered] --out DIR

Each chosen provider is a *target*: --entry ID is that one catalog entry;
--entry GUID, --entry NAME and --all-layered take every entry of a provider
(one per socket kind: TCP and UDP over IPv4 and IPv6), grouped by provider
GUID. With no selector the target is the machine's default entries. Every
case of the suite runs against a target except those written for a socket
kind it does not serve; no expectations apply (certification is strict).

A package, DIR/<target>/:

    certificate.json   the verdict, the statements standing in the way, the unexercised
                       statements, every statement's verdict and counts, and what was
                       certified with what (identity, suite, runner, catalogs, cases)
    certificate.md     the same for people
    identity.json      the provider identity the runner wrote into every result line
    cases.txt          the case ids run, one per line (its sha256 is on the certificate)
    requirements.json  the requirement catalog the runner was built with
    winsock-catalog.json  the machine's Winsock catalog (winsock only)
    environment.json   where and how it ran: OS, Python, runner command, job count, Wine
    run.json           the runner processes it took and how each ended
    results.jsonl      every result line, as the runners wrote them
    dataset.json       the collated dataset (wsaconform collate)
    statements.txt     the statement table (as `wsaconform run` prints it)
    MANIFEST.json      the sha256 of every other file

The verdict: CERTIFIED only if no MUST statement DEVIATES or is UNKNOWN and
no case crashed or timed out; otherwise NOT CERTIFIED, with the statements in
the way first (those that deviate, most violating instances first, then the
unknown ones), then the cases that crashed or timed out. A statement no case
put to the test (UNEXERCISED, e.g. S14 for a provider that never returns 0)
is listed as such and never counted as conforming.

Everything on the certificate except its creation time follows from
results.jsonl and requirements.json by certificate_body(); `wsaconform
verify` recomputes it. Exit status: 0 every package CERTIFIED, 1 some NOT
CERTIFIED, 2 usage error.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import build, catalog as winsock_catalog, env, summary
from .collate import build_dataset, dataset_json
from .errors import UsageError
from .orchestrate import Listing, Runner, RunnerError, Settings, default_jobs, list_cases, query, run_provider
from .progress import Progress
from .results import ResultSet, catalog_from_json, fold_records, parse_results_text
from .verdicts import natural_key, tally

FORMAT = "wsaconform-certificate"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
CERTIFIED, NOT_CERTIFIED = "CERTIFIED", "NOT CERTIFIED"
BLOCKING_VERDICTS = ("DEVIATES", "UNKNOWN")
RUN_ENDED_VERDICTS = ("CRASH", "TIMEOUT")
_KIND_IN_ID = re.compile(r"(Tcp4|Udp4|Tcp6|Udp6)")
_GUID = re.compile(r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$")


# ---- which cases a target runs ------------------------------------------------------


def case_kind(case_id: str) -> str | None:
    """The socket kind a case instance is written for ("tcp4"), from its id; None for cases of no kind."""
    match = _KIND_IN_ID.search(case_id.split(".", 1)[-1])
    return match.group(1).lower() if match else None


def cases_for(listing_cases: list[dict], kinds) -> list[dict]:
    """The suite's cases a target serving `kinds` runs: those of its kinds and those of no kind, in suite order."""
    kinds = set(kinds)
    return [case for case in listing_cases if case_kind(case["id"]) in kinds or case_kind(case["id"]) is None]


# ---- choosing targets ---------------------------------------------------------------


@dataclass
class Target:
    name: str  # the package directory
    selector: str  # what the user asked for
    entries: list[dict] = field(default_factory=list)  # catalog entries, one per socket kind; [] for the defaults

    @property
    def catalog_entry_arg(self) -> str:
        return ",".join(str(e["catalog_entry_id"]) for e in self.entries)

    @property
    def kinds(self) -> list[str]:
        if not self.entries:
            return sorted(winsock_catalog.SOCKET_KINDS.values())
        return [winsock_catalog.socket_kind(e) for e in self.entries]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "entry"


def _group(found: list[dict], selector: str, catalog: list[dict]) -> list[Target]:
    """One target per provider GUID, named after the provider; a provider with two entries of one
    socket kind gives a second target."""
    targets: list[Target] = []
    for entry in found:
        kind = winsock_catalog.socket_kind(entry)
        if kind is None:
            raise UsageError(f"catalog entry {entry['catalog_entry_id']} ({entry.get('protocol')}) serves family "
                             f"{entry.get('address_family')} type {entry.get('socket_type')}: no case of this suite "
                             f"is written for it")
        home = next((t for t in targets if t.entries[0]["provider_guid"] == entry["provider_guid"]
                     and kind not in t.kinds), None)
        if home is None:
            guid = entry["provider_guid"].strip("{}").lower()
            home = Target(name=f"{_slug(_provider_name(entry, catalog))}-{guid[:8]}", selector=selector)
            targets.append(home)
        home.entries.append(entry)
    for number, target in enumerate(targets):
        if sum(1 for t in targets if t.name == target.name) > 1:
            target.name += f"-{number + 1}"
    return targets


def choose_targets(entries: list[dict], selectors: list[str], all_layered: bool) -> list[Target]:
    usable = [e for e in entries if e.get("chain_length", 1) != 0]  # a layered protocol entry makes no socket
    targets: list[Target] = []
    for selector in selectors:
        if selector.isdigit():
            found = [e for e in entries if str(e.get("catalog_entry_id")) == selector]
            if not found:
                raise UsageError(f"--entry {selector}: no catalog entry {selector} "
                                 f"(wsaconform catalog lists them)")
            if found[0].get("chain_length", 1) == 0:
                raise UsageError(f"--entry {selector}: a layered protocol entry makes no sockets; "
                                 f"certify its chain entries (--entry {found[0]['provider_guid']})")
            if winsock_catalog.socket_kind(found[0]) is None:
                raise UsageError(f"--entry {selector}: {found[0].get('protocol')} is not a TCP or UDP socket "
                                 f"over IPv4 or IPv6; no case of this suite is written for it")
            targets.append(Target(name=f"entry-{selector}-{_slug(found[0].get('protocol', ''))}", selector=selector,
                                  entries=found))
            continue
        if _GUID.match(selector):
            guid = selector.strip("{}").upper()
            found = [e for e in usable if e.get("provider_guid", "").strip("{}").upper() == guid]
        else:
            found = [e for e in usable if e.get("protocol", "").lower() == selector.lower()] or \
                    [e for e in usable if selector.lower() in e.get("protocol", "").lower()]
        found = [e for e in found if winsock_catalog.socket_kind(e) is not None]
        if not found:
            raise UsageError(f"--entry {selector}: no catalog entry of a TCP or UDP socket matches "
                             f"(wsaconform catalog lists them)")
        targets += _group(found, selector, entries)
    if all_layered:
        layered = [e for e in usable if e.get("chain_length", 1) > 1 and winsock_catalog.socket_kind(e)]
        if not layered:
            raise UsageError("--all-layered: the catalog has no layered chain entry of a TCP or UDP socket")
        targets += _group(layered, "--all-layered", entries)
    if not selectors and not all_layered:
        targets.append(Target(name="default", selector="the default entries"))
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise UsageError("two selectors chose the same entries; name each provider once")
    return targets


def _provider_name(entry: dict, entries: list[dict]) -> str:
    """A layered provider's own name (its layered protocol entry), else the entry's protocol."""
    chain = entry.get("chain") or []
    if entry.get("chain_length", 1) > 1 and chain:
        layer = next((e for e in entries if e.get("catalog_entry_id") == chain[0]), None)
        if layer is not None:
            return layer.get("protocol", "")
    return entry.get("protocol", "")


# ---- the certificate: everything that follows from the results ------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cases_text(case_ids: list[str]) -> str:
    return "".join(f"{case_id}\n" for case_id in case_ids)


def certificate_body(results_text: str, requirements: dict, results_path: str = "results.jsonl") -> dict:
    """The verdict and everything it rests on, from the raw results and the requirement catalog.

    Deterministic: the same inputs give the same dict, which is how verify
    tells an edited verdict from one that follows from the results.
    """
    catalog = catalog_from_json(requirements, "requirements.json")
    records = fold_records([json.loads(line) for line in results_text.splitlines() if line.strip()])
    info = {sid: {"level": st.level, "exercised_when": st.exercised_when} for sid, st in catalog.statements.items()}
    tallies = tally(records, info)
    statements = []
    for sid, counted in tallies.items():
        statements.append({
            "id": sid, "level": counted.level or "", "verdict": counted.verdict,
            "instances": counted.instances, "exercised": counted.exercised,
            "checks_held": counted.checks_held, "checks_violated": counted.checks_violated,
            "violating_instances": len({v["case"] for v in counted.violations}),
            "exercise": counted.exercise_text(),
            "first_violation": _violation_line(counted.violations[0]) if counted.violations else "",
        })
    order = {sid: i for i, sid in enumerate(catalog.statements)}
    statements.sort(key=lambda s: (order.get(s["id"], len(order)), natural_key(s["id"])))
    in_the_way = [s for s in statements if s["level"] == "MUST" and s["verdict"] == "DEVIATES"]
    in_the_way.sort(key=lambda s: (-s["violating_instances"], natural_key(s["id"])))
    in_the_way += [s for s in statements if s["level"] == "MUST" and s["verdict"] == "UNKNOWN"]
    ended = [{"case": r["id"], "verdict": r["verdict"], "message": (r.get("message") or "").splitlines()[0][:200]
              if r.get("message") else ""} for r in records if r.get("verdict") in RUN_ENDED_VERDICTS]
    verdict_counts: dict[str, int] = {}
    for record in records:
        verdict_counts[record.get("verdict", "?")] = verdict_counts.get(record.get("verdict", "?"), 0) + 1
    certified = not in_the_way and not ended
    return {
        "verdict": CERTIFIED if certified else NOT_CERTIFIED,
        "standing_in_the_way": [{k: s[k] for k in ("id", "verdict", "exercise", "violating_instances",
                                                     "first_violation")} for s in in_the_way],
        "crashed_or_timed_out": ended,
        "unexercised": [{"id": s["id"], "level": s["level"], "exercise": s["exercise"]}
                        for s in statements if s["verdict"] == "UNEXERCISED"],
        "statements": statements,
        "case_verdicts": dict(sorted(verdict_counts.items())),
    }


def _violation_line(v: dict) -> str:
    text = f"{v.get('case', '')}: {v.get('check', '')}"
    if v.get("observed") or v.get("expected"):
        text += f" (observed {v.get('observed', '')}, expected {v.get('expected', '')})"
    return text[:300]


def summary_line(body: dict) -> str:
    if body["verdict"] == CERTIFIED:
        return f"{CERTIFIED}: no MUST statement deviates or is unknown, no case crashed or timed out" + (
            f"; {len(body['unexercised'])} statement(s) UNEXERCISED" if body["unexercised"] else "")
    parts = []
    deviates = [s["id"] for s in body["standing_in_the_way"] if s["verdict"] == "DEVIATES"]
    unknown = [s["id"] for s in body["standing_in_the_way"] if s["verdict"] == "UNKNOWN"]
    if deviates:
        parts.append(f"{len(deviates)} MUST statement(s) deviate ({', '.join(deviates)})")
    if unknown:
        parts.append(f"{len(unknown)} MUST statement(s) unknown ({', '.join(unknown)})")
    if body["crashed_or_timed_out"]:
        parts.append(f"{len(body['crashed_or_timed_out'])} case(s) crashed or timed out")
    return f"{NOT_CERTIFIED}: " + "; ".join(parts)


def certificate_markdown(certificate: dict) -> str:
    """certificate.md: the certificate as a person reads it (rendered from certificate.json alone)."""
    provider = certificate["provider"]
    lines = [f"# Certificate: {provider['name']}", "", f"**{certificate['summary']}**", ""]
    verdicts = ", ".join(f"{k} {v}" for k, v in certificate["case_verdicts"].items())
    entries = ", ".join(f"{e['kind']} {e['catalog_entry_id']} {e['protocol']}" for e in provider["entries"])
    lines += ["| | |", "|---|---|",
              f"| provider | {provider['name']} |",
              f"| catalog entries | {entries or 'none'} |",
              f"| identity sha256 | `{provider['identity_sha256']}` |",
              f"| system | {provider['system']} |",
              f"| suite | {certificate['suite']['version']} at {certificate['suite']['source_revision']} |",
              f"| runner sha256 | `{certificate['suite']['runner_sha256']}` |",
              f"| requirement catalog | {certificate['requirements']['catalog_version']} (`{certificate['requirements']['sha256'][:16]}…`) |",
              f"| cases | {certificate['cases']['count']} (`{certificate['cases']['sha256'][:16]}…`), socket kinds {', '.join(certificate['cases']['socket_kinds'])} |",
              f"| case verdicts | {verdicts} |",
              f"| created | {certificate['created']} |", ""]
    if certificate["standing_in_the_way"]:
        lines += ["## Standing in the way", "", "| statement | verdict | instances | first violation |", "|---|---|---|---|"]
        for s in certificate["standing_in_the_way"]:
            lines.append(f"| {s['id']} | {s['verdict']} | {s['exercise']} | {s['first_violation'].replace('|', '/')} |")
        lines.append("")
    if certificate["crashed_or_timed_out"]:
        lines += ["## Cases that crashed or timed out", ""]
        lines += [f"- {c['case']}: {c['verdict']} {c['message']}" for c in certificate["crashed_or_timed_out"]]
        lines.append("")
    if certificate["unexercised"]:
        lines += ["## Unexercised (never counted as conforming)", ""]
        lines += [f"- {s['id']} ({s['level']}): {s['exercise']}" for s in certificate["unexercised"]]
        lines.append("")
    lines += ["## Every statement", "", "| statement | level | verdict | exercised |", "|---|---|---|---|"]
    for s in certificate["statements"]:
        lines.append(f"| {s['id']} | {s['level']} | {s['verdict']} | {s['exercise']} |")
    return "\n".join(lines) + "\n"


def provider_summary(identity: dict) -> dict:
    """The part of the identity a certificate leads with."""
    entries = []
    for socket in identity.get("sockets", []):
        entry = socket.get("entry")
        if entry:
            entries.append({"kind": socket.get("kind"), **{k: entry.get(k) for k in (
                "catalog_entry_id", "provider_guid", "protocol", "chain", "ifs_handles")}})
    layered = [e for e in entries if len(e.get("chain") or []) > 1]
    names = {c.get("catalog_entry_id"): c.get("protocol") for c in identity.get("chain_entries", [])}
    if layered:
        name = names.get(layered[0]["chain"][0]) or layered[0]["protocol"]
    else:
        name = identity.get("build") or identity.get("provider", "")
    system = identity.get("system", {})
    return {
        "name": name,
        "provider": identity.get("provider"),
        "build": identity.get("build"),
        "entries": entries,
        "system": system.get("os") or f"{system.get('model', '')} {system.get('version', '')}".strip(),
        "identity_sha256": sha256_bytes(canonical(identity)),
    }


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def identity_of(results_text: str) -> dict | None:
    """The provider identity of the results: every line the runner wrote carries the same one."""
    for line in results_text.splitlines():
        if '"provider_identity"' in line:
            record = json.loads(line)
            if isinstance(record.get("provider_identity"), dict):
                return record["provider_identity"]
    return None


def statement_table(dataset: dict) -> str:
    return summary.table_from_dataset(dataset) + "\n"


def dataset_from(results_path: Path, requirements_path: Path) -> dict:
    result_set = ResultSet()
    for result in parse_results_text(results_path.read_text(encoding="utf-8"), str(results_path.name)):
        result_set.add(result, quiet=True)
    result_set.sources.append(results_path.name)
    result_set.check_versions()
    from .results import load_catalog

    catalog = load_catalog(str(requirements_path))
    catalog.path = requirements_path.name
    return build_dataset(result_set, catalog, quiet=True)


def write_manifest(package: Path) -> str:
    files = {p.name: sha256_file(p) for p in sorted(package.iterdir()) if p.is_file() and p.name != MANIFEST}
    text = json.dumps({"format": f"{FORMAT}-manifest", "files": files}, indent=1) + "\n"
    (package / MANIFEST).write_text(text, encoding="utf-8")
    return sha256_bytes(text.encode("utf-8"))


# ---- running a target ---------------------------------------------------------------


def source_revision() -> str:
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=build.ROOT,
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (git not available)"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown (not a git checkout)"


def runner_binary(runner: Runner) -> Path | None:
    """The runner executable of a runner command: its last argument that names a file, or the
    wsaconform-runner(.exe) beside a launcher script (a sample's run.sh)."""
    files = [Path(a) for a in runner.argv if Path(a).is_file()]
    for path in reversed(files):
        if path.name.startswith("wsaconform-runner"):
            return path
    for path in reversed(files):
        for name in ("wsaconform-runner.exe", "wsaconform-runner"):
            if (path.parent / name).is_file():
                return path.parent / name
    return files[-1] if files else None


def _late_indications(attempts: list[dict]) -> list[dict]:
    from .runcmd import _late_indications as late

    return late(attempts)


def certify_target(target: Target, runner: Runner, listing: Listing, requirements: dict, winsock: dict | None,
                   args, out: Path) -> dict:
    package = out / target.name
    work = out / ".work" / target.name
    if package.exists():
        for stale in package.iterdir():
            stale.unlink()
    package.mkdir(parents=True, exist_ok=True)
    if work.exists():
        for stale in work.rglob("*"):
            if stale.is_file():
                stale.unlink()
    cases = cases_for(listing.cases, target.kinds)
    extra = (f"--catalog-entry={target.catalog_entry_arg}",) if target.entries else ()
    guard = args.guard if args.guard is not None else 3 * args.timeout + 30
    settings = Settings(provider=args.provider, jobs=args.jobs or default_jobs(args.provider, env.cpu_count()),
                        case_timeout=args.timeout, guard=guard, extra_args=extra)
    texts = {e["id"]: e.get("text", "") for e in requirements.get("statements", []) if isinstance(e, dict)}
    progress = Progress(f"certify {target.name}", len(cases), each_case=False)
    try:
        result = run_provider(runner, settings, listing, cases, work / "shards", progress, texts,
                              durations_file=Path(args.durations) if args.durations else
                              out / ".work" / f"durations-{args.provider}.json")
    except RunnerError as err:
        raise UsageError(f"{target.name}: {err}") from None
    progress.close()
    if result.interrupted:
        raise KeyboardInterrupt
    records = list(result.records) + _late_indications(result.attempts)
    results_text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (package / "results.jsonl").write_text(results_text, encoding="utf-8")
    requirements_text = json.dumps(requirements, indent=1) + "\n"
    (package / "requirements.json").write_text(requirements_text, encoding="utf-8")
    (package / "cases.txt").write_text(cases_text([c["id"] for c in cases]), encoding="utf-8")
    identity = identity_of(results_text) or {}
    (package / "identity.json").write_text(json.dumps(identity, indent=1, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    if winsock is not None:
        (package / "winsock-catalog.json").write_text(json.dumps(winsock, indent=1, ensure_ascii=False) + "\n",
                                                      encoding="utf-8")
    (package / "run.json").write_text(json.dumps({"runner_processes": result.attempts, "notes": result.notes},
                                                 indent=1) + "\n", encoding="utf-8")
    binary = runner_binary(runner)
    environment = {
        "platform": platform.platform(), "machine": platform.machine(), "python": sys.version.split()[0],
        "cpu_count": env.cpu_count(), "runner_command": list(runner.argv),
        "runner_binary": str(binary) if binary else None, "jobs": settings.jobs, "case_timeout_s": args.timeout,
        "variables": {k: os.environ[k] for k in ("WINEDLLOVERRIDES", "WINEPREFIX", "WSAC_WINEPREFIX", "WINEDEBUG")
                      if k in os.environ},
    }
    (package / "environment.json").write_text(json.dumps(environment, indent=1) + "\n", encoding="utf-8")
    dataset = dataset_from(package / "results.jsonl", package / "requirements.json")
    (package / "dataset.json").write_text(dataset_json(dataset), encoding="utf-8")
    (package / "statements.txt").write_text(statement_table(dataset), encoding="utf-8")

    body = certificate_body(results_text, requirements)
    certificate = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "summary": summary_line(body),
        **body,
        "target": {"selector": target.selector, "catalog_entries": [e["catalog_entry_id"] for e in target.entries]},
        "provider": provider_summary(identity),
        "suite": {"version": listing.suite_version, "source_revision": source_revision(),
                  "runner_sha256": sha256_file(binary) if binary else ""},
        "requirements": {"catalog_version": listing.catalog_version, "sha256": sha256_bytes(requirements_text.encode())},
        "winsock_catalog": ({"sha256": sha256_file(package / "winsock-catalog.json"),
                             "entries": len(winsock.get("entries", []))} if winsock is not None else None),
        "cases": {"count": len(cases), "sha256": sha256_file(package / "cases.txt"),
                  "socket_kinds": sorted(target.kinds)},
        "created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
    }
    (package / "certificate.json").write_text(json.dumps(certificate, indent=1, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    (package / "certificate.md").write_text(certificate_markdown(certificate), encoding="utf-8")
    write_manifest(package)
    return certificate


# ---- the command ----------------------------------------------------------------------


def add_arguments(parser) -> None:
    parser.description = ("Run the whole suite against chosen catalog entries (strictly: no expectations) "
                          "and write a certificate package per entry.")
    parser.add_argument("--entry", action="append", default=[], metavar="ID|GUID|NAME",
                        help="a catalog entry id, a provider GUID (all its entries) or an entry's protocol name "
                             "(repeatable; default: the machine's default entries)")
    parser.add_argument("--all-layered", action="store_true", help="every layered provider in the catalog")
    parser.add_argument("--out", required=True, metavar="DIR", help="write the packages into DIR/<target>/")
    parser.add_argument("--runner", default=os.environ.get("WSAC_RUNNER"), metavar="CMD",
                        help="the runner command (default: this machine's build; on Linux the mingw build under Wine)")
    parser.add_argument("--provider", default="winsock", choices=("winsock", "mock"),
                        help="winsock (default) or mock (certifies the mock's own entries)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N", help="runner processes (default: measured)")
    parser.add_argument("--timeout", type=int, default=10, metavar="S", help="per-case deadline in seconds")
    parser.add_argument("--durations", metavar="FILE",
                        help="case durations to pack the shards by, updated after the run (default: "
                             "DIR/.work/durations-PROVIDER.json; a `run`'s out/winsock/durations.json serves too)")
    parser.add_argument("--guard", type=float, metavar="S", help=argparse.SUPPRESS)
    parser.add_argument("--no-build", action="store_true", help="use the runner already built")


def run(args) -> int:
    out = Path(args.out)
    if args.provider == "mock" and (args.entry or args.all_layered):
        raise UsageError("the mock has no catalog to choose from: --entry and --all-layered are for winsock")
    runner_context = _mock_runner(args) if args.provider == "mock" else \
        winsock_catalog.winsock_runner(args.runner, no_build=args.no_build)
    certificates = []
    with runner_context as runner:
        try:
            listing = list_cases(runner, args.provider)
            requirements = query(runner, "--requirements")
        except RunnerError as err:
            raise UsageError(str(err)) from None
        winsock = winsock_catalog.read_catalog(runner) if args.provider == "winsock" else None
        targets = choose_targets(winsock["entries"], args.entry, args.all_layered) if winsock is not None else \
            [Target(name="mock", selector="the mock")]
        for target in targets:
            certificate = certify_target(target, runner, listing, requirements, winsock, args, out)
            certificates.append((target, certificate))
    print()
    for target, certificate in certificates:
        print(f"{out / target.name}: {certificate['provider']['name']}")
        print(f"  {certificate['summary']}")
        for s in certificate["standing_in_the_way"]:
            print(f"  {s['id']:<9} {s['verdict']:<9} {s['exercise']}: {s['first_violation'][:150]}")
        for c in certificate["crashed_or_timed_out"][:10]:
            print(f"  {c['case']} {c['verdict']}")
        if certificate["unexercised"]:
            print(f"  UNEXERCISED: {', '.join(s['id'] for s in certificate['unexercised'])}")
    return 0 if all(c["verdict"] == CERTIFIED for _, c in certificates) else 1


class _mock_runner:
    """The native build's runner (or --runner), for certifying the mock."""

    def __init__(self, args):
        self.args = args

    def __enter__(self) -> Runner:
        if self.args.runner:
            return Runner(tuple(shlex.split(self.args.runner)), "custom")
        if not self.args.no_build:
            try:
                build.build("native", target=build.RUNNER_TARGET)
            except build.BuildError as err:
                raise UsageError(f"native build failed: {err}") from None
        path = build.runner_path("native")
        if path is None:
            raise UsageError(f"no runner in {build.build_dir('native')} (build it, or pass --runner)")
        return Runner((str(path),), "native")

    def __exit__(self, *exc) -> None:
        return None


def main(argv=None) -> int:
    from .errors import main_for

    return main_for(add_arguments, run, "wsaconform certify", argv)


if __name__ == "__main__":
    raise SystemExit(main())

