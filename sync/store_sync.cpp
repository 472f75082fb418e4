#include "sync/store_sync.h"

#include <atomic>
#include <utility>


#include "storage/cursor.h"
#include "base/loop_post.h"
#include "base/log.h"
#include "sync/batch_reader.h"
#include "sync/db_watch.h"
#include "sync/down_log.h"
#include "sync/outbox.h"
#include "sync/ticker.h"
#include "sync/protocol.h"
#include "sync/send_window.h"

namespace posd::sync {

namespace asio = boost::asio;

struct StoreSync::Impl : std::enable_shared_from_this<StoreSync::Impl> {
  Impl(asio::io_context& io, Journal& journal, sql::Db reader, std::unique_ptr<BatchReader> batches,
       StoreSyncOptions o)
      : io(io),
        journal(journal),
        reader(std::move(reader)),
        outbox(this->reader),
        batches(std::move(batches)),
        options(std::move(o)),
        topics{options.prefix, journal.store_id()},
        window(options.window_events, options.batch_events),
        ticker(io, options.tick),
        logger(log::get("sync")) {}

  asio::io_context& io;
  Journal& journal;
  sql::Db reader;
  Outbox outbox;
  std::unique_ptr<BatchReader> batches;  // the next batch, read beside the loop
  StoreSyncOptions options;
  Topics topics;
  SendWindow window;
  Ticker ticker;
  std::shared_ptr<spdlog::logger> logger;
  std::unique_ptr<Link> link;
  uint64_t journal_watch = 0;  // Journal::watch's id while running
  std::unique_ptr<DbWatch> db_watch;
  std::function<void(const std::string&)> applied_hook;
  SyncFigures figures;
  bool running = false;
  bool reading = false;  // a batch is being read beside the loop (one at a time)
  // up() has run for this connection: the link says it is up a little before
  // its on_up reaches here (behind the messages the link's reader still
  // holds), and nothing is sent on a new connection before the hello.
  uint64_t hello_on = 0;  // the link's connect number up() last ran for (0: none)
  std::string last_down_reason;
  std::string last_read_failure;  // the batch reader's last failure, said once ("": the last read worked)
  uint64_t changes_seen = 0;  // the journal's refresh() figure when the tick last looked
  std::optional<uint64_t> honouring;  // an operator's rewind request being cleared
  std::chrono::steady_clock::time_point last_garbage_kept{};

  void start() {
    LinkOptions lo = options.link;
    lo.subscriptions = {topics.down_log(), topics.down_ack()};
    lo.status_topic = topics.status();
    std::weak_ptr<Impl> weak = shared_from_this();
    LinkHandlers h;
    h.on_up = [weak] { if (auto s = weak.lock()) s->up(); };
    h.on_down = [weak](const std::string& why) { if (auto s = weak.lock()) s->down(why); };
    h.read_ahead = [](Message& m) {
      if (auto* e = std::get_if<DownEntry>(&m)) read_ahead(*e);  // a catalog's items parsed off the writer
    };
    h.on_decoded = [weak](const std::string& t, const std::string& p, Result<Message>& m) {
      if (auto s = weak.lock()) s->message(t, p, m);
    };
    link = std::make_unique<Link>(io, std::move(lo), std::move(h));
    hello_on = 0;
    journal.refresh();
    auto acked = outbox.acked_seq();
    window.reset(acked ? *acked : 0, SendWindow::Clock::now());
    rewind_if_requested();
    running = true;
    link->start();
    ticker.start([weak] { if (auto s = weak.lock()) s->tick(); });
    // Sent as soon as it is durable: the writer tells of this process's
    // commits (one wake-up for however many commits land before it runs),
    // inotify of another process's (posctl); the tick is the net under both.
    auto pending = std::make_shared<std::atomic<bool>>(false);
    journal_watch = journal.watch([weak, pending, &io = io] {
      if (pending->exchange(true)) return;
      loop_post(io, [weak, pending] {
        pending->store(false);
        if (auto s = weak.lock(); s && s->running) s->send();
      });
    });
    db_watch = std::make_unique<DbWatch>(io, journal.db_path(), [weak] {
      if (auto s = weak.lock(); s && s->running) s->tick();
    });
  }

