// Mutants of the socket-as-file-handle statements (FILE): what a non-IFS
// layered provider does to the kernel32 file functions. Its sockets are not
// AFD handles, so kernel32 either does not know them or reads an OVERLAPPED
// the provider keeps its results elsewhere in (the issue's "Microsoft's
// sample non-IFS provider keeps its results in OffsetHigh/InternalHigh").
#include <deque>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "suite/providers/mutants/mutant_set.h"

namespace wsac {
namespace {

// FILE-1: the handle is no file system object kernel32 recognises.
class FileTypeUnknown : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  DWORD GetFileType(HANDLE) override { return FILE_TYPE_UNKNOWN; }
};

// FILE-2: ReadFile says TRUE for a read that is still pending (a provider
// that returns the initiation's success as the read's).
class ReadFileTrueWhilePending : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL ReadFile(HANDLE file, LPVOID buf, DWORD len, LPDWORD read, LPOVERLAPPED ov) override {
    const BOOL ok = InterceptingProvider::ReadFile(file, buf, len, read, ov);
    if (!ok && ov != nullptr && GetLastError() == static_cast<DWORD>(ERROR_IO_PENDING)) return TRUE;
    return ok;
  }
};

// FILE-3: ReadFile places the bytes one past the start of the buffer.
class ReadFileOffsetByOne : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL ReadFile(HANDLE file, LPVOID buf, DWORD len, LPDWORD read, LPOVERLAPPED ov) override {
    if (len < 2) return InterceptingProvider::ReadFile(file, buf, len, read, ov);
    return InterceptingProvider::ReadFile(file, static_cast<char*>(buf) + 1, len - 1, read, ov);
  }
};

// FILE-4: a WriteFile that completes at once is treated as synchronous: its
// event is left unsignaled.
class WriteFileImmediateUnsignaled : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL WriteFile(HANDLE file, LPCVOID buf, DWORD len, LPDWORD written, LPOVERLAPPED ov) override {
    const BOOL ok = InterceptingProvider::WriteFile(file, buf, len, written, ov);
    if (ok && ov != nullptr && ov->hEvent != nullptr && !LowBitSet(ov->hEvent)) WSAResetEvent(ov->hEvent);
    return ok;
  }
};

// FILE-5: WriteFile sends its first two bytes swapped (a provider that
// re-chunks the buffer and queues the pieces out of order).
class WriteFileSwapsFirstBytes : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL WriteFile(HANDLE file, LPCVOID buf, DWORD len, LPDWORD written, LPOVERLAPPED ov) override {
    if (len < 2) return InterceptingProvider::WriteFile(file, buf, len, written, ov);
    std::vector<char>* copy = nullptr;
    {
      std::lock_guard lock(mu_);  // outlives a pending write
      copy = &copies_.emplace_back(static_cast<const char*>(buf), static_cast<const char*>(buf) + len);
    }
    std::swap((*copy)[0], (*copy)[1]);
    return InterceptingProvider::WriteFile(file, copy->data(), len, written, ov);
  }

 private:
  std::mutex mu_;
  std::deque<std::vector<char>> copies_;
};

// FILE-6: GetOverlappedResult reads a byte count of 0 from a completed
// operation, the provider having kept the count elsewhere.
class OverlappedResultReadsNoBytes : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL GetOverlappedResult(HANDLE file, LPOVERLAPPED ov, LPDWORD transferred, BOOL wait) override {
    const BOOL ok = InterceptingProvider::GetOverlappedResult(file, ov, transferred, wait);
    if (ok && transferred != nullptr) *transferred = 0;
    return ok;
  }
};

// FILE-7: GetOverlappedResult calls a pending operation complete with 0
// bytes, the provider never having put STATUS_PENDING in Internal.
class OverlappedResultCompleteWhilePending : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL GetOverlappedResult(HANDLE file, LPOVERLAPPED ov, LPDWORD transferred, BOOL wait) override {
    const BOOL ok = InterceptingProvider::GetOverlappedResult(file, ov, transferred, wait);
    if (!ok && GetLastError() == static_cast<DWORD>(ERROR_IO_INCOMPLETE)) {
      if (transferred != nullptr) *transferred = 0;
      return TRUE;
    }
    return ok;
  }
};

