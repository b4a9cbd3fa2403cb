// The harness pieces every result line depends on: JSON quoting (a line that
// does not parse is a lost result), statement tags (a case without its IDs
// counts for no statement) and the per-case record of observed values, which
// cases write from several threads at once.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "suite/harness/case.h"
#include "suite/harness/json.h"

namespace wsac {
namespace {

using namespace std::string_literals;

// ---- json::Quote ------------------------------------------------------------

TEST(JsonQuote, PlainTextIsQuotedUnchanged) {
  EXPECT_EQ(json::Quote(""), "\"\"");
  EXPECT_EQ(json::Quote("abc 123 {}[]:,"), "\"abc 123 {}[]:,\"");
  EXPECT_EQ(json::Quote("/"), "\"/\"");  // JSON permits an unescaped solidus
}

TEST(JsonQuote, QuoteAndBackslashAreEscaped) {
  EXPECT_EQ(json::Quote(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(json::Quote(R"(\")"), R"("\\\"")");
}

TEST(JsonQuote, CommonControlCharactersUseShortEscapes) {
  EXPECT_EQ(json::Quote("a\nb\rc\td"), R"("a\nb\rc\td")");
}

TEST(JsonQuote, OtherControlCharactersUseUnicodeEscapes) {
  EXPECT_EQ(json::Quote("\x01"), R"("\u0001")");
  EXPECT_EQ(json::Quote("\x08\x0c"), R"("\u0008\u000c")");
  EXPECT_EQ(json::Quote("\x1f"), R"("\u001f")");
  EXPECT_EQ(json::Quote("a\0b"s), R"("a\u0000b")");  // an embedded NUL is kept, escaped
}

TEST(JsonQuote, EveryByteBelow0x20IsEscaped) {
  for (int c = 0; c < 0x20; ++c) {
    std::string quoted = json::Quote(std::string(1, static_cast<char>(c)));
    SCOPED_TRACE("byte " + std::to_string(c));
    ASSERT_GE(quoted.size(), 4u);
    EXPECT_EQ(quoted[1], '\\');
    for (char q : quoted) EXPECT_GE(static_cast<unsigned char>(q), 0x20u);
  }
}

TEST(JsonQuote, ValidUtf8IsKeptByteForByte) {
  const std::string two = "caf\xc3\xa9";             // é
  const std::string three = "\xe2\x82\xac 5";        // €
  const std::string four = "\xf0\x9f\x98\x80!";      // U+1F600
  const std::string max = "\xf4\x8f\xbf\xbf";        // U+10FFFF, the last code point
  EXPECT_EQ(json::Quote(two), "\"" + two + "\"");
  EXPECT_EQ(json::Quote(three), "\"" + three + "\"");
  EXPECT_EQ(json::Quote(four), "\"" + four + "\"");
  EXPECT_EQ(json::Quote(max), "\"" + max + "\"");
}

TEST(JsonQuote, InvalidUtf8BytesBecomeUnicodeEscapes) {
  EXPECT_EQ(json::Quote("\xff"), R"("\u00ff")");
  EXPECT_EQ(json::Quote("a\x80z"), R"("a\u0080z")");         // lone continuation byte
  EXPECT_EQ(json::Quote("\xe2\x82"), R"("\u00e2\u0082")");   // truncated at the end
  EXPECT_EQ(json::Quote("\xe2" "A"), R"("\u00e2A")");        // lead byte, then ASCII
  EXPECT_EQ(json::Quote("\xc3"), R"("\u00c3")");
  EXPECT_EQ(json::Quote("\xf8\x88\x80\x80\x80"), R"("\u00f8\u0088\u0080\u0080\u0080")");
  // A valid sequence right after an invalid byte survives.
  EXPECT_EQ(json::Quote("\xff\xc3\xa9"), "\"\\u00ff\xc3\xa9\"");
}

// Sequences that have the right shape but are not UTF-8 (RFC 3629): strict
// decoders (Python's) reject them, so a line holding them would not parse.
TEST(JsonQuote, WellShapedButInvalidUtf8BecomesUnicodeEscapes) {
  EXPECT_EQ(json::Quote("\xc0\x80"), R"("\u00c0\u0080")");                  // overlong NUL
  EXPECT_EQ(json::Quote("\xc1\xbf"), R"("\u00c1\u00bf")");                  // overlong '\x7f'
  EXPECT_EQ(json::Quote("\xe0\x80\xaf"), R"("\u00e0\u0080\u00af")");        // overlong '/'
  EXPECT_EQ(json::Quote("\xed\xa0\x80"), R"("\u00ed\u00a0\u0080")");        // UTF-16 surrogate
  EXPECT_EQ(json::Quote("\xf0\x80\x80\xaf"), R"("\u00f0\u0080\u0080\u00af")");  // overlong
  EXPECT_EQ(json::Quote("\xf4\x90\x80\x80"), R"("\u00f4\u0090\u0080\u0080")");  // above U+10FFFF
  EXPECT_EQ(json::Quote("\xf5\x80\x80\x80"), R"("\u00f5\u0080\u0080\u0080")");
}

TEST(JsonQuote, QuoteListJoinsQuotedItems) {
  EXPECT_EQ(json::QuoteList({}), "[]");
  EXPECT_EQ(json::QuoteList({"S1"}), R"(["S1"])");
  EXPECT_EQ(json::QuoteList({"S1", "a\"b"}), R"(["S1","a\"b"])");
}

// ---- statement tags ---------------------------------------------------------

TEST(StatementTags, RegisteredIdsComeBackInOrder) {
  RegisterStatements("HarnessTagSuite", "Direct", {"S14", "S8", "ARG-1"});
  EXPECT_EQ(StatementsOf("HarnessTagSuite", "Direct"), (std::vector<std::string>{"S14", "S8", "ARG-1"}));
}

TEST(StatementTags, UnregisteredCaseHasNoIds) {
  EXPECT_TRUE(StatementsOf("HarnessTagSuite", "NeverRegistered").empty());
  EXPECT_TRUE(StatementsOf("NoSuchSuite", "Direct").empty());
  EXPECT_TRUE(StatementsOfTest("Inst/NoSuchSuite", "Direct/0").empty());
}

TEST(StatementTags, SuiteAndNameDoNotBleedIntoEachOther) {
  RegisterStatements("HarnessTagA", "B", {"S1"});
  EXPECT_TRUE(StatementsOf("HarnessTag", "AB").empty());
  EXPECT_TRUE(StatementsOf("HarnessTagA", "").empty());
  EXPECT_EQ(StatementsOf("HarnessTagA", "B"), std::vector<std::string>{"S1"});
}

TEST(StatementTags, InstantiatedNamesMapToTheWrittenOnes) {
  RegisterStatements("HarnessTagParam", "Pends", {"S16"});
  const std::vector<std::string> want{"S16"};
  EXPECT_EQ(StatementsOfTest("HarnessTagParam", "Pends"), want);
  EXPECT_EQ(StatementsOfTest("Inst/HarnessTagParam", "Pends"), want);
  EXPECT_EQ(StatementsOfTest("HarnessTagParam", "Pends/Tcp4Event"), want);
  EXPECT_EQ(StatementsOfTest("Inst/HarnessTagParam", "Pends/Tcp4Event"), want);
  EXPECT_EQ(StatementsOfTest("All/HarnessTagParam", "Pends/0"), want);
  // Neither the prefix nor the parameter is part of the key.
  EXPECT_TRUE(StatementsOfTest("HarnessTagParam/Inst", "Pends").empty());
  EXPECT_TRUE(StatementsOfTest("Inst/HarnessTagParam", "Tcp4Event/Pends").empty());
}

// The macros themselves, read back through GoogleTest's own registry.
WSAC_CASE(HarnessMacroPlain, Tagged, "S1", "S2") { SUCCEED(); }

class HarnessMacroParam : public ::testing::TestWithParam<int> {};
WSAC_CASE_P(HarnessMacroParam, Tagged, "S19", "S23") { EXPECT_GE(GetParam(), 1); }
INSTANTIATE_TEST_SUITE_P(Inst, HarnessMacroParam, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& info) { return "P" + std::to_string(info.param); });

class HarnessMacroFixture : public ::testing::Test {};
WSAC_CASE_F(HarnessMacroFixture, Tagged, "S26") { SUCCEED(); }

TEST(StatementTags, MacrosRegisterEveryInstantiatedCase) {
  auto* unit = ::testing::UnitTest::GetInstance();
  std::map<std::string, std::vector<std::string>> seen;
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j) {
      const auto* info = suite->GetTestInfo(j);
      if (std::string_view(info->test_suite_name()).find("HarnessMacro") == std::string_view::npos) continue;
      seen[std::string(info->test_suite_name()) + "." + info->name()] =
          StatementsOfTest(info->test_suite_name(), info->name());
    }
  }
  const std::map<std::string, std::vector<std::string>> want = {
      {"HarnessMacroPlain.Tagged", {"S1", "S2"}},
      {"Inst/HarnessMacroParam.Tagged/P1", {"S19", "S23"}},
      {"Inst/HarnessMacroParam.Tagged/P2", {"S19", "S23"}},
      {"HarnessMacroFixture.Tagged", {"S26"}},
  };
  EXPECT_EQ(seen, want);
}

