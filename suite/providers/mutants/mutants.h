// Mutants: providers that break exactly one statement on purpose, so the
// suite can show that a case tagged with that statement fails on it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "suite/api/provider.h"

namespace wsac {

struct MutantInfo {
  std::string name;         // command-line name, e.g. "routine-runs-inline"
  std::string statement;    // the catalog ID it breaks, e.g. "S15"
  std::string description;  // one line: what it does wrong
  // true: a ProviderWrapper that works over any provider; false: a switch of
  // the mock's model (mock only).
  bool wrapper = true;
};

std::vector<MutantInfo> ListMutants();
const MutantInfo* FindMutant(std::string_view name);

// Wraps target in the named wrapper mutant. nullptr for an unknown name or a
// mock-switch mutant (those are built by MakeProvider with the mock's faults).
std::unique_ptr<Provider> WrapInMutant(std::string_view name, std::unique_ptr<Provider> target);

}  // namespace wsac
