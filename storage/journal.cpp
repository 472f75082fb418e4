#include "storage/journal.h"

#include "storage/store_tables.h"
#include "storage/wal_checkpoint.h"

#include <sqlite3.h>

#include <filesystem>
#include <future>

#include "base/digest.h"
#include "base/json_text.h"
#include "base/log.h"
#include "base/thread_name.h"
#include "storage/chain.h"
#include "storage/chain_check.h"
#include "storage/journal_rows.h"
#include "storage/schema.h"

namespace posd {

namespace {

constexpr const char* kInsert =
    "INSERT INTO journal(seq, ts, business_day, type, payload, prev_hash, hash, signature) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

// `payload_text`: the row's payload column, read once by the caller.
Result<Event> row_to_event(const sql::Stmt& st, const std::string& payload_text) {
  Event e;
  e.seq = static_cast<uint64_t>(st.int64(0));
  e.ts = st.text(1);
  e.business_day = st.text(2);
  e.type = st.text(3);
  // The stored text is what an auditor's tool reads: it must be exactly the
  // canonical encoding the hash covers, so no reader can see another value.
  auto payload = parse_canonical(payload_text);
  if (!payload) return Status::corruption("seq " + std::to_string(e.seq) + ": payload: " + payload.status().message());
  e.payload = std::move(*payload);
  e.prev_hash = st.text(5);
  e.hash = st.text(6);
  e.signature = st.text(7);
  return e;
}

}  // namespace

Result<std::optional<std::string>> event_hash(sql::Db& db, uint64_t seq) {
  auto st = db.cached("SELECT hash FROM journal WHERE seq = ?1");
  if (!st) return st.status();
  (*st)->bind(1, static_cast<int64_t>(seq));
  auto row = (*st)->step();
  if (!row) return row.status();
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>{(*st)->text(0)};
}

Status scan_journal_rows(sql::Db& db, uint64_t from,
                         const std::function<Status(const Event&, std::string_view payload)>& fn) {
  auto st = db.prepare(
      "SELECT seq, ts, business_day, type, payload, prev_hash, hash, signature "
      "FROM journal WHERE seq >= ?1 ORDER BY seq");
  if (!st) return st.status();
  st->bind(1, static_cast<int64_t>(from));
  for (;;) {
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    std::string payload = st->text(4);
    auto e = row_to_event(*st, payload);
    if (!e) return e.status();
    if (Status s = fn(*e, payload); !s) return s;
  }
}

Status scan_journal(sql::Db& db, uint64_t from,
                    const std::function<Status(const Event&)>& fn) {
  return scan_journal_rows(db, from, [&fn](const Event& e, std::string_view) { return fn(e); });
}

Result<std::unique_ptr<Journal>> Journal::open(Options o) {
  if (o.key_path.empty()) o.key_path = o.db_path + ".key";
  if (o.pubkey_path.empty()) o.pubkey_path = o.db_path + ".pub";
  if (o.max_batch == 0) o.max_batch = 1;

  auto db = sql::Db::open(o.db_path);
  if (!db) return db.status();
  if (Status s = schema::migrate(*db); !s) return s;
  if (!o.business_day) {
    auto day = store_settings::local_day(*db, o.time_zone, o.business_day_starts);
    if (!day) return day.status();
    if (*day) o.business_day = [d = **day](std::chrono::system_clock::time_point t) { return d.business_day(t); };
    else o.business_day = format_utc_date;
  }
  // A journal that holds events keeps the key that signed them: with the
  // private key gone, nothing may make a new one (its genesis names the old).
  auto head = db->query_int("SELECT MAX(seq) FROM journal");
  if (!head) return head.status();
  if (head->value_or(0) > 0 && !std::filesystem::exists(o.key_path)) {
    return Status::not_found("the store's private key " + o.key_path + " is missing and " + o.db_path +
                             " holds journal events up to seq " + std::to_string(head->value_or(0)) +
                             " signed with it: restore the key from backup (posctl restore --signing-key); "
                             "posd never makes a new key for an existing journal");
  }
  auto key = StoreKey::load_or_create(o.key_path, o.pubkey_path);
  if (!key) return key.status();

  std::unique_ptr<Journal> j(new Journal(std::move(o), std::move(*db), std::move(*key)));
  if (Status s = j->read_head(); !s) return s;
  if (j->options_.store_id.empty() && j->head_seq_ == 0) {
    return Status::invalid_argument("a new journal needs a store_id");
  }
  if (Status s = j->check_genesis(); !s) return s;
  j->check_and_checkpoint(/*at_open=*/true);
  {
    const CheckFigures checked = j->check_figures();
    j->asked_seq_ = checked.verified_seq;
    const uint64_t below = j->halted() ? checked.from_seq : 0;
    j->checker_ = std::thread([p = j.get(), below] { p->run_checks(below); });
  }
  auto wal = WalCheckpointer::start(j->db_, j->options_.wal_checkpoint_pages, j->options_.before_wal_checkpoint);
  if (!wal) return wal.status();
  j->wal_ = std::move(*wal);
  auto watcher = sql::Db::open(j->options_.db_path, sql::Db::Mode::read_only);
  if (!watcher) return watcher.status();
  j->watcher_.emplace(std::move(*watcher));
  j->writer_ = std::thread([p = j.get()] { p->run(); });
  if (j->head_seq_ == 0) {
    nlohmann::json genesis = {{"store_id", j->options_.store_id},
                              {"public_key", j->public_key().pem()},
                              {"created_at", format_utc(j->options_.clock->now())}};
    auto r = j->append(Entry{"genesis", genesis});
    if (!r) return r.status();
  }
  return j;
}

Journal::Journal(Options options, sql::Db db, StoreKey key)
    : options_(std::move(options)), db_(std::move(db)), key_(std::move(key)), signer_(std::make_unique<Signer>(key_)) {}

Journal::~Journal() { close(); }

Status Journal::halted() const {
  std::lock_guard lock(check_mu_);
  return halted_;
}

void Journal::halt(Status why) {
  std::lock_guard lock(check_mu_);
  if (!halted_) return;  // the first reason stands
  halted_ = Status::halted("signing stopped: " + why.message());
  log::get("journal")->error("{}: {} (posd signs nothing more on this journal; see docs/operations.md, "
                             "\"A broken journal\")", options_.db_path, halted_.message());
}

Journal::CheckFigures Journal::check_figures() const {
  std::lock_guard lock(check_mu_);
  return figures_;
}

void Journal::check_and_checkpoint(bool at_open) {
  if (!halted()) return;
  sql::Txn txn(db_);
  if (!txn.status()) {
    // Not checked is not whole: at start that stops signing (a restart
    // tries again); later, the next checkpoint does.
    if (at_open) halt(Status::halted("the chain could not be checked at start: " + txn.status().message()));
    return;
  }
  ChainCheck c = check_chain(db_, public_key(), options_.store_id);
  Status verdict = c.verdict;
  if (verdict && at_open && options_.check_state) {
    verdict = options_.check_state(db_, c.head_seq, &key_);
    // State that disagrees with the journal may be an edited event below the
    // checkpoint: the chain's own verdict names the cause more precisely.
    if (!verdict && c.from_seq > 0) {
      if (ChainCheck below = check_chain_below(db_, public_key(), c.from_seq, nullptr); !below.verdict) {
        verdict = below.verdict;
      }
    }
  }
  if (!verdict) {
    // A read that failed later on is not a broken chain: the next check runs it again.
    if (at_open || verdict.code() == Status::Code::corruption) halt(verdict);
    return;
  }
  {
    std::lock_guard lock(check_mu_);
    const bool below_checked = at_open ? c.from_seq == 0 : figures_.below_checked;
    figures_ = CheckFigures{c.from_seq, c.head_seq, c.events, c.took, below_checked};
  }
  // The check below the start's checkpoint always runs from seq 1, so a
  // checkpoint moved before it ends hides nothing: a start after a crash
  // checks below the newer one. A break it finds removes the checkpoint.
  if (c.head_seq == 0 || !halted()) return;
  if (Status s = record_checkpoint(db_, key_, options_.store_id, c.head_seq, c.head_hash); !s) return;
  if (txn.commit()) checkpointed_seq_ = c.head_seq;
}

void Journal::run_checks(uint64_t below) {
  name_this_thread("posd-check");
  if (below > 0) check_below(below);
  for (;;) {
    {
      std::unique_lock lock(wake_mu_);
      wake_cv_.wait(lock, [this] { return stop_checks_.load() || check_wanted_; });
      if (stop_checks_.load()) return;
      check_wanted_ = false;
    }
    if (options_.before_check) options_.before_check();
    check_beside();
  }
}

void Journal::ask_check() {
  {
    std::lock_guard lock(wake_mu_);
    check_wanted_ = true;
  }
  wake_cv_.notify_one();
}

// Beside the writer, on a connection of its own: seq 1 to the checkpoint
// the start began after.
void Journal::check_below(uint64_t until) {
  auto db = sql::Db::open(options_.db_path, sql::Db::Mode::read_only);
  if (!db) return;
  if (Status s = db->exec("BEGIN"); !s) return;
  ChainCheck c = check_chain_below(*db, public_key(), until, [this] { return stop_checks_.load(); });
  db->exec("COMMIT");
  if (stop_checks_.load()) return;
  if (c.verdict.code() == Status::Code::corruption) {
    halt(c.verdict);
    // The next start must not begin after a break it already found: without
    // the checkpoint it checks the whole chain before it signs.
    if (auto rw = sql::Db::open(options_.db_path, sql::Db::Mode::read_write)) {
      rw->exec("DELETE FROM journal_mark WHERE name = 'checkpoint'");
    }
    return;
  }
  if (!c.verdict) {
    log::get("journal")->warn("{}: the chain below seq {} could not be checked: {}", options_.db_path, until,
                              c.verdict.message());
    return;
  }
  std::lock_guard lock(check_mu_);
  figures_.below_checked = true;
}

// Every checkpoint_every events: the writer only asks. The check reads its
// own snapshot, so the writer goes on appending meanwhile; the checkpoint is
// then one small write in the writer's queue, at the hash the check saw.
void Journal::check_beside() {
  if (!halted()) return;
  auto not_checked = [&](const Status& why) {
    // Not a broken chain: the next ask (10,000 events on) or the stop's check runs it again.
    log::get("journal")->warn("{}: the chain could not be checked beside the writer: {}", options_.db_path,
                              why.message());
  };
  // A connection of its own for each check, closed after it: its page cache
  // (up to 2 MB) is not kept for the next 10,000 events.
  auto db = sql::Db::open(options_.db_path, sql::Db::Mode::read_only);
  if (!db) return not_checked(db.status());
  if (Status s = db->exec("BEGIN"); !s) return not_checked(s);
  ChainCheck c = check_chain(*db, public_key(), options_.store_id);
  if (Status s = db->exec("COMMIT"); !s) return not_checked(s);
  if (!c.verdict) {
    if (c.verdict.code() == Status::Code::corruption) return halt(c.verdict);
    return not_checked(c.verdict);
  }
  {
    std::lock_guard lock(check_mu_);
    if (c.head_seq < figures_.verified_seq) return;  // the stop's check went further
    figures_ = CheckFigures{c.from_seq, c.head_seq, c.events, c.took, figures_.below_checked};
  }
  if (c.head_seq == c.from_seq) return;
  submit(
      [this, seq = c.head_seq, hash = c.head_hash](WriteContext& ctx) -> Result<std::vector<Entry>> {
        // The check's own event must still be the one it verified. (A row
        // below it changed meanwhile ends up below the checkpoint, as one
        // changed just after any checkpoint does: the check below it at the
        // next start finds that.)
        auto at = event_hash(ctx.db, seq);
        if (!at) return at.status();
        if (*at != hash) {
          Status changed = Status::corruption("seq " + std::to_string(seq) + ": changed while the chain was checked");
          halt(changed);
          return changed;
        }
        // Never back: another process (posctl) may have moved it further meanwhile.
        auto current = ctx.db.query_int("SELECT seq FROM journal_mark WHERE name = 'checkpoint'");
        if (!current) return current.status();
        if (current->value_or(0) >= static_cast<int64_t>(seq)) return std::vector<Entry>{};
        if (Status s = record_checkpoint(ctx.db, key_, options_.store_id, seq, hash); !s) return s;
        return std::vector<Entry>{};
      },
      [this, seq = c.head_seq](const Result<Appended>& r) {
        if (r) checkpointed_seq_ = seq;  // on the writer: its completions run there
      });
}

uint64_t Journal::watch(std::function<void()> f) {
  std::lock_guard lock(watchers_mu_);
  watchers_.emplace_back(next_watcher_, std::move(f));
  return next_watcher_++;
}

void Journal::unwatch(uint64_t id) {
  std::lock_guard lock(watchers_mu_);
  std::erase_if(watchers_, [id](const auto& w) { return w.first == id; });
}

void Journal::raise_last_seq(uint64_t seq) const {
  uint64_t seen = last_seq_.load(std::memory_order_acquire);
  while (seq > seen && !last_seq_.compare_exchange_weak(seen, seq, std::memory_order_acq_rel)) {
  }
}

uint64_t Journal::refresh() const {
  std::lock_guard lock(watch_mu_);
  if (!watcher_) return changes_seen_;
  auto v = watcher_->query_int("PRAGMA data_version");
  if (!v || !*v || **v == data_version_) return changes_seen_;
  data_version_ = **v;
  auto head = watcher_->query_int("SELECT MAX(seq) FROM journal");
  if (head && *head) raise_last_seq(static_cast<uint64_t>(**head));
  return ++changes_seen_;
}

Status Journal::read_head() {
  auto head = db_.cached("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1");
  if (!head) return head.status();
  auto row = (*head)->step();
  if (!row) return row.status();
  head_seq_ = *row ? static_cast<uint64_t>((*head)->int64(0)) : 0;
  head_hash_ = *row ? (*head)->text(1) : genesis_prev_hash();
  raise_last_seq(head_seq_);
  return Status::ok();
}

Status Journal::check_genesis() {
  if (head_seq_ == 0) return Status::ok();
  Status found = Status::corruption("the journal has no genesis at seq 1");
  Status s = scan_journal(db_, 1, [&](const Event& e) {
    if (e.seq != 1 || e.type != "genesis") return found;
    if (e.payload.value("public_key", "") != public_key().pem()) {
      found = Status::corruption("the store key " + options_.key_path +
                                 " is not the key this journal was started with");
    } else if (options_.store_id.empty()) {
      options_.store_id = e.payload.value("store_id", "");  // adopt the journal's store
      found = Status::ok();
    } else if (e.payload.value("store_id", "") != options_.store_id) {
      found = Status::invalid_argument("this database belongs to store \"" +
                                       e.payload.value("store_id", "") + "\", not \"" +
                                       options_.store_id + "\"");
    } else {
      found = Status::ok();
    }
    return Status::unavailable("stop");  // only seq 1 is needed
  });
  if (!s && s.code() != Status::Code::unavailable) return s;
  return found;
}

size_t Journal::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size() + behind_.size();
}

