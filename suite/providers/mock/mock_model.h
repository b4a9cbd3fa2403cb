// Internals of the mock provider: the pieces of the in-memory model and the
// contract each keeps. Only mock_model.cc and mock_provider.cc include this.
//
// Concurrency model: one mutex (Core::mu_) guards the whole model; every
// function named ...Locked expects it held. Waits (blocking calls, event
// waits, port dequeues, sleeps) sleep on Core::cv_ through WaitLocked, which
// is notified after every state change. Completion routines run with the
// mutex released, so a routine may call back in.
//
// Data "moves only when driven": synchronously inside the call that makes
// movement possible (a send into posted receives, a receive posted over
// buffered data). Only chaos mode delivers some indications later; those
// wait in Core::deferred_ for their due time (below), and nothing there moves
// data or draws random numbers, so a seed replays the same choices for the
// same single-threaded call sequence.
//
// ---- Time ----------------------------------------------------------------
// Every timeout of the Provider interface (dwTimeout, dwMilliseconds,
// SO_RCVTIMEO/SO_SNDTIMEO) and every chaos due time is measured on the
// mock's clock, which GetTickCount64 reads. Two clocks (MockOptions::clock):
//
// Virtual (the default on Linux). The clock stands still while anything in
// the process can still happen, and jumps to the earliest wake-up when
// nothing can: a quiet window of 100 ms that ends without an indication costs
// no real time, and ends exactly where it would have ended in real time.
// The clock advances only inside WaitLocked, when all of this holds:
//   1. every thread registered with the model (below) that is inside the
//      model waits in WaitLocked, its condition false and its deadline ahead;
//   2. no thread is about to act in the model: entering it, coming back
//      from a completion routine, leaving it at thread exit (all blocked on
//      mu_; Core::arriving_ counts them);
//   3. every other thread of the process, registered or not, is blocked in
//      the kernel and did not run while the ThreadProbe looked (thread_probe.h):
//      a thread computing, or runnable and not yet scheduled, holds the clock;
//      a thread blocked outside the mock (std::thread::join, a future, a
//      condition variable, a mutex) does not;
//   4. something is scheduled: the earliest of the waiters' deadlines and the
//      chaos due times. The clock jumps there, due indications are given,
//      and every waiter re-checks.
// Rule 3 is "nothing else can happen": a thread blocked outside the mock can
// only be woken by a thread that runs (there is none), by the mock (which
// is what waits), or by a real-time timeout outside the provider, which the
// suite's rules forbid (docs/writing-cases.md, "Timing"). Letting a blocked
// thread hold the clock instead would turn every join, future or condition
// variable that waits for a thread with a deadline in the mock into a
// deadlock (a case waiting on a condition variable while its worker keeps a
// quiet window in the mock would never see the window end), and would give
// a different result than real time for nothing. The cost of rule 3: a
// real-time timeout outside the provider is the one thing the virtual clock
// cannot honour. It costs its full real time, and when it is shorter than a
// deadline in the mock that it expects to be still running, the mock's
// deadline passes first. Cases must hand results back through provider
// events instead.
//   Registration: a thread is registered at its first call into the model
// (any method; reading the clock counts) and leaves at its exit (the
// thread-exit hook). Until its first call it is seen only through rule 3:
// a thread just started is runnable, so it holds the clock until it calls in
// or blocks. A thread that never calls in holds the clock while it runs and
// is ignored while it is blocked.
//   Chaos: the worker of the real clock is not a thread here but part of the
// model: a deferred indication is due at (its call's time + its drawn delay),
// and is given when the clock reaches that time (rule 4), or at the next
// call into the model when its delay was 0. Its delay is drawn exactly as
// with the real clock, so a seed makes the same choices under both clocks.
//   Determinism: with one thread, or threads that hand over to each other
// through the provider, every wait ends at the same virtual time on every
// run, so a chaos seed replays its choices and also when each indication
// arrives relative to the case's calls. This rests on rules 2 and 3 being
// exact: the thread that advances the clock holds only mu_ (and the probe
// allocates nothing), so a thread the probe sees blocked is not blocked on
// the prober; and every lock of mu_ outside a wait counts as arriving.
//   Deadlock: when every thread waits and nothing is scheduled (every wait
// in the model is INFINITE), nothing can ever happen. The model says so on
// stderr (and through SetMockStallReporter) after a second of real time, and
// the runner's case watchdog, which keeps real time, ends the case as TIMEOUT.
// There is no real-time fallback: the clock never moves because real time
// passed.
//
// Real (the default elsewhere; WSAC_MOCK_CLOCK=real chooses it on Linux).
// The machine's steady clock; a chaos worker thread gives deferred
// indications at their due time. Windows targets have no ThreadProbe, so
// rule 3 cannot see threads outside the model there; the virtual clock
// forced on without one (MockClock::kVirtual) lets a registered thread
// outside the model hold the clock, blocked or not, and cannot see a thread
// that has not called in.
#pragma once

