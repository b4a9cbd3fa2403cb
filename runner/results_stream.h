// The runner's output contract: one JSON line per finished case, written and
// flushed as the case ends, so a crash or kill loses nothing that finished.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <condition_variable>

#include "gtest/gtest.h"

namespace wsac {

struct RunIdentity {
  std::string provider;
  std::string build;
  std::string mutant;
  std::optional<unsigned long long> chaos_seed;
};

struct CaseRecord;

// Case verdicts (design.md). A failure counts as FAIL only when a statement's
// check reported it (check.h); the record says which parts those were.
const char* VerdictOf(const ::testing::TestResult& result, const CaseRecord& record, std::string* message);

// Streams result lines and guards each case with a deadline. When a case
// overruns, the watchdog writes it as TIMEOUT and ends the process with
// kTimeoutExitCode, so an orchestrator resumes after it.
class ResultsStream : public ::testing::EmptyTestEventListener {
 public:
  static constexpr int kTimeoutExitCode = 3;

  ResultsStream(std::FILE* out, RunIdentity identity, std::chrono::milliseconds case_timeout);
  ~ResultsStream() override;

  void OnTestStart(const ::testing::TestInfo& info) override;
  void OnTestEnd(const ::testing::TestInfo& info) override;
  void OnTestPartResult(const ::testing::TestPartResult& part) override;

  // Counts of verdicts other than PASS and NOT_SUPPORTED.
  int bad_cases() const { return bad_cases_; }

 private:
  void WriteLine(const ::testing::TestInfo& info, const char* verdict, double duration_ms,
                 const std::string& message, const CaseRecord& record);
  void Watch();

  std::FILE* out_;
  RunIdentity identity_;
  std::chrono::milliseconds case_timeout_;
  int bad_cases_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  const ::testing::TestInfo* current_ = nullptr;
  std::chrono::steady_clock::time_point started_;
  bool stopping_ = false;
  std::thread watchdog_;
};

std::string CaseId(const ::testing::TestInfo& info);

}  // namespace wsac
