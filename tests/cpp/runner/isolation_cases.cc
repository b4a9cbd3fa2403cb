// Synthetic cases for wsac_isolation_probe: the runner's own main and
// results stream with these cases, over a provider that indicates an
// operation once more after the case that started it has ended, the way a
// provider that breaks IND-1 late would. runner_test.cc runs them in pairs
// (the case that starts the operation, then LateProbe.Quiet, which sees the
// late indication) and alone (seen only after the last case), and checks
// the late_indication line names the case that started the operation.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "suite/fixtures/call_case.h"
#include "suite/fixtures/observer.h"
#include "suite/fixtures/socket_pair.h"
#include "suite/harness/case.h"
#include "suite/harness/check.h"
#include "suite/providers/mock/mock_provider.h"
#include "suite/providers/mutants/intercepting_provider.h"

namespace wsac {
namespace {

// Indicates the armed operation once more, through its own mechanism, at
// the first call it sees after the case that armed it has ended (the next
// case opening its sockets, or the last drain queuing its canary).
class LateIndicator final : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;

  void Arm(LPWSAOVERLAPPED ov) {
    std::lock_guard lock(mu_);
    armed_ = ov;
  }

  SOCKET WSASocketW(int af, int type, int protocol, LPWSAPROTOCOL_INFOW info, unsigned g, DWORD flags) override {
    IndicateIfItsCaseEnded();
    return InterceptingProvider::WSASocketW(af, type, protocol, info, g, flags);
  }
  DWORD QueueUserAPC(PAPCFUNC fn, HANDLE thread, ULONG_PTR data) override {
    IndicateIfItsCaseEnded();
    return InterceptingProvider::QueueUserAPC(fn, thread, data);
  }

 protected:
  void OnCompletion(const OperationRecord& op, CompletionReport& report) override {
    (void)op;
    std::lock_guard lock(mu_);
    if (report.ov != armed_) return;
    armed_ = nullptr;
    again_ = Again{report, RunningCaseId()};
  }

 private:
  struct Again {
    CompletionReport report;
    std::string case_id;
  };
  void IndicateIfItsCaseEnded() {
    std::optional<Again> again;
    {
      std::lock_guard lock(mu_);
      if (!again_ || again_->case_id == RunningCaseId()) return;
      again.swap(again_);
    }
    IndicateAgain(again->report.ov, again->report);
  }

  std::mutex mu_;
  LPWSAOVERLAPPED armed_ = nullptr;
  std::optional<Again> again_;
};

LateIndicator* g_late = nullptr;

// The probe's cases run over a LateIndicator around a mock of their own;
// giving the runner's provider back at the end is what makes the observers
// take their last look (harness: provider-leaving hook).
class LateIndicatorEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    original_ = &ActiveProvider();
    provider_ = std::make_unique<LateIndicator>(MakeMockProvider(MockOptions{}));
    g_late = provider_.get();
    SetActiveProvider(provider_.get());
  }
  void TearDown() override {
    SetActiveProvider(original_);
    g_late = nullptr;
    provider_.reset();
  }

 private:
  Provider* original_ = nullptr;
  std::unique_ptr<LateIndicator> provider_;
};
[[maybe_unused]] ::testing::Environment* const g_environment =
    ::testing::AddGlobalTestEnvironment(new LateIndicatorEnvironment);

// A receive that pends, completed by the peer and indicated once through
// `m`; with `again`, the provider indicates it again after the case ended.
void IndicatedOnce(Mechanism m, bool again) {
  Provider& p = ActiveProvider();
  CompletionObserver observer(p, m);  // before the pair: drains after the close
  ConnectedPair pair = ConnectedPair::Open(p, SocketKind::Tcp4);
  observer.Attach(pair.a);
  Operation& op = observer.NewOperation(pair.a);
  if (again) g_late->Arm(&op.ov);
  char* buf = LongLivedBuffer(64);
  WSABUF wsabuf{64, buf};
  DWORD bytes = 0, flags = 0;
  int ret = p.WSARecv(pair.a, &wsabuf, 1, &bytes, &flags, &op.ov, observer.routine());
  observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
  WSAC_ASSERT_EQ("IND-1", op.outcome, Outcome::Pending) << observer.Describe(op);
  pair.SendFromPeer(CounterPattern(0, 16));
  std::optional<Indication> ind = observer.Wait(op);
  WSAC_ASSERT_TRUE("IND-1", ind.has_value()) << observer.Describe(op);
  WSAC_EXPECT_EQ("IND-1", op.indications_seen, 1) << observer.Describe(op);
}

WSAC_CASE(LateProbe, RoutineRunsAgainLater, "IND-1") { IndicatedOnce(Mechanism::Routine, true); }
WSAC_CASE(LateProbe, EventSignaledAgainLater, "IND-1") { IndicatedOnce(Mechanism::Event, true); }
WSAC_CASE(LateProbe, PollingEventSignaledAgainLater, "IND-1") { IndicatedOnce(Mechanism::Polling, true); }
WSAC_CASE(LateProbe, PortPacketAgainLater, "IND-1") { IndicatedOnce(Mechanism::Port, true); }

// A case with nothing wrong of its own, in which the late one comes. Its
// routine mechanism makes its drain run this thread's queued routines.
WSAC_CASE(LateProbe, Quiet, "IND-1") { IndicatedOnce(Mechanism::Routine, false); }

}  // namespace
}  // namespace wsac
