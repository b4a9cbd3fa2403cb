// The registry's building blocks: each mutant file contributes its entries.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "suite/providers/mutants/intercepting_provider.h"
#include "suite/providers/mutants/mutants.h"

namespace wsac {

using MutantFactory = std::function<std::unique_ptr<Provider>(std::unique_ptr<Provider>)>;

struct MutantEntry {
  MutantInfo info;
  MutantFactory wrap;  // empty for switches of the mock's model
};

void AddSourceStatementMutants(std::vector<MutantEntry>& out);    // S1..S27
void AddReferencePageMutants(std::vector<MutantEntry>& out);      // parts B and C
void AddBaseHandleMutants(std::vector<MutantEntry>& out);         // IOCTL-8

}  // namespace wsac
