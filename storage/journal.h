// The store's journal: one ordered, append-only, hash-chained and signed log of
// business events, and the single writer through which every write to the
// database goes.
//
// Other processes (posctl) may write to the same database through their own
// Journal: each batch reads the chain's head inside its write transaction.
//
// Writes are Mutations: a function that runs on the writer thread inside a
// transaction, changes state tables through the Db it is given, and returns
// the events that record the change. The state change and its events commit
// together or not at all. Concurrent writes are grouped: one transaction and
// one fsync serve a whole batch (group commit), and each write's Completion
// runs only after that fsync. A write that fails is rolled back alone (a
// savepoint), without harming the others in its batch.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "storage/event.h"
#include "storage/signer.h"
#include "storage/sqlite.h"
#include "storage/store_key.h"

namespace posd {

class WalCheckpointer;

// What a mutation asks the journal to record.
struct Entry {
  std::string type;
  nlohmann::json payload;
};

// What a mutation sees: the writer's connection, inside the batch's
// transaction, and the seq its first returned Entry will get.
struct WriteContext {
  sql::Db& db;
  uint64_t next_seq;
  const std::string& business_day;
};

// Runs on the writer thread, once. Returns the entries to append (may be
// empty), or an error, which rolls back everything it did.
using Mutation = std::function<Result<std::vector<Entry>>(WriteContext&)>;

struct Appended {
  uint64_t first_seq = 0;  // 0 when no event was appended
  uint64_t last_seq = 0;
  std::vector<Event> events;
};

// Runs on the writer thread once the write is durable (or has failed). It must
// not block: hand the result to the caller's own thread or event loop.
using Completion = std::function<void(Result<Appended>)>;

class Journal {
 public:
  struct Options {
    std::string db_path{};
    std::string store_id{};   // written into the genesis; must match an existing one;
                              // empty: take the existing journal's (tools)
    std::string key_path{};   // default: db_path + ".key"
    std::string pubkey_path{};  // default: db_path + ".pub"
    const Clock* clock = &Clock::system();
    // The business day for an event stamped at `t`. Default: the store's
    // local day (base/local_day.h) of `time_zone` and `business_day_starts`,
    // which are then kept in the database (table store_setting) for tools
    // that open the journal without them (posctl); without them either,
    // those kept; with none kept, the UTC date.
    std::function<std::string(std::chrono::system_clock::time_point)> business_day{};
    std::string time_zone{};            // IANA, e.g. Europe/Paris
    std::string business_day_starts{};  // HH:MM
    size_t max_batch = 512;   // writes per transaction at most
    // How long a batch with lanes' writes goes on applying submit_behind's
    // writes after its first (the lanes' answers wait for its commit).
    std::chrono::milliseconds lanes_wait_behind{30};
    // Called on the writer thread after each commit with the batch's size and
    // its time (transaction and fsync). Must be quick and thread-safe.
    std::function<void(size_t writes, std::chrono::nanoseconds took)> on_commit{};
    // Checks the state tables (sales, counters, …) against the journal's
    // head at open, inside the chain check's transaction; a failure stops
    // signing like a broken chain. Empty: no state to check (tools, tests).
    std::function<Status(sql::Db& db, uint64_t head_seq, const StoreKey* key)> check_state{};
    // The chain written since the checkpoint is verified every this many
    // events, on the checker thread (no append waits for it), and the
    // writer then moves the checkpoint between two batches; at close the
    // writer checks the rest itself.
    uint64_t checkpoint_every = 10000;
    // Called on the checker thread before each of those checks (tests hold
    // one with it to see the writer go on).
    std::function<void()> before_check{};
    // The WAL is copied back into the database past this many pages, beside
    // the writer (storage/wal_checkpoint.h), never inside one of its commits.
    int wal_checkpoint_pages = 1000;
    // Called on that thread before each copy (tests hold one with it).
    std::function<void()> before_wal_checkpoint{};
  };