  void stop() {
    running = false;
    if (journal_watch) journal.unwatch(std::exchange(journal_watch, 0));
    db_watch.reset();
    ticker.stop();
    if (link) link->stop();
  }

  // Every options.tick, and when another process wrote: notice what others
  // committed (posctl), resend when HQ stopped acknowledging, send what is new.
  void tick() {
    if (const uint64_t seen = journal.refresh(); seen != changes_seen) {
      changes_seen = seen;
      rewind_if_requested();
    }
    if (window.rewind_if_stalled(SendWindow::Clock::now(), options.resend_after)) {
      logger->info("no ack from HQ for {} ms: sending again from seq {}", options.resend_after.count(), window.next());
    }
    send();
  }

  // A connect, or HQ's hello: replay from what HQ holds. The window, read
  // from the database at start, is the truth from then on: it moves first on
  // an ack or a rewind, and the database follows in a write of its own.
  void up() {
    hello_on = link->connects();  // even when the cursors cannot be read: the window still sends
    auto applied = cursor::read(reader, "hq_applied_seq");
    if (!applied) {
      logger->error("cannot read the sync cursors; will retry on the next connect");
      return;
    }
    journal.refresh();
    window.rewind_to(window.acked(), SendWindow::Clock::now());
    Hello hello{journal.store_id(), journal.last_seq(), window.acked(), *applied};
    logger->info("link up (connect {}): journal seq {}, HQ holds {}, applied HQ entries up to {}", link->connects(),
                 hello.journal_seq, hello.hq_acked_seq, hello.hq_applied_seq);
    last_down_reason.clear();
    link->publish(topics.up_journal(), encode(hello));
    send();
  }

  void down(const std::string& why) {
    hello_on = 0;
    // Logged once per kind of failure, not once per retry.
    if (why != last_down_reason) logger->warn("link down: {}; retrying with backoff", why);
    last_down_reason = why;
  }

  // One batch at a time, read, checked and encoded beside the loop (a
  // backlog, or a catalog's worth of big hq_applied events, costs the loop
  // only the publish of each), the next asked for once this one is sent.
  void send() {
    if (!hello_said() || reading || window.room() == 0 || window.next() > journal.last_seq()) {
      return;
    }
    const size_t limit = std::min<uint64_t>(options.batch_events, window.room());
    reading = batches->read(window.next(), limit, options.batch_bytes,
                            [weak = weak_from_this()](Result<BatchReader::Batch> b) {
                              if (auto s = weak.lock()) s->read_done(std::move(b));
                            });
  }

  // The link is up and this connection's hello went out: the link says up
  // (and counts the connect) a little before its on_up reaches here, behind
  // the messages its reader still holds, and also before the last
  // connection's on_down has.
  bool hello_said() const { return link && link->up() && hello_on != 0 && hello_on == link->connects(); }

  void read_done(Result<BatchReader::Batch> b) {
    reading = false;
    if (!running) return;
    if (!b) {
      // Tried again at the next tick (250 ms), not at once: what fails a
      // read-only snapshot's read (a damaged row, the disk) stays failed, and
      // is said once, not four times a second.
      if (b.status().message() != last_read_failure) {
        logger->error("cannot read the journal to send (tried again every tick): {}", b.status().message());
      }
      last_read_failure = b.status().message();
      return;
    }
    last_read_failure.clear();
    if (b->events == 0) return;
    // The window may have moved meanwhile (an ack, a rewind, a new
    // connection): a batch that no longer starts at its next is read again.
    if (b->first != window.next() || b->events > window.room()) return send();
    if (!hello_said()) return;
    if (!link->publish(topics.up_journal(), b->payload)) return;
    window.sent(b->last, SendWindow::Clock::now());
    send();
  }

