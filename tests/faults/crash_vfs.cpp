#include "tests/faults/crash_vfs.h"

#include <sqlite3.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <vector>

namespace posd::test {

namespace {

constexpr int kSector = 512;

// A write or a truncation not yet synced.
struct Pending {
  bool truncate = false;
  sqlite3_int64 offset = 0;  // a truncation's new size
  std::string bytes;
};

struct State {
  std::mutex mu;
  sqlite3_vfs* real = nullptr;
  std::map<std::string, std::vector<Pending>> pending;  // by file path
  uint64_t counted = 0;  // writes and syncs
  uint64_t temp_writes = 0;
  uint64_t cut_at = 0;   // 0: none armed
  uint64_t seed = 0;
  bool cut = false;
  uint64_t failed = 0;  // injected failures that happened
  struct Failure {
    uint64_t at = 0, times = 0, seen = 0;
    int code = 0;
  } fail[3];
};

State& state() {
  static State s;
  return s;
}

struct File {
  sqlite3_file base;
  sqlite3_file* real;
  const char* path;  // owned by SQLite for the file's life (may be null: a temp file)
};

std::string key_of(const File* f) { return f->path ? f->path : ""; }

// Under the lock. SQLITE_OK, or the code of an injected failure.
int injected(State& s, CrashVfs::Op op) {
  State::Failure& f = s.fail[static_cast<int>(op)];
  if (f.times == 0) return SQLITE_OK;
  ++f.seen;
  if (f.seen < f.at) return SQLITE_OK;
  --f.times;
  ++s.failed;
  return f.code;
}

// The power goes: held writes reach the disk sector by sector, or not, or
// as garbage; from here on every operation fails.
void power_cut(State& s) {
  s.cut = true;
  std::mt19937_64 rng(s.seed);
  for (auto& [path, ops] : s.pending) {
    if (path.empty() || ops.empty()) continue;
    sqlite3_file* f = static_cast<sqlite3_file*>(std::calloc(1, static_cast<size_t>(s.real->szOsFile)));
    int out = 0;
    if (s.real->xOpen(s.real, path.c_str(), f, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MAIN_DB, &out) == SQLITE_OK) {
      for (const Pending& p : ops) {
        if (p.truncate) {
          if (rng() % 2) f->pMethods->xTruncate(f, p.offset);
          continue;
        }
        for (size_t at = 0; at < p.bytes.size(); at += kSector) {
          const size_t len = std::min<size_t>(kSector, p.bytes.size() - at);
          switch (rng() % 3) {
            case 0: break;  // never reached the disk
            case 1: f->pMethods->xWrite(f, p.bytes.data() + at, static_cast<int>(len), p.offset + static_cast<sqlite3_int64>(at)); break;
            default: {
              std::string garbage(len, '\0');
              for (char& c : garbage) c = static_cast<char>(rng());
              f->pMethods->xWrite(f, garbage.data(), static_cast<int>(len), p.offset + static_cast<sqlite3_int64>(at));
            }
          }
        }
      }
      f->pMethods->xClose(f);
    }
    std::free(f);
  }
  s.pending.clear();
}

// Under the lock: counts a write or sync; the power may go at this one.
bool counted_op(State& s) {
  if (s.cut) return false;
  ++s.counted;
  if (s.cut_at && s.counted >= s.cut_at) {
    power_cut(s);
    return false;
  }
  return true;
}

int x_close(sqlite3_file* f) {
  File* p = reinterpret_cast<File*>(f);
  int rc = p->real->pMethods ? p->real->pMethods->xClose(p->real) : SQLITE_OK;
  return rc;
}

// The file's size as its readers see it, and `buf` (at `offset`) overlaid
// with what is held for it.
int x_read(sqlite3_file* f, void* buf, int amt, sqlite3_int64 offset) {
  File* p = reinterpret_cast<File*>(f);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.cut) return SQLITE_IOERR_READ;
  if (int rc = injected(s, CrashVfs::Op::read); rc != SQLITE_OK) return rc;
  sqlite3_int64 size = 0;
  if (int rc = p->real->pMethods->xFileSize(p->real, &size); rc != SQLITE_OK) return rc;
  std::memset(buf, 0, static_cast<size_t>(amt));
  int rc = p->real->pMethods->xRead(p->real, buf, amt, offset);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
  char* out = static_cast<char*>(buf);
  auto held = s.pending.find(key_of(p));
  if (held != s.pending.end()) {
    for (const Pending& w : held->second) {
      if (w.truncate) {
        size = w.offset;
        for (sqlite3_int64 i = std::max(offset, w.offset); i < offset + amt; ++i) out[i - offset] = 0;
        continue;
      }
      const sqlite3_int64 end = w.offset + static_cast<sqlite3_int64>(w.bytes.size());
      size = std::max(size, end);
      const sqlite3_int64 from = std::max(offset, w.offset), to = std::min(offset + amt, end);
      if (from < to) std::memcpy(out + (from - offset), w.bytes.data() + (from - w.offset), static_cast<size_t>(to - from));
    }
  }
  if (offset + amt > size) {
    for (sqlite3_int64 i = std::max(offset, size); i < offset + amt; ++i) out[i - offset] = 0;
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int x_write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 offset) {
  File* p = reinterpret_cast<File*>(f);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (!counted_op(s)) return SQLITE_IOERR_WRITE;
  if (int rc = injected(s, CrashVfs::Op::write); rc != SQLITE_OK) return rc;
  if (!p->path) {  // a temp file: no durability asked
    ++s.temp_writes;
    return p->real->pMethods->xWrite(p->real, buf, amt, offset);
  }
  s.pending[key_of(p)].push_back({false, offset, std::string(static_cast<const char*>(buf), static_cast<size_t>(amt))});
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  File* p = reinterpret_cast<File*>(f);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (!counted_op(s)) return SQLITE_IOERR_TRUNCATE;
  if (int rc = injected(s, CrashVfs::Op::write); rc != SQLITE_OK) return rc;
  if (!p->path) return p->real->pMethods->xTruncate(p->real, size);
  s.pending[key_of(p)].push_back({true, size, {}});
  return SQLITE_OK;
}

int x_sync(sqlite3_file* f, int flags) {
  File* p = reinterpret_cast<File*>(f);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (!counted_op(s)) return SQLITE_IOERR_FSYNC;
  if (int rc = injected(s, CrashVfs::Op::sync); rc != SQLITE_OK) return rc;
  auto held = s.pending.find(key_of(p));
  if (held != s.pending.end()) {
    for (const Pending& w : held->second) {
      int rc = w.truncate ? p->real->pMethods->xTruncate(p->real, w.offset)
                          : p->real->pMethods->xWrite(p->real, w.bytes.data(), static_cast<int>(w.bytes.size()), w.offset);
      if (rc != SQLITE_OK) return rc;
    }
    s.pending.erase(held);
  }
  return p->real->pMethods->xSync(p->real, flags);
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  File* p = reinterpret_cast<File*>(f);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.cut) return SQLITE_IOERR_FSTAT;
  if (int rc = p->real->pMethods->xFileSize(p->real, size); rc != SQLITE_OK) return rc;
  auto held = s.pending.find(key_of(p));
  if (held == s.pending.end()) return SQLITE_OK;
  for (const Pending& w : held->second) {
    *size = w.truncate ? w.offset : std::max<sqlite3_int64>(*size, w.offset + static_cast<sqlite3_int64>(w.bytes.size()));
  }
  return SQLITE_OK;
}

// Locks, controls and shared memory go to the real file as they are.
int x_lock(sqlite3_file* f, int l) { return reinterpret_cast<File*>(f)->real->pMethods->xLock(reinterpret_cast<File*>(f)->real, l); }
int x_unlock(sqlite3_file* f, int l) { return reinterpret_cast<File*>(f)->real->pMethods->xUnlock(reinterpret_cast<File*>(f)->real, l); }
int x_check_reserved(sqlite3_file* f, int* out) {
  return reinterpret_cast<File*>(f)->real->pMethods->xCheckReservedLock(reinterpret_cast<File*>(f)->real, out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
  sqlite3_file* real = reinterpret_cast<File*>(f)->real;
  if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE) return SQLITE_OK;  // sizes come from the writes alone
  if (op == SQLITE_FCNTL_MMAP_SIZE) return SQLITE_NOTFOUND;                              // no mapping past the held writes
  return real->pMethods->xFileControl(real, op, arg);
}
int x_sector_size(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real->pMethods->xSectorSize(reinterpret_cast<File*>(f)->real); }
int x_device(sqlite3_file* f) {
  return reinterpret_cast<File*>(f)->real->pMethods->xDeviceCharacteristics(reinterpret_cast<File*>(f)->real);
}
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  sqlite3_file* real = reinterpret_cast<File*>(f)->real;
  return real->pMethods->xShmMap(real, page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  sqlite3_file* real = reinterpret_cast<File*>(f)->real;
  return real->pMethods->xShmLock(real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  sqlite3_file* real = reinterpret_cast<File*>(f)->real;
  real->pMethods->xShmBarrier(real);
}
int x_shm_unmap(sqlite3_file* f, int del) {
  sqlite3_file* real = reinterpret_cast<File*>(f)->real;
  return real->pMethods->xShmUnmap(real, del);
}

const sqlite3_io_methods kMethods = {
    2,  // shared memory, but no memory-mapped reads (they would miss the held writes)
    x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock, x_check_reserved, x_file_control,
    x_sector_size, x_device, x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, nullptr, nullptr};

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  State& s = state();
  File* p = reinterpret_cast<File*>(f);
  p->real = reinterpret_cast<sqlite3_file*>(p + 1);
  p->path = name;
  p->base.pMethods = nullptr;
  {
    std::lock_guard lock(s.mu);
    if (s.cut) return SQLITE_CANTOPEN;
  }
  // The VFS this one stands in for: unix, or unix-excl (the basket store's).
  sqlite3_vfs* real = vfs->pAppData ? static_cast<sqlite3_vfs*>(vfs->pAppData) : s.real;
  int rc = real->xOpen(real, name, p->real, flags, out_flags);
  if (rc == SQLITE_OK || p->real->pMethods) p->base.pMethods = &kMethods;
  return rc;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.cut) return SQLITE_IOERR_DELETE;
  s.pending.erase(name);
  return s.real->xDelete(s.real, name, sync_dir);
}

