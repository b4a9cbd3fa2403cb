// Mutants of the MSG statements (WSARecvMsg, WSASendMsg). The interceptor
// tracks the four transfers and WSAIoctl, not the extension functions, so
// these are switches of the mock's model (model_msg.h): each gets the
// WSAMSG wrong the way a provider that translates it into a plain receive
// or send might.
#include "suite/providers/mock/mock_provider.h"
#include "suite/providers/mock/model_msg.h"
#include "suite/providers/mutants/mutant_set.h"

namespace wsac {

void AddOfferedModelSwitches(std::vector<MutantEntry>& out, const std::vector<MutantInfo>& switches) {
  const std::set<std::string> offered = MockFaultNames();
  for (const MutantInfo& m : switches)
    if (offered.count(m.name) != 0) out.push_back({m, nullptr});
}

void AddMsgMutants(std::vector<MutantEntry>& out) {
  AddOfferedModelSwitches(out, {
      {mock::kFaultMsgRefusedSignalsEvent, "MSG-1",
       "a WSARecvMsg it refuses still signals the caller's event, as if it had completed", false},
      {mock::kFaultMsgNullMsgEinval, "MSG-2", "a WSARecvMsg with lpMsg NULL fails WSAEINVAL instead of WSAEFAULT",
       false},
      {mock::kFaultMsgNullNameAccepted, "MSG-3",
       "a WSARecvMsg whose lpMsg->name is NULL with a non-zero namelen is accepted", false},
      {mock::kFaultMsgNullControlAccepted, "MSG-4",
       "a WSARecvMsg whose Control.buf is NULL with a non-zero Control.len is accepted", false},
      {mock::kFaultMsgFirstBufferOnly, "MSG-5",
       "WSARecvMsg fills only lpMsg->lpBuffers[0], ignoring dwBufferCount", false},
      {mock::kFaultMsgNameUnstored, "MSG-6", "WSARecvMsg never writes the sender's address into lpMsg->name", false},
      {mock::kFaultMsgTruncUnreported, "MSG-7",
       "a truncated WSARecvMsg reports WSAEMSGSIZE but leaves MSG_TRUNC out of lpMsg->dwFlags", false},
      {mock::kFaultSendMsgRefusedSignalsEvent, "MSG-8",
       "a WSASendMsg it refuses still signals the caller's event, as if it had completed", false},
      {mock::kFaultSendMsgFirstBufferOnly, "MSG-9",
       "WSASendMsg sends only lpMsg->lpBuffers[0], ignoring dwBufferCount", false},
      {mock::kFaultMsgPeekIgnored, "MSG-10",
       "WSARecvMsg ignores MSG_PEEK in lpMsg->dwFlags: a peek takes the datagram off the queue", false},
  });
}

}  // namespace wsac
