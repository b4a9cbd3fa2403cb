// The mock's model: see mock_model.h for the pieces and their contracts.
//
// Choices the statements leave open, as the mock makes them (deterministic
// mode; chaos mode randomises the first four):
// - An overlapped call that can complete inside the call returns 0.
// - Completions found together are indicated in the order they were found.
// - A stream receive takes all the data present, up to its buffers.
// - A datagram that does not fit an overlapped receive present at the call:
//   the call returns WSA_IO_PENDING and the indication (already given when
//   the call returns) carries WSAEMSGSIZE, STATUS_BUFFER_OVERFLOW and
//   MSG_PARTIAL, so S16/S18 hold for truncation too. Chaos mode may instead
//   fail the call with WSAEMSGSIZE after the indication (DGRAM-10).
// - One error code per operation for every mechanism (Windows maps some
//   NTSTATUS values differently per path; the mock does not): 995 for
//   close/cancel/thread exit, 64 for a pending receive or send hit by a
//   reset, WSAEMSGSIZE for truncation.
// - WSAGetOverlappedResult on failure sets *lpcbTransfer to the bytes
//   transferred (as Windows does) rather than leaving it untouched.
// - A blocking call ended by closesocket from another thread fails WSAEINTR.
// - FIONREAD on a datagram socket gives all queued bytes (as Windows documents).
// - Immediate ioctls (FIONBIO, FIONREAD) never pend; no extension function
//   GUID is known (SIO_GET_EXTENSION_FUNCTION_POINTER answers WSAEINVAL).
// - connect completes at once, also on a non-blocking socket (returns 0).
// - Closing a stream socket with unread received data resets the connection;
//   data sent to a closed socket resets the sender, as TCP does.
// - UDP datagram limit: 65507 bytes on IPv4, 65527 on IPv6.
// The WSAOVERLAPPED fields Offset and OffsetHigh, which the WSAOVERLAPPED
// page reserves for service providers, carry the result flags and error.
#include "suite/providers/mock/mock_model.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>

#include "suite/providers/mock/mock_identity.h"

