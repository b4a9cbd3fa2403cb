// wsaconform-runner: the GoogleTest main that runs the conformance cases
// against one provider and streams one JSON result line per case.
//
// Exit codes: 0 every case PASS or NOT_SUPPORTED and no late indication;
// 1 some case did not, or an indication broke IND-1 (a late_indication
// line); 2 usage error (nothing ran); 3 a case timed out (written as TIMEOUT).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "runner/provider_identity.h"
#include "runner/results_stream.h"
#include "suite/catalog/catalog.h"
#include "suite/fixtures/deadline.h"
#include "suite/harness/case.h"
#include "suite/harness/json.h"
#include "suite/providers/mock/mock_provider.h"
#include "suite/providers/mutants/mutants.h"
#include "suite/providers/registry.h"

#ifndef WSAC_VERSION
#define WSAC_VERSION "0.0.0"
#endif

namespace {

constexpr int kUsage = 2;

struct Options {
  wsac::ProviderChoice choice;
  std::string results;
  std::string case_list;
  long long case_timeout_s = 10;
  long long quiet_window_ms = -1;
  bool list = false, requirements = false, list_mutants = false, list_providers = false, catalog = false;
};

const char kHelp[] =
    "usage: wsaconform-runner [options] [GoogleTest flags]\n"
    "  --provider=NAME        provider under test (--list-providers shows this build's)\n"
    "  --mutant=NAME          wrap the provider in a mutant (--list-mutants)\n"
    "  --chaos-seed=N         mock only: take permitted choices at random, reproducibly\n"
    "  --catalog-entry=ID[,ID...]  winsock only: create sockets from these WSAEnumProtocols entries\n"
    "                         (at most one per address family and socket type)\n"
    "  --results=FILE         append one JSON line per finished case to FILE\n"
    "  --case-list=FILE       run exactly the case ids listed in FILE, one per line\n"
    "  --case-timeout=S       per-case deadline in seconds (default 10); overrun: TIMEOUT, exit 3\n"
    "  --quiet-window-ms=MS   how long cases watch for an indication that must not come (default 100)\n"
    "  --list                 print the cases as JSON with their statement IDs\n"
    "  --requirements         print the requirement catalog as JSON\n"
    "  --list-mutants         print the mutants as JSON\n"
    "  --list-providers       print this build's providers as JSON\n"
    "  --catalog              print the machine's Winsock catalog (WSAEnumProtocols) as JSON\n";

int Usage(const std::string& message) {
  std::fprintf(stderr, "wsaconform-runner: %s\n%s", message.c_str(), kHelp);
  return kUsage;
}

bool ParseNumber(std::string_view text, long long* out) {
  if (text.empty()) return false;
  long long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || v > (1LL << 56)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Takes our flags out of argv, leaving GoogleTest's. Returns an error message or "".
std::string ParseOptions(int* argc, char** argv, Options* o) {
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view flag, std::string* out) {
      if (arg.rfind(flag, 0) != 0 || arg.size() <= flag.size() || arg[flag.size()] != '=') return false;
      *out = std::string(arg.substr(flag.size() + 1));
      return true;
    };
    std::string v;
    long long n = 0;
    if (value("--provider", &v)) o->choice.provider = v;
    else if (value("--mutant", &v)) o->choice.mutant = v;
    else if (value("--catalog-entry", &v)) o->choice.catalog_entry = v;
    else if (value("--results", &v)) o->results = v;
    else if (value("--case-list", &v)) o->case_list = v;
    else if (value("--chaos-seed", &v)) {
      if (!ParseNumber(v, &n)) return "--chaos-seed needs a non-negative integer, got '" + v + "'";
      o->choice.chaos_seed = static_cast<std::uint64_t>(n);
    } else if (value("--case-timeout", &v)) {
      // Capped at a day: longer is no deadline at all, and larger values
      // would overflow the clock arithmetic.
      if (!ParseNumber(v, &n) || n == 0 || n > 86400)
        return "--case-timeout needs a number of seconds from 1 to 86400, got '" + v + "'";
      o->case_timeout_s = n;
    } else if (value("--quiet-window-ms", &v)) {
      if (!ParseNumber(v, &n) || n > 600000) return "--quiet-window-ms needs a number up to 600000, got '" + v + "'";
      o->quiet_window_ms = n;
    } else if (arg == "--list") o->list = true;
    else if (arg == "--requirements") o->requirements = true;
    else if (arg == "--list-mutants") o->list_mutants = true;
    else if (arg == "--list-providers") o->list_providers = true;
    else if (arg == "--catalog") o->catalog = true;
    else if (arg == "--help" || arg == "-h") {
      std::fputs(kHelp, stdout);
      argv[kept++] = argv[i];  // GoogleTest prints its own flags too
    } else if (arg.rfind("--gtest_", 0) == 0 || arg.rfind("--gmock_", 0) == 0) argv[kept++] = argv[i];
    else return "unknown option '" + std::string(arg) + "'";
  }
  *argc = kept;
  argv[kept] = nullptr;
  return "";
}

// --case-list becomes a GoogleTest filter of exact names.
std::string FilterFromCaseList(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read --case-list file '" + path + "'";
    return "";
  }
  std::string filter, line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (line.find_first_of(":*?") != std::string::npos) {
      *error = "case id '" + line + "' in --case-list contains a filter character";
      return "";
    }
    filter += (filter.empty() ? "" : ":") + line;
  }
  if (filter.empty()) *error = "--case-list file '" + path + "' names no case";
  return filter;
}

