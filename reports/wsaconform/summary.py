"""The per-statement table `run` and `collate` print: statement, verdict per provider.

Each cell is the statement's verdict with how many of its claiming instances
exercised it ("CONFORMS 128/132"); below the table, one line per statement
no instance exercised says why ("S14 UNEXERCISED on mock: 0 of 132
instances (the call returned 0)").

The verdicts come from the collated dataset (collate.py decides them with
verdicts.py); when the reporting modules cannot be imported, the same rule
runs straight over the result lines, so a run always ends with an answer.
"""

from __future__ import annotations

from .verdicts import natural_key, tally


class Cell:
    def __init__(self, verdict: str, exercised: int = 0, instances: int = 0, exercise: str = "") -> None:
        self.verdict, self.exercised, self.instances, self.exercise = verdict, exercised, instances, exercise

    def __str__(self) -> str:
        if self.verdict == "NOT_TESTED" or not self.instances:
            return self.verdict
        return f"{self.verdict} {self.exercised}/{self.instances}"


def rows_from_dataset(dataset: dict) -> tuple[list[str], list[tuple[str, list[Cell]]]]:
    """(provider labels, [(statement id, [cell per provider])])."""
    labels = [provider["key"] for provider in dataset.get("providers", [])]
    rows = []
    for statement in dataset.get("statements", []):
        results = statement.get("results", {})
        cells = []
        for label in labels:
            r = results.get(label, {})
            cells.append(Cell(r.get("verdict", "-"), r.get("exercised", 0), r.get("instances", 0),
                              r.get("exercise", "")))
        rows.append((statement["id"], cells))
    return labels, rows


def rows_from_records(records_by_provider: dict[str, list[dict]],
                      statements: dict[str, dict] | None = None) -> tuple[list[str], list[tuple[str, list[Cell]]]]:
    """The same table straight from result lines, for when collate is missing."""
    labels = list(records_by_provider)
    tallies = {label: tally(records, statements) for label, records in records_by_provider.items()}
    ids = sorted({sid for t in tallies.values() for sid, c in t.items() if c.instances}, key=natural_key)
    rows = []
    for sid in ids:
        cells = []
        for label in labels:
            c = tallies[label].get(sid)
            cells.append(Cell("NOT_TESTED") if c is None else
                         Cell(c.verdict, c.exercised, c.instances, c.exercise_text()))
        rows.append((sid, cells))
    return labels, rows


def format_table(labels: list[str], rows: list[tuple[str, list[Cell]]]) -> str:
    texts = [(sid, [str(cell) for cell in cells]) for sid, cells in rows]
    id_width = max([len("statement"), *(len(sid) for sid, _ in texts)])
    widths = [max([len(label), *(len(v[i]) for _, v in texts)]) for i, label in enumerate(labels)]
    lines = ["  ".join([f"{'statement':<{id_width}}", *(f"{l:<{w}}" for l, w in zip(labels, widths))]).rstrip()]
    for sid, cells in texts:
        lines.append("  ".join([f"{sid:<{id_width}}", *(f"{v:<{w}}" for v, w in zip(cells, widths))]).rstrip())
    return "\n".join(lines)


def unexercised_lines(labels: list[str], rows: list[tuple[str, list[Cell]]]) -> list[str]:
    """"S14 UNEXERCISED on mock: 0 of 132 instances (the call returned 0)", one per statement and provider."""
    lines = []
    for sid, cells in rows:
        for label, cell in zip(labels, cells):
            if cell.verdict == "UNEXERCISED":
                lines.append(f"{sid} UNEXERCISED on {label}: {cell.exercise}")
    return lines


def table_from_dataset(dataset: dict) -> str:
    labels, rows = rows_from_dataset(dataset)
    return render(labels, rows)


def render(labels: list[str], rows: list[tuple[str, list[Cell]]]) -> str:
    if not rows:
        return ""
    text = format_table(labels, rows)
    notes = unexercised_lines(labels, rows)
    if notes:
        text += "\n\n" + "\n".join(notes)
    return text