namespace wsac::mock {

namespace {

// The deadlock reporter (SetMockStallReporter), shared by every core.
std::mutex& StallReporterMutex() {
  static std::mutex m;
  return m;
}
std::function<void(const std::string&)>& StallReporter() {
  static std::function<void(const std::string&)> reporter;
  return reporter;
}

constexpr DWORD kMsgPushImmediate = 0x20;
constexpr std::size_t kMaxDatagramV4 = 65507;
constexpr std::size_t kMaxDatagramV6 = 65527;
constexpr double kChaosPend = 0.5;    // an op done inside its call pends instead
constexpr double kChaosChunk = 0.3;   // a stream fill takes only a prefix
// A truncated datagram receive done inside its call fails at once with
// WSAEMSGSIZE, its indication already given (Windows' path without a
// completion routine), instead of reporting WSA_IO_PENDING (DGRAM-9, DGRAM-10).
constexpr double kChaosWarningAtReturn = 0.5;
constexpr std::size_t kChaosSegment = 1460;  // loopback MSS-sized unit of chaos chunking
constexpr int kChaosMaxDelayUs = 2000;
// Virtual clock: where it starts (GetTickCount64 counts from boot; a value
// far from 0 keeps "0 means unset" bugs visible), how soon a waiter asks
// again while another thread may still act, and when a deadlock is reported.
constexpr std::uint64_t kVirtualEpochUs = 1000ull * 1000 * 1000;
constexpr auto kFirstPoll = std::chrono::microseconds(20);
constexpr auto kLastPoll = std::chrono::microseconds(1000);
constexpr auto kDeadlockReportAfter = std::chrono::seconds(1);

std::atomic<std::uint64_t> g_next_serial{1};

// MockClock::kDefault resolved: WSAC_MOCK_CLOCK, else virtual where a probe exists.
bool ChooseVirtualClock(MockClock clock, bool have_probe) {
  if (clock == MockClock::kDefault) {
    const char* env = std::getenv("WSAC_MOCK_CLOCK");
    if (env != nullptr && std::string_view(env) == "real") return false;
    if (env != nullptr && std::string_view(env) == "virtual") return true;
    return have_probe;
  }
  return clock == MockClock::kVirtual;
}

std::uint16_t Swap16(std::uint16_t v) { return static_cast<std::uint16_t>((v << 8) | (v >> 8)); }

// Per-thread error slots, one per mock instance, as Windows keeps one per
// thread. Trivially destructible on purpose: a thread_local with a
// destructor is unsafe under mingw-w64's emutls (its storage may be freed
// before the destructor runs). A thread that uses more than kErrorSlots
// live providers loses the error of the oldest one.
struct ErrorSlot {
  std::uint64_t serial;
  int error;
};
constexpr int kErrorSlots = 16;
thread_local ErrorSlot t_errors[kErrorSlots];

int& ErrorFor(std::uint64_t serial) {
  ErrorSlot* oldest = &t_errors[0];
  for (ErrorSlot& slot : t_errors) {
    if (slot.serial == serial) return slot.error;
    if (slot.serial < oldest->serial) oldest = &slot;
  }
  *oldest = ErrorSlot{serial, 0};
  return oldest->error;
}

// Runs OnThreadExit of every live core the thread initiated I/O on.
struct ThreadExitHook {
  std::vector<std::weak_ptr<Core>> cores;
  ~ThreadExitHook() {
    const auto id = std::this_thread::get_id();
    for (auto& weak : cores)
      if (auto core = weak.lock()) core->OnThreadExit(id);
  }
};

#if defined(_WIN32)
// Windows: a fiber-local slot's callback deletes the hook at thread exit
// (see ErrorSlot for why not a thread_local with a destructor).
void NTAPI DeleteHookAtThreadExit(void* hook) { delete static_cast<ThreadExitHook*>(hook); }
thread_local ThreadExitHook* t_exit_hook_ptr = nullptr;

ThreadExitHook& CurrentThreadExitHook() {
  static const DWORD slot = ::FlsAlloc(&DeleteHookAtThreadExit);
  if (t_exit_hook_ptr == nullptr) {
    t_exit_hook_ptr = new ThreadExitHook;
    ::FlsSetValue(slot, t_exit_hook_ptr);
  }
  return *t_exit_hook_ptr;
}
#else
ThreadExitHook& CurrentThreadExitHook() {
  thread_local ThreadExitHook hook;
  return hook;
}
#endif

// Copies n bytes into op's buffers after op.filled, in array order, packed.
template <typename CopyFn>
void Scatter(Op& op, std::size_t n, CopyFn copy) {
  std::size_t done = 0;
  std::size_t pos = op.filled;
  for (const WSABUF& b : op.bufs) {
    if (done == n) break;
    if (pos >= b.len) {
      pos -= b.len;
      continue;
    }
    const std::size_t take = std::min<std::size_t>(b.len - pos, n - done);
    copy(done, b.buf + pos, take);
    done += take;
    pos = 0;
  }
  op.filled += n;
}

std::size_t PostedRoom(const Socket& s) {
  std::size_t room = 0;
  for (const auto& op : s.recvs) room += op->capacity - op->filled;
  return room;
}

DWORD ToDword(std::size_t v) { return static_cast<DWORD>(std::min<std::size_t>(v, 0xFFFFFFFFu)); }

}  // namespace

// ---- Endpoint ---------------------------------------------------------------

bool Endpoint::IsAny() const {
  const int n = af == AF_INET ? 4 : 16;
  for (int i = 0; i < n; ++i)
    if (ip[i] != 0) return false;
  return true;
}

bool Endpoint::IsLoopback() const {
  if (af == AF_INET) return ip[0] == 127;
  for (int i = 0; i < 15; ++i)
    if (ip[i] != 0) return false;
  return ip[15] == 1;
}

bool Endpoint::SameIp(const Endpoint& other) const {
  return af == other.af && std::memcmp(ip, other.ip, af == AF_INET ? 4 : 16) == 0;
}

Endpoint Endpoint::Loopback(int af, std::uint16_t port) {
  Endpoint ep;
  ep.af = af;
  ep.port = port;
  if (af == AF_INET) {
    ep.ip[0] = 127;
    ep.ip[3] = 1;
  } else {
    ep.ip[15] = 1;
  }
  return ep;
}

int SockaddrLen(int af) {
  return af == AF_INET ? static_cast<int>(sizeof(sockaddr_in)) : static_cast<int>(sizeof(sockaddr_in6));
}

int DecodeSockaddr(const sockaddr* name, int namelen, int af, Endpoint* out) {
  if (name == nullptr || namelen < static_cast<int>(sizeof(USHORT))) return WSAEFAULT;
  USHORT family = 0;
  std::memcpy(&family, name, sizeof(family));
  if (family != af) return WSAEAFNOSUPPORT;
  if (namelen < SockaddrLen(af)) return WSAEFAULT;
  Endpoint ep;
  ep.af = af;
  if (af == AF_INET) {
    sockaddr_in sa;
    std::memcpy(&sa, name, sizeof(sa));
    ep.port = Swap16(sa.sin_port);
    std::memcpy(ep.ip, &sa.sin_addr, 4);
  } else {
    sockaddr_in6 sa;
    std::memcpy(&sa, name, sizeof(sa));
    ep.port = Swap16(sa.sin6_port);
    std::memcpy(ep.ip, &sa.sin6_addr, 16);
  }
  *out = ep;
  return 0;
}

int EncodeSockaddr(const Endpoint& ep, sockaddr* name, int* namelen) {
  if (name == nullptr || namelen == nullptr) return WSAEFAULT;
  const int len = SockaddrLen(ep.af);
  if (*namelen < len) return WSAEFAULT;
  if (ep.af == AF_INET) {
    sockaddr_in sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sin_family = static_cast<USHORT>(AF_INET);
    sa.sin_port = Swap16(ep.port);
    std::memcpy(&sa.sin_addr, ep.ip, 4);
    std::memcpy(name, &sa, sizeof(sa));
  } else {
    sockaddr_in6 sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sin6_family = static_cast<USHORT>(AF_INET6);
    sa.sin6_port = Swap16(ep.port);
    std::memcpy(&sa.sin6_addr, ep.ip, 16);
    std::memcpy(name, &sa, sizeof(sa));
  }
  *namelen = len;
  return 0;
}

// ---- ByteQueue --------------------------------------------------------------

void ByteQueue::Append(const char* p, std::size_t n) { data_.insert(data_.end(), p, p + n); }

void ByteQueue::CopyOut(std::size_t offset, char* dst, std::size_t n) const {
  if (n != 0) std::memcpy(dst, data_.data() + head_ + offset, n);
}

void ByteQueue::Drop(std::size_t n) {
  head_ += n;
  if (head_ == data_.size()) {
    Clear();
  } else if (head_ > 65536 && head_ * 2 > data_.size()) {
    data_.erase(data_.begin(), data_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void ByteQueue::MoveTo(ByteQueue& to, std::size_t n) {
  to.data_.insert(to.data_.end(), data_.begin() + static_cast<std::ptrdiff_t>(head_),
                  data_.begin() + static_cast<std::ptrdiff_t>(head_ + n));
  Drop(n);
}

void ByteQueue::Clear() {
  data_.clear();
  head_ = 0;
}

// ---- Core: lifetime, errors, handles ------------------------------------------

Core::Core(const MockOptions& options)
    : serial_(g_next_serial.fetch_add(1)),
      faults_(options.faults),
      chaos_seed_(options.chaos_seed),
      rng_(options.chaos_seed.value_or(0)),
      probe_(options.clock == MockClock::kReal ? nullptr : ThreadProbe::Open()),
      virtual_clock_(ChooseVirtualClock(options.clock, probe_ != nullptr)),
      now_us_(kVirtualEpochUs) {}

Core::~Core() { Shutdown(); }

void Core::Shutdown() {
  {
    Lock lk(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  worker_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  Lock lk(mu_);
  deferred_.clear();
  batch_.clear();
  threads_.clear();
  for (auto& weak : all_sockets_) {
    if (auto s = weak.lock()) {
      s->peer.reset();
      s->accept_q.clear();
      s->recvs.clear();
      s->sends.clear();
      s->ioctls.clear();
      s->port.reset();
    }
  }
  all_sockets_.clear();
  sockets_.clear();
  events_.clear();
  ports_.clear();
}

std::string Core::Build() const {
  if (chaos_seed_) return "mock (chaos seed " + std::to_string(*chaos_seed_) + ")";
  return "mock";
}

int Core::GetError() { return ErrorFor(serial_); }

void Core::SetError(int error) { ErrorFor(serial_) = error; }

bool Core::ChaosCoin(double p) {
  if (!chaos_seed_) return false;
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p;
}

std::uintptr_t Core::NewHandleLocked() {
  const std::uintptr_t h = next_handle_;
  next_handle_ += 4;
  return h;
}

SocketPtr Core::FindSocketLocked(SOCKET s) const {
  auto it = sockets_.find(static_cast<std::uintptr_t>(s));
  return it == sockets_.end() ? nullptr : it->second;
}

std::shared_ptr<Event> Core::FindEventLocked(HANDLE h) const {
  auto it = events_.find(reinterpret_cast<std::uintptr_t>(h));
  return it == events_.end() ? nullptr : it->second;
}

// ---- Core: threads and APCs -------------------------------------------------

Core::Lock Core::LockArriving() {
  Lock lk(mu_, std::defer_lock);
  RelockArriving(lk);
  return lk;
}

void Core::RelockArriving(Lock& lk) {
  arriving_.fetch_add(1);
  lk.lock();
  arriving_.fetch_sub(1);
}

Core::Lock Core::Enter() {
  Lock lk = LockArriving();
  RegisterThreadLocked();
  if (virtual_clock_) DeliverDueLocked();
  return lk;
}

void Core::RegisterThreadLocked() {
  auto [it, added] = threads_.try_emplace(std::this_thread::get_id());
  if (!added) return;
  it->second.os_tid = ThreadProbe::CurrentThreadId();
  auto& cores = CurrentThreadExitHook().cores;  // a long-lived thread outlives many providers
  cores.erase(std::remove_if(cores.begin(), cores.end(), [](const auto& w) { return w.expired(); }), cores.end());
  cores.push_back(weak_from_this());
}

bool Core::HasApcsForLocked(std::thread::id id) const {
  auto it = threads_.find(id);
  return it != threads_.end() && !it->second.apcs.empty();
}

bool Core::RunApcs(Lock& lk) {
  bool ran = false;
  const auto id = std::this_thread::get_id();
  for (;;) {
    auto it = threads_.find(id);
    if (it == threads_.end() || it->second.apcs.empty()) break;
    std::deque<Apc> queue;
    queue.swap(it->second.apcs);
    lk.unlock();
    for (const Apc& apc : queue) {
      if (apc.user != nullptr)
        apc.user(apc.user_data);
      else
        apc.routine(apc.error, apc.bytes, apc.ov, apc.flags);
    }
    RelockArriving(lk);
    ran = true;
  }
  return ran;
}

void Core::OnThreadExit(std::thread::id id) {
  Lock lk = LockArriving();
  if (stopping_) return;
  threads_.erase(id);
  for (auto& [h, s] : sockets_) {
    if (s->port) continue;  // I/O on a port-associated handle outlives its thread
    AbortOpsLocked(s, [&](const Op& op) { return op.may_pend && op.thread == id; }, WSA_OPERATION_ABORTED,
                   STATUS_CANCELLED);
  }
  FlushLocked();
  cv_.notify_all();  // waiters may have been holding the clock for this thread
}

// ---- Core: the clock ------------------------------------------------------------

std::uint64_t Core::NowUsLocked() const {
  if (virtual_clock_) return now_us_;
  return kVirtualEpochUs +
         static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count());
}

std::uint64_t Core::DeadlineAfterLocked(DWORD ms) const {
  if (ms == INFINITE) return kForever;
  return NowUsLocked() + std::uint64_t{ms} * 1000;
}

Core::Clock::time_point Core::RealTimeOf(std::uint64_t us) const {
  return started_ + std::chrono::microseconds(us - kVirtualEpochUs);
}

std::uint64_t Core::GetTickCount64() {
  Lock lk = Enter();
  return NowUsLocked() / 1000;
}

template <typename Ready>
bool Core::WaitLocked(Lock& lk, std::uint64_t deadline_us, const char* what, const Ready& ready) {
  if (ready()) return true;
  if (!virtual_clock_) {
    while (!ready()) {
      if (deadline_us == kForever)
        cv_.wait(lk);
      else if (cv_.wait_until(lk, RealTimeOf(deadline_us)) == std::cv_status::timeout)
        break;
    }
    return ready();
  }
  ThreadRecord& me = threads_[std::this_thread::get_id()];
  const WaitSpec spec{deadline_us, what, [](const void* c) { return (*static_cast<const Ready*>(c))(); }, &ready};
  me.waiting = &spec;
  auto poll = kFirstPoll;
  while (!ready() && now_us_ < deadline_us) {
    switch (TryAdvanceLocked()) {
      case Advance::kAdvanced:
        poll = kFirstPoll;
        break;
      case Advance::kSomethingRuns:
        // Threads outside the model do not notify cv_: ask again, less
        // often the longer they keep running.
        cv_.wait_for(lk, poll);
        poll = std::min<std::chrono::microseconds>(poll * 2, kLastPoll);
        break;
      case Advance::kNothingScheduled:
        // Only a call into the model can change this, and every call that
        // changes state notifies cv_.
        if (cv_.wait_for(lk, kDeadlockReportAfter) == std::cv_status::timeout) ReportDeadlockLocked(lk);
        break;
    }
  }
  me.waiting = nullptr;
  return ready();
}

Core::Advance Core::TryAdvanceLocked() {
  DeliverDueLocked();
  std::uint64_t next = kForever;
  quiet_tids_.clear();
  for (const auto& [id, t] : threads_) {
    if (t.waiting == nullptr) {
      // Outside the model: the probe tells running from blocked. Without
      // one, a registered thread outside the model always holds the clock.
      if (!probe_) return Advance::kSomethingRuns;
      continue;
    }
    if (t.waiting->deadline_us <= now_us_ || t.waiting->Ready()) return Advance::kSomethingRuns;  // about to wake
    next = std::min(next, t.waiting->deadline_us);
    quiet_tids_.push_back(t.os_tid);
  }
  if (arriving_.load() != 0) return Advance::kSomethingRuns;
  if (!deferred_.empty()) next = std::min(next, deferred_.begin()->first);
  if (next == kForever) return Advance::kNothingScheduled;
  if (probe_ && probe_->AnyOtherThreadActive(quiet_tids_)) return Advance::kSomethingRuns;
  // Asked again after the probe: a thread that was running when arriving_
  // was first read may since have counted itself and blocked on mu_.
  if (arriving_.load() != 0) return Advance::kSomethingRuns;
  now_us_ = next;
  DeliverDueLocked();
  cv_.notify_all();
  return Advance::kAdvanced;
}

void Core::DeliverDueLocked() {
  bool any = false;
  while (!deferred_.empty() && deferred_.begin()->first <= now_us_) {
    OpPtr op = deferred_.begin()->second;
    deferred_.erase(deferred_.begin());
    IndicateLocked(*op);
    any = true;
  }
  if (any) cv_.notify_all();
}

void Core::ReportDeadlockLocked(Lock& lk) {
  if (deadlock_reported_at_ == now_us_) return;
  // Still true a second later, and no thread is running (one computing
  // for that long is slow, not stuck)?
  if (TryAdvanceLocked() != Advance::kNothingScheduled) return;
  if (probe_ && probe_->AnyOtherThreadActive(quiet_tids_)) return;
  deadlock_reported_at_ = now_us_;
  std::string text = "mock: virtual time cannot advance: every thread is blocked and no wait in the mock has a deadline";
  for (const auto& [id, t] : threads_) {
    text += t.waiting != nullptr ? "; thread " + std::to_string(t.os_tid) + " waits in " + t.waiting->what
                                 : "; thread " + std::to_string(t.os_tid) + " is blocked outside the mock";
  }
  text += ". Only a real-time wait outside the provider can still end; if none does, the case watchdog "
          "ends the case as TIMEOUT.";
  lk.unlock();
  std::fprintf(stderr, "wsaconform %s\n", text.c_str());
  std::fflush(stderr);
  {
    std::lock_guard reporter_lock(StallReporterMutex());
    if (StallReporter()) StallReporter()(text);
  }
  RelockArriving(lk);
}

// ---- Core: completion dispatch ------------------------------------------------

void Core::CompleteLocked(const OpPtr& op, int error, DWORD status, DWORD bytes) {
  op->done = true;
  op->error = error;
  op->status = status;
  op->bytes = bytes;
  if (op->may_pend && ChaosCoin(kChaosPend)) op->defer = true;
  batch_.push_back(op);
  if (OpPtr parent = std::move(op->then)) {
    if (!parent->done) CompleteLocked(parent, error, status, bytes);
  }
}

void Core::FlushLocked() {
  if (batch_.empty()) return;
  std::vector<OpPtr> batch;
  batch.swap(batch_);
  if (chaos_seed_) std::shuffle(batch.begin(), batch.end(), rng_);
  for (auto& op : batch) {
    if (op->defer)
      ScheduleLocked(op);
    else
      IndicateLocked(*op);
  }
  cv_.notify_all();
}

void Core::SetEventLocked(std::uintptr_t h, bool value) {
  auto it = events_.find(h);
  if (it != events_.end()) it->second->signaled = value;
}

void Core::IndicateLocked(Op& op) {
  if (op.indicated) return;
  op.indicated = true;
  cv_.notify_all();
  // A failed synchronous call gives no indication (S18); internal ops none.
  if (!op.indicate || (!op.may_pend && op.error != 0)) return;
  LPWSAOVERLAPPED ov = op.ov;
  ov->Internal = op.status;
  ov->InternalHigh = op.bytes;
  ov->Offset = op.out_flags;
  ov->OffsetHigh = static_cast<DWORD>(op.error);
  if (op.routine != nullptr) {
    auto it = threads_.find(op.thread);
    if (it != threads_.end())  // else the thread has exited: nobody can run it
      it->second.apcs.push_back(Apc{op.routine, static_cast<DWORD>(op.error), op.bytes, ov, op.out_flags});
    return;
  }
  const auto h = reinterpret_cast<std::uintptr_t>(ov->hEvent);
  SetEventLocked(h & ~static_cast<std::uintptr_t>(1), true);
  if (op.sock->port && (h & 1) == 0 && !op.sock->port->closed) {
    const bool skip = op.error == 0 && !op.pended &&
                      (op.sock->notify_modes & FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) != 0;
    if (!skip) op.sock->port->packets.push_back(Packet{op.bytes, op.sock->key, ov, op.error});
  }
}

void Core::ScheduleLocked(const OpPtr& op) {
  const int delay = std::uniform_int_distribution<int>(0, kChaosMaxDelayUs)(rng_);
  deferred_.emplace(NowUsLocked() + static_cast<std::uint64_t>(delay), op);
  if (virtual_clock_) return;  // given by the clock (TryAdvanceLocked) or the next call (Enter)
  if (!worker_.joinable()) worker_ = std::thread([this] { WorkerLoop(); });
  worker_cv_.notify_all();
}

void Core::WorkerLoop() {
  Lock lk(mu_);
  while (!stopping_) {
    if (deferred_.empty()) {
      worker_cv_.wait(lk);
      continue;
    }
    const auto due = RealTimeOf(deferred_.begin()->first);
    if (Clock::now() < due) {
      worker_cv_.wait_until(lk, due);
      continue;
    }
    OpPtr op = deferred_.begin()->second;
    deferred_.erase(deferred_.begin());
    IndicateLocked(*op);
  }
}

template <typename Pred>
int Core::AbortOpsLocked(const SocketPtr& s, Pred pred, int error, DWORD status) {
  int matched = 0;
  for (auto* queue : {&s->recvs, &s->sends, &s->ioctls}) {
    for (auto it = queue->begin(); it != queue->end();) {
      OpPtr op = *it;
      if (op->done || !pred(*op)) {
        ++it;
        continue;
      }
      it = queue->erase(it);
      ++matched;
      CompleteLocked(op, error, status, 0);
      op->defer = false;  // an abort is reported now, not delayed
    }
  }
  return matched;
}

void Core::AbortForCloseLocked(const SocketPtr& s) {
  const bool leave = Fault(kFaultClosesocketLeavesPending);
  // Blocking calls of other threads wake with WSAEINTR.
  AbortOpsLocked(s, [](const Op& op) { return !op.may_pend; }, WSAEINTR, STATUS_CANCELLED);
  if (leave) {
    s->recvs.clear();
    s->sends.clear();
    s->ioctls.clear();
    return;
  }
  AbortOpsLocked(s, [](const Op&) { return true; }, WSA_OPERATION_ABORTED, STATUS_CANCELLED);
  // Pended ops whose result the chaos worker still holds are pending to the
  // application: close turns them into aborts too (S26).
  for (auto it = deferred_.begin(); it != deferred_.end();) {
    Op& op = *it->second;
    if (op.sock == s && !op.indicated) {
      op.error = WSA_OPERATION_ABORTED;
      op.status = STATUS_CANCELLED;
      op.bytes = 0;
      op.out_flags = 0;
      IndicateLocked(op);
      it = deferred_.erase(it);
    } else {
      ++it;
    }
  }
}

// A pending AcceptEx (model_accept.cc) waits on its listener; closing its
// accept socket ends it there.
void Core::AbortAcceptsIntoLocked(const SocketPtr& accept_socket) {
  for (const auto& [h, ls] : sockets_) {
    if (!ls->listening) continue;
    AbortOpsLocked(
        ls, [&](const Op& op) { return op.kind == OpKind::kAccept && !op.accepted && op.accept_into == accept_socket; },
        WSA_OPERATION_ABORTED, STATUS_CANCELLED);
  }
}

// ---- Core: binding ------------------------------------------------------------

bool Core::PortInUseLocked(const Socket& self, const Endpoint& ep) const {
  if (self.reuseaddr) return false;
  for (const auto& [h, o] : sockets_) {
    if (o.get() == &self || !o->bound || o->type != self.type || o->af != ep.af) continue;
    if (o->local.port != ep.port) continue;
    if (o->local.IsAny() || ep.IsAny() || o->local.SameIp(ep)) return true;
  }
  return false;
}

std::uint16_t Core::EphemeralPortLocked(int type, int af) {
  for (int tries = 0; tries < 16384; ++tries) {
    const std::uint16_t p = next_ephemeral_;
    next_ephemeral_ = next_ephemeral_ == 65535 ? 49152 : static_cast<std::uint16_t>(next_ephemeral_ + 1);
    bool used = false;
    for (const auto& [h, o] : sockets_)
      if (o->bound && o->type == type && o->af == af && o->local.port == p) used = true;
    if (!used) return p;
  }
  return 0;
}

void Core::AutoBindLocked(Socket& s, const Endpoint* toward) {
  if (!s.bound) {
    if (s.type == SOCK_STREAM) {
      s.local = toward != nullptr ? *toward : Endpoint::Loopback(s.af, 0);
    } else {
      s.local = Endpoint{};
      s.local.af = s.af;
    }
    s.local.port = EphemeralPortLocked(s.type, s.af);
    s.bound = true;
  } else if (s.type == SOCK_STREAM && s.local.IsAny() && toward != nullptr) {
    const std::uint16_t port = s.local.port;
    s.local = *toward;
    s.local.port = port;
  }
}

SocketPtr Core::FindListenerLocked(const Endpoint& to) const {
  SocketPtr wildcard;
  for (const auto& [h, o] : sockets_) {
    if (!o->listening || o->af != to.af || o->local.port != to.port) continue;
    if (o->local.SameIp(to)) return o;
    if (o->local.IsAny()) wildcard = o;
  }
  return wildcard;
}

SocketPtr Core::FindDatagramTargetLocked(const Endpoint& to) const {
  SocketPtr wildcard;
  for (const auto& [h, o] : sockets_) {
    if (o->type != SOCK_DGRAM || !o->bound || o->af != to.af || o->local.port != to.port) continue;
    if (o->local.SameIp(to)) return o;
    if (o->local.IsAny()) wildcard = o;
  }
  return wildcard;
}

// ---- Core: data movement ------------------------------------------------------

void Core::UnlinkLocked(const SocketPtr& s) {
  SocketPtr p = s->peer;
  s->peer.reset();
  if (p && p->peer == s) p->peer.reset();
}

void Core::ResetLocked(const SocketPtr& s) {
  s->reset = true;
  s->rcvq.Clear();
  s->sndq.Clear();
  AbortOpsLocked(s, [](const Op& op) { return !op.may_pend; }, WSAECONNRESET, STATUS_CONNECTION_RESET);
  AbortOpsLocked(s, [](const Op& op) { return op.kind != OpKind::kIoctl; }, ERROR_NETNAME_DELETED,
                 STATUS_CONNECTION_RESET);
  UnlinkLocked(s);
}

std::size_t Core::StreamRoomLocked(const Socket& tx) const {
  const SocketPtr& rx = tx.peer;
  if (!rx || rx->closed) return std::numeric_limits<std::size_t>::max();  // taken, then answered by RST
  const std::size_t snd = tx.sndq.size();
  std::size_t room = static_cast<std::size_t>(tx.sndbuf) > snd ? tx.sndbuf - snd : 0;
  if (snd == 0) {
    const std::size_t cap = static_cast<std::size_t>(rx->rcvbuf) + PostedRoom(*rx);
    if (cap > rx->rcvq.size()) room += cap - rx->rcvq.size();
  }
  return room;
}

void Core::PumpStreamLocked(SocketPtr tx, SocketPtr rx) {
  bool progress = true;
  while (progress && tx->peer == rx) {
    progress = false;
    // a. received bytes into posted receives, in posting order (S7, S8, S23).
    while (!rx->recvs.empty()) {
      OpPtr op = rx->recvs.front();
      const bool peek = (op->in_flags & MSG_PEEK) != 0;
      const bool waitall = ((op->in_flags & MSG_WAITALL) != 0 || Fault(kFaultStreamWaitsToFill)) && !peek;
      const std::size_t room = op->capacity - op->filled;
      if (!rx->rcvq.empty() && room > 0) {
        std::size_t n = std::min(rx->rcvq.size(), room);
        // Chunks are whole segments, as TCP delivers them: data that fits in
        // one segment arrives whole (WIN-4), larger data may arrive in parts.
        if (n > kChaosSegment && !peek && ChaosCoin(kChaosChunk))
          n = kChaosSegment * (1 + static_cast<std::size_t>(rng_() % (n / kChaosSegment)));
        const ByteQueue& q = rx->rcvq;
        Scatter(*op, n, [&](std::size_t off, char* dst, std::size_t len) { q.CopyOut(off, dst, len); });
        if (!peek) rx->rcvq.Drop(n);
        progress = true;
        if (waitall && op->filled < op->capacity) continue;
        rx->recvs.pop_front();
        CompleteLocked(op, 0, STATUS_SUCCESS, ToDword(op->filled));
        continue;
      }
      // A zero-byte receive is a readiness probe: done when data is there
      // or on its way, consuming nothing.
      const bool data_near = !rx->rcvq.empty() || !tx->sndq.empty() || !tx->sends.empty();
      if (op->capacity == 0 && data_near) {
        rx->recvs.pop_front();
        CompleteLocked(op, 0, STATUS_SUCCESS, 0);
        progress = true;
        continue;
      }
      if (rx->fin_in && rx->rcvq.empty()) {
        rx->recvs.pop_front();
        CompleteLocked(op, 0, STATUS_SUCCESS, ToDword(op->filled));
        progress = true;
        continue;
      }
      break;
    }
    // b. the sender's buffer into the receiver's.
    if (!tx->sndq.empty()) {
      if (rx->closed) {
        ResetLocked(tx);  // data to a closed socket: RST back
        return;
      }
      const bool drop = rx->recvs.empty() && (Fault(kFaultNoBuffering) ||
                                              (rx->rcvbuf == 0 && Fault(kFaultRcvbuf0StreamDrops)));
      if (drop) {
        tx->sndq.Clear();
        progress = true;
      } else {
        const std::size_t cap = static_cast<std::size_t>(rx->rcvbuf) + PostedRoom(*rx);
        const std::size_t n = std::min(cap > rx->rcvq.size() ? cap - rx->rcvq.size() : 0, tx->sndq.size());
        if (n > 0) {
          tx->sndq.MoveTo(rx->rcvq, n);
          progress = true;
        }
      }
    }
    // c. pending sends into the sender's buffer, in order (S21); a send is
    // done once all its bytes left it.
    while (!tx->sends.empty()) {
      OpPtr op = tx->sends.front();
      const std::size_t left = op->data.size() - op->moved;
      const std::size_t n = std::min(StreamRoomLocked(*tx), left);
      if (n > 0) {
        tx->sndq.Append(op->data.data() + op->moved, n);
        op->moved += n;
        progress = true;
      }
      if (op->moved < op->data.size()) break;
      tx->sends.pop_front();
      CompleteLocked(op, 0, STATUS_SUCCESS, ToDword(op->data.size()));
      progress = true;
    }
    // d. FIN after the last byte.
    if (tx->wr_shut && tx->sends.empty() && tx->sndq.empty() && !rx->fin_in && !rx->closed) {
      rx->fin_in = true;
      progress = true;
    }
  }
}

void Core::FillFromDatagramLocked(const OpPtr& op, const Datagram& dg) {
  const std::size_t n = std::min(dg.data.size(), op->capacity);
  Scatter(*op, n, [&](std::size_t off, char* dst, std::size_t len) { std::memcpy(dst, dg.data.data() + off, len); });
  if (op->from != nullptr) EncodeSockaddr(dg.from, op->from, op->fromlen);
  if (op->msg != nullptr) StoreMsgFlagsLocked(*op, dg.data.size() > op->capacity);
  if (dg.data.size() > op->capacity) {
    op->out_flags |= MSG_PARTIAL;
    CompleteLocked(op, WSAEMSGSIZE, STATUS_BUFFER_OVERFLOW, ToDword(n));
  } else {
    CompleteLocked(op, 0, STATUS_SUCCESS, ToDword(n));
  }
}

void Core::DeliverDatagramLocked(const Socket& tx, const Endpoint& to, std::vector<char> data) {
  SocketPtr rx = FindDatagramTargetLocked(to);
  if (!rx) return;  // nobody there: UDP loses it silently
  Datagram dg{std::move(data), tx.local};
  if (dg.from.IsAny()) {
    std::memcpy(dg.from.ip, to.ip, sizeof(to.ip));
  }
  if (rx->has_remote && !(rx->remote.SameIp(dg.from) && rx->remote.port == dg.from.port)) return;
  while (!rx->recvs.empty()) {
    OpPtr op = rx->recvs.front();
    rx->recvs.pop_front();
    FillFromDatagramLocked(op, dg);
    if ((op->in_flags & MSG_PEEK) == 0) {
      if (Fault(kFaultDatagramTruncationKeepsRest) && dg.data.size() > op->capacity) {
        dg.data.erase(dg.data.begin(), dg.data.begin() + static_cast<std::ptrdiff_t>(op->capacity));
        rx->dgq_bytes += dg.data.size();
        rx->dgq.push_front(std::move(dg));
      }
      return;
    }
  }
  if (Fault(kFaultNoBuffering) || rx->rd_shut) return;
  if (rx->rcvbuf == 0) {
    if (!Fault(kFaultRcvbuf0DgramKeeps)) return;  // S11: nobody posted, nowhere to keep it
  } else if (rx->dgq_bytes + dg.data.size() > static_cast<std::size_t>(rx->rcvbuf)) {
    return;  // buffer full: dropped, as UDP does
  }
  rx->dgq_bytes += dg.data.size();
  rx->dgq.push_back(std::move(dg));
}

void Core::PumpLocked(const SocketPtr& s) {
  if (s->type == SOCK_STREAM) {
    if (SocketPtr p = s->peer) {
      PumpStreamLocked(p, s);
      if (s->peer == p) PumpStreamLocked(s, p);
    }
    return;
  }
  while (!s->recvs.empty() && !s->dgq.empty()) {
    OpPtr op = s->recvs.front();
    s->recvs.pop_front();
    FillFromDatagramLocked(op, s->dgq.front());
    if ((op->in_flags & MSG_PEEK) == 0) {
      std::vector<char>& data = s->dgq.front().data;
      if (Fault(kFaultDatagramTruncationKeepsRest) && data.size() > op->capacity) {
        data.erase(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(op->capacity));
        s->dgq_bytes -= op->capacity;
        continue;
      }
      s->dgq_bytes -= data.size();
      s->dgq.pop_front();
    }
  }
}

// ---- Core: finishing an initiating call ---------------------------------------

bool Core::WaitOpLocked(Lock& lk, const OpPtr& op, DWORD timeout_ms) {
  // SO_RCVTIMEO / SO_SNDTIMEO 0 is no timeout.
  const std::uint64_t deadline = timeout_ms == 0 ? kForever : DeadlineAfterLocked(timeout_ms);
  const char* what = op->kind == OpKind::kRecv   ? "a blocking receive"
                     : op->kind == OpKind::kSend ? "a blocking send"
                                                 : "a blocking ioctl";
  return WaitLocked(lk, deadline, what, [&] { return op->done; });
}

int Core::FinishCallLocked(Lock& lk, const OpPtr& op, std::deque<OpPtr>& queue, LPDWORD nbytes,
                           LPDWORD flags, DWORD timeout_ms) {
  auto take_back = [&] {
    auto it = std::find(queue.begin(), queue.end(), op);
    if (it != queue.end()) queue.erase(it);
  };
  if (!op->done) {
    if (op->may_pend) {
      op->pended = true;
      FlushLocked();
      return Fail(WSA_IO_PENDING);
    }
    if (op->sock->nonblocking) {
      take_back();
      FlushLocked();
      return Fail(WSAEWOULDBLOCK);
    }
    FlushLocked();
    if (!WaitOpLocked(lk, op, timeout_ms)) {
      take_back();
      return Fail(WSAETIMEDOUT);
    }
  } else if (op->may_pend && (op->defer || op->error != 0) &&
             !(!op->defer && op->status == STATUS_BUFFER_OVERFLOW && ChaosCoin(kChaosWarningAtReturn))) {
    // Done inside the call, reported as pending: by chaos, or because an
    // error result must come through the indication (S16, S18). A
    // truncation is a warning, not an error: chaos may also report it at
    // return, after the indication, as Windows does.
    op->pended = true;
    FlushLocked();
    return Fail(WSA_IO_PENDING);
  } else {
    FlushLocked();
  }
  if (nbytes != nullptr) *nbytes = op->bytes;
  if (flags != nullptr) *flags = op->out_flags;
  if (op->error != 0) return Fail(op->error);
  return 0;
}

// ---- Core: socket setup ---------------------------------------------------------

SOCKET Core::WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g, DWORD flags) {
  Lock lk = Enter();
  if (info != nullptr) {  // FROM_PROTOCOL_INFO (-1) takes the entry's value
    if (af == -1) af = info->iAddressFamily;
    if (type == -1) type = info->iSocketType;
    if (protocol == -1) protocol = info->iProtocol;
  }
  if (af != AF_INET && af != AF_INET6) return FailWith(WSAEAFNOSUPPORT, INVALID_SOCKET);
  if (type != SOCK_STREAM && type != SOCK_DGRAM) return FailWith(WSAESOCKTNOSUPPORT, INVALID_SOCKET);
  const int natural = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  if (protocol == 0) protocol = natural;
  if (protocol != natural) return FailWith(WSAEPROTONOSUPPORT, INVALID_SOCKET);
  if (g != 0 || (flags & ~0xFFu) != 0) return FailWith(WSAEINVAL, INVALID_SOCKET);
  auto s = std::make_shared<Socket>();
  s->af = af;
  s->type = type;
  s->protocol = protocol;
  s->overlapped = (flags & WSA_FLAG_OVERLAPPED) != 0;
  s->handle = static_cast<SOCKET>(NewHandleLocked());
  sockets_[static_cast<std::uintptr_t>(s->handle)] = s;
  all_sockets_.push_back(s);
  return s->handle;
}

int Core::bind(SOCKET h, const sockaddr* name, int namelen) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  Endpoint ep;
  if (int e = DecodeSockaddr(name, namelen, s->af, &ep)) return Fail(e);
  if (s->bound) return Fail(WSAEINVAL);
  if (!ep.IsAny() && !ep.IsLoopback()) return Fail(WSAEADDRNOTAVAIL);
  if (ep.port == 0) {
    ep.port = EphemeralPortLocked(s->type, s->af);
    if (ep.port == 0) return Fail(WSAENOBUFS);
  } else if (PortInUseLocked(*s, ep)) {
    return Fail(WSAEADDRINUSE);
  }
  s->local = ep;
  s->bound = true;
  return 0;
}

int Core::listen(SOCKET h, int backlog) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  if (s->type != SOCK_STREAM) return Fail(WSAEOPNOTSUPP);
  if (s->has_remote) return Fail(WSAEISCONN);
  if (!s->bound) return Fail(WSAEINVAL);
  s->listening = true;
  s->backlog = backlog <= 0 ? 1 : std::min<std::size_t>(static_cast<std::size_t>(backlog), 200);
  return 0;
}

int Core::connect(SOCKET h, const sockaddr* name, int namelen) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  if (s->type == SOCK_DGRAM && name != nullptr && namelen >= static_cast<int>(sizeof(USHORT))) {
    USHORT family = 0;
    std::memcpy(&family, name, sizeof(family));
    if (family == AF_UNSPEC) {  // dissolves the association
      s->has_remote = false;
      return 0;
    }
  }
  Endpoint to;
  if (int e = DecodeSockaddr(name, namelen, s->af, &to)) return Fail(e);
  if (s->listening) return Fail(WSAEINVAL);
  if (to.IsAny() || to.port == 0) return Fail(WSAEADDRNOTAVAIL);
  if (s->type == SOCK_DGRAM) {
    AutoBindLocked(*s, &to);
    s->has_remote = true;
    s->remote = to;
    return 0;
  }
  if (s->has_remote) return Fail(WSAEISCONN);
  if (!to.IsLoopback()) return Fail(WSAETIMEDOUT);  // no such host on the mock network
  SocketPtr listener = FindListenerLocked(to);
  if (!listener || listener->accept_q.size() >= listener->backlog) return Fail(WSAECONNREFUSED);
  AutoBindLocked(*s, &to);
  auto server = std::make_shared<Socket>();
  server->af = s->af;
  server->type = SOCK_STREAM;
  server->protocol = listener->protocol;
  server->overlapped = listener->overlapped;
  server->nonblocking = listener->nonblocking;
  server->rcvbuf = listener->rcvbuf;
  server->sndbuf = listener->sndbuf;
  server->bound = true;
  server->local = to;
  server->has_remote = true;
  server->remote = s->local;
  all_sockets_.push_back(server);
  s->has_remote = true;
  s->remote = to;
  s->peer = server;
  server->peer = s;
  listener->accept_q.push_back(server);
  AcceptPendingLocked(listener);
  FlushLocked();
  cv_.notify_all();
  return 0;
}

SOCKET Core::accept(SOCKET h, sockaddr* addr, int* addrlen) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return FailWith(WSAENOTSOCK, INVALID_SOCKET);
  if (!s->listening) return FailWith(WSAEINVAL, INVALID_SOCKET);
  if (addr != nullptr && (addrlen == nullptr || *addrlen < SockaddrLen(s->af)))
    return FailWith(WSAEFAULT, INVALID_SOCKET);
  if (s->accept_q.empty()) {
    if (s->nonblocking) return FailWith(WSAEWOULDBLOCK, INVALID_SOCKET);
    WaitLocked(lk, kForever, "accept", [&] { return !s->accept_q.empty() || s->closed; });
    if (s->closed) return FailWith(WSAEINTR, INVALID_SOCKET);
  }
  SocketPtr c = s->accept_q.front();
  s->accept_q.pop_front();
  c->handle = static_cast<SOCKET>(NewHandleLocked());
  sockets_[static_cast<std::uintptr_t>(c->handle)] = c;
  if (addr != nullptr) EncodeSockaddr(c->remote, addr, addrlen);
  return c->handle;
}

