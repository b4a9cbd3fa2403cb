// The mock provider: an in-process model of the overlapped socket semantics
// of shared/spec/statements.md, over an in-memory loopback network.
// Deterministic unless given a chaos seed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "suite/api/provider.h"

namespace wsac {

struct MockOptions {
  // With a seed, the mock takes at random (reproducibly) every choice the
  // statements permit: immediate or pending completion, completion order
  // (S22, S24), chunking of stream data, delayed delivery.
  std::optional<std::uint64_t> chaos_seed;
  // Faults that need the model's insides, each breaking one statement on
  // purpose (mutants that a wrapper cannot express). Names are listed by
  // MockFaultNames(); unknown names are rejected by MakeMockProvider.
  std::set<std::string> faults;
};

// nullptr when options name an unknown fault.
std::unique_ptr<Provider> MakeMockProvider(const MockOptions& options);

// The fault switches the model offers, for the mutant registry.
std::set<std::string> MockFaultNames();

}  // namespace wsac