void PrintCaseList() {
  auto* unit = ::testing::UnitTest::GetInstance();
  std::string out = "{\"suite_version\":" + wsac::json::Quote(WSAC_VERSION) +
                    ",\"catalog_version\":" + wsac::json::Quote(wsac::CatalogVersion()) + ",\"cases\":[";
  bool first = true;
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const auto* suite = unit->GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j) {
      const auto* info = suite->GetTestInfo(j);
      std::string s = info->test_suite_name(), n = info->name();
      std::string base_suite = s.substr(s.rfind('/') == std::string::npos ? 0 : s.rfind('/') + 1);
      std::string base_name = n.substr(0, n.find('/'));
      out += first ? "\n" : ",\n";
      first = false;
      out += "{\"id\":" + wsac::json::Quote(wsac::CaseId(*info)) + ",\"suite\":" + wsac::json::Quote(base_suite) +
             ",\"name\":" + wsac::json::Quote(base_name) +
             ",\"statements\":" + wsac::json::QuoteList(wsac::StatementsOfTest(s, n)) + "}";
    }
  }
  out += "\n]}\n";
  std::fputs(out.c_str(), stdout);
}

void PrintMutants() {
  std::string out = "[";
  bool first = true;
  for (const auto& m : wsac::ListMutants()) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "{\"name\":" + wsac::json::Quote(m.name) + ",\"statement\":" + wsac::json::Quote(m.statement) +
           ",\"description\":" + wsac::json::Quote(m.description) +
           ",\"wrapper\":" + (m.wrapper ? "true" : "false") + ",\"legal\":" + (m.legal ? "true" : "false") +
           ",\"unexercised\":" + wsac::json::QuoteList(m.unexercised) + "}";
  }
  out += "\n]\n";
  std::fputs(out.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
#if defined(_WIN32)
  // A provider that faults (Wine 8.0's SIO_BASE_HANDLE writes through a NULL
  // lpvOutBuffer) ends the runner at once, with the exception code as its
  // exit code. Left to Wine, the fault starts winedbg, which takes seconds
  // and under load outlasts the case deadline: one fault would read CRASH or
  // TIMEOUT by chance.
  ::SetUnhandledExceptionFilter([](EXCEPTION_POINTERS* info) -> LONG {
    ::TerminateProcess(::GetCurrentProcess(), info->ExceptionRecord->ExceptionCode);
    return EXCEPTION_EXECUTE_HANDLER;
  });
#endif
  Options options;
  if (std::string error = ParseOptions(&argc, argv, &options); !error.empty()) return Usage(error);

  if (options.requirements) {
    std::fwrite(wsac::CatalogJson().data(), 1, wsac::CatalogJson().size(), stdout);
    return 0;
  }
  if (options.list_mutants) {
    PrintMutants();
    return 0;
  }
  if (options.catalog) {
    std::string error;
    std::string catalog = wsac::WinsockCatalogJson(&error);
    if (catalog.empty()) return Usage(error);
    std::fputs(catalog.c_str(), stdout);
    return 0;
  }
  if (options.list_providers) {
    std::fputs((wsac::json::QuoteList(wsac::AvailableProviders()) + "\n").c_str(), stdout);
    return 0;
  }

  std::string filter;
  if (!options.case_list.empty()) {
    std::string error;
    filter = FilterFromCaseList(options.case_list, &error);
    if (!error.empty()) return Usage(error);
  }
  ::testing::InitGoogleTest(&argc, argv);
  if (!filter.empty()) GTEST_FLAG_SET(filter, filter);
  if (options.list) {
    PrintCaseList();
    return 0;
  }

  std::string error;
  std::unique_ptr<wsac::Provider> provider = wsac::MakeProvider(options.choice, &error);
  if (!provider) return Usage(error);
  wsac::SetActiveProvider(provider.get());
  // Cases' deadlines measure the provider's clock (the mock's is virtual);
  // the case watchdog below keeps real time.
  wsac::SetDeadlineClock(provider.get());
  wsac::SetMockStallReporter([](const std::string& text) { wsac::Observe("mock.clock_deadlock", text); });
  if (options.quiet_window_ms >= 0) wsac::SetQuietWindow(std::chrono::milliseconds(options.quiet_window_ms));

  // Refuse an unwritable results path before any case runs.
  std::FILE* results = nullptr;
  if (!options.results.empty()) {
    results = std::fopen(options.results.c_str(), "ab");
    if (results == nullptr) return Usage("cannot open --results file '" + options.results + "' for writing");
  }

  wsac::RunIdentity identity{provider->Name(), provider->Build(), options.choice.mutant, std::nullopt,
                             wsac::ProviderIdentityJson(*provider, options.choice)};
  if (options.choice.chaos_seed) identity.chaos_seed = *options.choice.chaos_seed;
  auto* stream = new wsac::ResultsStream(results, identity, std::chrono::seconds(options.case_timeout_s));
  ::testing::UnitTest::GetInstance()->listeners().Append(stream);  // gtest owns it from here

  // Our verdicts, not GoogleTest's status, decide the exit code.
  [[maybe_unused]] int gtest_status = RUN_ALL_TESTS();
  // Releasing the provider gives the observers a last look at what the
  // cases left (indications after the last case), written before the file
  // closes. An indication that broke IND-1 fails the run like a case.
  wsac::SetActiveProvider(nullptr);
  stream->WriteLateIndications();
  int bad = stream->bad_cases() + stream->late_indications();
  if (results != nullptr) std::fclose(results);
  wsac::SetMockStallReporter(nullptr);
  wsac::SetDeadlineClock(nullptr);
  provider.reset();
  return bad == 0 ? 0 : 1;
}