int Core::getsockname(SOCKET h, sockaddr* name, int* namelen) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  if (!s->bound) return Fail(WSAEINVAL);
  if (int e = EncodeSockaddr(s->local, name, namelen)) return Fail(e);
  return 0;
}

int Core::getpeername(SOCKET h, sockaddr* name, int* namelen) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  if (!s->has_remote) return Fail(WSAENOTCONN);
  if (int e = EncodeSockaddr(s->remote, name, namelen)) return Fail(e);
  return 0;
}

int Core::setsockopt(SOCKET h, int level, int optname, const char* optval, int optlen) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  // ---- extension functions: connect ----
  // Takes no value (optval NULL is how callers set it); only a connected
  // stream socket has a connect context to update.
  if (level == SOL_SOCKET && optname == SO_UPDATE_CONNECT_CONTEXT)
    return s->type == SOCK_STREAM && s->has_remote ? 0 : Fail(WSAENOTCONN);
  // ---- extension functions: accept ----
  // The value is the listening socket; the context is there once an
  // AcceptEx has connected this socket.
  if (level == SOL_SOCKET && optname == SO_UPDATE_ACCEPT_CONTEXT) {
    if (optval == nullptr || optlen < static_cast<int>(sizeof(SOCKET))) return Fail(WSAEFAULT);
    return s->type == SOCK_STREAM && s->has_remote ? 0 : Fail(WSAENOTCONN);
  }
  if (optval == nullptr) return Fail(WSAEFAULT);
  auto read_int = [&](int* v) {
    if (optlen < static_cast<int>(sizeof(int))) return false;
    std::memcpy(v, optval, sizeof(int));
    return true;
  };
  int v = 0;
  if (level == SOL_SOCKET) {
    switch (optname) {
      case SO_RCVBUF:
      case SO_SNDBUF:
        if (!read_int(&v)) return Fail(WSAEFAULT);
        if (v < 0) return Fail(WSAEINVAL);
        (optname == SO_RCVBUF ? s->rcvbuf : s->sndbuf) = v;
        // More room may let stalled data move on.
        PumpLocked(s);
        FlushLocked();
        return 0;
      case SO_LINGER:
        if (s->type != SOCK_STREAM) return Fail(WSAENOPROTOOPT);
        if (optlen < static_cast<int>(sizeof(linger))) return Fail(WSAEFAULT);
        std::memcpy(&s->lin, optval, sizeof(linger));
        return 0;
      case SO_REUSEADDR:
      case SO_KEEPALIVE:
        if (!read_int(&v)) return Fail(WSAEFAULT);
        (optname == SO_REUSEADDR ? s->reuseaddr : s->keepalive) = v != 0;
        return 0;
      case SO_RCVTIMEO:
      case SO_SNDTIMEO:
        if (!read_int(&v)) return Fail(WSAEFAULT);
        (optname == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo) = static_cast<DWORD>(v);
        return 0;
      default:
        return Fail(WSAENOPROTOOPT);
    }
  }
  if (level == IPPROTO_TCP) {
    if (s->type != SOCK_STREAM || optname != TCP_NODELAY) return Fail(WSAENOPROTOOPT);
    if (!read_int(&v)) return Fail(WSAEFAULT);
    s->nodelay = v != 0;
    return 0;
  }
  if (level == IPPROTO_IP || level == IPPROTO_IPV6 || level == IPPROTO_UDP) return Fail(WSAENOPROTOOPT);
  return Fail(WSAEINVAL);
}

