// X (running) and Z (closing) reports, and the status a terminal sees.
#include "checkout/checkout.h"

#include <boost/asio/post.hpp>

#include "base/log.h"
#include "base/loop_post.h"

#include "storage/store_tables.h"
#include "checkout/closure.h"
#include "checkout/report.h"
#include "storage/catalog.h"
#include "storage/closures.h"
#include "storage/cursor.h"
#include "storage/sales.h"
#include "storage/stock.h"

namespace posd {

using json = nlohmann::json;

namespace {

// `blind`: an open till's figures are left out (the store closes tills
// blind; the X is for anyone at a lane).
Result<json> figures(sql::Db& db, bool blind = false) {
  auto period = counter::read(db, "period");
  if (!period) return period.status();
  // One record at a time: a busy day's X or Z in constant memory.
  ReportTally tally;
  Status s = sales::each_in_period(db, *period, [&tally](sales::SaleRow&& row) {
    auto sale = read_sale(row);
    return sale ? tally.add(*sale) : sale.status();
  });
  if (!s) return s;
  s = sales::each_return_in_period(db, *period, [&tally](sales::ReturnRow&& row) {
    auto r = read_return(row);
    return r ? tally.add(*r) : r.status();
  });
  if (!s) return s;
  auto grand = counter::read(db, "grand_total");
  if (!grand) return grand.status();
  json out = to_json(tally.figures(*period, *grand));
  // Per operator, from the period's journal events (after the last Z).
  auto last_z = db.query_int("SELECT IFNULL(MAX(seq), 0) FROM closure WHERE kind = 'day'");
  if (!last_z) return last_z.status();
  OperatorTally operators;
  s = scan_journal(db, static_cast<uint64_t>(last_z->value_or(0)) + 1, [&operators](const Event& e) {
    return operators.add(e.type, e.payload);
  });
  if (!s) return s;
  out["operators"] = operators.to_json();
  // Per till: every session opened in the period or open in it.
  auto sessions = tills::since(db, last_z->value_or(0));
  if (!sessions) return sessions.status();
  out["tills"] = json::array();
  for (const tills::Session& t : *sessions) {
    json row = {{"till", t.till}, {"terminal", t.terminal}, {"float", t.float_amount}, {"open", t.closed_seq == 0}};
    if (t.closed_seq == 0 && blind) {
      out["tills"].push_back(std::move(row));
      continue;
    }
    auto tally = till_figures(db, t);  // its cash sales, refunds, voids and moves, from the journal
    if (!tally) return tally.status();
    row["figures"] = tally->to_json();
    row["expected"] = tally->figures().expected();
    if (t.closed_seq != 0) {
      row["counted"] = t.counted;
      row["over_short"] = t.counted - t.expected;
    }
    out["tills"].push_back(std::move(row));
  }
  return out;
}

// Whether the journal signs, and how far its chain is verified.
json journal_check(const Journal& j) {
  const Journal::CheckFigures f = j.check_figures();
  const Status halted = j.halted();
  json out = {{"signing", static_cast<bool>(halted)},
              {"verified_seq", f.verified_seq},
              {"checked_from_seq", f.from_seq},
              {"verified_below_checkpoint", f.below_checked},
              {"check_ms", std::chrono::duration_cast<std::chrono::milliseconds>(f.took).count()}};
  if (!halted) out["broken"] = halted.message();
  return out;
}

}  // namespace

void Checkout::read_beside(std::function<Outcome(sql::Db&)> read, Done done) {
  boost::asio::post(reports_, [this, path = reader_.path(), read = std::move(read), done = std::move(done)]() mutable {
    Outcome o = [&] {
      // Outside the server's guard here: a fault answers this request only,
      // as it did on the loop, and the thread goes on.
      try {
        if (report_gate_) report_gate_();
        if (!report_db_) {
          auto db = sql::Db::open(path, sql::Db::Mode::read_only);
          if (!db) return Outcome::from(db.status());
          report_db_ = std::move(*db);
        }
        sql::ReadSnapshot snapshot(*report_db_);  // every figure as of one moment
        return read(*report_db_);
      } catch (const std::exception& e) {
        log::get("checkout")->error("a read beside the loop failed: {}", e.what());
        return Outcome::error(Why::io_error, "internal", "the request failed inside posd");
      }
    }();
    loop_post(ioc_, [done = std::move(done), o = std::move(o)]() mutable { done(std::move(o)); });
  });
}

void Checkout::x_report(Done done) {
  read_beside(
      [blind = rules_.blind_close](sql::Db& db) {
        auto f = figures(db, blind);
        if (!f) return Outcome::from(f.status());
        (*f)["report"] = "X";
        return Outcome::success(std::move(*f));
      },
      std::move(done));
}

void Checkout::z_report(const Caller& c, const IdemKey* idem, Done done) {
  if (Outcome o = role_may(c, &RoleLimits::close_day, "closing the day"); !o.ok()) return done(o);
  write(c,
      [c, settled = baskets_settled()](WriteContext& ctx, std::vector<Entry>& entries) {
        // A month (and a year) that ended before today closes first.
        auto closures_made = close_ended_periods(ctx, entries, c.terminal, c.approver);
        if (!closures_made) return Outcome::from(closures_made.status());
        auto f = figures(ctx.db);
        if (!f) return Outcome::from(f.status());
        // The receipts the day closes, first to last (0 and 0 for none).
        const std::string period = std::to_string((*f)["period"].get<int64_t>());
        auto first = ctx.db.query_int("SELECT IFNULL(MIN(receipt_no), 0) FROM sale WHERE period = " + period);
        auto last = ctx.db.query_int("SELECT IFNULL(MAX(receipt_no), 0) FROM sale WHERE period = " + period);
        if (!first || !last) return Outcome::from(Status::io_error("cannot read the day's receipts"));
        (*f)["receipts"] = {{"first", first->value_or(0)}, {"last", last->value_or(0)}};
        // The marks of baskets that ended before the last Z go: their removal
        // from the basket store has long been synced (storage/basket_store.h).
        auto previous = closures::last(ctx.db, "day");
        if (!previous) return Outcome::from(previous.status());
        if (*previous && settled) {
          if (Status s = kept_baskets::forget_ended(ctx.db, static_cast<uint64_t>((*previous)->seq)); !s) return Outcome::from(s);
        }
        auto z_no = counter::add(ctx.db, "z_no");
        if (!z_no) return Outcome::from(z_no.status());
        if (auto p = counter::add(ctx.db, "period"); !p) return Outcome::from(p.status());
        (*f)["report"] = "Z";
        (*f)["z_no"] = *z_no;
        (*f)["business_day"] = ctx.business_day;
        (*f)["terminal"] = c.terminal;
        (*f)["approved_by"] = c.approver;
        const auto seq = static_cast<int64_t>(ctx.next_seq + entries.size());
        if (Status s = closures::add(ctx.db, {"day", *z_no, ctx.business_day, seq}); !s) return Outcome::from(s);
        entries.push_back({"z_report", *f});
        (*f)["seq"] = seq;
        if (!closures_made->empty()) (*f)["closures"] = *closures_made;
        return Outcome::made(*f);
      },
      idem, [this, terminal = c.terminal, done = std::move(done)](Outcome o) {
        anchor_closures(terminal, o);
        done(o);
      });
}

void Checkout::close_periods(const Caller& c, const IdemKey* idem, Done done) {
  if (Outcome o = role_may(c, &RoleLimits::close_day, "closing a period"); !o.ok()) return done(o);
  write(c,
      [c](WriteContext& ctx, std::vector<Entry>& entries) {
        auto made = close_ended_periods(ctx, entries, c.terminal, c.approver);
        if (!made) return Outcome::from(made.status());
        json body = {{"closures", *made}, {"business_day", ctx.business_day}};
        return made->empty() ? Outcome::success(body) : Outcome::made(body);
      },
      idem, [this, terminal = c.terminal, done = std::move(done)](Outcome o) {
        anchor_closures(terminal, o);
        done(o);
      });
}

void Checkout::anchor_closures(const std::string& terminal, Outcome& o) {
  if (!o.ok() || !o.body.is_object()) return;
  auto anchor = [&](json& closure) {
    // Printed once: a replayed answer only gets its anchor back.
    if (anchor_closure(closure) && !o.replayed) notify(Closed{terminal, closure});
  };
  if (o.body.contains("closures") && o.body["closures"].is_array()) {
    for (json& closure : o.body["closures"]) anchor(closure);
  }
  if (o.body.value("report", "") == "Z") anchor(o.body);
}

// A closure is an anchor: its seq and hash (which covers every event before
// it) and signature, to print and keep outside the store.
bool Checkout::anchor_closure(json& closure) {
  if (!closure.is_object() || !closure.contains("seq") || !closure["seq"].is_number_integer()) return false;
  auto st = reader_.prepare("SELECT hash, signature FROM journal WHERE seq = ?1");
  if (st) st->bind(1, closure["seq"].get<int64_t>());
  auto row = st ? st->step() : Result<bool>(st.status());
  if (!row || !*row) return false;
  closure["journal"] = {{"seq", closure["seq"]}, {"hash", st->text(0)}, {"signature", st->text(1)},
                        {"anchor", closure["seq"].dump() + ":" + st->text(0)}};
  return true;
}

Outcome Checkout::closures() {
  auto st = reader_.prepare(
      "SELECT c.kind, c.no, c.period, c.seq, j.hash, IFNULL(c.closed_by, 0) FROM closure c "
      "JOIN journal j ON j.seq = c.seq ORDER BY c.seq");
  if (!st) return Outcome::from(st.status());
  json out = json::array();
  for (;;) {
    auto row = st->step();
    if (!row) return Outcome::from(row.status());
    if (!*row) break;
    json c = {{"kind", st->text(0)}, {"no", st->int64(1)}, {"period", st->text(2)}, {"seq", st->int64(3)},
              {"hash", st->text(4)}, {"anchor", std::to_string(st->int64(3)) + ":" + st->text(4)}};
    if (st->int64(5) != 0) c["closed_by"] = st->int64(5);
    out.push_back(std::move(c));
  }
  return Outcome::success({{"closures", std::move(out)}});
}

void Checkout::low_stock(Done done) {
  read_beside(
      [](sql::Db& db) {
        constexpr int64_t kMax = 200;
        auto low = stock::below_threshold(db, kMax);
        if (!low) return Outcome::from(low.status());
        json items = json::array();
        for (const stock::Low& l : *low) {
          items.push_back(
              {{"sku", l.sku}, {"name", l.name}, {"unit", l.unit}, {"on_hand", l.on_hand}, {"low_stock", l.low_stock}});
        }
        return Outcome::success({{"items", std::move(items)}, {"limit", kMax}});
      },
      std::move(done));
}

void Checkout::status(Done done) {
  json out = {{"store_id", journal_.store_id()},
              {"journal_seq", journal_.last_seq()},
              {"business_day", journal_.business_day()},
              {"open_baskets", baskets_.size()},
              {"currency", rules_.currency},
              {"journal", journal_check(journal_)},
              {"version", POSD_VERSION}};
  read_beside(
      [out = std::move(out)](sql::Db& db) mutable {
        auto period = counter::read(db, "period");
        auto items = catalog::item_count(db);
        auto acked = cursor::read(db, "hq_acked_seq");
        if (!period) return Outcome::from(period.status());
        if (!items) return Outcome::from(items.status());
        if (!acked) return Outcome::from(acked.status());
        out["period"] = *period;
        out["catalog_items"] = *items;
        out["hq"] = {{"configured", false}, {"link", "offline"}, {"acked_seq", *acked}};
        return Outcome::success(std::move(out));
      },
      std::move(done));
}

}  // namespace posd
