// Mutants of the XMIT statements (TransmitFile, TransmitPackets): switches
// of the mock's model (model_msg.h), as for MSG (msg_mutants.cc); each gets
// the transmit arguments wrong the way a provider that turns them into a
// plain send might.
#include "suite/providers/mock/mock_provider.h"
#include "suite/providers/mock/model_msg.h"
#include "suite/providers/mutants/mutant_set.h"

namespace wsac {

void AddTransmitMutants(std::vector<MutantEntry>& out) {
  AddOfferedModelSwitches(out, {
      {mock::kFaultTransmitFileRefusalSignalsEvent, "XMIT-1",
       "a TransmitFile it refuses still signals the caller's event, as if it had completed", false},
      {mock::kFaultTransmitFileTailFirst, "XMIT-2", "TransmitFile sends the tail buffer before the head buffer", false},
      {mock::kFaultTransmitPacketsRefusalSignalsEvent, "XMIT-3",
       "a TransmitPackets it refuses still signals the caller's event, as if it had completed", false},
      {mock::kFaultTransmitPacketsLastDropped, "XMIT-4",
       "TransmitPackets stops one element short: the last memory element is never sent", false},
      {mock::kFaultTransmitFileDatagramSent, "XMIT-5",
       "TransmitFile on a datagram socket sends the head and tail as a datagram instead of refusing", false},
  });
}

}  // namespace wsac
