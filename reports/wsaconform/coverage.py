"""Coverage of the requirement catalog by the suite's cases (issue 4).

Pure: takes the two documents the runner prints, `--requirements` (the
catalog) and `--list` (the cases with their statement IDs), and returns the
problems as sentences. An empty list means the suite covers the catalog:

- every case names at least one statement, and only statements that exist;
- no case claims an INFO statement (INFO is catalogued, never tested);
- every MUST statement has at least one case.

MAY statements need no case: a suite that does not look at a permission is
still correct, it just reports less.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LEVELS = ("MUST", "MAY", "INFO")


def _statements(catalog: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(catalog, Mapping):
        return list(catalog.get("statements", []))
    return list(catalog)


def _cases(cases: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(cases, Mapping):
        return list(cases.get("cases", []))
    return list(cases)


def _declared_case(case: Mapping[str, Any]) -> str:
    """The case as written (Suite.Name): one problem per WSAC_CASE, not one per
    instantiation of a parameterised case."""
    if case.get("suite") and case.get("name"):
        return f"{case['suite']}.{case['name']}"
    return str(case.get("id", "<case without id>"))


def check_coverage(catalog, cases) -> list[str]:
    """Problems of `cases` against `catalog`, in a stable order.

    catalog: the `--requirements` document ({"version", "statements": [...]})
             or its statement list. cases: the `--list` document or its
             "cases" list; each case has "id" and "statements", and normally
             "suite" and "name".
    """
    problems: list[str] = []

    levels: dict[str, str] = {}
    for statement in _statements(catalog):
        sid, level = statement.get("id"), statement.get("level")
        if not sid:
            problems.append(f"catalog: a statement has no id: {statement!r}")
            continue
        if sid in levels:
            problems.append(f"catalog: statement {sid} appears twice")
            continue
        if level not in LEVELS:
            problems.append(f"catalog: statement {sid} has level {level!r}, not one of {', '.join(LEVELS)}")
        levels[sid] = level

    covered: set[str] = set()
    reported: set[tuple[str, str]] = set()

    def once(case: str, what: str) -> None:
        if (case, what) not in reported:
            reported.add((case, what))
            problems.append(f"case {case}: {what}")

    for case in _cases(cases):
        name = _declared_case(case)
        ids = case.get("statements") or []
        if not ids:
            once(name, "names no statement ID")
        for sid in ids:
            level = levels.get(sid)
            if level is None:
                once(name, f"names unknown statement {sid}")
            elif level == "INFO":
                once(name, f"claims INFO statement {sid} (INFO statements carry no obligation to test)")
            else:
                covered.add(sid)

    for sid, level in levels.items():
        if level == "MUST" and sid not in covered:
            problems.append(f"statement {sid} (MUST) has no case")
    return problems
