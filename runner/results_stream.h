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
  std::string provider_identity;  // JSON (runner/provider_identity.h), written into every case line
};

struct CaseRecord;

// Case verdicts (design.md). A failure counts as FAIL only when a statement's
// check reported it (check.h); the record says which parts those were.
const char* VerdictOf(const ::testing::TestResult& result, const CaseRecord& record, std::string* message);

// Streams result lines and guards each case with a deadline. When a case
// overruns, the watchdog writes it as TIMEOUT and ends the process with
// kTimeoutExitCode, so an orchestrator resumes after it.
//
// Besides one "case" line per case it writes one "late_indication" line per
// indication that broke IND-1 where no case could check it (harness/case.h):
//   {"record":"late_indication","case":<the case that started the operation>,
//    "statement":"IND-1","detected_in":<the case running when it was seen, ""
//    after the last case>,"mechanism":"Event"|"Routine"|"Port"|"Polling",
//    "what":<text>,"observed":{...}}
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
  // Writes the late_indication lines reported since the last call (after
  // each case's line, and once more at the end of the run).
  void WriteLateIndications();
  int late_indications() const { return late_indications_; }

 private:
  void WriteLine(const ::testing::TestInfo& info, const char* verdict, double duration_ms,
                 const std::string& message, const CaseRecord& record);
  void Watch();
  void WriteLateIndicationsLocked();

  std::FILE* out_;
  RunIdentity identity_;
  std::chrono::milliseconds case_timeout_;
  int bad_cases_ = 0;
  int late_indications_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  const ::testing::TestInfo* current_ = nullptr;
  std::chrono::steady_clock::time_point started_;
  bool stopping_ = false;
  std::thread watchdog_;
};

std::string CaseId(const ::testing::TestInfo& info);

}  // namespace wsac