  // `m`: the payload decoded on Paho's thread (LinkHandlers::on_decoded).
  void message(const std::string& topic, const std::string& payload, Result<Message>& m) {
    if (topic == topics.down_ack()) {
      const Ack* ack = m ? std::get_if<Ack>(&*m) : nullptr;
      if (!ack || ack->type != "journal_ack" || ack->store_id != journal.store_id()) {
        ++figures.rejected_acks;
        logger->warn("ignored a message on {}: {}", topic,
                     m ? "not a journal_ack for this store" : m.status().message());
        return;
      }
      return journal_acked(ack->seq, ack->hash);
    }
    if (topic != topics.down_log()) return;
    if (!m) return quarantine(m.status().message(), payload);
    if (DownEntry* e = std::get_if<DownEntry>(&*m)) {
      if (e->store_id != journal.store_id()) {
        return quarantine("an entry for store \"" + e->store_id + "\" arrived on this store's topic", payload);
      }
      return apply(std::move(*e));
    }
    if (const Hello* hello = std::get_if<Hello>(&*m)) {
      // HQ (re)started: it replays its down-log from what we say we applied,
      // and the journal goes again from what it says it holds, even when
      // that is less than it once acknowledged (it restored a backup).
      if (hello->store_id == journal.store_id() && hello->hq_acked_seq < window.acked()) {
        rewind(hello->hq_acked_seq, "HQ's hello says it holds");
      }
      journal.refresh();
      if (hello->store_id == journal.store_id() && hello->hq_acked_seq > journal.last_seq()) {
        return behind_hq(hello->hq_acked_seq, "says in its hello it holds");
      }
      up();
      return;
    }
    quarantine("not a down-log entry", payload);
  }

  // HQ holds events this journal does not: its tail was cut, or the database
  // is an older copy. Signing on would reuse those seqs for other events.
  void behind_hq(uint64_t held, const char* how) {
    ++figures.rejected_acks;
    journal.halt(Status::halted("HQ " + std::string(how) + " this store's events up to seq " + std::to_string(held) +
                                ", but the journal ends at seq " + std::to_string(journal.last_seq()) +
                                ": events were removed from its end, or this database is an older copy"));
  }

  void journal_acked(uint64_t seq, const std::string& hash) {
    journal.refresh();
    if (seq > journal.last_seq()) return behind_hq(seq, "acknowledges");
    std::weak_ptr<Impl> weak = shared_from_this();
    // HQ's copy is the anchor: a journal that no longer holds what HQ holds must not sign on.
    auto rewritten = [weak](const Result<Appended>& r) {
      auto s = weak.lock();
      if (!s || r || r.status().code() != Status::Code::halted) return false;
      if (!s->journal.halted()) return true;  // stopped already, for its own reason
      s->logger->error("tampering: {}", r.status().message());
      s->journal.halt(r.status());
      return true;
    };
    if (seq < window.acked()) {
      if (!hash.empty()) journal.submit(Outbox::held(seq, hash), [rewritten](Result<Appended> r) { rewritten(r); });
      rewind(seq, "HQ acknowledges");
      send();
      return;
    }
    if (!window.ack(seq, SendWindow::Clock::now())) {
      window.gap(seq);  // HQ took a later batch, not the next: send again soon
      if (!hash.empty()) journal.submit(Outbox::held(seq, hash), [rewritten](Result<Appended> r) { rewritten(r); });
      return;
    }
    figures.last_ack = std::chrono::system_clock::now();
    journal.submit(Outbox::ack(seq, hash), [weak, seq, rewritten](Result<Appended> r) {
      auto s = weak.lock();
      if (!s || rewritten(r)) return;
      if (!r) s->logger->error("cannot record HQ's ack of seq {}: {}", seq, r.status().message());
      else s->logger->debug("HQ holds every event up to seq {}", seq);
    });
    send();
  }

  void apply(DownEntry e) {
    auto out = std::make_shared<DownApplied>();
    std::weak_ptr<Impl> weak = shared_from_this();
    std::string kind = e.kind;
    const uint64_t hq_seq = e.hq_seq;
    journal.submit_behind(apply_down(std::move(e), out), [weak, out, kind, hq_seq](Result<Appended> r) {
      auto s = weak.lock();
      if (!s) return;
      // Only the verdict goes to the loop: the events written (a catalog
      // entry's record holds its 500 items) are freed here, on the writer,
      // not between two of a lane's scans.
      loop_post(s->io, [weak, out, kind, hq_seq, done = r.status()] {
        auto s = weak.lock();
        if (!s || !s->running) return;
        if (!done) {
          // The store's own trouble (disk full): not acked, HQ sends it again.
          s->logger->error("cannot apply HQ entry {} ({}): {}", hq_seq, kind, done.message());
          return;
        }
        if (!out->quarantined.empty()) {
          ++s->figures.quarantined;
          s->logger->warn("quarantined HQ entry {} ({}): {}", hq_seq, kind, out->quarantined);
        }
        if (out->applied && s->applied_hook) s->applied_hook(kind);
        if (s->link) s->link->publish(s->topics.up_ack(), encode(Ack{s->journal.store_id(), "down_ack", out->applied_seq}));
      });
    });
  }

