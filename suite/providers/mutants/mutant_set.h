// The registry's building blocks: each mutant file contributes the entries
// of one group of statements.
#pragma once

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "suite/providers/mutants/intercepting_provider.h"
#include "suite/providers/mutants/mutants.h"

namespace wsac {

using MutantFactory = std::function<std::unique_ptr<Provider>(std::unique_ptr<Provider>)>;

struct MutantEntry {
  MutantInfo info;
  MutantFactory wrap;  // empty for switches of the mock's model
};

template <class M>
MutantFactory Make() {
  return [](std::unique_ptr<Provider> t) -> std::unique_ptr<Provider> { return std::make_unique<M>(std::move(t)); };
}
// For a mutant class that imitates one of several variants of a mistake.
template <class M, class Arg>
MutantFactory MakeWith(Arg arg) {
  return [arg](std::unique_ptr<Provider> t) -> std::unique_ptr<Provider> {
    return std::make_unique<M>(std::move(t), arg);
  };
}

void AddSourceStatementMutants(std::vector<MutantEntry>& out);  // S1..S27
void AddArgumentMutants(std::vector<MutantEntry>& out);         // ARG, BAD, ERR
void AddEventMutants(std::vector<MutantEntry>& out);            // EVT
void AddRoutineMutants(std::vector<MutantEntry>& out);          // APC
void AddPortMutants(std::vector<MutantEntry>& out);             // IOCP
void AddCloseMutants(std::vector<MutantEntry>& out);            // CLOSE
void AddDatagramMutants(std::vector<MutantEntry>& out);         // DGRAM
void AddIoctlMutants(std::vector<MutantEntry>& out);            // IOCTL
void AddWindowsReferenceMutants(std::vector<MutantEntry>& out); // WIN
void AddLegalMutants(std::vector<MutantEntry>& out);            // no statement broken
// ---- extension functions: messages and transmit ----
void AddMsgMutants(std::vector<MutantEntry>& out);              // MSG
void AddTransmitMutants(std::vector<MutantEntry>& out);         // XMIT
// ---- handles ----
void AddHandleMutants(std::vector<MutantEntry>& out);           // HANDLE
void AddFileMutants(std::vector<MutantEntry>& out);             // FILE
void AddPortBatchMutants(std::vector<MutantEntry>& out);        // PORTX
// ---- extension functions: connect ----
void AddConnectMutants(std::vector<MutantEntry>& out);          // CONNECT, DISC
// ---- extension functions: accept ----
void AddAcceptMutants(std::vector<MutantEntry>& out);           // ACCEPT, DISC-5
// The switches among `switches` that this build of the mock offers.
void AddOfferedModelSwitches(std::vector<MutantEntry>& out, const std::vector<MutantInfo>& switches);

inline ULONG TotalLength(const WSABUF* bufs, DWORD count) {
  ULONG total = 0;
  if (bufs != nullptr)
    for (DWORD i = 0; i < count; ++i) total += bufs[i].len;
  return total;
}

// Something a mutant keeps for an operation until its indication.
template <class T>
class PerOperation {
 public:
  void Put(LPWSAOVERLAPPED ov, T value) {
    std::lock_guard lock(mu_);
    items_[ov] = std::move(value);
  }
  std::optional<T> Take(LPWSAOVERLAPPED ov) {
    std::lock_guard lock(mu_);
    auto it = items_.find(ov);
    if (it == items_.end()) return std::nullopt;
    std::optional<T> value = std::move(it->second);
    items_.erase(it);
    return value;
  }

 private:
  std::mutex mu_;
  std::map<LPWSAOVERLAPPED, T> items_;
};

// The per-operation context of a layered provider: the application's
// WSAOVERLAPPED copied at the head of a block of its own, big enough for
// whatever an application keeps after its WSAOVERLAPPED (the case's
// observer finds its bookkeeping there). Blocks are kept for the run.
class ContextBlocks {
 public:
  LPWSAOVERLAPPED CopyOf(LPWSAOVERLAPPED ov) {
    char* block;
    {
      std::lock_guard lock(mu_);
      block = blocks_.emplace_back(4096, '\0').data();
    }
    std::memcpy(block, ov, sizeof(WSAOVERLAPPED));
    return reinterpret_cast<LPWSAOVERLAPPED>(block);
  }

 private:
  std::mutex mu_;
  std::deque<std::vector<char>> blocks_;
};

// Runs the completion routine of a call that returned 0 inside that call,
// when RunsInCall says so; the routine's real, later run is swallowed.
class RoutineRunInCall : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;

 protected:
  virtual bool RunsInCall(const InitiatingCall& call) = 0;
  // Around the routine's run inside the call.
  virtual void RunNow(LPWSAOVERLAPPED_COMPLETION_ROUTINE routine, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags) {
    routine(0, bytes, ov, flags);
  }
  void AfterCall(InitiatingCall& call) override {
    if (call.ret != 0 || call.routine == nullptr || !RunsInCall(call)) return;
    {
      std::lock_guard lock(mu_);
      ran_.insert(call.ov);
    }
    DWORD bytes = call.bytes != nullptr ? *call.bytes : static_cast<DWORD>(call.ov->InternalHigh);
    RunNow(call.routine, bytes, call.ov, call.flags != nullptr ? *call.flags : 0);
  }
  void OnCompletion(const OperationRecord&, CompletionReport& r) override {
    std::lock_guard lock(mu_);
    if (ran_.erase(r.ov) != 0) r.deliver = false;  // it already ran
  }

 private:
  std::mutex mu_;
  std::set<LPWSAOVERLAPPED> ran_;
};

// What a receive's buffers held, to put back: a provider that never copied
// the data leaves them as they were.
class BufferImage {
 public:
  BufferImage() = default;
  BufferImage(const WSABUF* bufs, DWORD count) {
    if (bufs == nullptr) return;
    for (DWORD i = 0; i < count; ++i) {
      bufs_.push_back(bufs[i]);
      bytes_.emplace_back(bufs[i].buf, bufs[i].buf + (bufs[i].buf != nullptr ? bufs[i].len : 0));
    }
  }
  void Restore() const {
    for (size_t i = 0; i < bufs_.size(); ++i)
      if (!bytes_[i].empty()) std::memcpy(bufs_[i].buf, bytes_[i].data(), bytes_[i].size());
  }

 private:
  std::vector<WSABUF> bufs_;
  std::vector<std::vector<char>> bytes_;
};

}  // namespace wsac