int Core::getsockopt(SOCKET h, int level, int optname, char* optval, int* optlen) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  if (optval == nullptr || optlen == nullptr) return Fail(WSAEFAULT);
  auto put = [&](const void* p, int size) {
    if (*optlen < size) return Fail(WSAEFAULT);
    std::memcpy(optval, p, static_cast<std::size_t>(size));
    *optlen = size;
    return 0;
  };
  auto put_int = [&](int v) { return put(&v, static_cast<int>(sizeof(int))); };
  if (level == SOL_SOCKET) {
    switch (optname) {
      case SO_RCVBUF: return put_int(s->rcvbuf);
      case SO_SNDBUF: return put_int(s->sndbuf);
      case SO_LINGER:
        if (s->type != SOCK_STREAM) return Fail(WSAENOPROTOOPT);
        return put(&s->lin, static_cast<int>(sizeof(linger)));
      case SO_REUSEADDR: return put_int(s->reuseaddr ? 1 : 0);
      case SO_KEEPALIVE: return put_int(s->keepalive ? 1 : 0);
      case SO_RCVTIMEO: return put_int(static_cast<int>(s->rcvtimeo));
      case SO_SNDTIMEO: return put_int(static_cast<int>(s->sndtimeo));
      case SO_ERROR: return put_int(0);
      case SO_TYPE: return put_int(s->type);
      case SO_PROTOCOL_INFOW: {
        WSAPROTOCOL_INFOW info;
        std::memset(&info, 0, sizeof(info));
        const DWORD xp1_connectionless = 0x1, xp1_guaranteed = 0x2 | 0x4, xp1_message = 0x8,
                    xp1_graceful_close = 0x40;
        info.dwServiceFlags1 = XP1_IFS_HANDLES | (s->type == SOCK_STREAM ? xp1_guaranteed | xp1_graceful_close
                                                                         : xp1_connectionless | xp1_message);
        info.ProviderId = kMockProviderGuid;
        info.dwCatalogEntryId = MockCatalogEntryId(s->af, s->type);
        info.ProtocolChain.ChainLen = 1;  // a base provider
        info.ProtocolChain.ChainEntries[0] = info.dwCatalogEntryId;
        info.iVersion = 2;
        info.iAddressFamily = s->af;
        info.iMaxSockAddr = SockaddrLen(s->af);
        info.iMinSockAddr = SockaddrLen(s->af);
        info.iSocketType = s->type;
        info.iProtocol = s->protocol;
        info.iNetworkByteOrder = 0;  // BIGENDIAN
        info.dwMessageSize = s->type == SOCK_STREAM ? 0 : static_cast<DWORD>(kMaxDatagramV4);
        const char* name = s->type == SOCK_STREAM ? "wsaconform mock TCP" : "wsaconform mock UDP";
        for (int i = 0; name[i] != 0; ++i) info.szProtocol[i] = static_cast<WCHAR>(name[i]);
        return put(&info, static_cast<int>(sizeof(info)));
      }
      default:
        return Fail(WSAENOPROTOOPT);
    }
  }
  if (level == IPPROTO_TCP) {
    if (s->type != SOCK_STREAM || optname != TCP_NODELAY) return Fail(WSAENOPROTOOPT);
    return put_int(s->nodelay ? 1 : 0);
  }
  if (level == IPPROTO_IP || level == IPPROTO_IPV6 || level == IPPROTO_UDP) return Fail(WSAENOPROTOOPT);
  return Fail(WSAEINVAL);
}

