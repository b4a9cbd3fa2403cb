// Mutants of the completion-port batch statements (PORTX): a port layer
// (an emulated port of a user-mode provider, or a wrapper around the real
// one) that miscounts or mislabels a batch.
#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// PORTX-1: the batch removes its entries but reports 0 of them.
class BatchReportsNone : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries, ULONG count, PULONG removed, DWORD ms,
                                   BOOL alertable) override {
    const BOOL ok = InterceptingProvider::GetQueuedCompletionStatusEx(port, entries, count, removed, ms, alertable);
    if (ok && removed != nullptr) *removed = 0;
    return ok;
  }
};

// PORTX-2: every entry after the first of a batch gets the first one's
// byte count (a copy loop that reads the wrong element).
class BatchRepeatsFirstCount : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries, ULONG count, PULONG removed, DWORD ms,
                                   BOOL alertable) override {
    const BOOL ok = InterceptingProvider::GetQueuedCompletionStatusEx(port, entries, count, removed, ms, alertable);
    if (ok && removed != nullptr)
      for (ULONG i = 1; i < *removed; ++i) entries[i].dwNumberOfBytesTransferred = entries[0].dwNumberOfBytesTransferred;
    return ok;
  }
};

// PORTX-3: an empty port answers TRUE with no entries instead of timing out.
class EmptyBatchSucceeds : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries, ULONG count, PULONG removed, DWORD ms,
                                   BOOL alertable) override {
    const BOOL ok = InterceptingProvider::GetQueuedCompletionStatusEx(port, entries, count, removed, ms, alertable);
    if (!ok && GetLastError() == static_cast<DWORD>(WAIT_TIMEOUT)) {
      if (removed != nullptr) *removed = 0;
      return TRUE;
    }
    return ok;
  }
};

}  // namespace

void AddPortBatchMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"port-batch-reports-none", "PORTX-1",
                  "GetQueuedCompletionStatusEx removes entries but reports 0 removed"},
                 Make<BatchReportsNone>()});
  out.push_back({{"port-batch-repeats-first-count", "PORTX-2",
                  "GetQueuedCompletionStatusEx gives every entry of a batch the first entry's byte count"},
                 Make<BatchRepeatsFirstCount>()});
  out.push_back({{"port-batch-empty-succeeds", "PORTX-3",
                  "GetQueuedCompletionStatusEx on an empty port returns TRUE with no entries"},
                 Make<EmptyBatchSucceeds>()});
}

}  // namespace wsac