std::chrono::steady_clock::duration Journal::stalled() const {
  if (idle()) return std::chrono::steady_clock::duration::zero();
  const auto since = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(moved_at_.load(std::memory_order_acquire)));
  return std::max(std::chrono::steady_clock::duration::zero(), std::chrono::steady_clock::now() - since);
}

void Journal::submit(Mutation mutation, Completion done) { queue(queue_, std::move(mutation), std::move(done)); }

void Journal::submit_behind(Mutation mutation, Completion done) {
  queue(behind_, std::move(mutation), std::move(done));
}

void Journal::queue(std::deque<Write>& to, Mutation mutation, Completion done) {
  {
    std::lock_guard lock(mu_);
    if (!closing_) {
      if (queue_.empty() && behind_.empty() && !busy_.load(std::memory_order_acquire)) {  // work arrives at an idle writer
        moved_at_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_release);
      }
      to.push_back(Write{std::move(mutation), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(Status::unavailable("the journal is closed"));
}

namespace {
// A mutation runs once: its entry moves into the batch, uncopied.
std::vector<Entry> one_entry(Entry e) {
  std::vector<Entry> out;
  out.push_back(std::move(e));
  return out;
}
}  // namespace

void Journal::append(Entry entry, Completion done) {
  submit([e = std::move(entry)](WriteContext&) mutable -> Result<std::vector<Entry>> {
           return one_entry(std::move(e));
         },
         std::move(done));
}

Result<Appended> Journal::write(Mutation mutation) {
  auto promise = std::make_shared<std::promise<Result<Appended>>>();
  auto future = promise->get_future();
  submit(std::move(mutation), [promise](Result<Appended> r) { promise->set_value(std::move(r)); });
  return future.get();
}

Result<Appended> Journal::append(Entry entry) {
  return write([e = std::move(entry)](WriteContext&) mutable -> Result<std::vector<Entry>> {
    return one_entry(std::move(e));
  });
}

bool Journal::lane_waiting() const {
  std::lock_guard lock(mu_);
  return !queue_.empty();
}

uint64_t Journal::wal_checkpoints() const { return wal_ ? wal_->checkpoints() : 0; }

void Journal::close() {
  {
    std::lock_guard lock(mu_);
    if (closing_ && !writer_.joinable()) return;
    closing_ = true;
    cv_.notify_all();
  }
  if (writer_.joinable()) writer_.join();
  wal_.reset();
  {
    std::lock_guard lock(wake_mu_);
    stop_checks_.store(true);
  }
  wake_cv_.notify_all();
  if (checker_.joinable()) checker_.join();
}

void Journal::run() {
  name_this_thread("posd-journal");
  std::vector<Write> batch, rest;
  for (;;) {
    size_t first_behind = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return closing_ || !queue_.empty() || !behind_.empty(); });
      if (queue_.empty() && behind_.empty()) {  // closing, and everything queued is done
        lock.unlock();
        if (head_seq_ != checkpointed_seq_) check_and_checkpoint(false);
        return;
      }
      for (auto* from : {&queue_, &behind_}) {  // the lanes' writes first
        first_behind = batch.size();
        while (!from->empty() && batch.size() < options_.max_batch) {
          batch.push_back(std::move(from->front()));
          from->pop_front();
        }
      }
      busy_.store(true, std::memory_order_release);
    }
    const auto started = std::chrono::steady_clock::now();
    const uint64_t seq_before = head_seq_;
    commit_batch(batch, first_behind, rest);
    if (!rest.empty()) {  // a lane's write came: the rest go after it, in their order
      std::lock_guard lock(mu_);
      behind_.insert(behind_.begin(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
      rest.clear();
    }
    moved_at_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_release);
    batches_.fetch_add(1, std::memory_order_release);
    if (options_.on_commit) options_.on_commit(batch.size(), std::chrono::steady_clock::now() - started);
    for (Write& w : batch) w.done(std::move(w.result));
    batch.clear();
    if (head_seq_ > seq_before) {
      std::lock_guard lock(watchers_mu_);
      for (auto& [id, f] : watchers_) f();
    }
    if (head_seq_ >= asked_seq_ + options_.checkpoint_every) {
      asked_seq_ = head_seq_;
      ask_check();
    }
    busy_.store(false, std::memory_order_release);
  }
}

void Journal::commit_batch(std::vector<Write>& batch, size_t first_behind, std::vector<Write>& rest) {
  const auto started = std::chrono::steady_clock::now();
  auto fail_all = [&](const Status& s) {
    if (s.code() == Status::Code::disk_full) disk_full_.store(true, std::memory_order_release);
    for (Write& w : batch) w.result = s;
  };
  const auto now = options_.clock->now();
  const std::string ts = format_utc(now);
  const std::string day = options_.business_day(now);

  if (Status h = halted(); !h) return fail_all(h);
  sql::Txn txn(db_);
  if (!txn.status()) return fail_all(txn.status());
  // Another process (posctl) may have appended since our last batch: the
  // head is read inside the write lock, never trusted from memory.
  if (Status s = read_head(); !s) return fail_all(s);
  const uint64_t batch_start_seq = head_seq_;
  const std::string batch_start_hash = head_hash_;

  const bool alone = batch.size() == 1;
  for (size_t i = 0; i < batch.size(); ++i) {
    // After one of HQ's entries: a lane's write came, or the lanes' answers
    // in this batch have waited for the entries long enough.
    if (i > first_behind && (lane_waiting() || (first_behind > 0 && std::chrono::steady_clock::now() - started >=
                                                                       options_.lanes_wait_behind))) {
      rest.assign(std::make_move_iterator(batch.begin() + static_cast<std::ptrdiff_t>(i)),
                  std::make_move_iterator(batch.end()));
      batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(i), batch.end());
      break;
    }
    Write& w = batch[i];
    if (Status s = apply(w, ts, day, alone); !s) {
      w.result = s;
      // A write alone has no savepoint: the Txn rolls its transaction back.
      // Or SQLite rolled the whole transaction back (an I/O error or a full
      // disk): nothing of this batch can commit.
      if (alone || sqlite3_get_autocommit(db_.handle())) {
        head_seq_ = batch_start_seq;
        head_hash_ = batch_start_hash;
        return fail_all(s);
      }
    }
  }
  // The head mark moves with the head: a journal cut behind it shows at start.
  Status marked = head_seq_ == batch_start_seq ? Status::ok() : record_mark(db_, "head", head_seq_, head_hash_);
  if (Status s = marked ? txn.commit() : marked; !s) {
    head_seq_ = batch_start_seq;
    head_hash_ = batch_start_hash;
    return fail_all(s);
  }
  disk_full_.store(false, std::memory_order_release);
  raise_last_seq(head_seq_);
}