  // Opens (creating when absent) the database, migrates the schema, loads or
  // creates the store key, writes the genesis into an empty journal, and
  // starts the writer thread. It checks the chain from the last checkpoint
  // to the end, and the part before the checkpoint on a thread of its own
  // after; a break found by either stops signing (halted()) but not the
  // open: the store keeps serving reads and saying what is wrong.
  static Result<std::unique_ptr<Journal>> open(Options options);

  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();  // close()

  // Queues a write. Thread-safe. After close() the completion gets `unavailable`.
  void submit(Mutation mutation, Completion done);
  // Queues a write that may wait for the lanes' (HQ's down-log entries: a
  // catalog entry of 500 items takes ~5 ms). Writes queued so are applied in
  // their own order, after every write submit() queued before their batch,
  // and at least one a batch however busy the lanes. A batch stops taking
  // them when a lane's write arrives (it goes first in the next batch), and
  // one with lanes' writes in it once it has run `lanes_wait_behind` (their
  // answers wait for its commit): a sale waits for about that, not for a
  // window of 64 of them.
  void submit_behind(Mutation mutation, Completion done);
  // Queues one event with no state change.
  void append(Entry entry, Completion done);
  // Blocking forms, for tools and tests; never call them on the writer thread.
  Result<Appended> write(Mutation mutation);
  Result<Appended> append(Entry entry);

  // How many times the WAL was copied back into the database (beside the writer).
  uint64_t wal_checkpoints() const;

  // Stops taking writes, commits everything already queued, joins the writer.
  void close();

  // The last durable seq this Journal has written or refresh() has seen. Any thread.
  uint64_t last_seq() const { return last_seq_.load(std::memory_order_acquire); }
  // Notices commits by other processes too (posctl writing while posd runs):
  // when SQLite's data_version moved, reads the journal's head again. Cheap
  // when nothing changed. Returns how many changes of the database it has
  // seen so far (by anyone): a caller that keeps the last figure knows
  // whether anything changed since it looked. Any thread.
  uint64_t refresh() const;
  // Calls `f` on the writer thread after every batch that made new events
  // durable, once last_seq() shows them (the sync side sends at once instead
  // of looking from time to time). `f` must be quick and must not block: it
  // posts to its own loop. Returns the id for unwatch(). Any thread.
  uint64_t watch(std::function<void()> f);
  // When it returns, `id`'s function is not running and never runs again.
  void unwatch(uint64_t id);
  // Batches the writer has finished (committed or failed): the writer is alive
  // while this moves or the queue is empty.
  uint64_t batches() const { return batches_.load(std::memory_order_acquire); }
  size_t queued() const;
  // True while the last batch failed for lack of disk space; a later batch
  // that commits clears it. Any thread.
  bool disk_full() const { return disk_full_.load(std::memory_order_acquire); }
  // Nothing queued and no batch being written. Any thread.
  bool idle() const { return !busy_.load(std::memory_order_acquire) && queued() == 0; }
  // How long the writer has had work and finished no batch: zero when idle,
  // else since the later of its last finished batch and the moment work
  // arrived while it was idle (what systemd's watchdog would restart posd
  // for; posd_journal_writer_stalled_seconds). Any thread.
  std::chrono::steady_clock::duration stalled() const;
  const std::string& store_id() const { return options_.store_id; }
  // The business day an event written now would carry.
  std::string business_day() const { return options_.business_day(options_.clock->now()); }
  const PublicKey& public_key() const { return key_.public_key(); }
  // The store key's signature of `message` (receipt codes). Any thread.
  std::string sign(std::string_view message) const { return key_.sign(message); }
  // The same, made on the journal's signer thread while the caller goes on
  // (a mutation that needs a signature only at its end). Any thread.
  std::future<std::string> sign_beside(std::string message) const { return signer_->sign(std::move(message)); }
  const std::string& db_path() const { return options_.db_path; }

  // Ok, or why this journal signs nothing: a write fails with this status
  // (Code::halted). Set by a chain or state check, or by halt(). Any thread.
  Status halted() const;
  // Stops signing for good (until a restart finds the journal whole).
  void halt(Status why);
  // The last chain check's figures (start, checkpoint or close). Any thread.
  struct CheckFigures {
    uint64_t from_seq = 0;       // the checkpoint it started after
    uint64_t verified_seq = 0;   // the chain is verified up to here
    uint64_t events = 0;
    std::chrono::nanoseconds took{};
    bool below_checked = false;  // the part before the start's checkpoint too
  };
  CheckFigures check_figures() const;

