// Internals of the mock provider: the pieces of the in-memory model and the
// contract each keeps. Only mock_model.cc and mock_provider.cc include this.
//
// Concurrency model: one mutex (Core::mu_) guards the whole model; every
// function named ...Locked expects it held. Waits (blocking calls, event
// waits, port dequeues, alertable sleeps) sleep on Core::cv_, which is
// notified after every state change. Completion routines and the thread's
// own sleeping run with the mutex released, so a routine may call back in.
//
// Time: "moves only when driven". Data moves synchronously inside the call
// that makes movement possible (a send into posted receives, a receive
// posted over buffered data). Only chaos mode adds a worker thread, and that
// worker only delivers indications that were deferred; it never moves data
// or draws random numbers, so a seed replays the same choices for the same
// single-threaded call sequence.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "suite/api/wsa_types.h"
#include "suite/providers/mock/mock_provider.h"

namespace wsac::mock {

// ---- fault switches (MockOptions::faults) ---------------------------------
// Each breaks one statement on purpose; see MockFaultNames().
inline constexpr const char kFaultRcvbuf0StreamDrops[] = "rcvbuf0-stream-drops";  // S10
inline constexpr const char kFaultRcvbuf0DgramKeeps[] = "rcvbuf0-dgram-keeps";    // S11
inline constexpr const char kFaultNoBuffering[] = "no-buffering";                 // S9
inline constexpr const char kFaultClosesocketLeavesPending[] = "closesocket-leaves-pending";  // S26
inline constexpr const char kFaultStreamWaitsToFill[] = "stream-waits-to-fill";  // S17: every receive acts as MSG_WAITALL
inline constexpr const char kFaultDatagramTruncationKeepsRest[] = "datagram-truncation-keeps-rest";  // DGRAM-2

// Win32 error not in wsa_types.h: a port closed under a waiting dequeue.
inline constexpr int kErrorAbandonedWait0 = 735;

// ---- addresses ------------------------------------------------------------
// An endpoint of the mock network. ip holds 4 (AF_INET) or 16 (AF_INET6)
// bytes in network order; port is in host order. Only loopback and the
// wildcard exist on this network.
struct Endpoint {
  int af = 0;
  std::uint8_t ip[16] = {};
  std::uint16_t port = 0;

  bool IsAny() const;
  bool IsLoopback() const;
  bool SameIp(const Endpoint& other) const;
  static Endpoint Loopback(int af, std::uint16_t port);
};

// The sockaddr size of a family (sockaddr_in or sockaddr_in6).
int SockaddrLen(int af);
// Reads a sockaddr of family af. 0, or WSAEFAULT (NULL, short length) or
// WSAEAFNOSUPPORT (another family). Never reads past namelen.
int DecodeSockaddr(const sockaddr* name, int namelen, int af, Endpoint* out);
// Writes ep into name. 0 and *namelen set to the size written, or WSAEFAULT
// (NULL pointers, *namelen too small) leaving both untouched.
int EncodeSockaddr(const Endpoint& ep, sockaddr* name, int* namelen);

// ---- byte queue -----------------------------------------------------------
// FIFO of bytes: stream receive and send buffers. Amortised O(1) append/drop.
class ByteQueue {
 public:
  std::size_t size() const { return data_.size() - head_; }
  bool empty() const { return size() == 0; }
  void Append(const char* p, std::size_t n);
  // Copies n bytes starting offset bytes from the front into dst; the caller
  // guarantees offset + n <= size().
  void CopyOut(std::size_t offset, char* dst, std::size_t n) const;
  void Drop(std::size_t n);  // n <= size()
  void MoveTo(ByteQueue& to, std::size_t n);  // n <= size(); keeps order
  void Clear();