int Core::ioctlsocket(SOCKET h, long cmd, u_long* argp) {
  {
    Lock lk = Enter();
    if (!FindSocketLocked(h)) return Fail(WSAENOTSOCK);
    if (argp == nullptr) return Fail(WSAEFAULT);
  }
  const DWORD code = static_cast<DWORD>(cmd);
  if (code != static_cast<DWORD>(FIONBIO) && code != static_cast<DWORD>(FIONREAD)) return Fail(WSAEINVAL);
  DWORD returned = 0;
  // Same model as WSAIoctl without an overlapped structure.
  return WSAIoctl(h, code, argp, sizeof(u_long), argp, sizeof(u_long), &returned, nullptr, nullptr);
}

int Core::shutdown(SOCKET h, int how) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  if (how != SD_RECEIVE && how != SD_SEND && how != SD_BOTH) return Fail(WSAEINVAL);
  if (s->type == SOCK_STREAM && (!s->has_remote || s->listening)) return Fail(WSAENOTCONN);
  if (how == SD_RECEIVE || how == SD_BOTH) s->rd_shut = true;  // pending receives survive
  if (how == SD_SEND || how == SD_BOTH) s->wr_shut = true;     // FIN after queued data
  PumpLocked(s);
  FlushLocked();
  cv_.notify_all();
  return 0;
}

