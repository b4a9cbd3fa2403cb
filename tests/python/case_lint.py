"""A static lint of the conformance cases (cases/*.cc): every check names a statement the case claims.

What it finds, from the source text alone:
  - a bare GoogleTest assertion (EXPECT_*, ASSERT_*, FAIL(), ADD_FAILURE(),
    GTEST_FAIL and friends) anywhere in the file: a failure no statement owns,
    which the runner turns into a BROKEN case;
  - in a WSAC_CASE / WSAC_CASE_F / WSAC_CASE_P body, a statement ID written as
    a string literal (the first argument of a WSAC_ check or NotExercised, or
    an argument given to a helper) that the case is not tagged with, or that
    the catalog does not have (Report() may name any catalogued statement:
    the runner accepts reports of statements a case does not claim);

What it cannot decide, and lists instead of judging (`unverifiable`):
  - a helper defined in the same file whose WSAC_ checks or NotExercised name
    a literal statement, called from a body whose case does not claim it: the
    check may sit behind a condition that case never meets (a helper that
    checks CLOSE-2 only for receives, called by an ioctl-only case), which
    only running the case shows (the runner makes such a case BROKEN);
  - a check whose statement is not a literal (a parameter, a variable, an
    expression): the literal the caller passed is checked at the call site
    when it is written in the body, but not when it is computed;
  - helpers from other files (suite/fixtures, shared headers) and fixture
    methods (SetUp, members of a TEST_F class) that check on a case's behalf;
  - calls through pointers, lambdas handed to other functions, and anything
    the preprocessor builds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ID_LIKE = re.compile(r"^(?:S\d+|[A-Z]+-\d+)$")
BARE = re.compile(r"(?<![\w:])(?:::)?(?:testing::)?"
                  r"(EXPECT_[A-Z0-9_]+|ASSERT_[A-Z0-9_]+|GTEST_(?:EXPECT|ASSERT)_[A-Z0-9_]+|GTEST_FAIL(?:_AT)?|"
                  r"GTEST_(?:NON)?FATAL_FAILURE_|ADD_FAILURE(?:_AT)?|FAIL)\s*\(")
CASE = re.compile(r"\bWSAC_CASE(?:_F|_P)?\s*\(")
CHECK = re.compile(r"\b(WSAC_(?:EXPECT|ASSERT)_[A-Z]+|WSAC_ADD_FAILURE|WSAC_FAIL|NotExercised|Report)\s*\(")


@dataclass
class Source:
    """The file with comments blanked and string literals emptied, same offsets, plus the literals."""

    path: str
    text: str
    masked: str = ""
    literals: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end with quotes, value)

    def line(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def literal_at(self, start: int, end: int) -> list[tuple[int, int, str]]:
        return [lit for lit in self.literals if start <= lit[0] and lit[1] <= end]


_LEX = re.compile(r'//[^\n]*|/\*.*?\*/|R"([^(\s]*)\((?:.|\n)*?\)\1"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def read(path: str, text: str | None = None) -> Source:
    if text is None:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    out = list(text)
    literals = []

    def blank(start: int, end: int) -> None:
        for i in range(start, end):
            if out[i] != "\n":
                out[i] = " "

    for m in _LEX.finditer(text):
        token, start, end = m.group(), m.start(), m.end()
        if token.startswith(("//", "/*")):
            blank(start, end)
        elif token.startswith('"'):
            literals.append((start, end, token[1:-1]))
            blank(start + 1, end - 1)
        elif token.startswith('R"'):
            literals.append((start, end, token))
            blank(start + 2, end - 1)
        else:  # a character literal
            blank(start + 1, end - 1)
    return Source(path, text, "".join(out), literals)


def _matching(masked: str, open_at: int, opening: str, closing: str) -> int:
    """Offset just past the bracket that closes the one at open_at."""
    depth = 0
    for i in range(open_at, len(masked)):
        if masked[i] == opening:
            depth += 1
        elif masked[i] == closing:
            depth -= 1
            if depth == 0:
                return i + 1
    return len(masked)


def _first_argument(src: Source, open_paren: int) -> tuple[int, int]:
    """The span of the first argument of the call whose '(' is at open_paren."""
    depth = 0
    for i in range(open_paren, len(src.masked)):
        ch = src.masked[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return open_paren + 1, i
        elif ch == "," and depth == 1:
            return open_paren + 1, i
    return open_paren + 1, len(src.masked)


@dataclass
class Case:
    suite: str
    name: str
    tags: list[str]
    body_start: int
    body_end: int
    line: int


def cases_of(src: Source) -> list[Case]:
    found = []
    for m in CASE.finditer(src.masked):
        open_paren = m.end() - 1
        close = _matching(src.masked, open_paren, "(", ")")
        args = [a.strip() for a in src.masked[open_paren + 1:close - 1].split(",")]
        tags = [value for _, _, value in src.literal_at(open_paren, close)]
        brace = src.masked.find("{", close)
        if brace < 0 or len(args) < 2:
            continue
        end = _matching(src.masked, brace, "{", "}")
        found.append(Case(args[0], args[1], tags, brace, end, src.line(m.start())))
    return found


@dataclass
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


def bare_assertions(src: Source) -> list[Finding]:
    return [Finding(src.path, src.line(m.start(1)),
                    f"bare GoogleTest {m.group(1)}: a failure no statement owns (use a WSAC_ check naming its statement)")
            for m in BARE.finditer(src.masked)]


def _checks_in(src: Source, start: int, end: int):
    """(offset, macro, literal statement or None, argument text) of each check in [start, end)."""
    for m in CHECK.finditer(src.masked, start, end):
        arg_start, arg_end = _first_argument(src, m.end() - 1)
        argument = src.text[arg_start:arg_end].strip()
        literal = re.fullmatch(r'"([^"\\]*)"', argument)
        yield m.start(), m.group(1), literal.group(1) if literal else None, argument


def helpers_naming_statements(src: Source, cases: list[Case]) -> dict[str, set[str]]:
    """Functions defined outside case bodies whose checks name literal statements: name -> IDs."""
    inside = [(c.body_start, c.body_end) for c in cases]
    helpers: dict[str, set[str]] = {}
    for offset, _, literal, _ in _checks_in(src, 0, len(src.masked)):
        if literal is None or any(s <= offset < e for s, e in inside):
            continue
        name = _enclosing_function(src, offset)
        if name:
            helpers.setdefault(name, set()).add(literal)
    return helpers


def _enclosing_function(src: Source, offset: int) -> str | None:
    """The name of the function whose body holds offset (the last 'name(...) ... {' opening a block around it)."""
    depth = 0
    for i in range(offset, -1, -1):
        ch = src.masked[i]
        if ch == "}":
            depth += 1
        elif ch == "{":
            if depth == 0:
                head = src.masked[max(0, i - 400):i]
                m = re.search(r"\b(\w+)\s*\([^;{}]*\)\s*(?:const\s*)?(?:->\s*[\w:<>]+\s*)?$", head)
                if m and m.group(1) not in ("if", "for", "while", "switch", "catch"):
                    return m.group(1)
                if m is None and not re.search(r"\)\s*$", head) and re.search(r"(class|struct|namespace)\b[^;{}]*$", head):
                    return None
            else:
                depth -= 1
    return None


def lint(src: Source, catalog_ids: set[str]) -> tuple[list[Finding], list[Finding]]:
    """(problems, unverifiable) for one file."""
    problems = bare_assertions(src)
    unverifiable = []
    cases = cases_of(src)
    helpers = helpers_naming_statements(src, cases)
    for offset, macro, literal, argument in _checks_in(src, 0, len(src.masked)):
        if literal is None and macro != "Report":
            unverifiable.append(Finding(src.path, src.line(offset),
                                        f"{macro} names its statement as {argument!r}, not a literal"))
    for case in cases:
        where = f"{case.suite}.{case.name} (tags {', '.join(case.tags) or 'none'})"
        for tag in case.tags:
            if tag not in catalog_ids:
                problems.append(Finding(src.path, case.line, f"{case.suite}.{case.name} is tagged {tag}, "
                                                             f"which the catalog does not have"))
        # Report() may describe what a case saw about any statement (the runner accepts it
        # untagged); only that statement must exist.
        reported = [_first_argument(src, m.end() - 1) for m in re.finditer(r"\bReport\s*\(", src.masked)
                    if case.body_start <= m.start() < case.body_end]
        for start, end, value in src.literal_at(case.body_start, case.body_end):
            if not ID_LIKE.match(value):
                continue
            line = src.line(start)
            if value not in catalog_ids:
                problems.append(Finding(src.path, line, f"{where}: names {value}, which the catalog does not have"))
            elif value not in case.tags and not any(a <= start < b for a, b in reported):
                problems.append(Finding(src.path, line, f"{where}: names {value}, which the case is not tagged with"))
        body = src.masked[case.body_start:case.body_end]
        for name, ids in helpers.items():
            call = re.search(rf"(?<![\w.>]){re.escape(name)}\s*\(", body)
            if call:
                for sid in sorted(ids - set(case.tags)):
                    unverifiable.append(Finding(src.path, src.line(case.body_start + call.start()),
                                                f"{where}: calls {name}(), whose checks can name {sid}, which the "
                                                f"case is not tagged with"))
    return problems, unverifiable
