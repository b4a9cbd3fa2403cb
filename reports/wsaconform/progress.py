"""Progress of a run: a redrawn bar on a terminal, plain lines anywhere else.

A log file or CI console gets one line per finished case, so the order things
happened in stays readable afterwards; a terminal gets one line redrawn in
place with counts and an estimate of the time left. With each_case=False (a
command that runs the suite many times and reports on its own) only the bar
and the counts are shown.

The estimate weighs cases by their expected durations when the run knows
them: one 6 s case left is not one 2 ms case left.
"""

from __future__ import annotations

import shutil
import sys
import time

PASS_VERDICTS = frozenset({"PASS"})
FAIL_VERDICTS = frozenset({"FAIL"})
# Redrawing more often than this only costs terminal bandwidth.
REDRAW_INTERVAL_S = 0.1


class Progress:
    def __init__(self, label: str, total: int, *, stream=None, tty: bool | None = None, each_case: bool = True):
        self.label = label
        self.total = total
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.each_case = each_case
        self.passed = self.failed = self.other = 0
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._bar_shown = False
        self._expected: dict[str, float] = {}
        self._expected_total = self._expected_done = 0.0

    def expect_durations(self, expected_ms: dict[str, float]) -> None:
        """The expected duration of every case of the run, for the time-left estimate."""
        self._expected = dict(expected_ms)
        self._expected_total = sum(self._expected.values())

    @property
    def done(self) -> int:
        return self.passed + self.failed + self.other

    def case_finished(self, record: dict) -> None:
        verdict = record.get("verdict", "?")
        self._expected_done += self._expected.get(record.get("id"), 0.0)
        if verdict in PASS_VERDICTS:
            self.passed += 1
        elif verdict in FAIL_VERDICTS:
            self.failed += 1
        else:
            self.other += 1
        if not self.tty:
            if self.each_case:
                self._line(self._case_line(record, verdict))
        elif self.each_case and verdict not in PASS_VERDICTS and verdict != "NOT_SUPPORTED":
            # Problems stay on screen above the bar; passes only move it.
            self._clear_bar()
            self._line(self._case_line(record, verdict))
            self._draw(force=True)
        else:
            self._draw()

    def note(self, message: str) -> None:
        """A line that must not be overdrawn: a crash, a restarted runner."""
        self._clear_bar()
        self._line(f"{self.label}: {message}")
        if self.tty:
            self._draw(force=True)

    def close(self) -> None:
        if self.tty:
            self._draw(force=True)
            self.stream.write("\n")
            self._bar_shown = False
        self._line(self.counts_line())

    def counts_line(self) -> str:
        elapsed = time.monotonic() - self.started
        return (
            f"{self.label}: {self.done}/{self.total} cases, {self.passed} pass, {self.failed} fail, "
            f"{self.other} other, {_clock(elapsed)}"
        )

    def _case_line(self, record: dict, verdict: str) -> str:
        width = len(str(self.total))
        duration = record.get("duration_ms")
        took = f" ({duration:.0f} ms)" if isinstance(duration, (int, float)) else ""
        line = f"[{self.done:>{width}}/{self.total}] {self.label} {verdict:<13} {record.get('id', '?')}{took}"
        if verdict not in PASS_VERDICTS and verdict != "NOT_SUPPORTED" and record.get("message"):
            line += f": {record['message'].splitlines()[0][:200]}"
        return line

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn_at < REDRAW_INTERVAL_S and self.done < self.total:
            return
        self._drawn_at = now
        counts = f" {self.done}/{self.total} pass {self.passed} fail {self.failed} other {self.other} ETA {self._eta(now)}"
        columns = shutil.get_terminal_size((80, 24)).columns
        bar_width = max(10, columns - len(self.label) - len(counts) - 4)
        filled = bar_width * self.done // self.total if self.total else bar_width
        text = f"{self.label} [{'#' * filled}{'.' * (bar_width - filled)}]{counts}"
        self.stream.write("\r" + text[: columns - 1])
        self.stream.flush()
        self._bar_shown = True

    def _eta(self, now: float) -> str:
        if not self.done:
            return "--:--"
        elapsed = now - self.started
        if self._expected_done > 0:
            return _clock(elapsed * (self._expected_total - self._expected_done) / self._expected_done)
        return _clock(elapsed / self.done * (self.total - self.done))

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self.stream.write("\r\033[K")
            self._bar_shown = False

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"
