// The mutant layer's self-test. A mutant is evidence only if it differs from
// its target in exactly the behaviour it names, so: the interception layer
// with no hook overridden must change nothing (each mechanism, routines
// through the trampoline included); every registered mutant must name a
// statement of the catalog and be constructible; the registry must refuse
// choices it cannot honour with a message, never a null provider silently.
#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "suite/catalog/catalog.h"
#include "suite/fixtures/observer.h"
#include "suite/fixtures/socket_pair.h"
#include "suite/providers/mock/mock_provider.h"
#include "suite/providers/mutants/intercepting_provider.h"
#include "suite/providers/mutants/mutants.h"
#include "suite/providers/registry.h"

namespace wsac {
namespace {

// Everything a case could see of one operation, for comparing a provider
// with the same provider behind the interceptor.
struct Seen {
  Outcome outcome = Outcome::Failed;
  int call_error = -1;
  bool indicated = false;
  DWORD error = 0, bytes = 0, flags = 0;
  ULONG_PTR key = 0;
  bool own_overlapped = false;  // the indication named the operation's WSAOVERLAPPED
  bool initiating_thread = false;
  int routine_runs = 0;
  bool data_intact = false;
  bool quiet_after_failure = false;
  bool incomplete_while_pending = false;  // WSAGetOverlappedResult said WSA_IO_INCOMPLETE
  DWORD count_at_return = 0;              // *lpNumberOfBytes* right after the call (set to kUnwritten before)

  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{" << OutcomeName(s.outcome) << " err=" << s.call_error << " indicated=" << s.indicated
            << " error=" << s.error << " bytes=" << s.bytes << " flags=" << s.flags << " key=" << s.key
            << " own_ov=" << s.own_overlapped << " thread=" << s.initiating_thread << " runs=" << s.routine_runs
            << " data=" << s.data_intact << " quiet=" << s.quiet_after_failure
            << " incomplete=" << s.incomplete_while_pending << " count_at_return=" << s.count_at_return << "}";
}

enum class Scenario { PendingReceive, ImmediateReceive, Send, FailedReceive };
const char* ScenarioName(Scenario s) {
  switch (s) {
    case Scenario::PendingReceive: return "PendingReceive";
    case Scenario::ImmediateReceive: return "ImmediateReceive";
    case Scenario::Send: return "Send";
    case Scenario::FailedReceive: return "FailedReceive";
  }
  return "?";
}

void Record(Seen& seen, CompletionObserver& observer, Operation& op, const std::optional<Indication>& ind) {
  seen.outcome = op.outcome;
  seen.call_error = op.call_error;
  seen.indicated = ind.has_value();
  if (ind) {
    seen.error = ind->error;
    seen.bytes = ind->bytes;
    seen.flags = ind->flags;
    seen.key = ind->key;
    seen.own_overlapped = ind->overlapped == &op.ov;
    seen.initiating_thread = observer.mechanism() != Mechanism::Routine || ind->thread == std::this_thread::get_id();
  }
  seen.routine_runs = op.routine_runs.load();
}

Seen RunScenario(Provider& p, SocketKind kind, Mechanism m, Scenario scenario) {
  Seen seen;
  CompletionObserver observer(p, m);  // before the pair: destroyed after it
  ConnectedPair pair = ConnectedPair::Open(p, kind);
  observer.Attach(pair.a);
  const std::vector<char> data = CounterPattern(0, 48, 3);
  std::vector<char> buf(64, 0);
  WSABUF wsabuf{static_cast<ULONG>(buf.size()), buf.data()};
  constexpr DWORD kUnwritten = 0xDEAD;
  DWORD bytes = kUnwritten, flags = 0;
  Operation& op = observer.NewOperation(pair.a);

  switch (scenario) {
    case Scenario::PendingReceive: {
      int ret = p.WSARecv(pair.a, &wsabuf, 1, &bytes, &flags, &op.ov, observer.routine());
      observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
      seen.count_at_return = bytes;
      // While it pends, WSAGetOverlappedResult must say so, through either provider.
      DWORD n = 0, f = 0;
      seen.incomplete_while_pending =
          p.WSAGetOverlappedResult(pair.a, &op.ov, &n, FALSE, &f) == FALSE && p.WSAGetLastError() == WSA_IO_INCOMPLETE;
      pair.SendFromPeer(data);
      Record(seen, observer, op, observer.Wait(op));
      seen.data_intact = FirstMismatch(buf.data(), data.size(), 0, 3) == -1;
      break;
    }
    case Scenario::ImmediateReceive: {
      pair.SendFromPeer(data);
      pair.WaitUntilQueued(pair.a, data.size());
      int ret = p.WSARecv(pair.a, &wsabuf, 1, &bytes, &flags, &op.ov, observer.routine());
      observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
      seen.count_at_return = bytes;
      Record(seen, observer, op, op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op));
      seen.data_intact = FirstMismatch(buf.data(), data.size(), 0, 3) == -1;
      break;
    }
    case Scenario::Send: {
      WSABUF out{static_cast<ULONG>(data.size()), const_cast<char*>(data.data())};
      int ret = p.WSASend(pair.a, &out, 1, &bytes, 0, &op.ov, observer.routine());
      observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
      seen.count_at_return = bytes;
      Record(seen, observer, op, op.outcome == Outcome::Immediate ? observer.TakeImmediate(op) : observer.Wait(op));
      seen.data_intact = pair.ReceiveOnPeer(data.size()) == data;
      break;
    }
    case Scenario::FailedReceive: {
      int ret = p.WSARecv(pair.a, &wsabuf, 0, &bytes, &flags, &op.ov, observer.routine());
      observer.Track(op, ret, ret == 0 ? 0 : p.WSAGetLastError());
      seen.outcome = op.outcome;
      seen.call_error = op.call_error;
      seen.quiet_after_failure = !observer.IndicatedWithin(op, std::chrono::milliseconds(30));
      break;
    }
  }
  return seen;
}

struct PassThroughParam {
  SocketKind kind;
  Mechanism mechanism;
  Scenario scenario;
};
void PrintTo(const PassThroughParam& param, std::ostream* os) {
  *os << KindName(param.kind) << MechanismName(param.mechanism) << ScenarioName(param.scenario);
}

class InterceptorPassThrough : public ::testing::TestWithParam<PassThroughParam> {};

TEST_P(InterceptorPassThrough, SeesWhatTheTargetAloneGives) {
  const auto& param = GetParam();
  Seen direct, intercepted;
  {
    std::unique_ptr<Provider> mock = MakeMockProvider(MockOptions{});
    ASSERT_NE(mock, nullptr);
    direct = RunScenario(*mock, param.kind, param.mechanism, param.scenario);
  }
  {
    InterceptingProvider wrapped(MakeMockProvider(MockOptions{}));
    intercepted = RunScenario(wrapped, param.kind, param.mechanism, param.scenario);
  }
  EXPECT_EQ(intercepted, direct);

  // And what the target gives is itself sane, or the comparison proves little.
  if (param.scenario == Scenario::FailedReceive) {
    EXPECT_EQ(direct.outcome, Outcome::Failed);
    EXPECT_TRUE(direct.quiet_after_failure);
  } else {
    EXPECT_NE(direct.outcome, Outcome::Failed);
    EXPECT_TRUE(direct.indicated);
    EXPECT_TRUE(direct.own_overlapped);
    EXPECT_TRUE(direct.initiating_thread);
    EXPECT_TRUE(direct.data_intact);
    EXPECT_EQ(direct.error, 0u);
    EXPECT_EQ(direct.bytes, 48u);
    EXPECT_EQ(direct.routine_runs, param.mechanism == Mechanism::Routine ? 1 : 0);
  }
  if (param.scenario == Scenario::PendingReceive) {
    EXPECT_EQ(direct.outcome, Outcome::Pending);
    EXPECT_EQ(direct.call_error, WSA_IO_PENDING);
    EXPECT_TRUE(direct.incomplete_while_pending);
  }
}

std::vector<PassThroughParam> AllPassThroughParams() {
  std::vector<PassThroughParam> out;
  for (SocketKind k : {SocketKind::Tcp4, SocketKind::Udp6})
    for (Mechanism m : kAllMechanisms)
      for (Scenario s : {Scenario::PendingReceive, Scenario::ImmediateReceive, Scenario::Send, Scenario::FailedReceive})
        out.push_back({k, m, s});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Mock, InterceptorPassThrough, ::testing::ValuesIn(AllPassThroughParams()),
                         [](const ::testing::TestParamInfo<PassThroughParam>& info) {
                           return std::string(KindName(info.param.kind)) + MechanismName(info.param.mechanism) +
                                  ScenarioName(info.param.scenario);
                         });

// The legal mutant takes the other permitted branch and changes nothing
// else: a call the mock completes at once pends instead, writes no count,
// and its indication, through each mechanism, reports what the mock's does.
class AlwaysPendsOnlyPends : public ::testing::TestWithParam<PassThroughParam> {};

TEST_P(AlwaysPendsOnlyPends, SameIndicationOnlyLater) {
  const auto& param = GetParam();
  Seen direct, pended;
  {
    std::unique_ptr<Provider> mock = MakeMockProvider(MockOptions{});
    direct = RunScenario(*mock, param.kind, param.mechanism, param.scenario);
  }
  {
    std::unique_ptr<Provider> mutant = WrapInMutant("always-pends", MakeMockProvider(MockOptions{}));
    ASSERT_NE(mutant, nullptr);
    pended = RunScenario(*mutant, param.kind, param.mechanism, param.scenario);
  }
  if (direct.outcome == Outcome::Immediate) {
    EXPECT_EQ(pended.outcome, Outcome::Pending);
    EXPECT_EQ(pended.call_error, WSA_IO_PENDING);
    EXPECT_EQ(pended.count_at_return, 0xDEADu) << "a call that pends writes no count";
    pended.outcome = direct.outcome;
    pended.call_error = direct.call_error;
    pended.count_at_return = direct.count_at_return;
  }
  EXPECT_EQ(pended, direct);
}

INSTANTIATE_TEST_SUITE_P(Mock, AlwaysPendsOnlyPends, ::testing::ValuesIn(AllPassThroughParams()),
                         [](const ::testing::TestParamInfo<PassThroughParam>& info) {
                           return std::string(KindName(info.param.kind)) + MechanismName(info.param.mechanism) +
                                  ScenarioName(info.param.scenario);
                         });

// The comparison above can fail: a mutant built on the same interceptor is
// told apart from its target by it.
TEST(InterceptorPassThrough, ComparisonTellsAMutantApart) {
  Seen direct, mutated;
  {
    std::unique_ptr<Provider> mock = MakeMockProvider(MockOptions{});
    direct = RunScenario(*mock, SocketKind::Tcp4, Mechanism::Event, Scenario::PendingReceive);
  }
  for (const char* name : {"pending-indicates-io-pending", "pending-receive-data-left-in-bounce-buffer"}) {
    ASSERT_NE(FindMutant(name), nullptr) << name;
    std::unique_ptr<Provider> mutant = WrapInMutant(name, MakeMockProvider(MockOptions{}));
    ASSERT_NE(mutant, nullptr) << name;
    mutated = RunScenario(*mutant, SocketKind::Tcp4, Mechanism::Event, Scenario::PendingReceive);
    EXPECT_NE(mutated, direct) << name;
  }
}

TEST(InterceptorPassThrough, IdentityAndTimeoutsPassThrough) {
  InterceptingProvider wrapped(MakeMockProvider(MockOptions{}));
  std::unique_ptr<Provider> plain = MakeMockProvider(MockOptions{});
  EXPECT_EQ(wrapped.Name(), plain->Name());
  EXPECT_EQ(wrapped.Build(), plain->Build());

  // An empty port: both answer "timed out" the same way.
  for (Provider* p : {static_cast<Provider*>(&wrapped), plain.get()}) {
    HANDLE port = p->CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
    ASSERT_NE(port, nullptr);
    DWORD bytes = 123;
    ULONG_PTR key = 456;
    LPOVERLAPPED ov = reinterpret_cast<LPOVERLAPPED>(&bytes);
    EXPECT_EQ(p->GetQueuedCompletionStatus(port, &bytes, &key, &ov, 10), FALSE);
    EXPECT_EQ(ov, nullptr);
    EXPECT_EQ(p->GetLastError(), static_cast<DWORD>(WAIT_TIMEOUT));
    p->CloseHandle(port);
  }
}

// ---- the registry of mutants ----------------------------------------------

TEST(MutantList, EnoughUniqueNamedMutantsEachBreakingACatalogStatement) {
  std::vector<MutantInfo> mutants = ListMutants();
  EXPECT_GE(mutants.size(), 40u);
  std::set<std::string> names;
  for (const auto& m : mutants) {
    SCOPED_TRACE(m.name);
    EXPECT_FALSE(m.name.empty());
    EXPECT_TRUE(std::all_of(m.name.begin(), m.name.end(),
                            [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }))
        << "command-line names are lower-case words joined by '-'";
    EXPECT_TRUE(names.insert(m.name).second) << "duplicate name";
    if (m.legal) {
      EXPECT_TRUE(m.statement.empty()) << "a legal mutant breaks no statement";
      EXPECT_FALSE(m.unexercised.empty()) << "a legal mutant names the statements its choice leaves unexercised";
      for (const auto& id : m.unexercised) EXPECT_NE(FindStatement(id), nullptr) << id;
    } else {
      EXPECT_NE(FindStatement(m.statement), nullptr) << "statement '" << m.statement << "' is not in the catalog";
      EXPECT_TRUE(m.unexercised.empty());
    }
    EXPECT_FALSE(m.description.empty());
    const MutantInfo* found = FindMutant(m.name);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->statement, m.statement);
    EXPECT_EQ(found->wrapper, m.wrapper);
    EXPECT_EQ(found->legal, m.legal);
  }
  EXPECT_EQ(FindMutant("no-such-mutant"), nullptr);
  EXPECT_EQ(FindMutant(""), nullptr);
}

TEST(MutantList, ModelSwitchesAreOnesTheMockOffers) {
  std::set<std::string> offered = MockFaultNames();
  for (const auto& m : ListMutants())
    if (!m.wrapper) {
      EXPECT_EQ(offered.count(m.name), 1u) << m.name;
    }
}

TEST(MutantList, EveryWrapperMutantWrapsAndEverySwitchDoesNot) {
  for (const auto& m : ListMutants()) {
    SCOPED_TRACE(m.name);
    std::unique_ptr<Provider> wrapped = WrapInMutant(m.name, MakeMockProvider(MockOptions{}));
    if (m.wrapper) {
      ASSERT_NE(wrapped, nullptr);
      EXPECT_EQ(wrapped->Name(), "mock");  // a mutant reports the provider it wraps
    } else {
      EXPECT_EQ(wrapped, nullptr) << "a model switch is built by MakeProvider, not wrapped";
    }
  }
  EXPECT_EQ(WrapInMutant("no-such-mutant", MakeMockProvider(MockOptions{})), nullptr);
}

TEST(MutantList, EveryMutantIsBuiltByTheRegistryOverTheMock) {
  for (const auto& m : ListMutants()) {
    SCOPED_TRACE(m.name);
    std::string error;
    ProviderChoice choice;
    choice.provider = "mock";
    choice.mutant = m.name;
    std::unique_ptr<Provider> p = MakeProvider(choice, &error);
    ASSERT_NE(p, nullptr) << error;
    EXPECT_TRUE(error.empty()) << error;
    // Usable enough that the suite can run against it.
    ConnectedPair pair = ConnectedPair::Open(*p, SocketKind::Tcp4);
    EXPECT_NE(pair.a, INVALID_SOCKET);
  }
}

// ---- the registry's refusals ----------------------------------------------

TEST(Registry, DefaultChoiceIsTheMock) {
  std::string error;
  std::unique_ptr<Provider> p = MakeProvider(ProviderChoice{}, &error);
  ASSERT_NE(p, nullptr) << error;
  EXPECT_EQ(p->Name(), "mock");
  std::vector<std::string> available = AvailableProviders();
  EXPECT_NE(std::find(available.begin(), available.end(), "mock"), available.end());
}

TEST(Registry, UnknownMutantIsRefusedWithItsName) {
  ProviderChoice choice;
  choice.mutant = "no-such-mutant";
  std::string error;
  EXPECT_EQ(MakeProvider(choice, &error), nullptr);
  EXPECT_NE(error.find("no-such-mutant"), std::string::npos) << error;
  EXPECT_NE(error.find("--list-mutants"), std::string::npos) << error;
}

TEST(Registry, ModelSwitchOnAnotherProviderIsRefused) {
  std::vector<MutantInfo> mutants = ListMutants();
  auto it = std::find_if(mutants.begin(), mutants.end(), [](const MutantInfo& m) { return !m.wrapper; });
  if (it == mutants.end()) GTEST_SKIP() << "this build's mock offers no model switch";
  ProviderChoice choice;
  choice.provider = "winsock";
  choice.mutant = it->name;
  std::string error;
  EXPECT_EQ(MakeProvider(choice, &error), nullptr);
  EXPECT_NE(error.find(it->name), std::string::npos) << error;
  EXPECT_NE(error.find("--provider=mock"), std::string::npos) << error;
}

TEST(Registry, UnknownProviderIsRefusedListingTheChoices) {
  ProviderChoice choice;
  choice.provider = "nosuch";
  std::string error;
  EXPECT_EQ(MakeProvider(choice, &error), nullptr);
  EXPECT_NE(error.find("nosuch"), std::string::npos) << error;
  for (const auto& name : AvailableProviders()) EXPECT_NE(error.find(name), std::string::npos) << error;
}

TEST(Registry, ChaosSeedOnlyForTheMock) {
  ProviderChoice choice;
  choice.provider = "winsock";
  choice.chaos_seed = 7;
  std::string error;
  EXPECT_EQ(MakeProvider(choice, &error), nullptr);
  EXPECT_NE(error.find("--chaos-seed"), std::string::npos) << error;

  choice.provider = "mock";
  error.clear();
  std::unique_ptr<Provider> p = MakeProvider(choice, &error);
  ASSERT_NE(p, nullptr) << error;
  EXPECT_NE(p->Build(), MakeProvider(ProviderChoice{}, &error)->Build()) << "the build names the seed";
}

}  // namespace
}  // namespace wsac