#include <atomic>
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
#include "suite/providers/mock/thread_probe.h"

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

// A thread waiting in WaitLocked: what it waits for, so that another thread
// can tell whether it would wake (rule 1 of "Time").
struct WaitSpec {
  std::uint64_t deadline_us;  // on the mock's clock; kForever: none
  const char* what;           // the waiting call, for the deadlock report
  bool (*ready)(const void* condition);
  const void* condition;
  bool Ready() const { return ready(condition); }
};

// A thread registered with the model: at its first call, until its exit.
struct ThreadRecord {
  std::deque<Apc> apcs;               // routines queued to it
  const WaitSpec* waiting = nullptr;  // set while it waits in WaitLocked
  long os_tid = 0;                    // for the ThreadProbe
};

// ---- operation records ----------------------------------------------------
enum class OpKind { kRecv, kSend, kIoctl, kAccept };

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

  // WSARecvMsg: the caller's WSAMSG, whose dwFlags the completion writes.
  LPWSAMSG msg = nullptr;

  // AcceptEx (kAccept, queued on the listening socket): the socket to
  // accept into (the connection's socket once accepted) and the output
  // buffer's layout.
  std::shared_ptr<Socket> accept_into;
  bool accepted = false;
  char* accept_out = nullptr;
  DWORD accept_recv_len = 0;
  DWORD accept_local_len = 0;
  // An internal op whose result is also another op's: AcceptEx's first
  // receive completes the AcceptEx.
  std::shared_ptr<Op> then;

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
  // Stops and joins the chaos worker (real clock) and breaks reference
  // cycles between sockets and operations. Called once by the provider's
  // destructor; no call may be in progress.
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
              LPINT fromlen, bool is_from, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr,
              LPWSAMSG msg = nullptr);
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
  // Milliseconds on the mock's clock (see "Time").
  std::uint64_t GetTickCount64();

  // Thread-exit hook: cancels the exiting thread's pending operations on
  // sockets not associated with a port, drops its queued routines and its
  // registration (the clock no longer waits for it).
  void OnThreadExit(std::thread::id id);

 private:
  using Lock = std::unique_lock<std::mutex>;
  using Clock = std::chrono::steady_clock;
  static constexpr std::uint64_t kForever = ~std::uint64_t{0};

  // Every public call starts here: takes mu_ through LockArriving, registers
  // the thread, and gives chaos indications whose delay was 0.
  Lock Enter();
  // Every lock of mu_ outside a wait goes through these: the thread counts
  // as arriving while it is blocked on mu_ (rule 2 of "Time"), for it is
  // about to act. (A thread waiting in WaitLocked re-locks inside cv_; its
  // WaitSpec says whether it would act.)
  Lock LockArriving();
  void RelockArriving(Lock& lk);

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
  void WorkerLoop();  // real clock only

  // ---- the clock ("Time") ----
  std::uint64_t NowUsLocked() const;
  // Now plus ms; kForever for INFINITE.
  std::uint64_t DeadlineAfterLocked(DWORD ms) const;
  Clock::time_point RealTimeOf(std::uint64_t us) const;  // real clock only
  // Blocks the calling thread until ready() or deadline_us; returns ready().
  // The only place a thread waits in the model, and the only place the
  // virtual clock advances.
  template <typename Ready>
  bool WaitLocked(Lock& lk, std::uint64_t deadline_us, const char* what, const Ready& ready);
  enum class Advance {
    kAdvanced,          // the clock moved (or due indications were given)
    kSomethingRuns,     // a thread may still act: ask again soon
    kNothingScheduled,  // all wait, none with a deadline: only a call can help
  };
  Advance TryAdvanceLocked();
  void DeliverDueLocked();  // virtual clock: deferred indications now due
  void ReportDeadlockLocked(Lock& lk);

  // Aborts matching not-yet-done async ops of s with error/status (995 by
  // default). Returns how many matched.
  template <typename Pred>
  int AbortOpsLocked(const SocketPtr& s, Pred pred, int error, DWORD status);
  void AbortForCloseLocked(const SocketPtr& s);

  // Registers the calling thread (clock, APCs, thread-exit hook).
  void RegisterThreadLocked();
  bool HasApcsLocked() const { return HasApcsForLocked(std::this_thread::get_id()); }
  bool HasApcsForLocked(std::thread::id id) const;
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
  const std::unique_ptr<ThreadProbe> probe_;  // virtual clock: rule 3; else unused
  const bool virtual_clock_;
  const Clock::time_point started_ = Clock::now();  // real clock's origin

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
  std::unordered_map<std::thread::id, ThreadRecord> threads_;

  // virtual clock
  std::uint64_t now_us_;
  std::atomic<int> arriving_{0};
  std::vector<long> quiet_tids_;  // TryAdvanceLocked's scratch
  std::uint64_t deadlock_reported_at_ = kForever;

  // chaos: deferred indications by due time on the mock's clock (µs); the
  // worker thread gives them with the real clock, the clock with the virtual.
  std::multimap<std::uint64_t, OpPtr> deferred_;
  std::condition_variable worker_cv_;
  std::thread worker_;
  bool stopping_ = false;

  // ---- extension functions: messages and transmit (model_msg.cc, model_transmit.cc) ----
 public:
  int WSARecvMsg(SOCKET s, LPWSAMSG msg, LPDWORD nbytes, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr);
  int WSASendMsg(SOCKET s, LPWSAMSG msg, DWORD flags, LPDWORD nbytes, LPWSAOVERLAPPED ov,
                 LPWSAOVERLAPPED_COMPLETION_ROUTINE cr);
  BOOL TransmitFile(SOCKET s, HANDLE file, DWORD bytes, DWORD per_send, LPOVERLAPPED ov,
                    LPTRANSMIT_FILE_BUFFERS buffers, DWORD reserved);
  BOOL TransmitPackets(SOCKET s, LPTRANSMIT_PACKETS_ELEMENT packets, DWORD count, DWORD send_size, LPOVERLAPPED ov,
                       DWORD flags);

 private:
  // A WSARecvMsg's datagram placed: writes lpMsg->dwFlags (MSG_TRUNC).
  void StoreMsgFlagsLocked(Op& op, bool truncated);
  // An extension function's call ended (ret, the error just set): a model
  // fault may mishandle a refusal of ov; returns ret with the error as it was.
  int AfterExtensionCall(int ret, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr, const char* fault);

  // ---- handles: a socket as a file handle (model_file.cc) ----
 public:
  DWORD GetFileType(HANDLE file);
  BOOL ReadFile(HANDLE file, LPVOID buf, DWORD len, LPDWORD read, LPOVERLAPPED ov);
  BOOL WriteFile(HANDLE file, LPCVOID buf, DWORD len, LPDWORD written, LPOVERLAPPED ov);
  BOOL GetOverlappedResult(HANDLE file, LPOVERLAPPED ov, LPDWORD transferred, BOOL wait);
  // ---- handles and port accounting (beside GetQueuedCompletionStatus) ----
  BOOL GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries, ULONG count, PULONG removed, DWORD ms,
                                   BOOL alertable);

  // ---- extension functions: connect (model_connect.cc) ----
  BOOL ConnectEx(SOCKET s, const sockaddr* name, int namelen, PVOID send, DWORD send_len, LPDWORD sent,
                 LPOVERLAPPED ov);
  BOOL DisconnectEx(SOCKET s, LPOVERLAPPED ov, DWORD flags, DWORD reserved);

  // ---- extension functions: accept (model_accept.cc) ----
  BOOL AcceptEx(SOCKET listen_s, SOCKET accept_s, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len,
                LPDWORD received, LPOVERLAPPED ov);
  void GetAcceptExSockaddrs(SOCKET s, PVOID out, DWORD recv_len, DWORD local_len, DWORD remote_len, sockaddr** local,
                            LPINT local_size, sockaddr** remote, LPINT remote_size);

 private:
  // Hands queued connections of a listener to its pending AcceptEx calls,
  // oldest first.
  void AcceptPendingLocked(const SocketPtr& listener);
  // The accept socket of pending AcceptEx calls was closed: they fail.
  void AbortAcceptsIntoLocked(const SocketPtr& accept_socket);
  // DisconnectEx with TF_REUSE_SOCKET: the handle gets a fresh socket.
  void ReuseSocketLocked(const SocketPtr& s);
};

}  // namespace wsac::mock
