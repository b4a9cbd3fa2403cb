// The registry of mutants: the wrappers of each group's file, the switches
// of the mock's model, and the legal mutants.
//
// Every MUST statement that a case claims has a mutant here, with one
// exception:
//   ARG-6   (the WSABUF array is captured before the call returns). The bug
//           is reading the caller's array after the call returned. The ARG-6
//           case keeps its scribbled array alive, but a provider, wrapper or
//           model alike, cannot tell that array from the ones every other
//           case lets die as the call returns (a WSABUF on the initiating
//           helper's stack, a vector passed by value): a late reader would
//           read freed memory in every other pending receive of the run.
#include "suite/providers/mutants/mutants.h"

#include "suite/providers/mock/mock_provider.h"
#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// Statements whose violation a wrapper cannot express: the mock's model
// breaks them itself (MockOptions::faults carries the name). What arrives
// while nothing is posted, when a stream receive stops filling, and the
// rest of a truncated datagram exist only inside the model.
const MutantInfo kModelSwitches[] = {
    {"no-buffering", "S9", "data arriving with no receive posted is dropped instead of buffered", false},
    {"rcvbuf0-stream-drops", "S10", "a stream socket with SO_RCVBUF 0 drops data arriving with no receive posted", false},
    {"rcvbuf0-dgram-keeps", "S11", "a datagram socket with SO_RCVBUF 0 still buffers unposted datagrams", false},
    {"stream-waits-to-fill", "S17", "a stream receive completes only when its buffers are full", false},
    {"closesocket-leaves-pending", "CLOSE-3", "closesocket leaves pending operations without an indication", false},
    {"datagram-truncation-keeps-rest", "DGRAM-2",
     "the rest of a truncated datagram stays queued and goes to the next receive", false},
};

const std::vector<MutantEntry>& Entries() {
  static const std::vector<MutantEntry> entries = [] {
    std::vector<MutantEntry> out;
    AddSourceStatementMutants(out);
    AddArgumentMutants(out);
    AddEventMutants(out);
    AddRoutineMutants(out);
    AddPortMutants(out);
    AddCloseMutants(out);
    AddDatagramMutants(out);
    AddIoctlMutants(out);
    AddWindowsReferenceMutants(out);
    // Only the switches this build of the mock really offers.
    std::set<std::string> offered = MockFaultNames();
    for (const MutantInfo& m : kModelSwitches)
      if (offered.count(m.name) != 0) out.push_back({m, nullptr});
    AddLegalMutants(out);
    // ---- extension functions: messages and transmit ----
    AddMsgMutants(out);
    AddTransmitMutants(out);
    // ---- handles ----
    AddHandleMutants(out);
    AddFileMutants(out);
    AddPortBatchMutants(out);
    // ---- extension functions: connect ----
    AddConnectMutants(out);
    AddAcceptMutants(out);
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
