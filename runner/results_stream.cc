#include "runner/results_stream.h"

#include <algorithm>
#include <cstdlib>

#include "suite/catalog/catalog.h"
#include "suite/harness/case.h"
#include "suite/harness/check.h"
#include "suite/harness/json.h"

#ifndef WSAC_VERSION
#define WSAC_VERSION "0.0.0"
#endif

namespace wsac {
namespace {

// gtest reports an exception escaping a case as a fatal failure whose text
// starts with this and the exception's what(); NotSupported and SetupFailed
// mark theirs. Only that position counts: a failed check whose message
// merely contains a marker is still a FAIL.
constexpr std::string_view kThrown = "C++ exception with description \"";
bool ThrownWith(const ::testing::TestPartResult& part, const std::string& text, std::string_view marker) {
  return part.fatally_failed() && text.rfind(std::string(kThrown) + std::string(marker), 0) == 0;
}
bool Mentions(const std::string& text, const char* marker) { return text.find(marker) != std::string::npos; }

}  // namespace

std::string CaseId(const ::testing::TestInfo& info) {
  return std::string(info.test_suite_name()) + "." + info.name();
}

const char* VerdictOf(const ::testing::TestResult& result, const CaseRecord& record, std::string* message) {
  // A defect of the suite itself: no verdict on the provider can be drawn.
  if (!record.harness_errors.empty()) {
    *message = "suite defect: " + record.harness_errors.front();
    return "BROKEN";
  }
  for (int i = 0; i < result.total_part_count(); ++i) {
    const auto& part = result.GetTestPartResult(i);
    if (part.passed()) continue;
    std::string text = part.message() ? part.message() : "";
    if (part.file_name() != nullptr && part.failed())
      *message = std::string(part.file_name()) + ":" + std::to_string(part.line_number()) + ": " + text;
    else
      *message = text;
    // The first non-passing part decides: a check that failed before a
    // setup step threw is a FAIL, never hidden as BROKEN.
    if (part.skipped()) return Mentions(text, "NOT_SUPPORTED: ") ? "NOT_SUPPORTED" : "BROKEN";
    if (ThrownWith(part, text, "NOT_SUPPORTED: ")) return "NOT_SUPPORTED";
    if (ThrownWith(part, text, "BROKEN: ")) return "BROKEN";
    bool attributed = static_cast<std::size_t>(i) < record.part_attributed.size() && record.part_attributed[i];
    if (attributed) return "FAIL";
    // No statement's check reported it (an exception escaping a case, a
    // bare GoogleTest assertion): it says nothing about any statement.
    *message = "suite defect: a failure no statement check owns: " + *message;
    return "BROKEN";
  }
  return "PASS";
}

ResultsStream::ResultsStream(std::FILE* out, RunIdentity identity, std::chrono::milliseconds case_timeout)
    : out_(out), identity_(std::move(identity)), case_timeout_(case_timeout) {
  watchdog_ = std::thread([this] { Watch(); });
}

ResultsStream::~ResultsStream() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  watchdog_.join();
}

void ResultsStream::OnTestStart(const ::testing::TestInfo& info) {
  ClearCaseRecord();
  std::lock_guard lock(mu_);
  current_ = &info;
  started_ = std::chrono::steady_clock::now();
  cv_.notify_all();
}

void ResultsStream::OnTestPartResult(const ::testing::TestPartResult& part) {
  (void)part;
  bool attributed = check_internal::ReportingAttributedFailure();
  UpdateCaseRecord([&](CaseRecord& record) { record.part_attributed.push_back(attributed); });
}

void ResultsStream::OnTestEnd(const ::testing::TestInfo& info) {
  std::string message;
  CaseRecord record = TakeCaseRecord();
  for (const std::string& id : StatementsOfTest(info.test_suite_name(), info.name()))
    if (FindStatement(id) == nullptr) record.harness_errors.push_back("the case is tagged with " + id + ", which the catalog does not have");
  for (const auto& [id, checks] : record.checks)
    if (FindStatement(id) == nullptr && !id.empty())
      record.harness_errors.push_back("a check names " + id + ", which the catalog does not have");
  const char* verdict = VerdictOf(*info.result(), record, &message);
  if (std::string_view(verdict) == "PASS") {
    // A passing case answers for every statement it claims: checked, or
    // not exercised with a reason. A claim with neither is a case that
    // asserts nothing about that statement.
    for (const std::string& id : StatementsOfTest(info.test_suite_name(), info.name())) {
      auto it = record.checks.find(id);
      bool answered = it != record.checks.end() && (it->second.exercised() || !it->second.not_exercised.empty());
      // A report answers only for a MAY statement (what the provider chose);
      // a MUST statement needs a check.
      const Statement* st = FindStatement(id);
      bool reported = record.reports.count(id) != 0 && st != nullptr && st->level == "MAY";
      if (!answered && !reported)
        record.harness_errors.push_back("the case passed without a check of " + id + " and without saying why (NotExercised)");
    }
    if (!record.harness_errors.empty()) verdict = VerdictOf(*info.result(), record, &message);
  }
  std::lock_guard lock(mu_);
  current_ = nullptr;
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
  if (std::string(verdict) != "PASS" && std::string(verdict) != "NOT_SUPPORTED") ++bad_cases_;
  WriteLine(info, verdict, ms, message, record);
  WriteLateIndicationsLocked();
}

void ResultsStream::WriteLateIndications() {
  std::lock_guard lock(mu_);
  WriteLateIndicationsLocked();
}

