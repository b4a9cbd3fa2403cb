// TransmitFile and TransmitPackets over the model's send: the head and tail
// buffers, or the memory elements, become one send of their bytes in order,
// so a stream peer receives them as TransmitFile's page orders them (head,
// file, tail) and the operation is indicated like any send. The mock has no
// files: a non-NULL hFile and file elements are refused (ERROR_INVALID_HANDLE,
// WSAEOPNOTSUPP); TransmitFile on a datagram socket is refused; TransmitFile flags (TF_DISCONNECT, TF_REUSE_SOCKET, ...)
// are not modelled (WSAEOPNOTSUPP).
#include <vector>

#include "suite/providers/mock/mock_model.h"
#include "suite/providers/mock/model_msg.h"

namespace wsac::mock {

BOOL Core::TransmitFile(SOCKET s, HANDLE file, DWORD bytes, DWORD per_send, LPOVERLAPPED ov,
                        LPTRANSMIT_FILE_BUFFERS buffers, DWORD reserved) {
  (void)bytes;
  (void)per_send;
  const char* fault = kFaultTransmitFileRefusalSignalsEvent;
  if (file != nullptr) {
    SetError(ERROR_INVALID_HANDLE);
    return AfterExtensionCall(SOCKET_ERROR, ov, nullptr, fault) == 0;
  }
  // The page names no error for a socket that is not connection-oriented;
  // the mock answers WSAEOPNOTSUPP.
  int type = 0, type_len = sizeof type;
  if (getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &type_len) == 0 && type != SOCK_STREAM &&
      !Fault(kFaultTransmitFileDatagramSent)) {
    SetError(WSAEOPNOTSUPP);
    return AfterExtensionCall(SOCKET_ERROR, ov, nullptr, fault) == 0;
  }
  if (reserved != 0) {
    SetError(WSAEOPNOTSUPP);
    return AfterExtensionCall(SOCKET_ERROR, ov, nullptr, fault) == 0;
  }
  std::vector<WSABUF> parts;
  if (buffers != nullptr) {
    WSABUF head{buffers->HeadLength, static_cast<CHAR*>(buffers->Head)};
    WSABUF tail{buffers->TailLength, static_cast<CHAR*>(buffers->Tail)};
    if (Fault(kFaultTransmitFileTailFirst)) std::swap(head, tail);
    if (head.len != 0) parts.push_back(head);
    if (tail.len != 0) parts.push_back(tail);
  }
  // An empty send still goes through the model, as a zero-length one.
  static char nothing = 0;
  if (parts.empty()) parts.push_back(WSABUF{0, &nothing});
  DWORD sent = 0;
  int ret = Send(s, parts.data(), static_cast<DWORD>(parts.size()), &sent, 0, nullptr, 0, false, ov, nullptr);
  return AfterExtensionCall(ret, ov, nullptr, fault) == 0;
}

BOOL Core::TransmitPackets(SOCKET s, LPTRANSMIT_PACKETS_ELEMENT packets, DWORD count, DWORD send_size,
                           LPOVERLAPPED ov, DWORD flags) {
  (void)send_size;
  const char* fault = kFaultTransmitPacketsRefusalSignalsEvent;
  if (flags != 0) {
    SetError(WSAEOPNOTSUPP);
    return AfterExtensionCall(SOCKET_ERROR, ov, nullptr, fault) == 0;
  }
  if (packets == nullptr && count != 0) {
    SetError(WSAEFAULT);
    return AfterExtensionCall(SOCKET_ERROR, ov, nullptr, fault) == 0;
  }
  std::vector<WSABUF> parts;
  for (DWORD i = 0; i < count; ++i) {
    const TRANSMIT_PACKETS_ELEMENT& e = packets[i];
    const ULONG kind = e.dwElFlags & (TP_ELEMENT_MEMORY | TP_ELEMENT_FILE);
    if (kind != TP_ELEMENT_MEMORY && kind != TP_ELEMENT_FILE) {
      SetError(WSAEINVAL);
      return AfterExtensionCall(SOCKET_ERROR, ov, nullptr, fault) == 0;
    }
    if (kind == TP_ELEMENT_FILE) {
      SetError(WSAEOPNOTSUPP);
      return AfterExtensionCall(SOCKET_ERROR, ov, nullptr, fault) == 0;
    }
    if (e.cLength != 0) parts.push_back(WSABUF{e.cLength, static_cast<CHAR*>(e.pBuffer)});
  }
  if (Fault(kFaultTransmitPacketsLastDropped) && parts.size() > 1) parts.pop_back();
  // An empty send still goes through the model, as a zero-length one.
  static char nothing = 0;
  if (parts.empty()) parts.push_back(WSABUF{0, &nothing});
  DWORD sent = 0;
  int ret = Send(s, parts.data(), static_cast<DWORD>(parts.size()), &sent, 0, nullptr, 0, false, ov, nullptr);
  return AfterExtensionCall(ret, ov, nullptr, fault) == 0;
}

}  // namespace wsac::mock
