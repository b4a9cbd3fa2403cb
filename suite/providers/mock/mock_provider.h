// The mock provider: an in-process model of the overlapped socket semantics
// of shared/spec/statements.md, over an in-memory loopback network.
// Deterministic unless given a chaos seed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "suite/api/provider.h"

namespace wsac {

// The clock the mock's waits and GetTickCount64 measure (mock_model.h, "Time").
enum class MockClock {
  kDefault,  // the environment's WSAC_MOCK_CLOCK ("virtual" or "real") if set,
             // else virtual where VirtualClockSeesEveryThread()
  kVirtual,  // moves only when every thread waits and nothing else can happen
  kReal,     // the machine's steady clock
};

// Whether the virtual clock can tell a thread outside the mock that runs
// from one that is blocked (Linux: /proc). Without it, a thread that has
// called into the mock holds the clock whenever it is outside, and one that
// has not is not seen at all.
bool VirtualClockSeesEveryThread();

struct MockOptions {
  // With a seed, the mock takes at random (reproducibly) every choice the
  // statements permit: immediate or pending completion, completion order
  // (S22, S24), chunking of stream data, delayed delivery.
  std::optional<std::uint64_t> chaos_seed;
  // Faults that need the model's insides, each breaking one statement on
  // purpose (mutants that a wrapper cannot express). Names are listed by
  // MockFaultNames(); unknown names are rejected by MakeMockProvider.
  std::set<std::string> faults;
  MockClock clock = MockClock::kDefault;
};

// nullptr when options name an unknown fault.
std::unique_ptr<Provider> MakeMockProvider(const MockOptions& options);

// The fault switches the model offers, for the mutant registry.
std::set<std::string> MockFaultNames();

// Where the mock reports a deadlock of its virtual clock (every thread
// waits and no wait has a deadline), besides stderr: the runner records it
// in the running case's result. Called without the mock's lock held.
void SetMockStallReporter(std::function<void(const std::string&)> reporter);

}  // namespace wsac