// ---- provider slot and exceptions ------------------------------------------

TEST(ActiveProvider, UnsetIsASetupFailure) {
  SetActiveProvider(nullptr);
  EXPECT_THROW(ActiveProvider(), SetupFailed);
}

TEST(Exceptions, CarryTheMarkersTheRunnerReads) {
  EXPECT_EQ(std::string(NotSupported("no IPv6").what()), "NOT_SUPPORTED: no IPv6");
  EXPECT_EQ(std::string(SetupFailed("no event").what()), "BROKEN: no event");
  // Both are runtime_errors, so a case that catches broadly sees them.
  EXPECT_THROW(throw NotSupported("x"), std::runtime_error);
  EXPECT_THROW(throw SetupFailed("x"), std::runtime_error);
}

// ---- observed values ---------------------------------------------------------

TEST(CaseRecord, ObserveEncodesValuesAsJson) {
  ClearCaseRecord();
  Observe("int", 42);
  Observe("negative", -5);
  Observe("min", std::numeric_limits<std::int64_t>::min());
  Observe("max", std::numeric_limits<std::int64_t>::max());
  Observe("text", "say \"hi\"\n");
  Observe("bytes", std::string_view("\xff", 1));
  CaseRecord r = TakeCaseRecord();
  EXPECT_EQ(r.observed["int"], "42");
  EXPECT_EQ(r.observed["negative"], "-5");
  EXPECT_EQ(r.observed["min"], "-9223372036854775808");
  EXPECT_EQ(r.observed["max"], "9223372036854775807");
  EXPECT_EQ(r.observed["text"], R"("say \"hi\"\n")");
  EXPECT_EQ(r.observed["bytes"], R"("\u00ff")");
  EXPECT_EQ(r.observed.size(), 6u);
  EXPECT_TRUE(r.reports.empty());
}

