// Providers and mutants by name, as the runner's command line chooses them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "suite/api/provider.h"

namespace wsac {

struct ProviderChoice {
  std::string provider = "mock";  // a name from AvailableProviders()
  std::string mutant;             // empty: none; else a name from ListMutants()
  std::optional<std::uint64_t> chaos_seed;  // mock only
  std::string catalog_entry;                // winsock only
};

// The providers this build has: "mock" everywhere, "winsock" on Windows targets.
std::vector<std::string> AvailableProviders();

// nullptr and a one-line message in *error for an unknown or unusable choice.
std::unique_ptr<Provider> MakeProvider(const ProviderChoice& choice, std::string* error);

}  // namespace wsac