 private:
  std::vector<char> data_;
  std::size_t head_ = 0;
};

struct Datagram {
  std::vector<char> data;
  Endpoint from;
};

struct Socket;

// ---- events and ports -----------------------------------------------------
// A manual-reset event. Held by shared_ptr so a wait started before
// WSACloseEvent keeps a valid object, as a Windows wait keeps the handle.
struct Event {
  bool signaled = false;
};

struct Packet {
  DWORD bytes = 0;
  ULONG_PTR key = 0;
  LPOVERLAPPED ov = nullptr;
  int error = 0;  // 0: dequeued with TRUE; else FALSE and this error
};

// A completion port: packets in FIFO order. closed wakes and fails waiters.
struct Port {
  std::deque<Packet> packets;
  bool closed = false;
};

// A completion routine call waiting for its thread's next alertable wait,
// or a QueueUserAPC function (user != nullptr) queued among them.
struct Apc {
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine = nullptr;
  DWORD error = 0;
  DWORD bytes = 0;
  LPWSAOVERLAPPED ov = nullptr;
  DWORD flags = 0;
  PAPCFUNC user = nullptr;
  ULONG_PTR user_data = 0;
};

// ---- operation records ----------------------------------------------------
enum class OpKind { kRecv, kSend, kIoctl };

// One receive, send or ioctl from initiation until its indication.
// Kinds of records:
// - async (may_pend): an overlapped call on an overlapped socket. Returns 0
//   (done at once, indicated before the call returns) or WSA_IO_PENDING
//   (pended; indicated later). Gets an indication on success and failure.
// - synchronous with a WSAOVERLAPPED (indicate, !may_pend): the call waits or
//   fails like a plain call (S3) and, on success only, still indicates.
// - internal (!indicate): a plain blocking call's wait handle; never indicated.
// State moves: queued on its socket → done (result fixed, data moved) →
// indicated (OVERLAPPED written, event/routine/packet given). The caller's
// WSAOVERLAPPED is written only at indication, so Internal reads
// STATUS_PENDING until then.
struct Op {
  OpKind kind = OpKind::kRecv;
  std::shared_ptr<Socket> sock;
  LPWSAOVERLAPPED ov = nullptr;
  LPWSAOVERLAPPED_COMPLETION_ROUTINE routine = nullptr;
  std::thread::id thread;  // initiating thread: APC target, CancelIo, thread exit
  bool indicate = false;
  bool may_pend = false;
  bool pended = false;  // the initiating call returned WSA_IO_PENDING
  bool defer = false;   // chaos: indication handed to the worker
  bool done = false;
  bool indicated = false;

  // receive: captured WSABUF array, bytes placed so far, result flags.
  std::vector<WSABUF> bufs;
  std::size_t capacity = 0;
  std::size_t filled = 0;
  DWORD in_flags = 0;
  DWORD out_flags = 0;
  sockaddr* from = nullptr;
  int* fromlen = nullptr;

  // send: the content as posted (S12), and how much of it left the op.
  std::vector<char> data;
  std::size_t moved = 0;

  // ioctl
  DWORD code = 0;

  // result
  int error = 0;
  DWORD status = STATUS_PENDING;
  DWORD bytes = 0;
};
using OpPtr = std::shared_ptr<Op>;

// ---- sockets --------------------------------------------------------------
// A socket's whole state. Stream data flows
//   sender.sends (pending send ops, in order) → sender.sndq (≤ SO_SNDBUF)
//   → receiver.rcvq (≤ SO_RCVBUF plus the room of posted receives)
//   → receiver.recvs (posted receive ops, filled in order)
// so sends are transmitted and receives filled in supplied order (S21, S23)
// whatever the completion order. A socket closed gracefully with data still
// in sndq lives on (closed, no handle) until the peer has taken that data.
struct Socket {
  SOCKET handle = 0;  // 0 until accept() hands a queued connection out
  int af = 0;
  int type = 0;
  int protocol = 0;
  bool overlapped = true;
  bool nonblocking = false;
  bool closed = false;

  bool bound = false;
  Endpoint local;
  bool has_remote = false;  // stream: connected (stays true after a reset); dgram: default peer
  Endpoint remote;

  bool listening = false;
  std::size_t backlog = 0;
  std::deque<std::shared_ptr<Socket>> accept_q;

  int rcvbuf = 65536;
  int sndbuf = 65536;
  linger lin{0, 0};
  bool reuseaddr = false;
  bool keepalive = false;
  bool nodelay = false;
  DWORD rcvtimeo = 0;
  DWORD sndtimeo = 0;

  bool rd_shut = false;
  bool wr_shut = false;

  // stream
  std::shared_ptr<Socket> peer;  // cut on reset, and when both ends are closed
  ByteQueue rcvq;
  ByteQueue sndq;
  bool fin_in = false;  // the peer's FIN arrived: end of data after rcvq
  bool reset = false;   // the connection was reset