TEST(CaseRecord, LaterValuesReplaceEarlierOnes) {
  ClearCaseRecord();
  Observe("k", 1);
  Observe("k", "two");
  Report("S22", "in order 3 of 4");
  Report("S22", "in order 4 of 4");
  CaseRecord r = TakeCaseRecord();
  EXPECT_EQ(r.observed, (std::map<std::string, std::string>{{"k", "\"two\""}}));
  EXPECT_EQ(r.reports, (std::map<std::string, std::string>{{"S22", "in order 4 of 4"}}));
}

TEST(CaseRecord, TakeClearsForTheNextCase) {
  ClearCaseRecord();
  Observe("a", 1);
  Report("S24", "seen");
  CaseRecord first = TakeCaseRecord();
  EXPECT_EQ(first.observed.size(), 1u);
  EXPECT_EQ(first.reports.size(), 1u);
  CaseRecord second = TakeCaseRecord();
  EXPECT_TRUE(second.observed.empty());
  EXPECT_TRUE(second.reports.empty());

  Observe("b", 2);
  ClearCaseRecord();
  EXPECT_TRUE(TakeCaseRecord().observed.empty());
}

TEST(CaseRecord, ConcurrentObserveLosesNothing) {
  ClearCaseRecord();
  constexpr int kThreads = 8, kPerThread = 2000;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t, &go] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "t" + std::to_string(t) + "." + std::to_string(i);
        if (i % 2 == 0) Observe(key, static_cast<std::int64_t>(i));
        else Observe(key, std::to_string(i));
        Observe("shared", static_cast<std::int64_t>(t));  // all threads race on one key
        Report("R" + std::to_string(t), std::to_string(i));
      }
    });
  go = true;
  for (auto& th : threads) th.join();

  CaseRecord r = TakeCaseRecord();
  EXPECT_EQ(r.observed.size(), static_cast<size_t>(kThreads * kPerThread + 1));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(r.observed["t" + std::to_string(t) + ".0"], "0");
    EXPECT_EQ(r.observed["t" + std::to_string(t) + ".1"], "\"1\"");
    EXPECT_EQ(r.reports["R" + std::to_string(t)], std::to_string(kPerThread - 1));
  }
  std::set<std::string> shared_values;
  for (int t = 0; t < kThreads; ++t) shared_values.insert(std::to_string(t));
  EXPECT_EQ(shared_values.count(r.observed["shared"]), 1u) << r.observed["shared"];
}

// Taking the record while other threads observe: every value ends up in
// exactly one of the records taken, none twice, none lost.
TEST(CaseRecord, ConcurrentTakeSplitsWithoutLossOrDuplication) {
  ClearCaseRecord();
  constexpr int kThreads = 4, kPerThread = 3000;
  std::atomic<int> running{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t, &running] {
      for (int i = 0; i < kPerThread; ++i) Observe("t" + std::to_string(t) + "." + std::to_string(i), 1);
      running.fetch_sub(1);
    });
  std::map<std::string, int> taken;
  auto absorb = [&taken](const CaseRecord& r) {
    for (const auto& [k, v] : r.observed) ++taken[k];
  };
  while (running.load() > 0) absorb(TakeCaseRecord());
  for (auto& th : threads) th.join();
  absorb(TakeCaseRecord());
  EXPECT_EQ(taken.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_TRUE(std::all_of(taken.begin(), taken.end(), [](const auto& kv) { return kv.second == 1; }));
}

}  // namespace
}  // namespace wsac
