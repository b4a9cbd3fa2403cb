#include "suite/harness/check.h"

#include <algorithm>
#include <string>
#include <vector>

namespace wsac {
namespace {

thread_local bool t_reporting = false;

// __FILE__ as the build gave it, shortened to the path in the source tree.
std::string SourcePath(const char* file) {
  std::string path = file == nullptr ? "" : file;
  for (const char* top : {"/cases/", "/suite/", "/tests/", "/runner/"}) {
    if (auto at = path.rfind(top); at != std::string::npos) return path.substr(at + 1);
  }
  return path;
}

std::string Where(const char* file, int line) { return SourcePath(file) + ":" + std::to_string(line); }

// The running case's statement tags, or nothing outside a case.
const ::testing::TestInfo* RunningCase() { return ::testing::UnitTest::GetInstance()->current_test_info(); }

// A check of a statement the case does not claim cannot decide that
// statement's verdict (nor may it go unnoticed): the case becomes BROKEN.
// Called before the record's lock is taken: GoogleTest reports a failure
// to listeners under its own lock, and the listener takes the record's.
std::string TagError(const char* statement, const char* file, int line) {
  const ::testing::TestInfo* info = RunningCase();
  if (info == nullptr) return "";
  if (statement == nullptr || *statement == '\0') return "the check at " + Where(file, line) + " names no statement";
  std::vector<std::string> tags = StatementsOfTest(info->test_suite_name(), info->name());
  if (std::find(tags.begin(), tags.end(), statement) != tags.end()) return "";
  std::string list;
  for (const auto& t : tags) list += (list.empty() ? "" : ", ") + t;
  return "the check at " + Where(file, line) + " names " + statement + ", which the case is not tagged with (" +
         (list.empty() ? "no tags" : list) + ")";
}

void AddError(CaseRecord& record, std::string error) {
  if (error.empty()) return;
  if (std::find(record.harness_errors.begin(), record.harness_errors.end(), error) == record.harness_errors.end())
    record.harness_errors.push_back(std::move(error));
}

}  // namespace

void NotExercised(std::string_view statement, std::string_view why) {
  std::string id(statement);
  std::string error = TagError(id.c_str(), "NotExercised", 0);
  UpdateCaseRecord([&](CaseRecord& record) {
    AddError(record, error);
    StatementChecks& checks = record.checks[std::string(statement)];
    std::string reason(why);
    auto& reasons = checks.not_exercised;
    if (reasons.size() < StatementChecks::kMaxReasonsKept &&
        std::find(reasons.begin(), reasons.end(), reason) == reasons.end())
      reasons.push_back(std::move(reason));
  });
}

namespace check_internal {

void RecordHeld(const char* statement, const char* file, int line) {
  std::string error = TagError(statement, file, line);
  UpdateCaseRecord([&](CaseRecord& record) {
    AddError(record, error);
    ++record.checks[statement == nullptr ? "" : statement].held;
  });
}

Violation::Violation(const char* statement, bool fatal, const char* file, int line, const char* check,
                     CheckResult result)
    : statement_(statement == nullptr ? "" : statement),
      fatal_(fatal),
      file_(file),
      line_(line),
      check_(check),
      result_(std::move(result)) {}

void Violation::operator=(const ::testing::Message& message) const {
  std::string said = message.GetString();
  std::string text = result_.explanation;
  if (!said.empty()) text += (text.empty() ? "" : "\n") + said;
  std::string error = TagError(statement_, file_, line_);
  UpdateCaseRecord([&](CaseRecord& record) {
    AddError(record, error);
    StatementChecks& checks = record.checks[statement_];
    ++checks.violated;
    if (checks.violations.size() < StatementChecks::kMaxViolationsKept)
      checks.violations.push_back({check_, Where(file_, line_), text, result_.observed, result_.expected});
  });
  const std::string summary = "[" + std::string(statement_) + "] " + result_.explanation;
  t_reporting = true;
  ::testing::internal::AssertHelper(
      fatal_ ? ::testing::TestPartResult::kFatalFailure : ::testing::TestPartResult::kNonFatalFailure, file_, line_,
      summary.c_str()) = message;
  t_reporting = false;
}

bool ReportingAttributedFailure() { return t_reporting; }

}  // namespace check_internal
}  // namespace wsac
