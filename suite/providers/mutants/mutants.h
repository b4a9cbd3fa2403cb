// Mutants: providers that break exactly one statement on purpose, so the
// suite can show that a case tagged with that statement fails on it. Each
// imitates a mistake a real provider makes (a value that looks right, an
// indication that is late, lost or doubled, a write on the wrong side of
// the indication, the right code on the wrong path), not a sentinel only a
// check would notice. A legal mutant breaks nothing: it takes a choice the
// statements permit, and the suite must pass it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "suite/api/provider.h"

namespace wsac {

struct MutantInfo {
  std::string name;         // command-line name, the bug it imitates, e.g. "routine-runs-inline"
  std::string statement;    // the catalog ID it breaks, e.g. "S15"; empty for a legal mutant
  std::string description;  // one line: what it does wrong (or, legal, what choice it takes)
  // true: a ProviderWrapper that works over any provider; false: a switch of
  // the mock's model (mock only).
  bool wrapper = true;
  // A legal mutant breaks no statement: the kill matrix expects it to
  // survive, with no violated check anywhere.
  bool legal = false;
  // Legal mutants: the statements whose branch the choice never takes, so
  // that every instance claiming them reports them not exercised.
  std::vector<std::string> unexercised{};
};

std::vector<MutantInfo> ListMutants();
const MutantInfo* FindMutant(std::string_view name);

// Wraps target in the named wrapper mutant. nullptr for an unknown name or a
// mock-switch mutant (those are built by MakeProvider with the mock's faults).
std::unique_ptr<Provider> WrapInMutant(std::string_view name, std::unique_ptr<Provider> target);

}  // namespace wsac
