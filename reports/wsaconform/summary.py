"""The per-statement lines `run` prints at the end: statement, verdict per provider.

The verdicts come from the collated dataset (collate.py decides them); when
the reporting modules cannot be imported, a plain rule over the result lines
stands in, so a run always ends with an answer.
"""

from __future__ import annotations

import re

UNKNOWN = frozenset({"BROKEN", "TIMEOUT", "CRASH"})


def rows_from_dataset(dataset: dict) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(provider labels, [(statement id, [verdict per provider])])."""
    labels = [provider["key"] for provider in dataset.get("providers", [])]
    rows = []
    for statement in dataset.get("statements", []):
        results = statement.get("results", {})
        rows.append((statement["id"], [results.get(label, {}).get("verdict", "-") for label in labels]))
    return labels, rows


def rows_from_records(records_by_provider: dict[str, list[dict]]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The same table straight from result lines, for when collate is missing."""
    labels = list(records_by_provider)
    verdicts: dict[str, dict[str, set]] = {}
    for label, records in records_by_provider.items():
        for record in records:
            for sid in record.get("statements", []):
                verdicts.setdefault(sid, {}).setdefault(label, set()).add(record.get("verdict"))
    rows = []
    for sid in sorted(verdicts, key=_natural):
        rows.append((sid, [_statement_verdict(verdicts[sid].get(label, set())) for label in labels]))
    return labels, rows


def _statement_verdict(case_verdicts: set) -> str:
    if not case_verdicts:
        return "NOT_TESTED"
    if "FAIL" in case_verdicts:
        return "DEVIATES"
    if case_verdicts & UNKNOWN:
        return "UNKNOWN"
    return "CONFORMS" if "PASS" in case_verdicts else "NOT_SUPPORTED"


def format_table(labels: list[str], rows: list[tuple[str, list[str]]]) -> str:
    id_width = max([len("statement"), *(len(sid) for sid, _ in rows)])
    widths = [max([len(label), *(len(v[i]) for _, v in rows)]) for i, label in enumerate(labels)]
    lines = ["  ".join([f"{'statement':<{id_width}}", *(f"{l:<{w}}" for l, w in zip(labels, widths))]).rstrip()]
    for sid, verdicts in rows:
        lines.append("  ".join([f"{sid:<{id_width}}", *(f"{v:<{w}}" for v, w in zip(verdicts, widths))]).rstrip())
    return "\n".join(lines)


def _natural(text: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