// One write inside the batch's transaction, under its own savepoint when
// others share the batch. A savepoint makes SQLite copy every page the write
// touches before it changes it (a sale of five lines: some twenty pages, past
// SQLite's 64 KiB in memory, so into a file in /var/tmp); a write alone in
// its batch is undone by rolling its transaction back (commit_batch).
Status Journal::apply(Write& w, const std::string& ts, const std::string& day, bool alone) {
  if (!alone) {
    if (Status s = db_.run("SAVEPOINT w"); !s) return s;
  }
  const uint64_t seq0 = head_seq_;
  const std::string hash0 = head_hash_;
  auto undo = [&](Status s) {
    if (!alone && db_.run("ROLLBACK TO w")) db_.run("RELEASE w");
    head_seq_ = seq0;
    head_hash_ = hash0;
    return s;
  };

  WriteContext ctx{db_, head_seq_ + 1, day};
  Result<std::vector<Entry>> entries = Status::unavailable("not run");
  try {
    entries = w.mutation(ctx);
  } catch (const std::exception& ex) {
    entries = Status::invalid_argument(std::string("write failed: ") + ex.what());
  }
  if (!entries) return undo(entries.status());

  Appended out;
  for (Entry& entry : *entries) {
    auto text = payload_text(entry.payload);  // checked and encoded once, for the hash and the row
    if (!text) return undo(text.status());
    Event e;
    e.seq = head_seq_ + 1;
    e.ts = ts;
    e.business_day = day;
    e.type = std::move(entry.type);
    e.payload = std::move(entry.payload);
    e.prev_hash = head_hash_;
    seal(e, key_, *text);
    auto insert = db_.cached(kInsert);
    if (!insert) return undo(insert.status());
    (*insert)->bind(1, static_cast<int64_t>(e.seq)).bind(2, e.ts).bind(3, e.business_day)
        .bind(4, e.type).bind(5, *text).bind(6, e.prev_hash).bind(7, e.hash)
        .bind(8, e.signature);
    if (Status s = (*insert)->run(); !s) return undo(s);
    head_seq_ = e.seq;
    head_hash_ = e.hash;
    out.events.push_back(std::move(e));
  }
  if (!alone) {
    if (Status s = db_.run("RELEASE w"); !s) return undo(s);
  }
  if (!out.events.empty()) {
    out.first_seq = out.events.front().seq;
    out.last_seq = out.events.back().seq;
  }
  w.result = std::move(out);
  return Status::ok();
}

}  // namespace posd
