#include "suite/providers/mutants/mutants.h"

#include "suite/providers/mock/mock_provider.h"
#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// Statements whose violation a wrapper cannot express: the mock's model
// breaks them itself (MockOptions::faults carries the name).
const MutantInfo kModelSwitches[] = {
    {"no-buffering", "S9", "data arriving with no receive posted is dropped", false},
    {"rcvbuf0-stream-drops", "S10", "a stream socket with SO_RCVBUF 0 drops data arriving with no receive posted", false},
    {"rcvbuf0-dgram-keeps", "S11", "a datagram socket with SO_RCVBUF 0 still buffers unposted datagrams", false},
    {"stream-waits-to-fill", "S17", "a stream receive completes only when its buffers are full", false},
    {"closesocket-leaves-pending", "CLOSE-3", "closesocket leaves pending operations without an indication", false},
};

const std::vector<MutantEntry>& Entries() {
  static const std::vector<MutantEntry> entries = [] {
    std::vector<MutantEntry> out;
    AddSourceStatementMutants(out);
    AddReferencePageMutants(out);
    AddBaseHandleMutants(out);
    // Only the switches this build of the mock really offers.
    std::set<std::string> offered = MockFaultNames();
    for (const MutantInfo& m : kModelSwitches)
      if (offered.count(m.name) != 0) out.push_back({m, nullptr});
    return out;
  }();
  return entries;
}

}  // namespace

std::vector<MutantInfo> ListMutants() {
  std::vector<MutantInfo> out;
  for (const auto& e : Entries()) out.push_back(e.info);
  return out;
}

const MutantInfo* FindMutant(std::string_view name) {
  for (const auto& e : Entries())
    if (e.info.name == name) return &e.info;
  return nullptr;
}

std::unique_ptr<Provider> WrapInMutant(std::string_view name, std::unique_ptr<Provider> target) {
  for (const auto& e : Entries())
    if (e.info.name == name && e.wrap) return e.wrap(std::move(target));
  return nullptr;
}

}  // namespace wsac
