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
#include <map>
#include <mutex>
#endif

namespace wsac::mock {

#if defined(__linux__)
namespace {

// One thread's files, opened once and read again with pread: a /proc file
// is generated afresh on every read from offset 0.
struct ThreadFiles {
  int stat = -1;
  int schedstat = -1;
};

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
    for (auto& [tid, files] : files_) Close(files);
    ::closedir(dir_);
  }

  bool AnyOtherThreadActive(const std::vector<long>& quiet) override {
    std::lock_guard lock(mu_);
    List(quiet, &listed_);
    first_.clear();
    for (long tid : listed_) {
      Sample s;
      if (!Read(tid, &s)) continue;  // exited
      if (s.state != 'S') return true;
      first_.emplace_back(tid, s);
    }
    for (const auto& [tid, before] : first_) {
      Sample s;
      if (!Read(tid, &s)) continue;
      if (s.state != 'S' || !s.SameRuns(before)) return true;
    }
    // A thread started during the samples was not in the first list; its
    // creator ran before being sampled, so only a second list shows it.
    List(quiet, &again_);
    for (long tid : again_)
      if (std::find(listed_.begin(), listed_.end(), tid) == listed_.end()) return true;
    Forget();
    return false;
  }

 private:
  void List(const std::vector<long>& quiet, std::vector<long>* out) {
    out->clear();
    ::rewinddir(dir_);
    while (const dirent* entry = ::readdir(dir_)) {
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
      const long tid = std::strtol(entry->d_name, nullptr, 10);
      if (std::find(quiet.begin(), quiet.end(), tid) == quiet.end()) out->push_back(tid);
    }
  }

  // false when the thread has exited.
  bool Read(long tid, Sample* sample) {
    ThreadFiles& files = files_[tid];
    char buf[512];
    ssize_t n = files.stat < 0 ? -1 : ::pread(files.stat, buf, sizeof buf - 1, 0);
    if (n <= 0) {
      // Not opened yet, or opened for an earlier thread that had this id.
      Close(files);
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

  // Closes the files of threads that have exited.
  void Forget() {
    for (auto it = files_.begin(); it != files_.end();) {
      if (std::find(again_.begin(), again_.end(), it->first) == again_.end()) {
        Close(it->second);
        it = files_.erase(it);
      } else {
        ++it;
      }
    }
  }

  static void Close(ThreadFiles& files) {
    if (files.stat >= 0) ::close(files.stat);
    if (files.schedstat >= 0) ::close(files.schedstat);
    files = ThreadFiles{};
  }

  std::mutex mu_;
  DIR* dir_;
  std::map<long, ThreadFiles> files_;
  std::vector<long> listed_, again_;
  std::vector<std::pair<long, Sample>> first_;
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