int Core::closesocket(SOCKET h) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  sockets_.erase(static_cast<std::uintptr_t>(h));
  retired_sockets_.insert(static_cast<std::uintptr_t>(h));
  s->closed = true;
  AbortForCloseLocked(s);
  AbortAcceptsIntoLocked(s);
  for (auto& pending : s->accept_q) {  // connections never accepted: reset
    pending->closed = true;
    if (SocketPtr client = pending->peer) ResetLocked(client);
  }
  s->accept_q.clear();
  if (SocketPtr p = s->peer) {
    const bool abortive = (s->lin.l_onoff != 0 && s->lin.l_linger == 0) || !s->rcvq.empty();
    if (abortive) {
      s->sndq.Clear();
      ResetLocked(p);
    } else {
      s->wr_shut = true;
      s->rd_shut = true;
      PumpStreamLocked(s, p);  // buffered data, then FIN
      if (p->closed) UnlinkLocked(s);
    }
  }
  s->rcvq.Clear();
  s->dgq.clear();
  s->dgq_bytes = 0;
  FlushLocked();
  cv_.notify_all();
  return 0;
}

// ---- Core: data transfer ------------------------------------------------------

namespace {

// Captures a WSABUF array (B: captured before the call returns). 0 or the
// error for the array.
int CaptureBuffers(LPWSABUF bufs, DWORD count, std::vector<WSABUF>* out, std::size_t* total) {
  if (bufs == nullptr) return WSAEFAULT;
  if (count == 0) return WSAEINVAL;
  out->assign(bufs, bufs + count);
  *total = 0;
  for (const WSABUF& b : *out) {
    if (b.buf == nullptr && b.len != 0) return WSAEFAULT;
    *total += b.len;
  }
  return 0;
}

}  // namespace

int Core::Receive(SOCKET h, LPWSABUF bufs, DWORD count, LPDWORD nbytes, LPDWORD flags, sockaddr* from,
                  LPINT fromlen, bool is_from, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr,
                  LPWSAMSG msg) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  auto op = std::make_shared<Op>();
  if (int e = CaptureBuffers(bufs, count, &op->bufs, &op->capacity)) return Fail(e);
  if (flags == nullptr || (ov == nullptr && nbytes == nullptr)) return Fail(WSAEFAULT);
  const DWORD in_flags = *flags;
  if ((in_flags & ~(MSG_PEEK | MSG_WAITALL | MSG_OOB | kMsgPushImmediate)) != 0) return Fail(WSAEINVAL);
  if ((in_flags & MSG_OOB) != 0) return Fail(WSAEOPNOTSUPP);
  const bool stream = s->type == SOCK_STREAM;
  if (is_from && from != nullptr && !stream && (fromlen == nullptr || *fromlen < SockaddrLen(s->af)))
    return Fail(WSAEFAULT);
  if (ov != nullptr && cr != nullptr && s->port) return Fail(WSAEINVAL);
  if (stream) {
    if (!s->has_remote || s->listening) return Fail(WSAENOTCONN);
    if (s->reset || !s->peer) return Fail(WSAECONNRESET);
  } else if (!s->bound) {
    return Fail(WSAEINVAL);
  }
  if (s->rd_shut) return Fail(WSAESHUTDOWN);
  const bool async = ov != nullptr && s->overlapped;
  if ((in_flags & MSG_WAITALL) != 0 && (!stream || (!async && s->nonblocking))) return Fail(WSAEOPNOTSUPP);

  op->kind = OpKind::kRecv;
  op->sock = s;
  op->ov = ov;
  op->routine = ov != nullptr ? cr : nullptr;
  op->thread = std::this_thread::get_id();
  op->indicate = ov != nullptr;
  op->may_pend = async;
  op->in_flags = in_flags;
  op->msg = msg;
  if (is_from && !stream) {
    op->from = from;
    op->fromlen = fromlen;
  }
  if (ov != nullptr) {
    RegisterThreadLocked();
    if (async) {
      ov->Internal = STATUS_PENDING;
      ov->InternalHigh = 0;
    }
    if (cr == nullptr) SetEventLocked(reinterpret_cast<std::uintptr_t>(ov->hEvent) & ~std::uintptr_t{1}, false);
  }
  s->recvs.push_back(op);
  PumpLocked(s);
  return FinishCallLocked(lk, op, s->recvs, nbytes, flags, s->rcvtimeo);
}

