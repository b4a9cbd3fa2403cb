// Synthetic cases for wsac_verdict_probe: the runner's own main and results
// stream with these cases in place of the conformance cases, one per way a
// case can end, so the verdict rules (design.md, "Verdicts") and the
// watchdog are checked on real GoogleTest results.
//
// VerdictProbe.<Name> is expected to end with the verdict its name starts
// with (tests/python/test_runner.py and runner_test.cc hold the table).
// VerdictProbeHang.DISABLED_* never finish; they run only when asked for
// (--gtest_also_run_disabled_tests) and are ended by the watchdog.
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>

#include "gtest/gtest.h"
#include "suite/harness/case.h"
#include "suite/harness/check.h"

namespace wsac {
namespace {

WSAC_CASE(VerdictProbe, PassPlain, "S14") {
  Observe("answer", 42);
  Observe("text", "quote \" backslash \\ newline \n");
  Report("S22", "in order 2 of 2");
  WSAC_EXPECT_EQ("S14", 1 + 1, 2);
}

WSAC_CASE(VerdictProbe, FailExpect, "S16") {
  Observe("before", 1);
  WSAC_EXPECT_EQ("S16", 1, 2) << "the provider said 2";
}

WSAC_CASE(VerdictProbe, FailAssert, "S16") {
  WSAC_ASSERT_TRUE("S16", false) << "fatal check";
}

// GTEST_SKIP with the marker: a capability probe said no.
WSAC_CASE(VerdictProbe, NotSupportedSkip, "S18") {
  GTEST_SKIP() << "NOT_SUPPORTED: probe lacks the capability";
}

// A skip without the marker never passes for a check: it is BROKEN.
WSAC_CASE(VerdictProbe, BrokenPlainSkip, "S18") {
  GTEST_SKIP() << "skipped for no stated reason";
}

WSAC_CASE(VerdictProbe, BrokenBareSkip, "S18") { GTEST_SKIP(); }

WSAC_CASE(VerdictProbe, NotSupportedThrown, "S26") {
  throw NotSupported("probe has no IPv6 loopback");
}

WSAC_CASE(VerdictProbe, BrokenSetupFailed, "S26") {
  throw SetupFailed("probe could not create an event");
}

// The first failure decides: a check that failed before setup broke is a FAIL.
WSAC_CASE(VerdictProbe, FailThenSetupFailed, "S7") {
  WSAC_EXPECT_EQ("S7", 3, 4) << "first a real failure";
  throw SetupFailed("then the environment broke");
}

WSAC_CASE(VerdictProbe, FailThenNotSupported, "S7") {
  WSAC_EXPECT_EQ("S7", 3, 4) << "first a real failure";
  throw NotSupported("then a probe said no");
}

WSAC_CASE(VerdictProbe, FailThenSkipNotSupported, "S7") {
  WSAC_EXPECT_EQ("S7", 3, 4) << "first a real failure";
  GTEST_SKIP() << "NOT_SUPPORTED: a late probe";
}

// A failing check whose text happens to contain a marker is still a FAIL:
// only the exceptions and skips the harness defines carry verdicts.
WSAC_CASE(VerdictProbe, FailMessageMentionsNotSupported, "S8") {
  std::string seen = "NOT_SUPPORTED: text the provider returned";
  WSAC_EXPECT_EQ("S8", seen, "expected text");
}

WSAC_CASE(VerdictProbe, FailMessageMentionsBroken, "S8") {
  WSAC_EXPECT_TRUE("S8", false) << "BROKEN: words in a failure message";
}

// An exception the harness does not define says nothing about a statement:
// the suite is at fault, not the provider.
WSAC_CASE(VerdictProbe, BrokenUnexpectedException, "S9") {
  throw std::runtime_error("boom");
}

// A failure no statement's check reported (a bare GoogleTest assertion) is
// a defect of the suite, never a deviation of the provider.
WSAC_CASE(VerdictProbe, BrokenUnattributedFailure, "S9") {
  EXPECT_EQ(1, 2) << "a check without a statement";
}

// A check of a statement the case is not tagged with: BROKEN, even though
// the check held, because the statement's verdict cannot count it.
WSAC_CASE(VerdictProbe, BrokenUntaggedStatement, "S9") {
  WSAC_EXPECT_EQ("S9", 1, 1);
  WSAC_EXPECT_EQ("S10", 1, 1);
}

// Checks attribute: A's failure leaves B's held checks standing.
WSAC_CASE(VerdictProbe, FailOnlyFirstStatement, "S19", "S23") {
  WSAC_EXPECT_EQ("S19", 7, 8) << "the first statement broke";
  WSAC_EXPECT_EQ("S23", 5, 5);
  WSAC_EXPECT_TRUE("S23", true);
}

// A conditional obligation whose branch did not run: the statement is
// claimed, not exercised, and says why.
WSAC_CASE(VerdictProbe, PassConditionNotMet, "S14", "S16") {
  bool returned_zero = false;
  if (returned_zero) {
    WSAC_EXPECT_TRUE("S14", true);
  } else {
    NotExercised("S14", "the call pended");
    WSAC_EXPECT_TRUE("S16", true);
  }
}

// Values that are not UTF-8 must still leave a parseable line.
WSAC_CASE(VerdictProbe, PassOddBytes, "S12") {
  Observe("invalid", std::string_view("\xff\xfe", 2));
  Observe("overlong", std::string_view("\xc0\x80", 2));
  Observe("surrogate", std::string_view("\xed\xa0\x80", 3));
  Observe("control", std::string_view("a\x01" "b\0c", 5));
  Observe("valid", "caf\xc3\xa9 \xe2\x82\xac");
  Report("S24", "odd \xff bytes");
  WSAC_EXPECT_EQ("S12", std::string("\xff"), std::string("\xff"));
}

// A case that claims a statement and passes without checking it, or saying
// why not, asserts nothing: a defect of the suite.
WSAC_CASE(VerdictProbe, BrokenChecksNothing, "S12", "S21") {
  WSAC_EXPECT_TRUE("S12", true);
}

// Instantiated names ("Inst/Suite.Name/Param") keep the written name's IDs.
class VerdictProbeParam : public ::testing::TestWithParam<int> {};
WSAC_CASE_P(VerdictProbeParam, PassParam, "S19", "S23") {
  Observe("param", GetParam());
  WSAC_EXPECT_GT("S19", GetParam(), 0);
  WSAC_EXPECT_LT("S23", GetParam(), 3);
}
INSTANTIATE_TEST_SUITE_P(Inst, VerdictProbeParam, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& info) { return "P" + std::to_string(info.param); });

// Waits for a condition nothing will ever signal: the watchdog must end it.
WSAC_CASE(VerdictProbeHang, DISABLED_Hangs, "S13") {
  Observe("before_hang", 1);
  std::mutex m;
  std::condition_variable cv;
  std::unique_lock lock(m);
  cv.wait(lock, [] { return false; });
}

}  // namespace
}  // namespace wsac