  // datagram
  std::deque<Datagram> dgq;
  std::size_t dgq_bytes = 0;

  std::deque<OpPtr> recvs;
  std::deque<OpPtr> sends;
  std::deque<OpPtr> ioctls;

  std::shared_ptr<Port> port;
  ULONG_PTR key = 0;
  UCHAR notify_modes = 0;
};
using SocketPtr = std::shared_ptr<Socket>;

// ---- the model ------------------------------------------------------------
// Core implements the Provider surface; MockProvider forwards to it. It is
// held by shared_ptr so thread-exit hooks (weak_ptr) can reach it safely.
class Core : public std::enable_shared_from_this<Core> {
 public:
  explicit Core(const MockOptions& options);
  ~Core();
  // Stops and joins the chaos worker and breaks reference cycles between
  // sockets and operations. Called once by the provider's destructor; no
  // call may be in progress.
  void Shutdown();

  std::string Build() const;

  SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g, DWORD flags);
  int bind(SOCKET s, const sockaddr* name, int namelen);
  int listen(SOCKET s, int backlog);
  int connect(SOCKET s, const sockaddr* name, int namelen);
  SOCKET accept(SOCKET s, sockaddr* addr, int* addrlen);
  int getsockname(SOCKET s, sockaddr* name, int* namelen);
  int getpeername(SOCKET s, sockaddr* name, int* namelen);
  int setsockopt(SOCKET s, int level, int optname, const char* optval, int optlen);
  int getsockopt(SOCKET s, int level, int optname, char* optval, int* optlen);
  int ioctlsocket(SOCKET s, long cmd, u_long* argp);
  int shutdown(SOCKET s, int how);
  int closesocket(SOCKET s);