int Core::Send(SOCKET h, LPWSABUF bufs, DWORD count, LPDWORD nbytes, DWORD flags, const sockaddr* to, int tolen,
               bool is_to, LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  auto op = std::make_shared<Op>();
  std::size_t total = 0;
  if (int e = CaptureBuffers(bufs, count, &op->bufs, &total)) return Fail(e);
  if (ov == nullptr && nbytes == nullptr) return Fail(WSAEFAULT);
  if ((flags & ~(MSG_DONTROUTE | MSG_OOB | kMsgPushImmediate)) != 0) return Fail(WSAEINVAL);
  if ((flags & MSG_OOB) != 0) return Fail(WSAEOPNOTSUPP);
  if (ov != nullptr && cr != nullptr && s->port) return Fail(WSAEINVAL);
  const bool stream = s->type == SOCK_STREAM;
  Endpoint dest;
  if (stream) {
    if (!s->has_remote || s->listening) return Fail(WSAENOTCONN);
    if (s->wr_shut) return Fail(WSAESHUTDOWN);
    if (s->reset || !s->peer) return Fail(WSAECONNRESET);
  } else {
    if (s->has_remote) {
      dest = s->remote;  // a connected datagram socket ignores lpTo
    } else if (is_to && to != nullptr) {
      if (int e = DecodeSockaddr(to, tolen, s->af, &dest)) return Fail(e);
      if (dest.IsAny() || dest.port == 0) return Fail(WSAEADDRNOTAVAIL);
    } else {
      return Fail(WSAENOTCONN);
    }
    if (s->wr_shut) return Fail(WSAESHUTDOWN);
    if (total > (s->af == AF_INET ? kMaxDatagramV4 : kMaxDatagramV6)) return Fail(WSAEMSGSIZE);
  }
  const bool async = ov != nullptr && s->overlapped;
  op->kind = OpKind::kSend;
  op->sock = s;
  op->ov = ov;
  op->routine = ov != nullptr ? cr : nullptr;
  op->thread = std::this_thread::get_id();
  op->indicate = ov != nullptr;
  op->may_pend = async;
  op->data.reserve(total);
  for (const WSABUF& b : op->bufs) op->data.insert(op->data.end(), b.buf, b.buf + b.len);
  op->bufs.clear();
  if (stream && !async && s->nonblocking) {
    // A non-blocking send takes what fits now, never queues behind others.
    const std::size_t room = s->sends.empty() ? StreamRoomLocked(*s) : 0;
    if (room == 0 && total != 0) return Fail(WSAEWOULDBLOCK);
    if (op->data.size() > room) op->data.resize(room);
  }
  if (ov != nullptr) {
    RegisterThreadLocked();
    if (async) {
      ov->Internal = STATUS_PENDING;
      ov->InternalHigh = 0;
    }
    if (cr == nullptr) SetEventLocked(reinterpret_cast<std::uintptr_t>(ov->hEvent) & ~std::uintptr_t{1}, false);
  }
  if (stream) {
    s->sends.push_back(op);
    PumpStreamLocked(s, s->peer);
  } else {
    AutoBindLocked(*s, nullptr);
    DeliverDatagramLocked(*s, dest, op->data);
    CompleteLocked(op, 0, STATUS_SUCCESS, ToDword(total));
  }
  return FinishCallLocked(lk, op, s->sends, nbytes, nullptr, s->sndtimeo);
}

int Core::WSAIoctl(SOCKET h, DWORD code, LPVOID in, DWORD cb_in, LPVOID out, DWORD cb_out, LPDWORD returned,
                   LPWSAOVERLAPPED ov, LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(h);
  if (!s) return Fail(WSAENOTSOCK);
  if (returned == nullptr) return Fail(WSAEFAULT);
  if (ov != nullptr && cr != nullptr && s->port) return Fail(WSAEINVAL);
  const bool waits = code == static_cast<DWORD>(SIO_ADDRESS_LIST_CHANGE) ||
                     code == static_cast<DWORD>(SIO_ROUTING_INTERFACE_CHANGE);
  DWORD result_bytes = 0;
  if (code == static_cast<DWORD>(FIONBIO)) {
    if (in == nullptr || cb_in < sizeof(u_long)) return Fail(WSAEFAULT);
    u_long v = 0;
    std::memcpy(&v, in, sizeof(v));
    s->nonblocking = v != 0;
  } else if (code == static_cast<DWORD>(FIONREAD)) {
    if (out == nullptr || cb_out < sizeof(u_long)) return Fail(WSAEFAULT);
    const u_long v = static_cast<u_long>(s->type == SOCK_STREAM ? s->rcvq.size() : s->dgq_bytes);
    std::memcpy(out, &v, sizeof(v));
    result_bytes = sizeof(u_long);
  } else if (code == static_cast<DWORD>(SIO_BASE_HANDLE) || code == static_cast<DWORD>(SIO_BSP_HANDLE) ||
             code == static_cast<DWORD>(SIO_BSP_HANDLE_SELECT) || code == static_cast<DWORD>(SIO_BSP_HANDLE_POLL)) {
    // The mock is a base provider: each socket is its own base handle, and
    // the handle select() and WSAPoll() use (HANDLE-1..3). The poll handle is
    // asked for synchronously only (HANDLE-5).
    if (code == static_cast<DWORD>(SIO_BSP_HANDLE_POLL) && ov != nullptr) return Fail(WSAEFAULT);
    if (out == nullptr || cb_out < sizeof(SOCKET)) return Fail(WSAEFAULT);
    std::memcpy(out, &h, sizeof h);
    result_bytes = sizeof(SOCKET);
  } else if (code == static_cast<DWORD>(SIO_GET_EXTENSION_FUNCTION_POINTER)) {
    if (in == nullptr || cb_in < sizeof(GUID) || out == nullptr || cb_out < sizeof(void*)) return Fail(WSAEFAULT);
    return Fail(WSAEINVAL);  // the mock offers no extension functions
  } else if (!waits) {
    return Fail(WSAEINVAL);
  }
  auto op = std::make_shared<Op>();
  op->kind = OpKind::kIoctl;
  op->sock = s;
  op->ov = ov;
  op->routine = ov != nullptr ? cr : nullptr;
  op->thread = std::this_thread::get_id();
  op->indicate = ov != nullptr;
  op->may_pend = waits && ov != nullptr && s->overlapped;
  op->code = code;
  if (ov != nullptr) {
    RegisterThreadLocked();
    if (op->may_pend) {
      ov->Internal = STATUS_PENDING;
      ov->InternalHigh = 0;
    }
    if (cr == nullptr) SetEventLocked(reinterpret_cast<std::uintptr_t>(ov->hEvent) & ~std::uintptr_t{1}, false);
  }
  if (waits) {
    // Nothing ever changes on the mock network: it waits for cancel or close.
    s->ioctls.push_back(op);
    return FinishCallLocked(lk, op, s->ioctls, returned, nullptr, 0);
  }
  CompleteLocked(op, 0, STATUS_SUCCESS, result_bytes);
  return FinishCallLocked(lk, op, s->ioctls, returned, nullptr, 0);
}

BOOL Core::WSAGetOverlappedResult(SOCKET h, LPWSAOVERLAPPED ov, LPDWORD transfer, BOOL wait, LPDWORD flags) {
  Lock lk = Enter();
  // A closed socket's operations can still be read out (their abort result
  // is what S26 cases look at); a handle never issued cannot.
  const auto key = static_cast<std::uintptr_t>(h);
  if (!sockets_.count(key) && !retired_sockets_.count(key)) return FailWith(WSAENOTSOCK, FALSE);
  if (ov == nullptr || transfer == nullptr || flags == nullptr) return FailWith(WSAEFAULT, FALSE);
  if (ov->Internal == STATUS_PENDING) {
    if (!wait) return FailWith(WSA_IO_INCOMPLETE, FALSE);
    auto ev = FindEventLocked(
        reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(ov->hEvent) & ~std::uintptr_t{1}));
    WaitLocked(lk, kForever, "WSAGetOverlappedResult(fWait TRUE)",
               [&] { return ov->Internal != STATUS_PENDING || (ev && ev->signaled); });
    if (ov->Internal == STATUS_PENDING) return FailWith(WSA_IO_INCOMPLETE, FALSE);
  }
  *transfer = static_cast<DWORD>(ov->InternalHigh);
  *flags = ov->Offset;
  if (ov->OffsetHigh != 0) return FailWith(static_cast<int>(ov->OffsetHigh), FALSE);
  return TRUE;
}

// ---- Core: events and waits -------------------------------------------------

WSAEVENT Core::WSACreateEvent() {
  Lock lk = Enter();
  const std::uintptr_t h = NewHandleLocked();
  events_[h] = std::make_shared<Event>();
  return reinterpret_cast<WSAEVENT>(h);
}

BOOL Core::WSASetEvent(WSAEVENT e) {
  Lock lk = Enter();
  auto ev = FindEventLocked(e);
  if (!ev) return FailWith(WSA_INVALID_HANDLE, FALSE);
  ev->signaled = true;
  cv_.notify_all();
  return TRUE;
}

BOOL Core::WSAResetEvent(WSAEVENT e) {
  Lock lk = Enter();
  auto ev = FindEventLocked(e);
  if (!ev) return FailWith(WSA_INVALID_HANDLE, FALSE);
  ev->signaled = false;
  return TRUE;
}

BOOL Core::WSACloseEvent(WSAEVENT e) {
  Lock lk = Enter();
  if (events_.erase(reinterpret_cast<std::uintptr_t>(e)) == 0) return FailWith(WSA_INVALID_HANDLE, FALSE);
  return TRUE;
}

