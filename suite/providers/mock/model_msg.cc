// WSARecvMsg and WSASendMsg over the model's receive and send: the WSAMSG
// names the buffers, the address and the flags word, and the model's
// operation writes lpMsg->dwFlags when the datagram is placed, so a receive
// that pends reports MSG_TRUNC through the caller's WSAMSG as Windows does
// (Wine's sock.c test_ip_pktinfo reads hdr.dwFlags after the event).
// Choices: the mock offers no control data (Control is left as passed), and
// lpMsg->dwFlags on input may carry only MSG_PEEK, as for WSARecvFrom.
#include <algorithm>

#include "suite/providers/mock/mock_model.h"
#include "suite/providers/mock/model_msg.h"

namespace wsac::mock {

int Core::AfterExtensionCall(int ret, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr, const char* fault) {
  if (ret == 0) return ret;
  const int error = GetError();
  // A provider that signals the caller's event before it has validated the
  // call: the refusal still looks like a completion to an event waiter.
  if (error != WSA_IO_PENDING && error != WSAEMSGSIZE && Fault(fault) && ov != nullptr && cr == nullptr &&
      ov->hEvent != nullptr) {
    WSASetEvent(ov->hEvent);
    SetError(error);
  }
  return ret;
}

int Core::WSARecvMsg(SOCKET s, LPWSAMSG msg, LPDWORD nbytes, LPWSAOVERLAPPED ov,
                     LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  const char* fault = kFaultMsgRefusedSignalsEvent;
  if (msg == nullptr) {
    SetError(Fault(kFaultMsgNullMsgEinval) ? WSAEINVAL : WSAEFAULT);
    return AfterExtensionCall(SOCKET_ERROR, ov, cr, fault);
  }
  if ((msg->name == nullptr && msg->namelen != 0 && !Fault(kFaultMsgNullNameAccepted)) ||
      (msg->Control.buf == nullptr && msg->Control.len != 0 && !Fault(kFaultMsgNullControlAccepted))) {
    SetError(WSAEFAULT);
    return AfterExtensionCall(SOCKET_ERROR, ov, cr, fault);
  }
  // The input flags are read at the call; the output is written into
  // lpMsg->dwFlags at completion, never through this copy.
  DWORD flags = msg->dwFlags;
  if (Fault(kFaultMsgPeekIgnored)) flags &= ~MSG_PEEK;
  const DWORD count = Fault(kFaultMsgFirstBufferOnly) ? std::min<DWORD>(msg->dwBufferCount, 1) : msg->dwBufferCount;
  sockaddr* from = Fault(kFaultMsgNameUnstored) ? nullptr : msg->name;
  return AfterExtensionCall(Receive(s, msg->lpBuffers, count, nbytes, &flags, from, from != nullptr ? &msg->namelen : nullptr,
                              true, ov, cr, msg),
                      ov, cr, fault);
}

void Core::StoreMsgFlagsLocked(Op& op, bool truncated) {
  op.msg->dwFlags = truncated && !Fault(kFaultMsgTruncUnreported) ? MSG_TRUNC : 0;
}

int Core::WSASendMsg(SOCKET s, LPWSAMSG msg, DWORD flags, LPDWORD nbytes, LPWSAOVERLAPPED ov,
                     LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  const char* fault = kFaultSendMsgRefusedSignalsEvent;
  if (msg == nullptr) {
    SetError(WSAEFAULT);
    return AfterExtensionCall(SOCKET_ERROR, ov, cr, fault);
  }
  const DWORD count =
      Fault(kFaultSendMsgFirstBufferOnly) ? std::min<DWORD>(msg->dwBufferCount, 1) : msg->dwBufferCount;
  return AfterExtensionCall(Send(s, msg->lpBuffers, count, nbytes, flags, msg->name, msg->namelen, msg->name != nullptr, ov, cr),
                      ov, cr, fault);
}

}  // namespace wsac::mock
