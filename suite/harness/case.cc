#include "suite/harness/case.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "suite/harness/json.h"

namespace wsac {
namespace {

Provider* g_provider = nullptr;

std::mutex& RecordMutex() {
  static std::mutex m;
  return m;
}
CaseRecord& Record() {
  static CaseRecord r;
  return r;
}

std::map<std::string, std::vector<std::string>, std::less<>>& Tags() {
  static std::map<std::string, std::vector<std::string>, std::less<>> tags;
  return tags;
}

std::vector<ProviderLeavingHook>& LeavingHooks() {
  static std::vector<ProviderLeavingHook> hooks;
  return hooks;
}

std::mutex& LateMutex() {
  static std::mutex m;
  return m;
}
std::vector<LateIndication>& LateReports() {
  static std::vector<LateIndication> reports;
  return reports;
}

}  // namespace

Provider& ActiveProvider() {
  if (g_provider == nullptr) throw SetupFailed("no provider selected (the runner sets one)");
  return *g_provider;
}
void SetActiveProvider(Provider* provider) {
  if (g_provider != nullptr && g_provider != provider)
    for (ProviderLeavingHook hook : LeavingHooks()) hook(*g_provider);
  g_provider = provider;
}
void AddProviderLeavingHook(ProviderLeavingHook hook) {
  auto& hooks = LeavingHooks();
  if (std::find(hooks.begin(), hooks.end(), hook) == hooks.end()) hooks.push_back(hook);
}
bool IsActiveProvider(const Provider& p) { return g_provider == &p; }

std::string RunningCaseId() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "";
  return std::string(info->test_suite_name()) + "." + info->name();
}

void ReportLateIndication(LateIndication late) {
  std::lock_guard lock(LateMutex());
  LateReports().push_back(std::move(late));
}
std::vector<LateIndication> TakeLateIndications() {
  std::lock_guard lock(LateMutex());
  return std::exchange(LateReports(), {});
}

void Observe(std::string_view key, std::int64_t value) {
  std::lock_guard lock(RecordMutex());
  Record().observed[std::string(key)] = std::to_string(value);
}
void Observe(std::string_view key, std::string_view value) {
  std::lock_guard lock(RecordMutex());
  Record().observed[std::string(key)] = json::Quote(value);
}
void Report(std::string_view statement, std::string_view what) {
  std::lock_guard lock(RecordMutex());
  Record().reports[std::string(statement)] = std::string(what);
}
CaseRecord TakeCaseRecord() {
  std::lock_guard lock(RecordMutex());
  return std::exchange(Record(), CaseRecord{});
}
void ClearCaseRecord() { (void)TakeCaseRecord(); }
void UpdateCaseRecord(const std::function<void(CaseRecord&)>& update) {
  std::lock_guard lock(RecordMutex());
  update(Record());
}

bool RegisterStatements(const char* suite, const char* name, std::initializer_list<const char*> ids) {
  auto& v = Tags()[std::string(suite) + "." + name];
  for (const char* id : ids) v.emplace_back(id);
  return true;
}

std::vector<std::string> StatementsOf(std::string_view suite, std::string_view name) {
  std::string key(suite);
  key += '.';
  key += name;
  auto it = Tags().find(key);
  return it == Tags().end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> StatementsOfTest(std::string_view test_suite_name, std::string_view test_name) {
  // INSTANTIATE_TEST_SUITE_P prefixes "Prefix/"; parameters suffix "/Param".
  if (auto slash = test_suite_name.rfind('/'); slash != std::string_view::npos)
    test_suite_name.remove_prefix(slash + 1);
  if (auto slash = test_name.find('/'); slash != std::string_view::npos) test_name = test_name.substr(0, slash);
  return StatementsOf(test_suite_name, test_name);
}

}  // namespace wsac
