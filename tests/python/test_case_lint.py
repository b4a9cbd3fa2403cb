"""Static lint of cases/*.cc (case_lint.py says what it checks and what it cannot see):
no bare GoogleTest assertion, and every literal statement ID in a case body is one
of the case's tags."""

import json
from pathlib import Path

import pytest

import case_lint

ROOT = Path(__file__).resolve().parents[2]
CASE_FILES = sorted((ROOT / "cases").glob("*.cc"))
CATALOG_IDS = {s["id"] for s in json.loads((ROOT / "suite" / "catalog" / "statements.json").read_text())["statements"]}


def lint_text(text, ids=frozenset({"S14", "S16", "S26", "CLOSE-2"})):
    problems, unverifiable = case_lint.lint(case_lint.read("x.cc", text), set(ids))
    return [p.text for p in problems], [u.text for u in unverifiable]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_no_bare_googletest_assertion(path):
    found = case_lint.bare_assertions(case_lint.read(str(path.relative_to(ROOT))))
    assert not found, f"{len(found)} bare assertion(s):\n" + "\n".join(map(str, found[:20]))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_literal_statements_in_case_bodies_are_tags(path):
    problems, unverifiable = case_lint.lint(case_lint.read(str(path.relative_to(ROOT))), CATALOG_IDS)
    problems = [p for p in problems if not p.text.startswith("bare GoogleTest")]
    for u in unverifiable:
        print(f"not checked statically: {u}")
    assert not problems, "\n".join(map(str, problems))


def test_finds_bare_assertions_but_not_attributed_checks_comments_or_strings():
    problems, _ = lint_text('''
        WSAC_CASE(Suite, Name, "S14") {
          EXPECT_EQ(1, 2);            // bare
          ::testing::ASSERT_TRUE(x);  // bare, qualified
          ADD_FAILURE() << "x";
          if (x) FAIL() << "y";
          GTEST_FAIL();
          WSAC_EXPECT_EQ("S14", a, b);
          WSAC_FAIL("S14") << "ok";
          GTEST_SKIP() << "NOT_SUPPORTED: fine";
          // EXPECT_EQ(in, a comment);
          std::string s = "EXPECT_EQ(in a string)";
        }
    ''')
    assert [p.split(":")[0] for p in problems] == [
        "bare GoogleTest EXPECT_EQ", "bare GoogleTest ASSERT_TRUE", "bare GoogleTest ADD_FAILURE",
        "bare GoogleTest FAIL", "bare GoogleTest GTEST_FAIL"]


def test_literal_statements_must_be_tags():
    problems, _ = lint_text('''
        WSAC_CASE_P(Suite, Name, "S14", "S16") {
          WSAC_EXPECT_EQ("S14", a, b);
          WSAC_ASSERT_TRUE("S26", ok) << "S26 in a message is no ID";
          NotExercised("CLOSE-2", "the call pended");
          ExpectAbortedOnce(op, "S26");
          WSAC_EXPECT_TRUE("S99", ok);
          Report("S26", "what was seen");
        }
    ''')
    assert problems == [
        "Suite.Name (tags S14, S16): names S26, which the case is not tagged with",
        "Suite.Name (tags S14, S16): names CLOSE-2, which the case is not tagged with",
        "Suite.Name (tags S14, S16): names S26, which the case is not tagged with",
        "Suite.Name (tags S14, S16): names S99, which the catalog does not have",
    ]


def test_helpers_of_the_same_file_and_parameters_are_listed_not_judged():
    problems, unverifiable = lint_text('''
        void ExpectSignaled(Operation& op) {
          WSAC_EXPECT_TRUE("S14", op.signaled);
        }
        void ExpectFailed(const char* statement, Operation& op) {
          WSAC_EXPECT_NE(statement, op.error, 0u);
        }
        WSAC_CASE(Suite, Pends, "S16") {
          ExpectSignaled(op);
          ExpectFailed("S16", op);
        }
        WSAC_CASE(Suite, Returns, "S14") {
          ExpectSignaled(op);
        }
    ''')
    assert problems == []
    assert unverifiable == ["WSAC_EXPECT_NE names its statement as 'statement', not a literal",
                            "Suite.Pends (tags S16): calls ExpectSignaled(), whose checks can name S14, which the "
                            "case is not tagged with"]
