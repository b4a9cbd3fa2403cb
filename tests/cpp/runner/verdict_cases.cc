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

namespace wsac {
namespace {

WSAC_CASE(VerdictProbe, PassPlain, "S14") {
  Observe("answer", 42);
  Observe("text", "quote \" backslash \\ newline \n");
  Report("S22", "in order 2 of 2");
  EXPECT_EQ(1 + 1, 2);
}

WSAC_CASE(VerdictProbe, FailExpect, "S16") {
  Observe("before", 1);
  EXPECT_EQ(1, 2) << "the provider said 2";
}

WSAC_CASE(VerdictProbe, FailAssert, "S16") {
  ASSERT_TRUE(false) << "fatal check";
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
  EXPECT_EQ(3, 4) << "first a real failure";
  throw SetupFailed("then the environment broke");
}

WSAC_CASE(VerdictProbe, FailThenNotSupported, "S7") {
  EXPECT_EQ(3, 4) << "first a real failure";
  throw NotSupported("then a probe said no");
}

WSAC_CASE(VerdictProbe, FailThenSkipNotSupported, "S7") {
  EXPECT_EQ(3, 4) << "first a real failure";
  GTEST_SKIP() << "NOT_SUPPORTED: a late probe";
}

// A failing check whose text happens to contain a marker is still a FAIL:
// only the exceptions and skips the harness defines carry verdicts.
WSAC_CASE(VerdictProbe, FailMessageMentionsNotSupported, "S8") {
  std::string seen = "NOT_SUPPORTED: text the provider returned";
  EXPECT_EQ(seen, "expected text");
}

WSAC_CASE(VerdictProbe, FailMessageMentionsBroken, "S8") {
  EXPECT_TRUE(false) << "BROKEN: words in a failure message";
}

// An exception the harness does not define is a failure of the case.
WSAC_CASE(VerdictProbe, FailUnexpectedException, "S9") {
  throw std::runtime_error("boom");
}

// Values that are not UTF-8 must still leave a parseable line.
WSAC_CASE(VerdictProbe, PassOddBytes, "S12") {
  Observe("invalid", std::string_view("\xff\xfe", 2));
  Observe("overlong", std::string_view("\xc0\x80", 2));
  Observe("surrogate", std::string_view("\xed\xa0\x80", 3));
  Observe("control", std::string_view("a\x01" "b\0c", 5));
  Observe("valid", "caf\xc3\xa9 \xe2\x82\xac");
  Report("S24", "odd \xff bytes");
  SUCCEED();
}

// Instantiated names ("Inst/Suite.Name/Param") keep the written name's IDs.
class VerdictProbeParam : public ::testing::TestWithParam<int> {};
WSAC_CASE_P(VerdictProbeParam, PassParam, "S19", "S23") {
  Observe("param", GetParam());
  EXPECT_GT(GetParam(), 0);
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
