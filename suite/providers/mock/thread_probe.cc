// ThreadProbe over /proc/self/task (Linux). Kept apart from the model:
// this file includes system headers that must not meet wsa_types.h.
#include "suite/providers/mock/thread_probe.h"

#if defined(__linux__)
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#endif

namespace wsac::mock {

#if defined(__linux__)
namespace {

// One thread's files, opened once and read again with pread: a /proc file
// is generated afresh on every read from offset 0.
struct ThreadFiles {
  long tid = 0;  // 0: a free slot
  int stat = -1;
  int schedstat = -1;
};
// Threads whose files stay open; more are read by opening their files each
// time. The probe allocates no memory: a thread it samples as blocked may
// be blocked on an allocator lock, which the probe must not be holding.
constexpr std::size_t kCachedThreads = 64;

struct Sample {
  char state = '?';
  unsigned long long on_cpu_ns = 0;
  unsigned long long runs = 0;  // times the scheduler put it on a CPU
  bool SameRuns(const Sample& o) const { return on_cpu_ns == o.on_cpu_ns && runs == o.runs; }
};

class ProcThreadProbe final : public ThreadProbe {
 public:
  explicit ProcThreadProbe(DIR* dir) : dir_(dir) {}
  ~ProcThreadProbe() override {
    for (ThreadFiles& files : files_) Close(files);
    ::closedir(dir_);
  }

  bool AnyOtherThreadActive(const std::vector<long>& quiet) override {
    std::lock_guard lock(mu_);
    std::size_t listed = 0, again = 0;
    if (!List(quiet, listed_, &listed)) return true;
    for (std::size_t i = 0; i < listed; ++i) {
      if (!Read(listed_[i], &first_[i])) first_[i].state = 'X';  // exited
      else if (first_[i].state != 'S') return true;
    }
    for (std::size_t i = 0; i < listed; ++i) {
      Sample s;
      if (first_[i].state == 'X' || !Read(listed_[i], &s)) continue;
      if (s.state != 'S' || !s.SameRuns(first_[i])) return true;
    }
    // A thread started during the samples was not in the first list; its
    // creator ran before being sampled, so only a second list shows it.
    if (!List(quiet, again_, &again)) return true;
    for (std::size_t i = 0; i < again; ++i)
      if (std::find(listed_, listed_ + listed, again_[i]) == listed_ + listed) return true;
    // Threads that have exited give their slots back.
    for (ThreadFiles& files : files_)
      if (files.tid != 0 && std::find(again_, again_ + again, files.tid) == again_ + again &&
          std::find(quiet.begin(), quiet.end(), files.tid) == quiet.end())
        Close(files);
    return false;
  }

 private:
  // The threads not in `quiet`; false when there are more than it can hold.
  bool List(const std::vector<long>& quiet, long* out, std::size_t* n) {
    *n = 0;
    ::rewinddir(dir_);
    while (const dirent* entry = ::readdir(dir_)) {
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
      const long tid = std::strtol(entry->d_name, nullptr, 10);
      if (std::find(quiet.begin(), quiet.end(), tid) != quiet.end()) continue;
      if (*n == kMaxThreads) return false;
      out[(*n)++] = tid;
    }
    return true;
  }

  ThreadFiles* Slot(long tid) {
    ThreadFiles* free = nullptr;
    for (ThreadFiles& files : files_) {
      if (files.tid == tid) return &files;
      if (files.tid == 0 && free == nullptr) free = &files;
    }
    if (free != nullptr) free->tid = tid;
    return free;
  }

  // false when the thread has exited.
  bool Read(long tid, Sample* sample) {
    ThreadFiles uncached;
    ThreadFiles* slot = Slot(tid);
    ThreadFiles& files = slot != nullptr ? *slot : uncached;
    const bool ok = ReadFiles(tid, files, sample);
    if (!ok && slot != nullptr) Close(files);  // frees the slot of a thread that has gone
    if (slot == nullptr) Close(uncached);
    return ok;
  }

  bool ReadFiles(long tid, ThreadFiles& files, Sample* sample) {
    char buf[512];
    ssize_t n = files.stat < 0 ? -1 : ::pread(files.stat, buf, sizeof buf - 1, 0);
    if (n <= 0) {
      // Not opened yet, or opened for an earlier thread that had this id.
      const long keep = files.tid;
      Close(files);
      files.tid = keep;
      char path[64];
      std::snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
      files.stat = ::open(path, O_RDONLY | O_CLOEXEC);
      std::snprintf(path, sizeof path, "/proc/self/task/%ld/schedstat", tid);
      files.schedstat = ::open(path, O_RDONLY | O_CLOEXEC);
      n = files.stat < 0 ? -1 : ::pread(files.stat, buf, sizeof buf - 1, 0);
      if (n <= 0) return false;
    }
    buf[n] = '\0';
    // "tid (name) S ...": the name may hold ')' and spaces, the state follows the last one.
    const char* close = std::strrchr(buf, ')');
    if (close == nullptr || close[1] != ' ' || close[2] == '\0') return false;
    sample->state = close[2];
    if (sample->state == 'Z' || sample->state == 'X') return false;  // exiting: can do nothing more
    if (files.schedstat >= 0) {
      const ssize_t m = ::pread(files.schedstat, buf, sizeof buf - 1, 0);
      unsigned long long waited = 0;
      if (m > 0) {
        buf[m] = '\0';
        std::sscanf(buf, "%llu %llu %llu", &sample->on_cpu_ns, &waited, &sample->runs);
      }
    }
    return true;
  }

  static void Close(ThreadFiles& files) {
    if (files.stat >= 0) ::close(files.stat);
    if (files.schedstat >= 0) ::close(files.schedstat);
    files = ThreadFiles{};
  }

  static constexpr std::size_t kMaxThreads = 1024;

  std::mutex mu_;
  DIR* dir_;
  ThreadFiles files_[kCachedThreads];
  long listed_[kMaxThreads], again_[kMaxThreads];
  Sample first_[kMaxThreads];
};

}  // namespace

std::unique_ptr<ThreadProbe> ThreadProbe::Open() {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return nullptr;
  return std::make_unique<ProcThreadProbe>(dir);
}

long ThreadProbe::CurrentThreadId() { return static_cast<long>(::syscall(SYS_gettid)); }

#else

std::unique_ptr<ThreadProbe> ThreadProbe::Open() { return nullptr; }
long ThreadProbe::CurrentThreadId() { return 0; }

#endif

}  // namespace wsac::mock
