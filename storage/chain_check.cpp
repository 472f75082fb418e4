#include "storage/chain_check.h"

#include <functional>
#include <map>

#include "base/clock.h"
#include "base/digest.h"
#include "storage/chain.h"
#include "storage/journal.h"
#include "storage/journal_rows.h"

namespace posd {

namespace {

struct Mark {
  uint64_t seq = 0;
  std::string hash;
  std::string signature;
  std::string at;
};

Result<std::map<std::string, Mark>> read_marks(sql::Db& db) {
  auto st = db.prepare("SELECT name, seq, hash, signature, at FROM journal_mark");
  if (!st) return st.status();
  std::map<std::string, Mark> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.status();
    if (!*row) return out;
    out[st->text(0)] = Mark{static_cast<uint64_t>(st->int64(1)), st->text(2), st->text(3), st->text(4)};
  }
}

// What the checkpoint's signature covers: the store, the seq and the hash.
std::string checkpoint_digest(std::string_view store_id, uint64_t seq, const std::string& hash) {
  return sha256("posd journal checkpoint\n" + std::string(store_id) + "\n" + std::to_string(seq) + "\n" + hash);
}

// The event at `seq`, if the journal holds one.
Result<std::optional<Event>> event_at(sql::Db& db, uint64_t seq) {
  std::optional<Event> found;
  Status s = scan_journal(db, seq, [&](const Event& e) {
    if (e.seq == seq) found = e;
    return Status::unavailable("one is enough");
  });
  if (!s && s.code() != Status::Code::unavailable) return s;
  return found;
}

// Holds the journal's end against a mark someone recorded: `who` wrote or
// acknowledged the event (seq, hash) at `at`.
Status against_mark(sql::Db& db, const ChainCheck& c, const Mark& m, const std::string& who) {
  if (m.seq > c.head_seq) {
    return Status::corruption("the journal ends at seq " + std::to_string(c.head_seq) + ", but " + who + " up to seq " +
                              std::to_string(m.seq) + " (at " + m.at + "): events were removed from its end");
  }
  auto e = event_at(db, m.seq);
  if (!e) return e.status();
  if (!*e || (*e)->hash != m.hash) {
    return Status::corruption("seq " + std::to_string(m.seq) + ": not the event " + who + " (at " + m.at +
                              "): the journal was rewritten");
  }
  return Status::ok();
}

// Over 60 lines: the steps in the order docs/journal.md gives them (whole-table
// facts, the checkpoint, the chain, the marks), each a few lines.
Status check(sql::Db& db, const PublicKey& key, std::string_view store_id, uint64_t until,
             const std::function<bool()>& stop, ChainCheck& c) {
  auto lowest = db.query_int("SELECT MIN(seq) FROM journal");
  if (!lowest) return lowest.status();
  if (!*lowest) return Status::ok();  // nothing written yet
  if (**lowest != 1) return Status::corruption("seq " + std::to_string(**lowest) + ": the journal must start at seq 1");
  auto head = db.query_int("SELECT MAX(seq) FROM journal");
  if (!head) return head.status();
  c.head_seq = static_cast<uint64_t>(head->value_or(0));
  auto marks = read_marks(db);
  if (!marks) return marks.status();

  // A row removed below the checkpoint shows in the count at once (where it
  // was, the full check says); then no shortcut is taken.
  auto rows = db.query_int("SELECT COUNT(*) FROM journal");
  if (!rows) return rows.status();
  const bool whole = static_cast<uint64_t>(rows->value_or(0)) == c.head_seq;

  ChainVerifier v(key);
  // posd writes only checkpoints signed by the store key: another one is a
  // changed mark (it could hide a cut tail), not a shortcut.
  if (auto cp = marks->find("checkpoint"); until == 0 && cp != marks->end()) {
    const Mark& m = cp->second;
    auto sig = from_hex(m.signature);
    if (!sig || !key.verify(checkpoint_digest(store_id, m.seq, m.hash), *sig)) {
      return Status::corruption("the checkpoint beside the journal (seq " + std::to_string(m.seq) +
                                ") is not signed by the store key: the journal's marks were changed");
    }
    if (Status s = against_mark(db, c, m, "posd verified"); !s) return s;
    if (whole) {
      auto e = event_at(db, m.seq);
      if (!e) return e.status();
      if (Status s = v.check_signature(**e); !s) return s;
      v.resume(m.seq, m.hash);
      c.from_seq = m.seq;
      c.head_hash = m.hash;
    }
  }
  std::optional<Event> last;  // what its signature needs: seq, hash, signature (not the payload)
  Status s = scan_journal_rows(db, c.from_seq + 1, [&](const Event& e, std::string_view payload) {
    if (until && e.seq > until) return Status::unavailable("done");
    if (stop && stop()) return Status::unavailable("stopped");
    if (Status f = v.feed(e, payload, ChainVerifier::Signature::deferred); !f) return f;
    if (!last) last.emplace();
    last->seq = e.seq;
    last->hash = e.hash;
    last->signature = e.signature;
    ++c.events;
    return Status::ok();
  });
  if (!s && s.code() == Status::Code::unavailable && s.message() == "stopped") return Status::ok();
  if (!s && !(s.code() == Status::Code::unavailable && s.message() == "done")) return s;
  if (until) {
    // The part before the checkpoint, checked after start: its end is the
    // checkpoint's event, whose signature seals it.
    if (last && last->seq != until) return Status::corruption("seq " + std::to_string(last->seq + 1) + ": missing");
    if (last) return v.check_signature(*last);
    return Status::ok();
  }
  if (last) {
    if (Status sig = v.check_signature(*last); !sig) return sig;
    c.head_hash = last->hash;
  }
  for (const auto& [name, who] : {std::pair{"head", "posd wrote"}, std::pair{"hq_ack", "HQ acknowledged holding"}}) {
    auto m = marks->find(name);
    if (m == marks->end() || m->second.seq == 0) continue;
    if (Status bad = against_mark(db, c, m->second, who); !bad) return bad;
  }
  return Status::ok();
}

}  // namespace