// FILE-8: GetOverlappedResult asked to wait on an OVERLAPPED without an
// event does not wait: it answers as if bWait were FALSE.
class NullEventWaitReturnsAtOnce : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL GetOverlappedResult(HANDLE file, LPOVERLAPPED ov, LPDWORD transferred, BOOL wait) override {
    if (wait && ov != nullptr && ov->hEvent == nullptr) wait = FALSE;
    return InterceptingProvider::GetOverlappedResult(file, ov, transferred, wait);
  }
};

// FILE-9: FILE_SKIP_SET_EVENT_ON_HANDLE is taken to cover the explicit
// event too: a receive that completes at once leaves it unsignaled.
class SkipSetEventResetsExplicitEvent : public InterceptingProvider {
 public:
  using InterceptingProvider::InterceptingProvider;
  BOOL SetFileCompletionNotificationModes(HANDLE file, UCHAR flags) override {
    const BOOL ok = InterceptingProvider::SetFileCompletionNotificationModes(file, flags);
    if (ok && (flags & FILE_SKIP_SET_EVENT_ON_HANDLE) != 0) {
      std::lock_guard lock(mu_);
      skipping_.insert(file);
    }
    return ok;
  }
  int WSARecv(SOCKET s, LPWSABUF bufs, DWORD count, LPDWORD recvd, LPDWORD flags, LPWSAOVERLAPPED ov,
              LPWSAOVERLAPPED_COMPLETION_ROUTINE cr) override {
    const int ret = InterceptingProvider::WSARecv(s, bufs, count, recvd, flags, ov, cr);
    bool skipping = false;
    {
      std::lock_guard lock(mu_);
      skipping = skipping_.count(AsHandle(s)) != 0;
    }
    if (ret == 0 && skipping && ov != nullptr && ov->hEvent != nullptr && !LowBitSet(ov->hEvent))
      WSAResetEvent(ov->hEvent);
    return ret;
  }

 private:
  std::mutex mu_;
  std::set<HANDLE> skipping_;
};

}  // namespace

void AddFileMutants(std::vector<MutantEntry>& out) {
  out.push_back({{"file-type-unknown", "FILE-1", "GetFileType of a socket returns FILE_TYPE_UNKNOWN"},
                 Make<FileTypeUnknown>()});
  out.push_back({{"readfile-true-while-pending", "FILE-2", "ReadFile returns TRUE for a read that is still pending"},
                 Make<ReadFileTrueWhilePending>()});
  out.push_back({{"readfile-offset-by-one", "FILE-3", "ReadFile places the bytes one past the start of the buffer"},
                 Make<ReadFileOffsetByOne>()});
  out.push_back({{"writefile-immediate-unsignaled", "FILE-4",
                  "a WriteFile that returns TRUE leaves its event unsignaled"},
                 Make<WriteFileImmediateUnsignaled>()});
  out.push_back({{"writefile-swaps-first-bytes", "FILE-5", "WriteFile sends its first two bytes swapped"},
                 Make<WriteFileSwapsFirstBytes>()});
  out.push_back({{"overlapped-result-reads-no-bytes", "FILE-6",
                  "GetOverlappedResult reports 0 bytes for a completed operation"},
                 Make<OverlappedResultReadsNoBytes>()});
  out.push_back({{"overlapped-result-complete-while-pending", "FILE-7",
                  "GetOverlappedResult calls a pending operation complete with 0 bytes"},
                 Make<OverlappedResultCompleteWhilePending>()});
  out.push_back({{"null-event-wait-returns-at-once", "FILE-8",
                  "GetOverlappedResult(bWait TRUE) with hEvent NULL returns at once instead of waiting on the handle"},
                 Make<NullEventWaitReturnsAtOnce>()});
  out.push_back({{"skip-set-event-resets-explicit-event", "FILE-9",
                  "with FILE_SKIP_SET_EVENT_ON_HANDLE a receive that returns 0 leaves its explicit event unsignaled"},
                 Make<SkipSetEventResetsExplicitEvent>()});
}

}  // namespace wsac
