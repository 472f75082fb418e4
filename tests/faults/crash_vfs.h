// A SQLite VFS for tests that stands for a disk and its power (after SQLite's
// own crash tests, src/test6.c): every write and truncation is held in
// memory until its file is synced, and reads see it there. At a power cut
// what was never synced is lost, except that sectors (512 bytes) of the
// writes in flight may have reached the disk, whole or as garbage; from the
// cut on, every operation fails as it would in a machine that lost power.
// It can also fail one chosen operation with an error (SQLITE_IOERR,
// SQLITE_FULL) and carry on. The real files sit in a real directory: after
// a cut and reset() they are what a disk would hold after the power came
// back. Installed as the process's default VFS, so every connection posd
// opens goes through it. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace posd::test {

class CrashVfs {
 public:
  enum class Op { write, sync, read };

  // Registers it as the default VFS (once per process) and returns it.
  static CrashVfs& install();

  // A power cut at the `n`-th write-or-sync from now (1 = the next one);
  // `seed` picks which sectors in flight reach the disk.
  void cut_at(uint64_t n, uint64_t seed);
  // The `n`-th operation of `op` from now fails with `code` (an extended
  // SQLite code such as SQLITE_IOERR_WRITE or SQLITE_FULL); `times` in a row.
  void fail_at(Op op, uint64_t n, int code, uint64_t times = 1);
  // True once an armed cut happened.
  bool was_cut() const;
  // How many injected failures happened since the last reset.
  uint64_t failures() const;
  // Writes and syncs since the last reset.
  uint64_t writes_and_syncs() const;
  // Writes to SQLite's temporary files (statement journals that outgrew
  // memory), since the last reset or recount: disk wear that buys nothing.
  uint64_t temp_file_writes() const;
  // Counts from zero with nothing armed, keeping what is held: for use with
  // connections open.
  void recount();
  // The power is back: nothing armed, nothing held, counts at zero; the
  // files hold what survived. Call with every connection closed; removes
  // the wal-index files (`-shm`: memory, lost with the power).
  void reset(const std::string& dir);
};

}  // namespace posd::test
