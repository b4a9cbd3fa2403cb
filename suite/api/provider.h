// The Provider interface: the Winsock surface that cases and fixtures call.
//
// Every method has the name and argument list of the Winsock or Win32
// function it stands for, so case code reads as ordinary Winsock code.
// Arguments pass through untouched: a case may hand in a NULL pointer, a zero
// buffer count or an invalid handle on purpose, and a provider must answer as
// Winsock does (an error code), never crash and never "fix" the argument.
//
// Common contract for all providers:
// - Thread safety: every method may be called from any thread, concurrently.
// - Errors: a method that fails stores its error for the calling thread,
//   read by WSAGetLastError() / GetLastError() (one per-thread slot, as on
//   Windows, where the two are the same value).
// - Handles: SOCKET, WSAEVENT and port HANDLE values belong to the provider
//   that issued them; passing one provider's handle to another is undefined.
// - Completion routines are queued to the thread that initiated the
//   operation and run only inside that thread's alertable waits (SleepEx,
//   WSAWaitForMultipleEvents with fAlertable TRUE), never inside the
//   initiating call. A provider holds none of its locks while a routine runs.
// - Ownership: WSABUF arrays are captured before an initiating call returns;
//   the data buffers and the WSAOVERLAPPED stay the caller's and must stay
//   alive until the operation's indication, as on Windows.
#pragma once

#include <cstdint>
#include <string>

#include "suite/api/wsa_types.h"

namespace wsac {

// QueueUserAPC's function type and the calling thread's pseudo-handle, as
// Win32 spells them.
#if defined(_WIN32)
using ::GetCurrentThread;
using ::PAPCFUNC;
#else
using PAPCFUNC = void (*)(ULONG_PTR Parameter);
inline HANDLE GetCurrentThread() { return reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(-2)); }
#endif

class Provider {
 public:
  virtual ~Provider() = default;

  // Short name used on the command line and in results ("mock", "winsock").
  virtual std::string Name() const = 0;
  // The build under test as precisely as the provider can tell it, e.g.
  // "Wine 8.0 ws2_32" or "mock (chaos seed 7)". Expectations are keyed by it.
  virtual std::string Build() const = 0;

  // ---- creation and setup -------------------------------------------------