ChainCheck check_chain(sql::Db& db, const PublicKey& key, std::string_view store_id) {
  const auto started = std::chrono::steady_clock::now();
  ChainCheck c;
  c.verdict = check(db, key, store_id, 0, nullptr, c);
  c.took = std::chrono::steady_clock::now() - started;
  return c;
}

ChainCheck check_chain_below(sql::Db& db, const PublicKey& key, uint64_t until, const std::function<bool()>& stop) {
  const auto started = std::chrono::steady_clock::now();
  ChainCheck c;
  c.verdict = check(db, key, "", until, stop, c);
  c.took = std::chrono::steady_clock::now() - started;
  return c;
}

Status record_checkpoint(sql::Db& db, const StoreKey& key, std::string_view store_id, uint64_t seq,
                         const std::string& hash) {
  auto st = db.cached(
      "INSERT INTO journal_mark(name, seq, hash, signature, at) VALUES ('checkpoint', ?1, ?2, ?3, ?4) "
      "ON CONFLICT(name) DO UPDATE SET seq = ?1, hash = ?2, signature = ?3, at = ?4");
  if (!st) return st.status();
  const std::string sig = to_hex(key.sign(checkpoint_digest(store_id, seq, hash)));
  return (*st)->bind(1, static_cast<int64_t>(seq)).bind(2, hash).bind(3, sig)
      .bind(4, format_utc(std::chrono::system_clock::now())).run();
}

Status record_mark(sql::Db& db, std::string_view name, uint64_t seq, const std::string& hash) {
  // An UPDATE of the row there, the common case, is a third of an upsert's cost.
  const std::string at = format_utc(std::chrono::system_clock::now());
  auto update = db.cached("UPDATE journal_mark SET seq = ?2, hash = ?3, at = ?4 WHERE name = ?1");
  if (!update) return update.status();
  if (Status s = (*update)->bind(1, name).bind(2, static_cast<int64_t>(seq)).bind(3, hash).bind(4, at).run(); !s) {
    return s;
  }
  if (db.changes() > 0) return Status::ok();
  auto insert = db.cached("INSERT INTO journal_mark(name, seq, hash, signature, at) VALUES (?1, ?2, ?3, '', ?4)");
  if (!insert) return insert.status();
  return (*insert)->bind(1, name).bind(2, static_cast<int64_t>(seq)).bind(3, hash).bind(4, at).run();
}

Status advance_mark(sql::Db& db, std::string_view name, uint64_t seq) {
  auto st = db.cached(
      "INSERT INTO journal_mark(name, seq, hash, signature, at) SELECT ?1, seq, hash, '', ?3 FROM journal WHERE seq = ?2 "
      "ON CONFLICT(name) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at "
      "WHERE excluded.seq > journal_mark.seq");
  if (!st) return st.status();
  return (*st)->bind(1, name).bind(2, static_cast<int64_t>(seq)).bind(3, format_utc(std::chrono::system_clock::now())).run();
}

}  // namespace posd