 private:
  struct Write {
    Mutation mutation;
    Completion done;
    Result<Appended> result = Status::unavailable("not run");
  };

  Journal(Options options, sql::Db db, StoreKey key);
  void raise_last_seq(uint64_t seq) const;
  // Reads the chain's head (last seq and hash) from the database.
  Status read_head();
  Status check_genesis();
  void run();
  // Applies `batch` in one transaction and commits it; a write that fails
  // leaves the others. After the first of submit_behind's writes (from
  // `first_behind` on), it stops when a lane's write is queued, or, with
  // lanes' writes in the batch, past `lanes_wait_behind`: those it did not
  // reach move from `batch` to `rest`, unapplied.
  void commit_batch(std::vector<Write>& batch, size_t first_behind, std::vector<Write>& rest);
  void queue(std::deque<Write>& to, Mutation mutation, Completion done);
  bool lane_waiting() const;  // a write of submit()'s is queued
  // Verifies the chain from the checkpoint to the head and moves the
  // checkpoint there, or halts. At open (before the writer runs) and at
  // close (on the writer, once the queue is empty).
  void check_and_checkpoint(bool at_open);
  // The checker thread (posd-check): the part below the start's checkpoint
  // (`below` > 0), then a check_beside() whenever the writer asks.
  void run_checks(uint64_t below);
  void check_below(uint64_t until);
  // Verifies, on a connection and snapshot of its own, the chain from the
  // checkpoint to the head it sees, then queues the checkpoint's move.
  void check_beside();
  void ask_check();
  // `alone`: the batch's only write, which needs no savepoint of its own
  // (when it fails, the whole transaction is rolled back).
  Status apply(Write& w, const std::string& ts, const std::string& day, bool alone);

  Options options_;
  sql::Db db_;  // the writer thread's alone once it runs
  std::unique_ptr<WalCheckpointer> wal_;  // its checkpoints, beside it
  StoreKey key_;
  std::unique_ptr<Signer> signer_;

  uint64_t head_seq_ = 0;  // writer thread only
  std::string head_hash_;
  mutable std::atomic<uint64_t> last_seq_{0};
  // refresh(): a connection of its own and the data_version it last saw.
  mutable std::mutex watch_mu_;
  mutable std::optional<sql::Db> watcher_;
  mutable int64_t data_version_ = -1;
  mutable uint64_t changes_seen_ = 0;
  std::atomic<uint64_t> batches_{0};
  std::atomic<bool> busy_{false};
  std::atomic<std::chrono::steady_clock::rep> moved_at_{0};  // see stalled()
  std::atomic<bool> disk_full_{false};

  std::mutex watchers_mu_;  // held while they run: unwatch() waits for a call in flight
  std::vector<std::pair<uint64_t, std::function<void()>>> watchers_;
  uint64_t next_watcher_ = 1;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Write> queue_;
  std::deque<Write> behind_;  // submit_behind's
  bool closing_ = false;
  std::thread writer_;

  mutable std::mutex check_mu_;
  Status halted_ = Status::ok();
  CheckFigures figures_;
  uint64_t asked_seq_ = 0;  // writer thread only: the head when it last asked for a check
  uint64_t checkpointed_seq_ = 0;  // writer thread (and open): where this Journal last moved the checkpoint
  std::mutex wake_mu_;      // the checker's wake-up
  std::condition_variable wake_cv_;
  bool check_wanted_ = false;
  std::atomic<bool> stop_checks_{false};
  std::thread checker_;
};

// Reads journal rows with seq >= from, in order, calling fn for each until it
// returns an error. For any connection (readers never block the writer in WAL).
Status scan_journal(sql::Db& db, uint64_t from, const std::function<Status(const Event&)>& fn);

// The hash of the journal's event at `seq`; nullopt when there is none.
Result<std::optional<std::string>> event_hash(sql::Db& db, uint64_t seq);

}  // namespace posd
