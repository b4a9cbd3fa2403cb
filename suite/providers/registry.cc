#include "suite/providers/registry.h"

#include <set>

#include "suite/providers/mock/mock_provider.h"
#include "suite/providers/mutants/mutants.h"
#if defined(_WIN32)
#include "suite/providers/winsock/winsock_provider.h"
#endif

namespace wsac {

std::vector<std::string> AvailableProviders() {
#if defined(_WIN32)
  return {"mock", "winsock"};
#else
  return {"mock"};
#endif
}

std::unique_ptr<Provider> MakeProvider(const ProviderChoice& choice, std::string* error) {
  const MutantInfo* mutant = nullptr;
  if (!choice.mutant.empty()) {
    mutant = FindMutant(choice.mutant);
    if (mutant == nullptr) {
      *error = "unknown mutant '" + choice.mutant + "' (--list-mutants shows them)";
      return nullptr;
    }
    if (!mutant->wrapper && choice.provider != "mock") {
      *error = "mutant '" + choice.mutant + "' is a switch of the mock's model; use --provider=mock";
      return nullptr;
    }
  }
  if (choice.chaos_seed && choice.provider != "mock") {
    *error = "--chaos-seed applies to the mock provider only";
    return nullptr;
  }

  std::unique_ptr<Provider> provider;
  if (choice.provider == "mock") {
    MockOptions options;
    options.chaos_seed = choice.chaos_seed;
    if (mutant != nullptr && !mutant->wrapper) options.faults.insert(mutant->name);
    provider = MakeMockProvider(options);
    if (!provider) {
      *error = "the mock cannot build mutant '" + choice.mutant + "'";
      return nullptr;
    }
#if defined(_WIN32)
  } else if (choice.provider == "winsock") {
    WinsockOptions options;
    options.catalog_entry = choice.catalog_entry;
    provider = MakeWinsockProvider(options, error);
    if (!provider) return nullptr;
#endif
  } else {
    std::string names;
    for (const auto& n : AvailableProviders()) names += (names.empty() ? "" : ", ") + n;
    *error = "unknown provider '" + choice.provider + "'; this build has: " + names;
    return nullptr;
  }
  if (mutant != nullptr && mutant->wrapper) provider = WrapInMutant(mutant->name, std::move(provider));
  return provider;
}

}  // namespace wsac
