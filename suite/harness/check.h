// Checks that name their statement. A statement's verdict is decided only by
// the checks written for it (issue: "verdicts that can be trusted"), so every
// assertion in a case says which single catalog statement it tests:
//
//   WSAC_ASSERT_EQ("S16", op.outcome, Outcome::Pending) << observer.Describe(op);
//   WSAC_EXPECT_EQ("EVT-4", ind->bytes, data.size());
//   if (ret != 0) NotExercised("S14", "the call pended");
//
// The first argument is the statement, then the observed value, then the
// expected one (EQ, NE, LT, LE, GT, GE), or the condition (TRUE, FALSE).
// EXPECT_ checks go on after a violation; ASSERT_ checks end the case, like
// GoogleTest's (so they too work only in functions returning void).
// WSAC_FAIL / WSAC_ADD_FAILURE record a violation with no comparison.
//
// Each check is recorded for its statement in the case's result line: how
// many held, each violation with its message and observed and expected
// values. A check naming a statement the running case is not tagged with is
// a defect of the suite: the case ends BROKEN with the reason, never FAIL.
// A GoogleTest failure that no WSAC_ check produced (a bare EXPECT_EQ, an
// unexpected exception) is a defect of the same kind.
//
// Setup that must succeed before a statement can be checked is not a check:
// it throws SetupFailed (BROKEN) or NotSupported from case.h.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "gtest/gtest.h"
#include "suite/harness/case.h"

namespace wsac {

// A statement the case is tagged with was not put to the test on this path,
// and why (e.g. NotExercised("S14", "the call pended; S14 is about calls that
// return 0")). Only the first few distinct reasons per statement are kept.
void NotExercised(std::string_view statement, std::string_view why);

// The outcome of one comparison, with the values as text for the result line.
struct CheckResult {
  bool held = true;
  std::string explanation;  // GoogleTest's text for a violation
  std::string observed;
  std::string expected;
  static CheckResult Held() { return {}; }
  static CheckResult From(const ::testing::AssertionResult& r, std::string observed, std::string expected) {
    if (r) return Held();
    return {false, r.message(), std::move(observed), std::move(expected)};
  }
};

namespace check_internal {

template <class T>
std::string Text(const T& value) {
  return ::testing::PrintToString(value);
}

template <class A, class B>
CheckResult Eq(const char* a_text, const char* b_text, const A& a, const B& b) {
  ::testing::AssertionResult r = ::testing::internal::EqHelper::Compare(a_text, b_text, a, b);
  return r ? CheckResult::Held() : CheckResult::From(r, Text(a), Text(b));
}
#define WSAC_INTERNAL_CMP(Name, Helper, prefix)                                                   \
  template <class A, class B>                                                                     \
  CheckResult Name(const char* a_text, const char* b_text, const A& a, const B& b) {              \
    ::testing::AssertionResult r = ::testing::internal::Helper(a_text, b_text, a, b);             \
    return r ? CheckResult::Held() : CheckResult::From(r, Text(a), std::string(prefix) + Text(b)); \
  }
WSAC_INTERNAL_CMP(Ne, CmpHelperNE, "!= ")
WSAC_INTERNAL_CMP(Lt, CmpHelperLT, "< ")
WSAC_INTERNAL_CMP(Le, CmpHelperLE, "<= ")
WSAC_INTERNAL_CMP(Gt, CmpHelperGT, "> ")
WSAC_INTERNAL_CMP(Ge, CmpHelperGE, ">= ")
#undef WSAC_INTERNAL_CMP

// TRUE/FALSE over a bool or an AssertionResult (whose message is kept).
template <class T>
CheckResult Truth(const char* text, const T& value, bool want) {
  if constexpr (std::is_same_v<T, ::testing::AssertionResult>) {
    if (static_cast<bool>(value) == want) return CheckResult::Held();
    std::string said = value.message();
    return {false, std::string(text) + (want ? " is false" : " is true") + (said.empty() ? "" : ": " + said),
            said.empty() ? (want ? "false" : "true") : said, want ? "true" : "false"};
  } else {
    if (static_cast<bool>(value) == want) return CheckResult::Held();
    return {false, std::string(text) + (want ? " is false" : " is true"), want ? "false" : "true",
            want ? "true" : "false"};
  }
}

void RecordHeld(const char* statement, const char* file, int line);

// Records a violation and reports it to GoogleTest as a failure of this
// statement; the message streamed after the check is appended to both.
class Violation {
 public:
  Violation(const char* statement, bool fatal, const char* file, int line, const char* check, CheckResult result);
  void operator=(const ::testing::Message& message) const;