  // WSARecv (from == fromlen == NULL, is_from false) and WSARecvFrom.
  int Receive(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD nbytes, LPDWORD flags, sockaddr* from,
              LPINT fromlen, bool is_from, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr);
  // WSASend (to NULL, is_to false) and WSASendTo.
  int Send(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD nbytes, DWORD flags, const sockaddr* to,
           int tolen, bool is_to, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr);
  int WSAIoctl(SOCKET s, DWORD code, LPVOID in, DWORD cb_in, LPVOID out, DWORD cb_out, LPDWORD returned,
               LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr);
  BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED ov, LPDWORD transfer, BOOL wait, LPDWORD flags);

  WSAEVENT WSACreateEvent();
  BOOL WSASetEvent(WSAEVENT e);
  BOOL WSAResetEvent(WSAEVENT e);
  BOOL WSACloseEvent(WSAEVENT e);
  DWORD WSAWaitForMultipleEvents(DWORD count, const WSAEVENT* events, BOOL wait_all, DWORD timeout,
                                 BOOL alertable);
  DWORD SleepEx(DWORD ms, BOOL alertable);
  DWORD QueueUserAPC(PAPCFUNC fn, HANDLE thread, ULONG_PTR data);

  HANDLE CreateIoCompletionPort(HANDLE file, HANDLE existing, ULONG_PTR key, DWORD threads);
  BOOL GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key, LPOVERLAPPED* ov, DWORD ms);
  BOOL PostQueuedCompletionStatus(HANDLE port, DWORD bytes, ULONG_PTR key, LPOVERLAPPED ov);
  BOOL SetFileCompletionNotificationModes(HANDLE file, UCHAR flags);
  BOOL CloseHandle(HANDLE h);
  BOOL CancelIoEx(HANDLE h, LPOVERLAPPED ov);
  BOOL CancelIo(HANDLE h);

  int GetError();
  void SetError(int error);

  // Thread-exit hook: cancels the exiting thread's pending operations on
  // sockets not associated with a port and drops its queued routines.
  void OnThreadExit(std::thread::id id);

 private:
  using Lock = std::unique_lock<std::mutex>;
  using Clock = std::chrono::steady_clock;

  bool Fault(const char* name) const { return faults_.count(name) != 0; }
  bool ChaosCoin(double p);  // false outside chaos mode

  // Handles table. One value space for sockets, events and ports; values
  // are multiples of 4 (the low bit of an hEvent has a meaning) and never
  // reused, so a stale handle is unknown rather than someone else's.
  std::uintptr_t NewHandleLocked();
  SocketPtr FindSocketLocked(SOCKET s) const;
  std::shared_ptr<Event> FindEventLocked(HANDLE h) const;

  // Ports/binding.
  std::uint16_t EphemeralPortLocked(int type, int af);
  bool PortInUseLocked(const Socket& self, const Endpoint& ep) const;
  void AutoBindLocked(Socket& s, const Endpoint* toward);
  SocketPtr FindListenerLocked(const Endpoint& to) const;
  SocketPtr FindDatagramTargetLocked(const Endpoint& to) const;

  // Data movement. Each completes the ops it can through CompleteLocked.
  void PumpLocked(const SocketPtr& s);  // both directions of a stream, or a datagram socket's queue
  void PumpStreamLocked(SocketPtr tx, SocketPtr rx);  // by value: a reset may drop the links
  std::size_t StreamRoomLocked(const Socket& tx) const;  // bytes a new send could hand over now
  void DeliverDatagramLocked(const Socket& tx, const Endpoint& to, std::vector<char> data);
  void FillFromDatagramLocked(const OpPtr& op, const Datagram& dg);
  void ResetLocked(const SocketPtr& s);  // RST arrived: fails pending I/O, discards buffers
  void UnlinkLocked(const SocketPtr& s);

  // Completion dispatch. CompleteLocked fixes an op's result (and in chaos
  // may mark its indication deferred) and adds it to the batch; FlushLocked
  // indicates the batch (shuffled in chaos: S22, S24) or hands deferred ones
  // to the worker. Every public call flushes before it returns, so an op
  // done inside a call is indicated before that call returns (S14, S15).
  void CompleteLocked(const OpPtr& op, int error, DWORD status, DWORD bytes);
  void FlushLocked();
  void IndicateLocked(Op& op);
  void SetEventLocked(std::uintptr_t h, bool value);
  void ScheduleLocked(const OpPtr& op);
  void WorkerLoop();

  // Aborts matching not-yet-done async ops of s with error/status (995 by
  // default). Returns how many matched.
  template <typename Pred>
  int AbortOpsLocked(const SocketPtr& s, Pred pred, int error, DWORD status);
  void AbortForCloseLocked(const SocketPtr& s);

  // Registers the calling thread for APCs and the thread-exit hook.
  void RegisterThreadLocked();
  bool HasApcsLocked() const;
  // Runs the calling thread's routines, lock released while each runs,
  // until its queue stays empty. true if any ran.
  bool RunApcs(Lock& lk);

  // Finishes an initiating call whose op is queued: decides 0 / pending /
  // error, waits for synchronous blocking calls, writes out-params.
  // Returns 0 or SOCKET_ERROR with the thread's error set.
  int FinishCallLocked(Lock& lk, const OpPtr& op, std::deque<OpPtr>& queue, LPDWORD nbytes,
                       LPDWORD flags, DWORD timeout_ms);
  bool WaitOpLocked(Lock& lk, const OpPtr& op, DWORD timeout_ms);

  int Fail(int error) {
    SetError(error);
    return SOCKET_ERROR;
  }
  template <typename T>
  T FailWith(int error, T result) {
    SetError(error);
    return result;
  }

  const std::uint64_t serial_;
  const std::set<std::string> faults_;
  const std::optional<std::uint64_t> chaos_seed_;
  std::mt19937_64 rng_;

  mutable std::mutex mu_;
  std::condition_variable cv_;

  std::uintptr_t next_handle_ = 0x1000;
  std::unordered_map<std::uintptr_t, SocketPtr> sockets_;
  std::unordered_set<std::uintptr_t> retired_sockets_;
  std::vector<std::weak_ptr<Socket>> all_sockets_;  // for Shutdown's cycle breaking
  std::unordered_map<std::uintptr_t, std::shared_ptr<Event>> events_;
  std::unordered_map<std::uintptr_t, std::shared_ptr<Port>> ports_;
  std::uint16_t next_ephemeral_ = 49152;

  std::vector<OpPtr> batch_;
  std::unordered_set<std::thread::id> threads_;
  std::unordered_map<std::thread::id, std::deque<Apc>> apcs_;

  // chaos worker
  std::multimap<Clock::time_point, OpPtr> deferred_;
  std::condition_variable worker_cv_;
  std::thread worker_;
  bool stopping_ = false;
};

}  // namespace wsac::mock
