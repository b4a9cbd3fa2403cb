"""wsaconform verify PACKAGE: does a certificate package hold together?

In this order, stopping at the first problem with a one-line reason:

1. the manifest: every file it lists is there with that sha256, and nothing else is;
2. the certificate: its verdict, the statements standing in the way, the
   unexercised statements and every statement's verdict and counts are
   recomputed from results.jsonl and requirements.json (the same
   certificate_body, on verdicts.py), and so are dataset.json's statement
   verdicts, statements.txt and certificate.md;
3. the case list: cases.txt is what the certificate hashed, every case in it
   has exactly one result line and no other case has one, and it is the
   suite's own list (the runner's --list) for the socket kinds certified;
4. the versions: the package's requirement catalog is the runner's (version
   and content), and its results were written against it;
5. the identity: every result line the runner wrote names the provider of
   identity.json, and the certificate's provider summary is that one.

A package edited consistently everywhere (results, certificate, manifest
recomputed) passes: the manifest is a checksum, not a signature. What
verify guarantees is that every verdict follows from the results on file.

Exit status: 0 the package holds, 1 it does not (one line saying why), 2 usage.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from . import build, wine
from .certify import (
    FORMAT, MANIFEST, certificate_body, certificate_markdown, cases_for, dataset_from, identity_of,
    provider_summary, sha256_bytes, sha256_file, statement_table, summary_line,
)
from .errors import UsageError
from .orchestrate import Runner, RunnerError, list_cases, query


class Rejected(Exception):
    """The package does not hold; str() is the one-line reason."""


def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise Rejected(f"{path.name} is not readable JSON ({err})") from None


def check_manifest(package: Path) -> dict:
    manifest_path = package / MANIFEST
    if not manifest_path.is_file():
        raise Rejected(f"no {MANIFEST}")
    manifest = _json(manifest_path)
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files:
        raise Rejected(f"{MANIFEST} lists no files")
    for name, digest in sorted(files.items()):
        path = package / name
        if "/" in name or "\\" in name or not path.is_file():
            raise Rejected(f"{name}, listed in the manifest, is missing")
        actual = sha256_file(path)
        if actual != digest:
            raise Rejected(f"{name} was edited: its sha256 is {actual[:16]}…, the manifest says {digest[:16]}…")
    extra = sorted(p.name for p in package.iterdir() if p.name != MANIFEST and p.name not in files)
    if extra:
        raise Rejected(f"{extra[0]} is not in the manifest")
    for required in ("certificate.json", "results.jsonl", "requirements.json", "cases.txt", "identity.json",
                     "dataset.json", "statements.txt", "certificate.md"):
        if required not in files:
            raise Rejected(f"the package has no {required}")
    return files


def check_verdicts(package: Path, certificate: dict, results_text: str, requirements: dict) -> dict:
    try:
        body = certificate_body(results_text, requirements)
    except (ValueError, KeyError, TypeError, UsageError) as err:
        raise Rejected(f"results.jsonl cannot be read back ({err})") from None
    recorded = {s.get("id"): s for s in certificate.get("statements", [])}
    for statement in body["statements"]:
        mine = recorded.get(statement["id"])
        if mine is None:
            raise Rejected(f"the certificate has no line for {statement['id']}, which the results make "
                           f"{statement['verdict']}")
        if mine.get("verdict") != statement["verdict"]:
            raise Rejected(f"the certificate says {statement['id']} {mine.get('verdict')}; the results make it "
                           f"{statement['verdict']} ({statement['exercise']})")
        if mine != statement:
            changed = next(k for k in statement if mine.get(k) != statement[k])
            raise Rejected(f"the certificate's {changed} of {statement['id']} is {mine.get(changed)!r}; the results "
                           f"give {statement[changed]!r}")
    if len(recorded) != len(body["statements"]):
        extra = sorted(set(recorded) - {s["id"] for s in body["statements"]})
        raise Rejected(f"the certificate lists {extra[0] if extra else 'a statement'}, which no result or catalog "
                       f"entry names")
    if certificate.get("verdict") != body["verdict"]:
        raise Rejected(f"the certificate's verdict {certificate.get('verdict')} does not follow from the results: "
                       f"{summary_line(body)}")
    for key in ("standing_in_the_way", "crashed_or_timed_out", "unexercised", "case_verdicts"):
        if certificate.get(key) != body[key]:
            raise Rejected(f"the certificate's {key.replace('_', ' ')} does not follow from the results")
    if certificate.get("summary") != summary_line(body):
        raise Rejected(f"the certificate's summary does not follow from the results: {summary_line(body)}")

    dataset = _json(package / "dataset.json")
    fresh = dataset_from(package / "results.jsonl", package / "requirements.json")
    recorded_rows = {row.get("id"): row.get("results", {}) for row in dataset.get("statements", [])}
    for row in fresh["statements"]:
        for label, result in row["results"].items():
            had = recorded_rows.get(row["id"], {}).get(label, {})
            if had.get("verdict") != result["verdict"] or had.get("exercised") != result["exercised"] or \
                    had.get("instances") != result["instances"]:
                raise Rejected(f"dataset.json says {row['id']} {had.get('verdict')} on {label}; the results make it "
                               f"{result['verdict']} {result['exercised']}/{result['instances']}")
    if (package / "statements.txt").read_text(encoding="utf-8") != statement_table(fresh):
        raise Rejected("statements.txt is not the table the results give")
    if (package / "certificate.md").read_text(encoding="utf-8") != certificate_markdown(certificate):
        raise Rejected("certificate.md is not the certificate")
    return body


def check_cases(package: Path, certificate: dict, results_text: str, listing) -> None:
    text = (package / "cases.txt").read_text(encoding="utf-8")
    cases = certificate.get("cases") or {}
    if sha256_bytes(text.encode("utf-8")) != cases.get("sha256"):
        raise Rejected("cases.txt is not the case list the certificate hashed")
    ids = [line for line in text.splitlines() if line]
    if len(ids) != cases.get("count") or len(set(ids)) != len(ids):
        raise Rejected(f"cases.txt lists {len(ids)} case(s) ({len(set(ids))} distinct); the certificate says "
                       f"{cases.get('count')}")
    seen: dict[str, int] = {}
    for line in results_text.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if record.get("record", "case") == "case":
            seen[record.get("id")] = seen.get(record.get("id"), 0) + 1
    twice = sorted(i for i, n in seen.items() if n > 1)
    if twice:
        raise Rejected(f"{twice[0]} has {seen[twice[0]]} result lines")
    missing = [i for i in ids if i not in seen]
    if missing:
        raise Rejected(f"{missing[0]} is on the case list but has no result ({len(missing)} such)")
    unlisted = sorted(set(seen) - set(ids))
    if unlisted:
        raise Rejected(f"{unlisted[0]} has a result but is not on the case list")
    # As a set: builds register their cases in different orders (the order
    # static initializers run in is the linker's).
    suite = {c["id"] for c in cases_for(listing.cases, cases.get("socket_kinds") or [])}
    if suite != set(ids):
        gone = sorted(set(ids) - suite)
        why = f"{gone[0]} is not a case of this suite" if gone else f"{sorted(suite - set(ids))[0]} was not run"
        raise Rejected(f"the case list differs from the suite's (runner --list, socket kinds "
                       f"{', '.join(cases.get('socket_kinds') or [])}): {why}")


def check_versions(package: Path, certificate: dict, results_text: str, listing, runner_requirements: dict) -> None:
    mine = (certificate.get("requirements") or {}).get("catalog_version")
    if mine != listing.catalog_version:
        raise Rejected(f"the package is from requirement catalog {mine}; this suite's is {listing.catalog_version}")
    if (certificate.get("suite") or {}).get("version") != listing.suite_version:
        raise Rejected(f"the package is from suite version {(certificate.get('suite') or {}).get('version')}; "
                       f"the runner here is {listing.suite_version}")
    text = (package / "requirements.json").read_text(encoding="utf-8")
    if sha256_bytes(text.encode("utf-8")) != (certificate.get("requirements") or {}).get("sha256"):
        raise Rejected("requirements.json is not the catalog the certificate hashed")
    if json.loads(text) != runner_requirements:
        raise Rejected(f"requirements.json differs from the catalog of this suite (same version {mine})")
    for line in results_text.splitlines():
        if line.strip():
            record = json.loads(line)
            if record.get("record", "case") == "case" and record.get("catalog_version") != mine:
                raise Rejected(f"{record.get('id')} was run against catalog {record.get('catalog_version')}, "
                               f"not {mine}")
    winsock = certificate.get("winsock_catalog")
    if winsock is not None:
        path = package / "winsock-catalog.json"
        if not path.is_file() or sha256_file(path) != winsock.get("sha256"):
            raise Rejected("winsock-catalog.json is not the Winsock catalog the certificate hashed")


def check_identity(package: Path, certificate: dict, results_text: str) -> None:
    identity = _json(package / "identity.json")
    if identity_of(results_text) is None:
        raise Rejected("no result line carries a provider identity")
    for number, line in enumerate(results_text.splitlines(), start=1):
        if '"provider_identity"' not in line:
            continue
        if json.loads(line).get("provider_identity") != identity:
            raise Rejected(f"results.jsonl line {number} names another provider than identity.json")
    if certificate.get("provider") != provider_summary(identity):
        raise Rejected("the certificate's provider is not the one identity.json names")


def verify(package: Path, runner: Runner) -> tuple[dict, int]:
    """(the certificate, the number of files) when the package holds; raises Rejected otherwise."""
    if not package.is_dir():
        raise UsageError(f"{package}: no such package directory")
    files = check_manifest(package)
    certificate = _json(package / "certificate.json")
    if not isinstance(certificate, dict) or certificate.get("format") != FORMAT:
        raise Rejected(f"certificate.json is not a {FORMAT}")
    results_text = (package / "results.jsonl").read_text(encoding="utf-8")
    requirements = _json(package / "requirements.json")
    check_verdicts(package, certificate, results_text, requirements)
    try:
        listing = list_cases(runner, (certificate.get("provider") or {}).get("provider") or "mock")
        runner_requirements = query(runner, "--requirements")
    except RunnerError as err:
        raise UsageError(f"cannot ask the runner for the suite's case list: {err}") from None
    check_versions(package, certificate, results_text, listing, runner_requirements)
    check_cases(package, certificate, results_text, listing)
    check_identity(package, certificate, results_text)
    return certificate, len(files)


def listing_runner(command: str | None) -> Runner:
    """Any runner of this suite answers --list and --requirements alike: --runner, else the native
    build's, else the mingw build's under Wine."""
    if command:
        return Runner(tuple(shlex.split(command)), "custom")
    native = build.runner_path("native")
    if native is not None:
        return Runner((str(native),), "native")
    mingw = build.runner_path("mingw")
    if mingw is not None:
        return Runner((*wine.command(build.build_dir("mingw")), str(mingw)), "mingw")
    raise UsageError("no built runner to ask for the suite's case list (./wsaconform run builds one), "
                     "or pass --runner")


def add_arguments(parser) -> None:
    parser.description = ("Check a certificate package: its files against the manifest, every verdict against "
                          "the raw results, its case list and catalog against this suite's.")
    parser.add_argument("packages", nargs="+", metavar="PACKAGE", help="a package directory (certify's DIR/<target>)")
    parser.add_argument("--runner", metavar="CMD", help="the runner whose --list and --requirements are the suite's "
                        "(default: the native build's)")


def run(args) -> int:
    runner = listing_runner(args.runner)
    status = 0
    for name in args.packages:
        package = Path(name)
        try:
            certificate, files = verify(package, runner)
        except Rejected as err:
            print(f"wsaconform verify: FAILED: {package}: {err}")
            status = 1
            continue
        print(f"wsaconform verify: OK: {package}: {certificate['summary']} ({files} files, "
              f"{certificate['cases']['count']} cases; every verdict follows from the results)")
    return status


def main(argv=None) -> int:
    from .errors import main_for

    return main_for(add_arguments, run, "wsaconform verify", argv)


if __name__ == "__main__":
    raise SystemExit(main())