 private:
  const char* statement_;
  bool fatal_;
  const char* file_;
  int line_;
  const char* check_;
  CheckResult result_;
};

// True while a WSAC_ check is reporting its failure to GoogleTest, so a
// listener can tell attributed failures from stray ones.
bool ReportingAttributedFailure();

}  // namespace check_internal
}  // namespace wsac

// `on_violation` is empty for EXPECT (non-fatal) and `return` for ASSERT.
#define WSAC_INTERNAL_CHECK(statement, fatal, on_violation, text, result_expr)                             \
  GTEST_AMBIGUOUS_ELSE_BLOCKER_                                                                           \
  if (::wsac::CheckResult wsac_internal_result = (result_expr); wsac_internal_result.held)                \
    ::wsac::check_internal::RecordHeld(statement, __FILE__, __LINE__);                                   \
  else                                                                                                    \
    on_violation ::wsac::check_internal::Violation(statement, fatal, __FILE__, __LINE__, text,           \
                                                   std::move(wsac_internal_result)) = ::testing::Message()

#define WSAC_INTERNAL_BINARY(Kind, Fn, statement, fatal, on_violation, observed, expected)          \
  WSAC_INTERNAL_CHECK(statement, fatal, on_violation, Kind "(" #observed ", " #expected ")",          \
                      ::wsac::check_internal::Fn(#observed, #expected, observed, expected))

#define WSAC_EXPECT_EQ(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_EXPECT_EQ", Eq, statement, false, , observed, expected)
#define WSAC_EXPECT_NE(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_EXPECT_NE", Ne, statement, false, , observed, expected)
#define WSAC_EXPECT_LT(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_EXPECT_LT", Lt, statement, false, , observed, expected)
#define WSAC_EXPECT_LE(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_EXPECT_LE", Le, statement, false, , observed, expected)
#define WSAC_EXPECT_GT(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_EXPECT_GT", Gt, statement, false, , observed, expected)
#define WSAC_EXPECT_GE(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_EXPECT_GE", Ge, statement, false, , observed, expected)
#define WSAC_EXPECT_TRUE(statement, condition)                                         \
  WSAC_INTERNAL_CHECK(statement, false, , "WSAC_EXPECT_TRUE(" #condition ")",          \
                      ::wsac::check_internal::Truth(#condition, (condition), true))
#define WSAC_EXPECT_FALSE(statement, condition)                                        \
  WSAC_INTERNAL_CHECK(statement, false, , "WSAC_EXPECT_FALSE(" #condition ")",         \
                      ::wsac::check_internal::Truth(#condition, (condition), false))

#define WSAC_ASSERT_EQ(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_ASSERT_EQ", Eq, statement, true, return, observed, expected)
#define WSAC_ASSERT_NE(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_ASSERT_NE", Ne, statement, true, return, observed, expected)
#define WSAC_ASSERT_LT(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_ASSERT_LT", Lt, statement, true, return, observed, expected)
#define WSAC_ASSERT_LE(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_ASSERT_LE", Le, statement, true, return, observed, expected)
#define WSAC_ASSERT_GT(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_ASSERT_GT", Gt, statement, true, return, observed, expected)
#define WSAC_ASSERT_GE(statement, observed, expected) \
  WSAC_INTERNAL_BINARY("WSAC_ASSERT_GE", Ge, statement, true, return, observed, expected)
#define WSAC_ASSERT_TRUE(statement, condition)                                         \
  WSAC_INTERNAL_CHECK(statement, true, return, "WSAC_ASSERT_TRUE(" #condition ")",     \
                      ::wsac::check_internal::Truth(#condition, (condition), true))
#define WSAC_ASSERT_FALSE(statement, condition)                                        \
  WSAC_INTERNAL_CHECK(statement, true, return, "WSAC_ASSERT_FALSE(" #condition ")",    \
                      ::wsac::check_internal::Truth(#condition, (condition), false))

// A violation found without a comparison (a loop's conclusion, a watchdog).
#define WSAC_ADD_FAILURE(statement)                                                        \
  ::wsac::check_internal::Violation(statement, false, __FILE__, __LINE__, "WSAC_ADD_FAILURE", \
                                    ::wsac::CheckResult{false, "", "", ""}) = ::testing::Message()
#define WSAC_FAIL(statement)                                                                    \
  return ::wsac::check_internal::Violation(statement, true, __FILE__, __LINE__, "WSAC_FAIL",   \
                                           ::wsac::CheckResult{false, "", "", ""}) = ::testing::Message()
