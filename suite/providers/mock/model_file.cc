// The mock's sockets as file handles: the kernel32 file functions on a
// socket reach the model's receive and send, as an IFS provider's sockets
// reach AFD through NtReadFile / NtWriteFile. ReadFile is a receive of one
// buffer with no flags, WriteFile a send of one buffer; GetOverlappedResult
// reads the OVERLAPPED as WSAGetOverlappedResult does. Anything that is not
// one of the model's sockets is an invalid handle.
#include <cstdint>

#include "suite/providers/mock/mock_model.h"

namespace wsac::mock {
namespace {

SOCKET AsSocket(HANDLE file) { return static_cast<SOCKET>(reinterpret_cast<std::uintptr_t>(file)); }

}  // namespace

DWORD Core::GetFileType(HANDLE file) {
  int type = 0, type_len = sizeof type;
  if (getsockopt(AsSocket(file), SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &type_len) != 0) {
    SetError(ERROR_INVALID_HANDLE);
    return FILE_TYPE_UNKNOWN;
  }
  SetError(0);
  return FILE_TYPE_PIPE;
}

BOOL Core::ReadFile(HANDLE file, LPVOID buf, DWORD len, LPDWORD read, LPOVERLAPPED ov) {
  WSABUF one{len, static_cast<CHAR*>(buf)};
  DWORD flags = 0;
  DWORD count = 0;
  const int ret = Receive(AsSocket(file), &one, 1, &count, &flags, nullptr, nullptr, false, ov, nullptr);
  if (ret != 0) {
    if (GetError() == WSAENOTSOCK) SetError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  if (read != nullptr) *read = count;
  return TRUE;
}

BOOL Core::WriteFile(HANDLE file, LPCVOID buf, DWORD len, LPDWORD written, LPOVERLAPPED ov) {
  WSABUF one{len, const_cast<CHAR*>(static_cast<const CHAR*>(buf))};
  DWORD count = 0;
  const int ret = Send(AsSocket(file), &one, 1, &count, 0, nullptr, 0, false, ov, nullptr);
  if (ret != 0) {
    if (GetError() == WSAENOTSOCK) SetError(ERROR_INVALID_HANDLE);
    return FALSE;
  }
  if (written != nullptr) *written = count;
  return TRUE;
}

BOOL Core::GetOverlappedResult(HANDLE file, LPOVERLAPPED ov, LPDWORD transferred, BOOL wait) {
  DWORD flags = 0;
  const BOOL ok = WSAGetOverlappedResult(AsSocket(file), ov, transferred, wait, &flags);
  if (!ok && GetError() == WSAENOTSOCK) SetError(ERROR_INVALID_HANDLE);
  return ok;
}

}  // namespace wsac::mock