int x_access(sqlite3_vfs*, const char* name, int flags, int* out) { return state().real->xAccess(state().real, name, flags, out); }
int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return state().real->xFullPathname(state().real, name, n, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) { return state().real->xDlOpen(state().real, name); }
void x_dl_error(sqlite3_vfs*, int n, char* out) { state().real->xDlError(state().real, n, out); }
void (*x_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) { return state().real->xDlSym(state().real, h, sym); }
void x_dl_close(sqlite3_vfs*, void* h) { state().real->xDlClose(state().real, h); }
int x_randomness(sqlite3_vfs*, int n, char* out) { return state().real->xRandomness(state().real, n, out); }
int x_sleep(sqlite3_vfs*, int us) { return state().real->xSleep(state().real, us); }
int x_current_time(sqlite3_vfs*, double* out) { return state().real->xCurrentTime(state().real, out); }
int x_last_error(sqlite3_vfs*, int n, char* out) { return state().real->xGetLastError(state().real, n, out); }
int x_current_time64(sqlite3_vfs*, sqlite3_int64* out) { return state().real->xCurrentTimeInt64(state().real, out); }

}  // namespace

CrashVfs& CrashVfs::install() {
  static CrashVfs vfs;
  static std::once_flag once;
  std::call_once(once, [] {
    State& s = state();
    s.real = sqlite3_vfs_find("unix");
    static sqlite3_vfs crash = {
        2, static_cast<int>(sizeof(File)) + s.real->szOsFile, s.real->mxPathname, nullptr, "posd-crash", nullptr,
        x_open, x_delete, x_access, x_full_pathname, x_dl_open, x_dl_error, x_dl_sym, x_dl_close, x_randomness,
        x_sleep, x_current_time, x_last_error, x_current_time64, nullptr, nullptr, nullptr};
    sqlite3_vfs_register(&crash, 1);
    // The same cuts and failures for a file opened with unix-excl by name
    // (storage/basket_store.cpp): a twin of that name, found before SQLite's
    // own (registered second, after the default, ahead of the rest).
    sqlite3_vfs* excl = sqlite3_vfs_find("unix-excl");
    static sqlite3_vfs crash_excl = {
        2, static_cast<int>(sizeof(File)) + excl->szOsFile, excl->mxPathname, nullptr, "unix-excl", excl,
        x_open, x_delete, x_access, x_full_pathname, x_dl_open, x_dl_error, x_dl_sym, x_dl_close, x_randomness,
        x_sleep, x_current_time, x_last_error, x_current_time64, nullptr, nullptr, nullptr};
    sqlite3_vfs_register(&crash_excl, 0);
  });
  return vfs;
}

void CrashVfs::cut_at(uint64_t n, uint64_t seed) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.cut_at = s.counted + n;
  s.seed = seed;
}

void CrashVfs::fail_at(Op op, uint64_t n, int code, uint64_t times) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.fail[static_cast<int>(op)] = {n, times, 0, code};
}

bool CrashVfs::was_cut() const {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.cut;
}

uint64_t CrashVfs::failures() const {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.failed;
}

uint64_t CrashVfs::writes_and_syncs() const {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.counted;
}

uint64_t CrashVfs::temp_file_writes() const {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.temp_writes;
}

void CrashVfs::recount() {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.counted = 0;
  s.temp_writes = 0;
  s.cut_at = 0;
  s.failed = 0;
  for (auto& f : s.fail) f = {};
}

void CrashVfs::reset(const std::string& dir) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.pending.clear();
  s.counted = 0;
  s.temp_writes = 0;
  s.cut_at = 0;
  s.cut = false;
  s.failed = 0;
  for (auto& f : s.fail) f = {};
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().string();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, "-shm") == 0) std::filesystem::remove(entry.path(), ec);
  }
}

}  // namespace posd::test