DWORD Core::WSAWaitForMultipleEvents(DWORD count, const WSAEVENT* handles, BOOL wait_all, DWORD timeout,
                                     BOOL alertable) {
  Lock lk = Enter();
  if (count == 0 || count > WSA_MAXIMUM_WAIT_EVENTS || handles == nullptr)
    return FailWith(WSA_INVALID_PARAMETER, WSA_WAIT_FAILED);
  std::vector<std::shared_ptr<Event>> events;
  for (DWORD i = 0; i < count; ++i) {
    auto ev = FindEventLocked(handles[i]);
    if (!ev) return FailWith(WSA_INVALID_HANDLE, WSA_WAIT_FAILED);
    events.push_back(ev);
  }
  const auto self = std::this_thread::get_id();
  // The first signaled event (its index), or count when none satisfies the wait.
  auto satisfied = [&]() -> DWORD {
    if (wait_all)
      return std::all_of(events.begin(), events.end(), [](const auto& ev) { return ev->signaled; }) ? 0 : count;
    for (DWORD i = 0; i < count; ++i)
      if (events[i]->signaled) return i;
    return count;
  };
  WaitLocked(lk, DeadlineAfterLocked(timeout), "WSAWaitForMultipleEvents",
             [&] { return satisfied() != count || (alertable && HasApcsForLocked(self)); });
  // As Windows: signaled objects satisfy the wait before queued APCs run.
  if (const DWORD i = satisfied(); i != count) return WSA_WAIT_EVENT_0 + i;
  if (alertable && HasApcsLocked()) {
    RunApcs(lk);
    return WSA_WAIT_IO_COMPLETION;
  }
  return WSA_WAIT_TIMEOUT;
}

DWORD Core::SleepEx(DWORD ms, BOOL alertable) {
  Lock lk = Enter();
  const auto self = std::this_thread::get_id();
  WaitLocked(lk, DeadlineAfterLocked(ms), "SleepEx", [&] { return alertable && HasApcsForLocked(self); });
  if (alertable && HasApcsLocked()) {
    RunApcs(lk);
    return WAIT_IO_COMPLETION;
  }
  return 0;
}

// ---- Core: completion ports -------------------------------------------------

HANDLE Core::CreateIoCompletionPort(HANDLE file, HANDLE existing, ULONG_PTR key, DWORD /*threads*/) {
  Lock lk = Enter();
  auto new_port = [&] {
    const std::uintptr_t h = NewHandleLocked();
    ports_[h] = std::make_shared<Port>();
    return h;
  };
  if (file == INVALID_HANDLE_VALUE) {
    if (existing != nullptr) return FailWith(ERROR_INVALID_PARAMETER, nullptr);
    return reinterpret_cast<HANDLE>(new_port());
  }
  SocketPtr s = FindSocketLocked(static_cast<SOCKET>(reinterpret_cast<std::uintptr_t>(file)));
  if (!s) return FailWith(ERROR_INVALID_HANDLE, nullptr);
  std::uintptr_t ph = reinterpret_cast<std::uintptr_t>(existing);
  if (existing != nullptr && !ports_.count(ph)) return FailWith(ERROR_INVALID_HANDLE, nullptr);
  if (s->port) return FailWith(ERROR_INVALID_PARAMETER, nullptr);  // one association per handle
  if (existing == nullptr) ph = new_port();
  s->port = ports_[ph];
  s->key = key;
  return reinterpret_cast<HANDLE>(ph);
}

BOOL Core::GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key, LPOVERLAPPED* ov, DWORD ms) {
  Lock lk = Enter();
  if (ov == nullptr || bytes == nullptr || key == nullptr) return FailWith(ERROR_INVALID_PARAMETER, FALSE);
  auto it = ports_.find(reinterpret_cast<std::uintptr_t>(port));
  if (it == ports_.end()) {
    *ov = nullptr;
    return FailWith(ERROR_INVALID_HANDLE, FALSE);
  }
  std::shared_ptr<Port> p = it->second;
  WaitLocked(lk, DeadlineAfterLocked(ms), "GetQueuedCompletionStatus",
             [&] { return !p->packets.empty() || p->closed; });
  if (p->packets.empty()) {
    *ov = nullptr;
    return FailWith(p->closed ? kErrorAbandonedWait0 : static_cast<int>(WAIT_TIMEOUT), FALSE);
  }
  Packet packet = p->packets.front();
  p->packets.pop_front();
  *bytes = packet.bytes;
  *key = packet.key;
  *ov = packet.ov;
  if (packet.error != 0) return FailWith(packet.error, FALSE);
  return TRUE;
}

// GetQueuedCompletionStatusEx waits as GetQueuedCompletionStatus does for
// the first packet, then takes the packets already queued behind it, up to
// ulCount, in FIFO order. Under chaos the batch may stop early (the page
// promises at least one entry, not all that are queued). An entry's Internal
// carries the packet's error (0 for success) where Windows puts the
// operation's NTSTATUS. fAlertable is not modelled: no APCs run in this wait.
BOOL Core::GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries, ULONG count, PULONG removed,
                                       DWORD ms, BOOL alertable) {
  (void)alertable;
  Lock lk = Enter();
  if (entries == nullptr || removed == nullptr || count == 0) return FailWith(ERROR_INVALID_PARAMETER, FALSE);
  *removed = 0;
  auto it = ports_.find(reinterpret_cast<std::uintptr_t>(port));
  if (it == ports_.end()) return FailWith(ERROR_INVALID_HANDLE, FALSE);
  std::shared_ptr<Port> p = it->second;
  WaitLocked(lk, DeadlineAfterLocked(ms), "GetQueuedCompletionStatusEx",
             [&] { return !p->packets.empty() || p->closed; });
  if (p->packets.empty()) return FailWith(p->closed ? kErrorAbandonedWait0 : static_cast<int>(WAIT_TIMEOUT), FALSE);
  ULONG taken = 0;
  while (taken < count && !p->packets.empty()) {
    if (taken > 0 && ChaosCoin(0.3)) break;
    const Packet packet = p->packets.front();
    p->packets.pop_front();
    entries[taken] = OVERLAPPED_ENTRY{packet.key, packet.ov, static_cast<ULONG_PTR>(packet.error), packet.bytes};
    ++taken;
  }
  *removed = taken;
  return TRUE;
}

BOOL Core::SetFileCompletionNotificationModes(HANDLE file, UCHAR flags) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(static_cast<SOCKET>(reinterpret_cast<std::uintptr_t>(file)));
  if (!s) return FailWith(ERROR_INVALID_HANDLE, FALSE);
  if ((flags & ~(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE)) != 0)
    return FailWith(ERROR_INVALID_PARAMETER, FALSE);
  s->notify_modes = flags;
  return TRUE;
}

BOOL Core::CloseHandle(HANDLE h) {
  Lock lk = Enter();
  const auto key = reinterpret_cast<std::uintptr_t>(h);
  auto it = ports_.find(key);
  if (it != ports_.end()) {
    it->second->closed = true;
    it->second->packets.clear();
    ports_.erase(it);
    cv_.notify_all();
    return TRUE;
  }
  if (events_.erase(key) != 0) return TRUE;
  return FailWith(ERROR_INVALID_HANDLE, FALSE);
}

BOOL Core::CancelIoEx(HANDLE h, LPOVERLAPPED ov) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(static_cast<SOCKET>(reinterpret_cast<std::uintptr_t>(h)));
  if (!s) return FailWith(ERROR_INVALID_HANDLE, FALSE);
  const int n = AbortOpsLocked(
      s, [&](const Op& op) { return op.may_pend && (ov == nullptr || op.ov == ov); }, WSA_OPERATION_ABORTED,
      STATUS_CANCELLED);
  FlushLocked();
  if (n == 0) return FailWith(ERROR_NOT_FOUND, FALSE);
  return TRUE;
}

BOOL Core::CancelIo(HANDLE h) {
  Lock lk = Enter();
  SocketPtr s = FindSocketLocked(static_cast<SOCKET>(reinterpret_cast<std::uintptr_t>(h)));
  if (!s) return FailWith(ERROR_INVALID_HANDLE, FALSE);
  const auto self = std::this_thread::get_id();
  AbortOpsLocked(s, [&](const Op& op) { return op.may_pend && op.thread == self; }, WSA_OPERATION_ABORTED,
                 STATUS_CANCELLED);
  FlushLocked();
  return TRUE;
}

// ---- Core: QueueUserAPC and PostQueuedCompletionStatus -----------------------
// Kept apart from the waits above: both only append to a queue those waits
// already serve in order, behind what is there.

DWORD Core::QueueUserAPC(PAPCFUNC fn, HANDLE thread, ULONG_PTR data) {
  Lock lk = Enter();  // registers the thread
  if (fn == nullptr) return FailWith(ERROR_INVALID_PARAMETER, DWORD{0});
  // Only the calling thread's pseudo-handle: the mock names no other threads.
  if (thread != GetCurrentThread()) return FailWith(ERROR_INVALID_HANDLE, DWORD{0});
  threads_[std::this_thread::get_id()].apcs.push_back(Apc{nullptr, 0, 0, nullptr, 0, fn, data});
  cv_.notify_all();
  return 1;
}

BOOL Core::PostQueuedCompletionStatus(HANDLE port, DWORD bytes, ULONG_PTR key, LPOVERLAPPED ov) {
  Lock lk = Enter();
  auto it = ports_.find(reinterpret_cast<std::uintptr_t>(port));
  if (it == ports_.end()) return FailWith(ERROR_INVALID_HANDLE, FALSE);
  it->second->packets.push_back(Packet{bytes, key, ov, 0});
  cv_.notify_all();
  return TRUE;
}

}  // namespace wsac::mock

namespace wsac {

bool VirtualClockSeesEveryThread() {
  static const bool sees = mock::ThreadProbe::Open() != nullptr;
  return sees;
}

void SetMockStallReporter(std::function<void(const std::string&)> reporter) {
  std::lock_guard lock(mock::StallReporterMutex());
  mock::StallReporter() = std::move(reporter);
}

}  // namespace wsac
