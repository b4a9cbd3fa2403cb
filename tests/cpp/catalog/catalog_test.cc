// The catalog as compiled into the binary: the IDs and levels of part A of
// shared/spec/statements.md are fixed by the spec, everything else must be
// well-formed enough for the runner and the reports to rely on.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "suite/catalog/catalog.h"

namespace wsac {
namespace {

// Part A of the spec: these IDs and levels never change between versions.
const std::map<std::string, std::string> kPartA = {
    {"S1", "MUST"},  {"S2", "MUST"},  {"S3", "MUST"},  {"S4", "MUST"},  {"S5", "MUST"},  {"S6", "MUST"},
    {"S7", "MUST"},  {"S8", "MUST"},  {"S9", "MUST"},  {"S10", "MUST"}, {"S11", "MUST"}, {"S12", "MUST"},
    {"S13", "MUST"}, {"S14", "MUST"}, {"S15", "MUST"}, {"S16", "MUST"}, {"S17", "MUST"}, {"S18", "MUST"},
    {"S19", "MUST"}, {"S20", "MUST"}, {"S21", "MUST"}, {"S22", "MAY"},  {"S23", "MUST"}, {"S24", "MAY"},
    {"S25", "INFO"}, {"S26", "MUST"}, {"S27", "MUST"},
};

// File order of the groups; S (part A) first.
const std::vector<std::string> kGroupOrder = {"S",     "IND",   "ARG", "EVT", "APC", "IOCP", "CLOSE",
                                              "DGRAM", "IOCTL", "BAD", "ERR", "WIN", "APP",
                                              // ---- extension functions: messages and transmit ----
                                              "MSG", "XMIT",
                                              // ---- handles ----
                                              "HANDLE", "FILE", "PORTX",
                                              // ---- extension functions: connect ----
                                              "CONNECT", "DISC",
                                              // ---- extension functions: accept ----
                                              "ACCEPT"};

std::string GroupOf(std::string_view id) {
  auto dash = id.find('-');
  if (dash == std::string_view::npos) return id.starts_with("S") ? "S" : std::string(id);
  return std::string(id.substr(0, dash));
}

int NumberOf(std::string_view id) {
  auto digits = id.substr(id.find_first_of("0123456789"));
  return std::stoi(std::string(digits));
}

bool AllDigits(std::string_view s) {
  return !s.empty() && s.front() != '0' &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

TEST(Catalog, HoldsPartAWithItsLevels) {
  for (const auto& [id, level] : kPartA) {
    const Statement* s = FindStatement(id);
    ASSERT_NE(s, nullptr) << id << " missing";
    EXPECT_EQ(s->level, level) << id;
  }
}

TEST(Catalog, HasNoOtherSIds) {
  for (const Statement& s : Catalog()) {
    if (GroupOf(s.id) == "S") {
      EXPECT_TRUE(kPartA.count(std::string(s.id))) << s.id << " is not in part A";
    }
  }
}

TEST(Catalog, IdsAreUnique) {
  std::set<std::string_view> seen;
  for (const Statement& s : Catalog()) EXPECT_TRUE(seen.insert(s.id).second) << s.id << " appears twice";
}

TEST(Catalog, IdsHaveTheProjectForm) {
  for (const Statement& s : Catalog()) {
    std::string group = GroupOf(s.id);
    EXPECT_NE(std::find(kGroupOrder.begin(), kGroupOrder.end(), group), kGroupOrder.end())
        << s.id << ": unknown group " << group;
    std::string_view number = group == "S" ? s.id.substr(1) : s.id.substr(group.size() + 1);
    EXPECT_TRUE(AllDigits(number)) << s.id << ": not <GROUP>-<n>";
  }
}

TEST(Catalog, LevelsAreMustMayOrInfo) {
  for (const Statement& s : Catalog()) {
    EXPECT_TRUE(s.level == "MUST" || s.level == "MAY" || s.level == "INFO") << s.id << ": " << s.level;
  }
}

TEST(Catalog, TextsAndSourcesAreNonEmpty) {
  for (const Statement& s : Catalog()) {
    EXPECT_FALSE(s.text.empty()) << s.id;
    EXPECT_FALSE(s.source.empty()) << s.id;
  }
}

TEST(Catalog, HasAtLeastFortyStatementsBeyondPartA) {
  auto beyond = std::count_if(Catalog().begin(), Catalog().end(),
                              [](const Statement& s) { return GroupOf(s.id) != "S"; });
  EXPECT_GE(beyond, 40);
}

TEST(Catalog, IsSortedByGroupThenNumber) {
  const auto& all = Catalog();
  for (std::size_t i = 1; i < all.size(); ++i) {
    auto before = std::find(kGroupOrder.begin(), kGroupOrder.end(), GroupOf(all[i - 1].id));
    auto here = std::find(kGroupOrder.begin(), kGroupOrder.end(), GroupOf(all[i].id));
    ASSERT_LE(before, here) << all[i - 1].id << " comes before " << all[i].id;
    if (before == here) {
      EXPECT_LT(NumberOf(all[i - 1].id), NumberOf(all[i].id)) << all[i].id;
    }
  }
}

// S26 asks only for "a failure status"; the codes belong to the statement
// that names them (CLOSE-2: the closesocket page plus what Windows reports).
TEST(Catalog, CodesBelongToTheStatementThatNamesThem) {
  const Statement* s26 = FindStatement("S26");
  const Statement* close2 = FindStatement("CLOSE-2");
  ASSERT_NE(s26, nullptr);
  ASSERT_NE(close2, nullptr);
  EXPECT_TRUE(s26->accepted_codes.empty());
  std::vector<std::int64_t> codes(close2->accepted_codes.begin(), close2->accepted_codes.end());
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(codes, (std::vector<std::int64_t>{64, 995, 1236}));
  EXPECT_FALSE(close2->reference_behaviour.empty());
}

TEST(FindStatement, ReturnsNullForUnknownIds) {
  EXPECT_EQ(FindStatement("S0"), nullptr);
  EXPECT_EQ(FindStatement("S28"), nullptr);
  EXPECT_EQ(FindStatement(""), nullptr);
  EXPECT_EQ(FindStatement("s1"), nullptr);
}

TEST(FindStatement, ReturnsTheCatalogEntry) {
  const Statement* s = FindStatement("ARG-1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->id, "ARG-1");
  EXPECT_GE(s, Catalog().data());
  EXPECT_LT(s, Catalog().data() + Catalog().size());
}

TEST(CatalogJson, IsTheDocumentWithEveryStatement) {
  std::string_view json = CatalogJson();
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.front(), '{');
  EXPECT_NE(json.find("\"statements\""), std::string_view::npos);
  for (const Statement& s : Catalog()) {
    EXPECT_NE(json.find("\"" + std::string(s.id) + "\""), std::string_view::npos) << s.id;
  }
}

TEST(CatalogVersion, IsTheFileVersionPlusADigest) {
  std::string_view version = CatalogVersion();
  auto plus = version.find('+');
  ASSERT_NE(plus, std::string_view::npos) << version;
  EXPECT_NE(CatalogJson().find("\"" + std::string(version.substr(0, plus)) + "\""), std::string_view::npos)
      << version;
  std::string_view digest = version.substr(plus + 1);
  EXPECT_EQ(digest.size(), 16u) << version;
  EXPECT_TRUE(std::all_of(digest.begin(), digest.end(),
                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
      << version;
  // FNV-1a 64 of the exact bytes, written out independently of catalog.cc.
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : CatalogJson()) hash = (hash ^ c) * 0x100000001b3ull;
  EXPECT_EQ(std::stoull(std::string(digest), nullptr, 16), hash) << version;
  EXPECT_EQ(CatalogVersion().data(), version.data()) << "computed once";
}

}  // namespace
}  // namespace wsac

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
