// What a conformance case needs beyond GoogleTest: the provider under test,
// the statements it checks, the values it observed, and the two outcomes that
// are not a verdict on the provider (NOT_SUPPORTED, BROKEN).
//
// A case is a GoogleTest test declared with WSAC_CASE / WSAC_CASE_P instead
// of TEST_F / TEST_P; the extra arguments are the statement IDs it checks:
//
//   WSAC_CASE_P(ImmediateReceive, EventSignaledAtReturn, "S8", "S14") {
//     ...
//   }
//
// The runner reads the IDs back for --list and every result line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "suite/api/provider.h"

namespace wsac {

// The provider every case runs against, chosen once by the runner (possibly a
// mutant wrapping it). Cases never construct providers themselves.
Provider& ActiveProvider();
// Replacing the active provider (nullptr at the end of a run) first calls
// every hook added with the provider it replaces, while that provider is
// still usable: whatever holds its handles beyond a case (the observers'
// operations that may still be indicated) finishes with them there.
void SetActiveProvider(Provider* provider);
using ProviderLeavingHook = void (*)(Provider& leaving);
void AddProviderLeavingHook(ProviderLeavingHook hook);
// Whether p is the active provider (false when none is set).
bool IsActiveProvider(const Provider& p);

// The id of the case running now ("Prefix/Suite.Name/Param", as result
// lines name it), or "" outside a case. Thread-safe.
std::string RunningCaseId();

// Capability probe failed before any check ran: the provider lacks what the
// case needs (no IPv6 loopback, an ioctl it does not offer). Verdict
// NOT_SUPPORTED. Only fixtures and explicit probes throw it, never a check.
class NotSupported : public std::runtime_error {
 public:
  explicit NotSupported(const std::string& why) : std::runtime_error("NOT_SUPPORTED: " + why) {}
};

// The harness or environment failed before the statement could be checked
// (a loopback connect failed, an event could not be created). Verdict BROKEN.
class SetupFailed : public std::runtime_error {
 public:
  explicit SetupFailed(const std::string& why) : std::runtime_error("BROKEN: " + why) {}
};

// Observed values, written into the case's result line under "observed".
// Later values for the same key replace earlier ones. Thread-safe.
void Observe(std::string_view key, std::int64_t value);
void Observe(std::string_view key, std::string_view value);
// What a MAY statement was seen doing, e.g. Report("S22", "in order 64 of 64");
// written under "reports". Thread-safe.
void Report(std::string_view statement, std::string_view what);

// One violated check (check.h), as the result line carries it.
struct CheckViolation {
  std::string check;        // e.g. "WSAC_EXPECT_EQ(ind->error, 0u)"
  std::string where;        // file:line
  std::string message;      // GoogleTest's explanation and the case's own text
  std::string observed;     // the value seen, as text ("" when the check compares nothing)
  std::string expected;     // what the statement asks for, as text
};

// What the checks of one statement found in one case.
struct StatementChecks {
  int held = 0;
  int violated = 0;
  std::vector<CheckViolation> violations;  // the first kMaxViolationsKept
  std::vector<std::string> not_exercised;  // NotExercised reasons, distinct
  static constexpr std::size_t kMaxViolationsKept = 8;
  static constexpr std::size_t kMaxReasonsKept = 4;
  bool exercised() const { return held + violated > 0; }
};

struct CaseRecord {
  std::map<std::string, std::string> observed;  // values JSON-encoded already
  std::map<std::string, std::string> reports;
  std::map<std::string, StatementChecks> checks;  // by statement ID
  // Defects of the suite found while the case ran (a check naming a
  // statement the case is not tagged with, a failure no check owns). Any
  // makes the case BROKEN.
  std::vector<std::string> harness_errors;
  // One entry per GoogleTest part result in order: whether a WSAC_ check
  // reported it (check.h).
  std::vector<bool> part_attributed;
};
// Takes the observations of the case that just ended and clears them.
CaseRecord TakeCaseRecord();
void ClearCaseRecord();
// Adds to the running case's record under its lock (check.cc, the runner's
// listener).
void UpdateCaseRecord(const std::function<void(CaseRecord&)>& update);

// ---- indications that outlive their case ----------------------------------
// IND-1: every operation that was initiated is indicated exactly once, and
// a failed call never is. What breaks it where no case can check it (a
// second indication, an indication of a failed call, an indication that
// arrives after its case ended) is reported here by the observers and
// written by the runner as a line of its own against the case that started
// the operation, never against the case that happened to see it.
struct LateIndication {
  std::string case_id;      // the case that started the operation
  std::string statement = "IND-1";
  std::string detected_in;  // the case running when it was seen; "" after the last case
  std::string mechanism;    // "Event", "Routine", "Port", "Polling"
  std::string what;         // one sentence
  std::map<std::string, std::string> observed;  // values JSON-encoded already
};
void ReportLateIndication(LateIndication late);
// Takes the reports made so far, in the order they were made. Thread-safe.
std::vector<LateIndication> TakeLateIndications();

// ---- statement tags -------------------------------------------------------
bool RegisterStatements(const char* suite, const char* name, std::initializer_list<const char*> ids);
// The IDs of a registered case; suite and name as written in WSAC_CASE*, not
// the instantiated names. Empty when the case was not registered.
std::vector<std::string> StatementsOf(std::string_view suite, std::string_view name);
// The same for an instantiated GoogleTest name ("Prefix/Suite", "Name/Param").
std::vector<std::string> StatementsOfTest(std::string_view test_suite_name, std::string_view test_name);

}  // namespace wsac

#define WSAC_INTERNAL_CAT2(a, b) a##b
#define WSAC_INTERNAL_CAT(a, b) WSAC_INTERNAL_CAT2(a, b)
#define WSAC_INTERNAL_TAG(Suite, Name, ...)                                                    \
  [[maybe_unused]] static const bool WSAC_INTERNAL_CAT(wsac_statements_##Suite##_##Name, __LINE__) = \
      ::wsac::RegisterStatements(#Suite, #Name, {__VA_ARGS__})

// A case in a fixture (TEST_F), a parameterised case (TEST_P), a plain case (TEST).
#define WSAC_CASE_F(Suite, Name, ...)           \
  WSAC_INTERNAL_TAG(Suite, Name, __VA_ARGS__); \
  TEST_F(Suite, Name)
#define WSAC_CASE_P(Suite, Name, ...)           \
  WSAC_INTERNAL_TAG(Suite, Name, __VA_ARGS__); \
  TEST_P(Suite, Name)
#define WSAC_CASE(Suite, Name, ...)             \
  WSAC_INTERNAL_TAG(Suite, Name, __VA_ARGS__); \
  TEST(Suite, Name)