  // WSASocketW. dwFlags WSA_FLAG_OVERLAPPED gives an overlapped socket; without
  // it overlapped calls never pend (S3). lpProtocolInfo may choose a catalog
  // entry. Returns INVALID_SOCKET and sets the error on failure.
  virtual SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW lpProtocolInfo,
                            unsigned g, DWORD dwFlags) = 0;
  // socket(): like WSASocketW with WSA_FLAG_OVERLAPPED (S2).
  virtual SOCKET socket(int af, int type, int protocol) = 0;
  virtual int bind(SOCKET s, const sockaddr* name, int namelen) = 0;
  virtual int listen(SOCKET s, int backlog) = 0;
  // connect() on a blocking socket waits for the handshake; a non-blocking
  // one returns SOCKET_ERROR with WSAEWOULDBLOCK while it is in progress.
  virtual int connect(SOCKET s, const sockaddr* name, int namelen) = 0;
  // accept() blocks on a blocking socket until a connection is queued. The
  // new socket inherits the overlapped attribute of the listener.
  virtual SOCKET accept(SOCKET s, sockaddr* addr, int* addrlen) = 0;
  virtual int getsockname(SOCKET s, sockaddr* name, int* namelen) = 0;
  virtual int getpeername(SOCKET s, sockaddr* name, int* namelen) = 0;
  virtual int setsockopt(SOCKET s, int level, int optname, const char* optval, int optlen) = 0;
  virtual int getsockopt(SOCKET s, int level, int optname, char* optval, int* optlen) = 0;
  // FIONBIO sets the blocking mode (*argp != 0: non-blocking); FIONREAD gives
  // the bytes a receive would return now.
  virtual int ioctlsocket(SOCKET s, long cmd, u_long* argp) = 0;
  // shutdown(SD_RECEIVE|SD_SEND|SD_BOTH). Pending receives survive
  // SD_RECEIVE; later receives fail with WSAESHUTDOWN.
  virtual int shutdown(SOCKET s, int how) = 0;
  // closesocket ends every pending operation on s: each gets its completion
  // indication with a failure status, possibly after closesocket returns (S26).
  virtual int closesocket(SOCKET s) = 0;

  // ---- overlapped data transfer -------------------------------------------
  // With lpOverlapped and lpCompletionRoutine both NULL the call is a plain
  // blocking/non-blocking recv or send according to the socket's mode.
  // Otherwise, on an overlapped socket:
  //   0                              completed; its indication already happened
  //                                  (event signaled, routine queued, packet queued)
  //   SOCKET_ERROR + WSA_IO_PENDING  initiated; the indication comes later, and
  //                                  *lpNumberOfBytes* / *lpFlags are not written
  //   SOCKET_ERROR + other error     not initiated; no indication ever follows
  // With a completion routine, lpOverlapped->hEvent is the caller's to use.

  virtual int WSARecv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                      LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags, LPWSAOVERLAPPED lpOverlapped,
                      LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) = 0;
  // As WSARecv; *lpFrom / *lpFromlen are written at completion.
  virtual int WSARecvFrom(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                          LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags, sockaddr* lpFrom,
                          LPINT lpFromlen, LPWSAOVERLAPPED lpOverlapped,
                          LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) = 0;
  // The content sent is that of the buffers as posted; the provider never
  // writes into them (S12). Sends on one socket go out in call order (S21).
  virtual int WSASend(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                      LPDWORD lpNumberOfBytesSent, DWORD dwFlags, LPWSAOVERLAPPED lpOverlapped,
                      LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) = 0;
  virtual int WSASendTo(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
                        LPDWORD lpNumberOfBytesSent, DWORD dwFlags, const sockaddr* lpTo,
                        int iTolen, LPWSAOVERLAPPED lpOverlapped,
                        LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) = 0;
  // Same three-way result as the transfers (S27). lpcbBytesReturned NULL
  // gives WSAEFAULT.
  virtual int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer, DWORD cbInBuffer,
                       LPVOID lpvOutBuffer, DWORD cbOutBuffer, LPDWORD lpcbBytesReturned,
                       LPWSAOVERLAPPED lpOverlapped,
                       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) = 0;
  // fWait FALSE on a pending operation: FALSE with WSA_IO_INCOMPLETE. Done:
  // TRUE with *lpcbTransfer and *lpdwFlags, or FALSE with the operation's
  // error. fWait TRUE waits on lpOverlapped->hEvent.
  virtual BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped, LPDWORD lpcbTransfer,
                                      BOOL fWait, LPDWORD lpdwFlags) = 0;

  // ---- events and waits ---------------------------------------------------
  // WSACreateEvent gives a manual-reset, non-signaled event; failure returns
  // WSA_INVALID_EVENT.
  virtual WSAEVENT WSACreateEvent() = 0;
  virtual BOOL WSASetEvent(WSAEVENT hEvent) = 0;
  virtual BOOL WSAResetEvent(WSAEVENT hEvent) = 0;
  virtual BOOL WSACloseEvent(WSAEVENT hEvent) = 0;
  // Returns WSA_WAIT_EVENT_0 + i, WSA_WAIT_TIMEOUT, WSA_WAIT_IO_COMPLETION
  // (alertable: after running every routine queued to this thread) or
  // WSA_WAIT_FAILED.
  virtual DWORD WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT* lphEvents, BOOL fWaitAll,
                                         DWORD dwTimeout, BOOL fAlertable) = 0;
  // Returns 0 after the timeout, WAIT_IO_COMPLETION when alertable and at
  // least one queued routine ran (all queued ones run before it returns).
  virtual DWORD SleepEx(DWORD dwMilliseconds, BOOL bAlertable) = 0;
  // Queues pfnAPC(dwData) to a thread's APC queue, behind the completion
  // routines already queued there; it runs in that thread's alertable waits
  // like a routine. Non-zero on success. Providers need accept only
  // GetCurrentThread() (other handles: 0 with ERROR_INVALID_HANDLE): the
  // suite uses it as a canary, which runs only after every routine queued
  // to this thread before it.
  virtual DWORD QueueUserAPC(PAPCFUNC pfnAPC, HANDLE hThread, ULONG_PTR dwData) = 0;

  // ---- completion ports ---------------------------------------------------
  // FileHandle INVALID_HANDLE_VALUE with ExistingCompletionPort NULL creates
  // a port; a socket (AsHandle(s)) with a port associates it under
  // CompletionKey and returns the port. NULL on failure.
  virtual HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort,
                                        ULONG_PTR CompletionKey,
                                        DWORD NumberOfConcurrentThreads) = 0;
  // Dequeues one packet (FIFO). TRUE for a successful operation; FALSE with
  // *lpOverlapped set for a failed one (GetLastError its error); FALSE with
  // *lpOverlapped NULL and WAIT_TIMEOUT when none arrived in time.
  virtual BOOL GetQueuedCompletionStatus(HANDLE CompletionPort, LPDWORD lpNumberOfBytesTransferred,
                                         PULONG_PTR lpCompletionKey, LPOVERLAPPED* lpOverlapped,
                                         DWORD dwMilliseconds) = 0;
  // Queues a packet with these values on the port, behind the packets
  // already there; it is dequeued like an operation's (TRUE, as a success).
  // FALSE with the error for a handle that is not a port.
  virtual BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
                                          ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped) = 0;
  // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, FILE_SKIP_SET_EVENT_ON_HANDLE.
  virtual BOOL SetFileCompletionNotificationModes(HANDLE FileHandle, UCHAR Flags) = 0;
  // Closes a port.
  virtual BOOL CloseHandle(HANDLE hObject) = 0;

  // ---- cancellation -------------------------------------------------------
  // lpOverlapped NULL cancels every operation of the handle from any thread;
  // otherwise the one with that WSAOVERLAPPED. FALSE with ERROR_NOT_FOUND
  // when nothing matched. Cancelled operations still get their indication.
  virtual BOOL CancelIoEx(HANDLE hFile, LPOVERLAPPED lpOverlapped) = 0;
  // Cancels only the calling thread's operations on the handle.
  virtual BOOL CancelIo(HANDLE hFile) = 0;

  // ---- errors -------------------------------------------------------------
  virtual int WSAGetLastError() = 0;
  virtual void WSASetLastError(int iError) = 0;
  virtual DWORD GetLastError() = 0;

  // ---- time ---------------------------------------------------------------
  // GetTickCount64: milliseconds on the clock every timeout of this
  // interface is measured on (dwTimeout, dwMilliseconds, SO_RCVTIMEO). Real
  // providers return the machine's monotonic clock (read to the millisecond,
  // finer than ::GetTickCount64's 16 ms steps); the mock returns its clock,
  // which may be virtual (mock_model.h, "Time"). A case's deadlines read this
  // clock (suite/fixtures/deadline.h), never the machine's.
  virtual std::uint64_t GetTickCount64() = 0;

  // ---- extension functions: messages and transmit ----
  // Obtained per socket through SIO_GET_EXTENSION_FUNCTION_POINTER
  // (WSAID_WSARECVMSG, WSAID_WSASENDMSG); a failure of that ioctl is the
  // call's failure. Same three-way result as the transfers. lpMsg and what
  // it points to (name, namelen, dwFlags, Control) stay the caller's until
  // the indication: a receive writes the sender's address, namelen and
  // dwFlags (MSG_TRUNC, MSG_CTRUNC) when it completes.
  virtual int WSARecvMsg(SOCKET s, LPWSAMSG lpMsg, LPDWORD lpdwNumberOfBytesRecvd, LPWSAOVERLAPPED lpOverlapped,
                         LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) = 0;
  virtual int WSASendMsg(SOCKET Handle, LPWSAMSG lpMsg, DWORD dwFlags, LPDWORD lpNumberOfBytesSent,
                         LPWSAOVERLAPPED lpOverlapped, LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine) = 0;
  // TransmitFile (WSAID_TRANSMITFILE) and TransmitPackets
  // (WSAID_TRANSMITPACKETS), stream sockets. TRUE: completed, indicated
  // already; FALSE with WSA_IO_PENDING (ERROR_IO_PENDING): indicated later;
  // FALSE with another error: not initiated. No completion routine: an
  // event, a port or polling tells the completion. hFile NULL sends only
  // the head and tail buffers of lpTransmitBuffers.
  virtual BOOL TransmitFile(SOCKET hSocket, HANDLE hFile, DWORD nNumberOfBytesToWrite, DWORD nNumberOfBytesPerSend,
                            LPOVERLAPPED lpOverlapped, LPTRANSMIT_FILE_BUFFERS lpTransmitBuffers,
                            DWORD dwReserved) = 0;
  virtual BOOL TransmitPackets(SOCKET hSocket, LPTRANSMIT_PACKETS_ELEMENT lpPacketArray, DWORD nElementCount,
                               DWORD nSendSize, LPOVERLAPPED lpOverlapped, DWORD dwFlags) = 0;

  // ---- handles: a socket as a file handle ----
  // An IFS provider's socket is a file handle (the Socket Handles page): the
  // kernel32 file functions take it. Win32 results: BOOL with GetLastError
  // (ERROR_IO_PENDING, ERROR_IO_INCOMPLETE share their numbers with the WSA
  // codes). ReadFile and WriteFile with an OVERLAPPED follow the same
  // three-way contract as WSARecv and WSASend, without a completion routine.
  virtual DWORD GetFileType(HANDLE hFile) = 0;
  virtual BOOL ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead, LPDWORD lpNumberOfBytesRead,
                        LPOVERLAPPED lpOverlapped) = 0;
  virtual BOOL WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite, LPDWORD lpNumberOfBytesWritten,
                         LPOVERLAPPED lpOverlapped) = 0;
  virtual BOOL GetOverlappedResult(HANDLE hFile, LPOVERLAPPED lpOverlapped, LPDWORD lpNumberOfBytesTransferred,
                                   BOOL bWait) = 0;
  // Dequeues up to ulCount packets in one call: TRUE with
  // *ulNumEntriesRemoved >= 1, or FALSE (WAIT_TIMEOUT when none came).
  virtual BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort, LPOVERLAPPED_ENTRY lpCompletionPortEntries,
                                           ULONG ulCount, PULONG ulNumEntriesRemoved, DWORD dwMilliseconds,
                                           BOOL fAlertable) = 0;

  // ---- extension functions: connect ----
  // ConnectEx (WSAID_CONNECTEX), obtained per socket through
  // SIO_GET_EXTENSION_FUNCTION_POINTER; a failure of that ioctl is the
  // call's failure. s must be bound and unconnected. TRUE: connected (and
  // lpSendBuffer sent), indicated already; FALSE with ERROR_IO_PENDING:
  // indicated later; FALSE with another error: not initiated. No completion
  // routine. SO_UPDATE_CONNECT_CONTEXT afterwards makes the socket a fully
  // connected one.
  virtual BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID lpSendBuffer, DWORD dwSendDataLength,
                         LPDWORD lpdwBytesSent, LPOVERLAPPED lpOverlapped) = 0;
  // DisconnectEx (WSAID_DISCONNECTEX), the same way: closes the connection
  // gracefully (the peer sees the end of the stream after what was sent);
  // dwFlags 0 or TF_REUSE_SOCKET, dwReserved 0. Same BOOL contract.
  virtual BOOL DisconnectEx(SOCKET s, LPOVERLAPPED lpOverlapped, DWORD dwFlags, DWORD dwReserved) = 0;

  // ---- extension functions: accept ----
  // AcceptEx (WSAID_ACCEPTEX), obtained through the listening socket:
  // accepts a connection of sListenSocket into sAcceptSocket (neither bound
  // nor connected), writes the first dwReceiveDataLength bytes the client
  // sends at the start of lpOutputBuffer and the two addresses after them.
  // Same BOOL contract as ConnectEx; the indication is the listening
  // socket's (its event, its port). *lpdwBytesReceived is written only when
  // the call returns TRUE.
  virtual BOOL AcceptEx(SOCKET sListenSocket, SOCKET sAcceptSocket, PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
                        DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength, LPDWORD lpdwBytesReceived,
                        LPOVERLAPPED lpOverlapped) = 0;
  // GetAcceptExSockaddrs (WSAID_GETACCEPTEXSOCKADDRS) as the provider of
  // `s` (the listening socket) offers it: parses an AcceptEx output buffer
  // into pointers to the local and remote addresses inside it. When the
  // provider offers no such function the out-parameters are left alone.
  virtual void GetAcceptExSockaddrs(SOCKET s, PVOID lpOutputBuffer, DWORD dwReceiveDataLength,
                                    DWORD dwLocalAddressLength, DWORD dwRemoteAddressLength,
                                    sockaddr** LocalSockaddr, LPINT LocalSockaddrLength, sockaddr** RemoteSockaddr,
                                    LPINT RemoteSockaddrLength) = 0;
};

}  // namespace wsac
