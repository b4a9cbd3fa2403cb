// The runner's verdict rules, exit codes and watchdog, checked by running
// wsac_verdict_probe (the runner's main and results stream over the
// synthetic cases of verdict_cases.cc) as a child process and reading its
// result lines; its late_indication lines, by running wsac_isolation_probe
// (isolation_cases.cc) the same way. A child, because the cases end in failures and hangs on
// purpose; std::system, so the same test runs natively and under Wine.
// tests/python/test_runner.py checks the same lines with a real JSON parser.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#if !defined(_WIN32)
#include <sys/wait.h>
#endif

namespace {

namespace fs = std::filesystem;

fs::path g_probe;
fs::path g_isolation_probe;

struct ProbeRun {
  int exit_code = -1;
  std::vector<std::string> lines;  // the results file
  std::string console;             // stdout and stderr
  double seconds = 0;
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path TempPath(const std::string& what) {
  static int counter = 0;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return fs::temp_directory_path() /
         ("wsac_runner_test_" + std::string(info->name()) + "_" + what + std::to_string(++counter));
}

ProbeRun RunProbe(const std::string& args, bool with_results = true, const fs::path& probe = g_probe) {
  fs::path results = TempPath("results.jsonl"), console = TempPath("console.txt");
  fs::remove(results);
  std::string command = "\"" + probe.string() + "\" " + args;
  if (with_results) command += " \"--results=" + results.string() + "\"";
  command += " > \"" + console.string() + "\" 2>&1";
#if defined(_WIN32)
  command = "\"" + command + "\"";  // cmd /c strips one outer pair of quotes
#endif
  auto start = std::chrono::steady_clock::now();
  int status = std::system(command.c_str());
  ProbeRun run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
#if defined(_WIN32)
  run.exit_code = status;
#else
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + status;
#endif
  std::istringstream in(ReadAll(results));
  for (std::string line; std::getline(in, line);) run.lines.push_back(line);
  run.console = ReadAll(console);
  fs::remove(results);
  fs::remove(console);
  return run;
}

// The string value of "key" in a result line (ids, verdicts hold no quotes).
std::string Field(const std::string& line, const std::string& key) {
  std::string marker = "\"" + key + "\":\"";
  auto at = line.find(marker);
  if (at == std::string::npos) return "<missing " + key + ">";
  at += marker.size();
  return line.substr(at, line.find('"', at) - at);
}

std::map<std::string, std::string> VerdictsById(const ProbeRun& run) {
  std::map<std::string, std::string> out;
  for (const auto& line : run.lines) out[Field(line, "id")] = Field(line, "verdict");
  return out;
}

// What each synthetic case must end as (verdict_cases.cc).
const std::map<std::string, std::string> kExpected = {
    {"VerdictProbe.PassPlain", "PASS"},
    {"VerdictProbe.FailExpect", "FAIL"},
    {"VerdictProbe.FailAssert", "FAIL"},
    {"VerdictProbe.NotSupportedSkip", "NOT_SUPPORTED"},
    {"VerdictProbe.BrokenPlainSkip", "BROKEN"},
    {"VerdictProbe.BrokenBareSkip", "BROKEN"},
    {"VerdictProbe.NotSupportedThrown", "NOT_SUPPORTED"},
    {"VerdictProbe.BrokenSetupFailed", "BROKEN"},
    {"VerdictProbe.FailThenSetupFailed", "FAIL"},
    {"VerdictProbe.FailThenNotSupported", "FAIL"},
    {"VerdictProbe.FailThenSkipNotSupported", "FAIL"},
    {"VerdictProbe.BrokenUnexpectedException", "BROKEN"},
    {"VerdictProbe.BrokenUnattributedFailure", "BROKEN"},
    {"VerdictProbe.BrokenUntaggedStatement", "BROKEN"},
    {"VerdictProbe.BrokenChecksNothing", "BROKEN"},
    {"VerdictProbe.FailOnlyFirstStatement", "FAIL"},
    {"VerdictProbe.PassConditionNotMet", "PASS"},
    {"VerdictProbe.PassOddBytes", "PASS"},
    {"Inst/VerdictProbeParam.PassParam/P1", "PASS"},
    {"Inst/VerdictProbeParam.PassParam/P2", "PASS"},
};

TEST(Verdicts, EachWayACaseEndsGetsItsVerdict) {
  ProbeRun run = RunProbe("--gtest_filter=VerdictProbe*.*:Inst/VerdictProbe*.*:-VerdictProbe.FailMessage*");
  EXPECT_EQ(run.exit_code, 1) << run.console;
  EXPECT_EQ(run.lines.size(), kExpected.size()) << run.console;
  auto got = VerdictsById(run);
  for (const auto& [id, verdict] : kExpected) {
    auto it = got.find(id);
    if (it == got.end()) {
      ADD_FAILURE() << id << ": no result line";
      continue;
    }
    EXPECT_EQ(it->second, verdict) << id;
  }
}

// Only the harness's own exceptions and skips carry the markers' verdicts; a
// failed check whose text merely contains one must not be hidden by it.
TEST(Verdicts, MarkerTextInAFailedCheckIsStillAFail) {
  ProbeRun run = RunProbe("--gtest_filter=VerdictProbe.FailMessage*");
  EXPECT_EQ(run.exit_code, 1) << run.console;
  auto got = VerdictsById(run);
  EXPECT_EQ(got["VerdictProbe.FailMessageMentionsNotSupported"], "FAIL");
  EXPECT_EQ(got["VerdictProbe.FailMessageMentionsBroken"], "FAIL");
}

TEST(Verdicts, LinesAreSingleJsonObjectsWithTheirStatements) {
  ProbeRun run = RunProbe("--gtest_filter=VerdictProbe.PassPlain:Inst/VerdictProbeParam.*");
  ASSERT_EQ(run.lines.size(), 3u) << run.console;
  for (const auto& line : run.lines) {
    EXPECT_EQ(line.rfind("{\"record\":\"case\",", 0), 0u) << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
  EXPECT_NE(run.lines[0].find("\"statements\":[\"S14\"]"), std::string::npos) << run.lines[0];
  EXPECT_NE(run.lines[0].find("\"observed\":{\"answer\":42,"), std::string::npos) << run.lines[0];
  EXPECT_NE(run.lines[0].find("\"reports\":{\"S22\":\"in order 2 of 2\"}"), std::string::npos) << run.lines[0];
  EXPECT_NE(run.lines[1].find("\"statements\":[\"S19\",\"S23\"]"), std::string::npos) << run.lines[1];
  EXPECT_EQ(Field(run.lines[1], "suite"), "VerdictProbeParam");
  EXPECT_EQ(Field(run.lines[1], "name"), "PassParam");
}

// The line carries, per statement, what its own checks found: a failure is
// charged only to the statement whose check failed, and a statement whose
// branch never ran says it was not exercised, and why.
TEST(Verdicts, ChecksAreCountedPerStatement) {
  ProbeRun run = RunProbe("--gtest_filter=VerdictProbe.FailOnlyFirstStatement:VerdictProbe.PassConditionNotMet");
  ASSERT_EQ(run.lines.size(), 2u) << run.console;
  const std::string& failed = run.lines[0];
  EXPECT_NE(failed.find("\"S19\":{\"held\":0,\"violated\":1,\"exercised\":true,\"violations\":[{\"check\":"
                        "\"WSAC_EXPECT_EQ(7, 8)\""),
            std::string::npos)
      << failed;
  EXPECT_NE(failed.find("\"observed\":\"7\",\"expected\":\"8\""), std::string::npos) << failed;
  EXPECT_NE(failed.find("\"S23\":{\"held\":2,\"violated\":0,\"exercised\":true,\"violations\":[]"),
            std::string::npos)
      << failed;
  const std::string& conditional = run.lines[1];
  EXPECT_EQ(Field(conditional, "verdict"), "PASS");
  EXPECT_NE(conditional.find("\"S14\":{\"held\":0,\"violated\":0,\"exercised\":false,\"violations\":[],"
                             "\"not_exercised\":[\"the call pended\"]}"),
            std::string::npos)
      << conditional;
}

TEST(Verdicts, SuiteDefectsAreNamedInTheLine) {
  ProbeRun run = RunProbe("--gtest_filter=VerdictProbe.BrokenUntaggedStatement:VerdictProbe.BrokenUnattributedFailure");
  ASSERT_EQ(run.lines.size(), 2u) << run.console;
  // Declaration order: the unattributed failure runs first.
  EXPECT_NE(run.lines[0].find("a failure no statement check owns"), std::string::npos) << run.lines[0];
  EXPECT_NE(run.lines[1].find("names S10, which the case is not tagged with (S9)"), std::string::npos) << run.lines[1];
}

TEST(ExitCodes, OnlyPassAndNotSupportedExitZero) {
  ProbeRun run = RunProbe("--gtest_filter=VerdictProbe.Pass*:VerdictProbe.NotSupported*");
  EXPECT_EQ(run.exit_code, 0) << run.console;
  EXPECT_EQ(run.lines.size(), 5u) << run.console;
}

TEST(ExitCodes, ASingleBrokenCaseExitsOne) {
  ProbeRun run = RunProbe("--gtest_filter=VerdictProbe.PassPlain:VerdictProbe.BrokenBareSkip");
  EXPECT_EQ(run.exit_code, 1) << run.console;
}

TEST(ExitCodes, UnwritableResultsIsAUsageErrorBeforeAnyCase) {
  fs::path missing = TempPath("no_such_dir") / "deeper" / "results.jsonl";
  ProbeRun run = RunProbe("--gtest_filter=VerdictProbe.PassPlain \"--results=" + missing.string() + "\"", false);
  EXPECT_EQ(run.exit_code, 2) << run.console;
  EXPECT_EQ(run.console.find("[ RUN"), std::string::npos) << run.console;
  EXPECT_FALSE(fs::exists(missing));
}

TEST(ExitCodes, UnknownOptionIsAUsageError) {
  ProbeRun run = RunProbe("--no-such-option");
  EXPECT_EQ(run.exit_code, 2) << run.console;
  EXPECT_NE(run.console.find("--no-such-option"), std::string::npos) << run.console;
  EXPECT_TRUE(run.lines.empty());
}

TEST(Watchdog, AHungCaseIsWrittenAsTimeoutAndExitsThree) {
  ProbeRun run = RunProbe(
      "--gtest_also_run_disabled_tests --gtest_filter=VerdictProbe.PassPlain:VerdictProbeHang.* --case-timeout=1");
  EXPECT_EQ(run.exit_code, 3) << run.console;
  ASSERT_EQ(run.lines.size(), 2u) << run.console;
  EXPECT_EQ(Field(run.lines[0], "verdict"), "PASS");
  EXPECT_EQ(Field(run.lines[1], "id"), "VerdictProbeHang.DISABLED_Hangs");
  EXPECT_EQ(Field(run.lines[1], "verdict"), "TIMEOUT");
  EXPECT_NE(run.lines[1].find("\"statements\":[\"S13\"]"), std::string::npos) << run.lines[1];
  // What the case observed before it hung is evidence too.
  EXPECT_NE(run.lines[1].find("\"observed\":{\"before_hang\":1}"), std::string::npos) << run.lines[1];
  // One second of deadline, not the default ten; generous for a loaded machine or Wine.
  EXPECT_LT(run.seconds, 9.0);
}

// ---- indications after their case (wsac_isolation_probe) -------------------

std::vector<std::string> LinesOf(const ProbeRun& run, const std::string& record) {
  std::vector<std::string> out;
  for (const auto& line : run.lines)
    if (Field(line, "record") == record) out.push_back(line);
  return out;
}

// A provider that indicates an operation again after its case has ended:
// the line names the case that started the operation, not the one that saw
// it, and both cases keep their own verdicts.
TEST(LateIndications, NameTheCaseThatStartedTheOperation) {
  const std::map<std::string, std::string> cases = {{"LateProbe.RoutineRunsAgainLater", "Routine"},
                                                    {"LateProbe.EventSignaledAgainLater", "Event"},
                                                    {"LateProbe.PollingEventSignaledAgainLater", "Polling"},
                                                    {"LateProbe.PortPacketAgainLater", "Port"}};
  for (const auto& [id, mechanism] : cases) {
    SCOPED_TRACE(id);
    ProbeRun run = RunProbe("--gtest_filter=" + id + ":LateProbe.Quiet", true, g_isolation_probe);
    EXPECT_EQ(run.exit_code, 1) << run.console;
    std::vector<std::string> case_lines = LinesOf(run, "case"), late = LinesOf(run, "late_indication");
    ASSERT_EQ(case_lines.size(), 2u) << run.console;
    for (const auto& line : case_lines) EXPECT_EQ(Field(line, "verdict"), "PASS") << line;
    ASSERT_EQ(late.size(), 1u) << run.console;
    EXPECT_EQ(Field(late[0], "case"), id) << late[0];
    EXPECT_EQ(Field(late[0], "statement"), "IND-1") << late[0];
    EXPECT_EQ(Field(late[0], "detected_in"), "LateProbe.Quiet") << late[0];
    EXPECT_EQ(Field(late[0], "mechanism"), mechanism) << late[0];
    EXPECT_NE(late[0].find("\"observed\":{"), std::string::npos) << late[0];
    EXPECT_EQ(late[0].back(), '}') << late[0];
  }
}

// After the last case there is no case to see it in: the run's last look
// (when the provider is released) still reports it, detected in "".
TEST(LateIndications, AfterTheLastCaseAreSeenAtTheEndOfTheRun) {
  for (const char* id : {"LateProbe.RoutineRunsAgainLater", "LateProbe.EventSignaledAgainLater",
                         "LateProbe.PortPacketAgainLater"}) {
    SCOPED_TRACE(id);
    ProbeRun run = RunProbe(std::string("--gtest_filter=") + id, true, g_isolation_probe);
    EXPECT_EQ(run.exit_code, 1) << run.console;
    std::vector<std::string> late = LinesOf(run, "late_indication");
    ASSERT_EQ(late.size(), 1u) << run.console;
    EXPECT_EQ(Field(late[0], "case"), id);
    EXPECT_EQ(Field(late[0], "detected_in"), "");
  }
}

TEST(LateIndications, NoneWithoutOne) {
  ProbeRun run = RunProbe("--gtest_filter=LateProbe.Quiet", true, g_isolation_probe);
  EXPECT_EQ(run.exit_code, 0) << run.console;
  EXPECT_EQ(LinesOf(run, "case").size(), 1u) << run.console;
  EXPECT_TRUE(LinesOf(run, "late_indication").empty()) << run.console;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto locate = [&](const char* variable, const char* name) {
    fs::path path;
    if (const char* env = std::getenv(variable); env != nullptr && *env != '\0') {
      path = env;
    } else {
      path = fs::absolute(fs::path(argv[0])).parent_path() / name;
#if defined(_WIN32)
      path += ".exe";
#endif
    }
    if (!fs::exists(path))
      std::fprintf(stderr, "wsac_runner_tests: %s not found at %s (set %s)\n", name, path.string().c_str(), variable);
    return path;
  };
  g_probe = locate("WSAC_VERDICT_PROBE", "wsac_verdict_probe");
  g_isolation_probe = locate("WSAC_ISOLATION_PROBE", "wsac_isolation_probe");
  if (!fs::exists(g_probe) || !fs::exists(g_isolation_probe)) return 1;
  return RUN_ALL_TESTS();
}