  // The journal is the truth: HQ holding less than it acknowledged (a
  // restored backup, an empty database) means sending again from what it holds.
  void rewind(uint64_t seq, const std::string& who) {
    ++figures.rewinds;
    logger->warn("{} only up to seq {}, not {}: sending again from seq {}", who, seq, window.acked(), seq + 1);
    window.rewind_to(seq, SendWindow::Clock::now());
    journal.submit(Outbox::rewind(seq), [weak = std::weak_ptr<Impl>(shared_from_this()), seq](Result<Appended> r) {
      auto s = weak.lock();
      if (s && !r) s->logger->error("cannot record the rewind to seq {}: {}", seq, r.status().message());
    });
  }

  // An operator's `posctl sync rewind`, written while posd runs or before it started.
  void rewind_if_requested() {
    auto requested = Outbox::rewind_requested(reader);
    if (!requested || !*requested || honouring == **requested) return;
    const uint64_t seq = **requested;
    honouring = seq;
    // Honoured once, and cleared only if it is still this request (posctl may
    // have written a newer one meanwhile). A request at or beyond what HQ
    // acknowledged asks for nothing: cleared, not followed.
    if (seq < window.acked()) {
      rewind(seq, "an operator (posctl sync rewind) says HQ holds");
    } else {
      logger->info("posctl sync rewind to seq {}: HQ has acknowledged only {}; nothing to send again", seq, window.acked());
    }
    std::weak_ptr<Impl> weak = shared_from_this();
    journal.submit(Outbox::clear_rewind_request(seq), [weak](Result<Appended>) {
      if (auto s = weak.lock()) loop_post(s->io, [weak] { if (auto s = weak.lock()) s->honouring.reset(); });
    });
  }

  // Undecodable, or for another store: no hq_seq to apply or journal. Counted
  // and kept in a bounded table; a looping or hostile HQ cannot fill the journal.
  // At most ten a second are written down (and logged): a flood costs the
  // sales no more than that, and the newest are kept.
  void quarantine(const std::string& reason, const std::string& payload) {
    ++figures.garbage;
    ++figures.quarantined;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_garbage_kept < std::chrono::milliseconds(100)) return;
    last_garbage_kept = now;
    logger->warn("ignored a message on {}: {} ({} so far)", topics.down_log(), reason, figures.garbage);
    journal.submit(quarantine_message(reason, payload), [](Result<Appended>) {});
  }
};

Result<std::unique_ptr<StoreSync>> StoreSync::open(asio::io_context& io, Journal& journal, StoreSyncOptions options) {
  auto reader = sql::Db::open(journal.db_path(), sql::Db::Mode::read_only);
  if (!reader) return reader.status();
  auto batches = BatchReader::open(io, journal.db_path(), journal.store_id());
  if (!batches) return batches.status();
  if (options.link.client_id.empty()) options.link.client_id = "posd-" + journal.store_id();
  auto impl = std::make_shared<Impl>(io, journal, std::move(*reader), std::move(*batches), std::move(options));
  return std::unique_ptr<StoreSync>(new StoreSync(std::move(impl)));
}

StoreSync::StoreSync(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
StoreSync::~StoreSync() { impl_->stop(); }

void StoreSync::start() { impl_->start(); }
void StoreSync::stop() { impl_->stop(); }
void StoreSync::on_applied(std::function<void(const std::string&)> f) { impl_->applied_hook = std::move(f); }

SyncFigures StoreSync::figures() const {
  SyncFigures f = impl_->figures;
  f.link = impl_->link ? impl_->link->state() : "down";
  f.journal_seq = impl_->journal.last_seq();
  f.hq_acked_seq = impl_->window.acked();
  auto applied = cursor::read(impl_->reader, "hq_applied_seq");
  f.hq_applied_seq = applied ? *applied : 0;
  return f;
}

}  // namespace posd::sync