void ResultsStream::WriteLateIndicationsLocked() {
  for (const LateIndication& late : TakeLateIndications()) {
    ++late_indications_;
    if (out_ == nullptr) continue;
    std::string line = "{\"record\":\"late_indication\",\"case\":" + json::Quote(late.case_id);
    line += ",\"statement\":" + json::Quote(late.statement);
    line += ",\"detected_in\":" + json::Quote(late.detected_in);
    line += ",\"mechanism\":" + json::Quote(late.mechanism);
    line += ",\"what\":" + json::Quote(late.what) + ",\"observed\":{";
    bool first = true;
    for (const auto& [k, v] : late.observed) {
      line += (first ? "" : ",") + json::Quote(k) + ":" + v;
      first = false;
    }
    line += "}}\n";
    std::fwrite(line.data(), 1, line.size(), out_);
  }
  if (out_ != nullptr) std::fflush(out_);
}

void ResultsStream::Watch() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (current_ == nullptr) {
      cv_.wait(lock);
      continue;
    }
    const ::testing::TestInfo* watched = current_;
    auto deadline = started_ + case_timeout_;
    if (cv_.wait_until(lock, deadline, [&] { return stopping_ || current_ != watched; })) continue;
    WriteLine(*watched, "TIMEOUT", std::chrono::duration<double, std::milli>(case_timeout_).count(),
              "case did not finish within " + std::to_string(case_timeout_.count()) + " ms", TakeCaseRecord());
    WriteLateIndicationsLocked();
    std::fprintf(stderr, "wsaconform-runner: %s timed out; exiting with %d\n", CaseId(*watched).c_str(),
                 kTimeoutExitCode);
    std::fflush(stderr);
    // The hung case owns threads and provider state we cannot unwind.
    std::_Exit(kTimeoutExitCode);
  }
}

static std::string ChecksJson(const std::vector<std::string>& ids, const CaseRecord& record) {
  std::vector<std::string> order = ids;
  for (const auto& [id, checks] : record.checks)
    if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
  std::string out = "{";
  bool first = true;
  for (const std::string& id : order) {
    auto it = record.checks.find(id);
    StatementChecks none;
    const StatementChecks& c = it == record.checks.end() ? none : it->second;
    out += (first ? "" : ",") + json::Quote(id) + ":{\"held\":" + std::to_string(c.held) +
           ",\"violated\":" + std::to_string(c.violated) + ",\"exercised\":" + (c.exercised() ? "true" : "false") +
           ",\"violations\":[";
    first = false;
    bool first_v = true;
    for (const CheckViolation& v : c.violations) {
      out += (first_v ? "" : ",") + std::string("{\"check\":") + json::Quote(v.check) +
             ",\"where\":" + json::Quote(v.where) + ",\"message\":" + json::Quote(v.message) +
             ",\"observed\":" + json::Quote(v.observed) + ",\"expected\":" + json::Quote(v.expected) + "}";
      first_v = false;
    }
    out += "],\"not_exercised\":" + json::QuoteList(c.not_exercised) + "}";
  }
  return out + "}";
}

void ResultsStream::WriteLine(const ::testing::TestInfo& info, const char* verdict, double duration_ms,
                              const std::string& message, const CaseRecord& record) {
  if (out_ == nullptr) return;
  std::vector<std::string> ids = StatementsOfTest(info.test_suite_name(), info.name());
  std::string suite = info.test_suite_name();
  if (auto slash = suite.rfind('/'); slash != std::string::npos) suite = suite.substr(slash + 1);
  std::string name = info.name();
  if (auto slash = name.find('/'); slash != std::string::npos) name = name.substr(0, slash);

  std::string line = "{\"record\":\"case\",\"id\":" + json::Quote(CaseId(info));
  line += ",\"suite\":" + json::Quote(suite) + ",\"name\":" + json::Quote(name);
  line += ",\"statements\":" + json::QuoteList(ids);
  line += ",\"provider\":" + json::Quote(identity_.provider) + ",\"build\":" + json::Quote(identity_.build);
  line += ",\"mutant\":" + json::Quote(identity_.mutant);
  line += ",\"chaos_seed\":" + (identity_.chaos_seed ? std::to_string(*identity_.chaos_seed) : std::string("null"));
  if (!identity_.provider_identity.empty()) line += ",\"provider_identity\":" + identity_.provider_identity;
  line += ",\"verdict\":" + json::Quote(verdict);
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", duration_ms);
  line += ",\"duration_ms\":" + std::string(ms);
  line += ",\"message\":" + json::Quote(message);
  line += ",\"observed\":{";
  bool first = true;
  for (const auto& [k, v] : record.observed) {
    line += (first ? "" : ",") + json::Quote(k) + ":" + v;
    first = false;
  }
  line += "},\"reports\":{";
  first = true;
  for (const auto& [k, v] : record.reports) {
    line += (first ? "" : ",") + json::Quote(k) + ":" + json::Quote(v);
    first = false;
  }
  line += "},\"requirements\":{";
  first = true;
  for (const auto& id : ids) {
    const Statement* st = FindStatement(id);
    line += (first ? "" : ",") + json::Quote(id) + ":" + json::Quote(st ? st->text : "unknown statement");
    first = false;
  }
  line += "},\"checks\":" + ChecksJson(ids, record);
  line += ",\"harness_errors\":" + json::QuoteList(record.harness_errors);
  line += ",\"suite_version\":" + json::Quote(WSAC_VERSION);
  line += ",\"catalog_version\":" + json::Quote(CatalogVersion()) + "}\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace wsac
