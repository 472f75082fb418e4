#include "sync/down_log.h"

#include <map>

#include "storage/store_tables.h"
#include "storage/catalog.h"
#include "storage/catalog_json.h"
#include "base/clock.h"
#include "storage/cursor.h"
#include "base/ids.h"
#include "base/json_fields.h"
#include "base/pin.h"
#include "base/reason_use.h"
#include "base/role_limits.h"
#include "storage/stock.h"

namespace posd::sync {

using json = nlohmann::json;

namespace {

constexpr const char* kApplied = "hq_applied_seq";
constexpr int64_t kMaxUnits = 1'000'000'000;

// What the store's catalog holds, for a fragment's references (a database
// error reads as "not held", so the fragment is refused rather than applied).
// Each id is looked up once: a 500-item entry asks for its items' tax classes
// 500 times, mostly the same two.
CatalogRefs store_refs(sql::Db& db) {
  auto remembered = [&db](auto lookup) {
    return [&db, lookup, seen = std::make_shared<std::map<std::string, bool, std::less<>>>()](const std::string& id) {
      auto it = seen->find(id);
      if (it != seen->end()) return it->second;
      auto r = lookup(db, id);
      return seen->emplace(id, r && *r).first->second;
    };
  };
  return {remembered(catalog::has_tax_class), remembered(catalog::has_item)};
}

// Each kind applies its body and returns what the journal event records
// besides hq_seq and kind. invalid_argument / not_found / conflict mean the
// entry itself is wrong (quarantine); any other error is the store's (retry).
// What a kind returns when the change it records is the entry's body as HQ
// sent it: the body then moves into the journal's record, uncopied (a
// catalog entry of 500 items is about 75 KB of JSON).
const json kAsSent;

Result<json> catalog_upsert(WriteContext& ctx, const json& body) {
  auto c = parse_catalog_fragment(body, store_refs(ctx.db));
  if (!c) return c.status();
  if (Status s = catalog::upsert(ctx.db, *c); !s) return s;
  return kAsSent;
}

// The same with the body read ahead: what it names of the store is checked
// now, in the write; anything short of a clean read is parsed again above.
Result<json> catalog_upsert_read(WriteContext& ctx, const json& body, const CatalogReadAhead& ahead) {
  const CatalogRefs refs = store_refs(ctx.db);
  bool whole = static_cast<bool>(ahead.catalog);
  for (const std::string& id : ahead.tax_classes) whole = whole && refs.tax_class(id);
  for (const std::string& sku : ahead.skus) whole = whole && refs.sku(sku);
  if (!whole) return catalog_upsert(ctx, body);
  if (Status s = catalog::upsert(ctx.db, *ahead.catalog); !s) return s;
  return kAsSent;
}

Result<json> catalog_delete(WriteContext& ctx, const json& body) {
  Fields f(body, "body");
  std::vector<std::string> skus;
  const json& arr = f.array("skus");
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) return Status::invalid_argument("body.skus[" + std::to_string(i) + "]: must be a string");
    skus.push_back(arr[i].get<std::string>());
  }
  f.no_unknown_keys();
  if (skus.empty()) return Status::invalid_argument("body.skus: must name at least one sku");
  if (Status s = catalog::remove_items(ctx.db, skus); !s) return s;
  return json{{"skus", skus}};
}

Result<json> price(WriteContext& ctx, const json& body) {
  Fields f(body, "body");
  std::string sku = f.string("sku");
  int64_t price = f.integer("price", 0, 1'000'000'000'00);
  f.no_unknown_keys();
  auto before = catalog::by_sku(ctx.db, sku);
  if (!before) return before.status();
  if (Status s = catalog::set_price(ctx.db, sku, price); !s) return s;
  return json{{"sku", sku}, {"price", price}, {"was", *before ? (*before)->price : 0}};
}

Result<json> tax_rate(WriteContext& ctx, const json& body) {
  auto c = parse_catalog_fragment(json{{"tax_classes", json::array({body})}}, {});
  if (!c) return c.status();
  if (Status s = catalog::upsert(ctx.db, *c); !s) return s;
  return kAsSent;
}

Result<json> promotion(WriteContext& ctx, const json& body) {
  if (body.is_object() && body.contains("delete")) {
    Fields f(body, "body");
    std::string id = f.string("delete");
    f.no_unknown_keys();
    if (Status s = catalog::remove_promotion(ctx.db, id); !s) return s;
    return kAsSent;
  }
  auto c = parse_catalog_fragment(json{{"promotions", json::array({body})}}, store_refs(ctx.db));
  if (!c) return c.status();
  if (Status s = catalog::upsert(ctx.db, *c); !s) return s;
  return kAsSent;
}

// on_hand = snapshot + every local movement after as_of_store_seq, except
// other snapshots (a later snapshot replaces an earlier one, it does not add
// to it).
Result<json> stock_snapshot(WriteContext& ctx, const json& body) {
  Fields f(body, "body");
  const int64_t as_of = f.integer("as_of_store_seq", 0, INT64_MAX);
  if (static_cast<uint64_t>(as_of) >= ctx.next_seq) {
    return Status::invalid_argument("body.as_of_store_seq: " + std::to_string(as_of) +
                                    " is beyond the store's journal (last seq " + std::to_string(ctx.next_seq - 1) + ")");
  }
  const json& arr = f.array("stock");
  f.no_unknown_keys();
  std::map<std::string, int64_t> counts;
  for (size_t i = 0; i < arr.size(); ++i) {
    Fields line(arr[i], "body.stock[" + std::to_string(i) + "]");
    std::string sku = line.string("sku");
    int64_t on_hand = line.integer("on_hand", -kMaxUnits, kMaxUnits);
    line.no_unknown_keys();
    if (!counts.emplace(sku, on_hand).second) throw FieldError{line.child("sku"), "\"" + sku + "\" is given twice"};
  }
  // The local movements after as_of, read once (a range of schema 14's seq
  // index) and summed by SKU (SQLite sorts them for the GROUP BY).
  using Moved = std::pair<std::string, int64_t>;
  std::map<std::string, int64_t> local_since;
  Status read = sql::each<Moved>(
      ctx.db, "SELECT sku, SUM(delta) FROM stock_movement WHERE seq > ?1 AND kind <> 'snapshot' GROUP BY sku", as_of,
      [](sql::Stmt& st) { return Moved{st.text(0), st.int64(1)}; },
      [&](Moved&& m) {
        local_since.insert(std::move(m));
        return Status::ok();
      });
  if (!read) return read;
  json out = json::array();
  for (const auto& [sku, snapshot] : counts) {
    const auto found = local_since.find(sku);
    const int64_t local = found == local_since.end() ? 0 : found->second;
    auto before = stock::on_hand(ctx.db, sku);
    if (!before) return before.status();
    auto moved = stock::move(ctx.db, sku, snapshot + local - *before, ctx.next_seq, "snapshot");
    if (!moved) return moved.status();
    out.push_back({{"sku", sku}, {"snapshot", snapshot}, {"local_since", local}, {"on_hand", moved->after}});
  }
  return json{{"as_of_store_seq", as_of}, {"stock", out}};
}

// Stock set aside for an online order leaves what the lanes can sell
// (movement "reserve"); an order for more than the store has is refused;
// a release puts it back; a pick closes the order.
Result<json> reservation(WriteContext& ctx, const json& body) {
  Fields f(body, "body");
  std::string order = f.string("order_id");
  std::string action = f.string("action");
  auto held = reservations::find(ctx.db, order);
  if (!held) return held.status();
  const bool known = held->has_value();
  const std::string lines_text = known ? (*held)->lines : "";
  const std::string status = known ? (*held)->status : "";
  if (action == "reserve") {
    if (known) return Status::conflict("order \"" + order + "\" is already reserved");
    const json& lines = f.array("lines");
    f.no_unknown_keys();
    if (lines.empty()) return Status::invalid_argument("body.lines: must hold at least one line");
    json kept = json::array();
    for (size_t i = 0; i < lines.size(); ++i) {
      Fields line(lines[i], "body.lines[" + std::to_string(i) + "]");
      std::string sku = line.string("sku");
      int64_t qty = line.integer("qty", 1, kMaxUnits);
      line.no_unknown_keys();
      auto held = catalog::has_item(ctx.db, sku);
      if (!held) return held.status();
      if (!*held) {
        return Status::not_found(line.child("sku") + ": \"" + sku + "\" is not in the catalog");
      }
      // An order the shelf cannot serve is refused (quarantined, with this
      // reason, for HQ to see): the web shop must not promise it.
      auto have = stock::on_hand(ctx.db, sku);
      if (!have) return have.status();
      if (*have < qty) {
        return Status::conflict(line.child("qty") + ": the order asks " + std::to_string(qty) + " of \"" + sku +
                                "\" and the store has " + std::to_string(*have) + ": it cannot be served");
      }
      if (auto m = stock::move(ctx.db, sku, -qty, ctx.next_seq, "reserve"); !m) return m.status();
      kept.push_back({{"sku", sku}, {"qty", qty}});
    }
    if (Status s = reservations::put(ctx.db, {order, kept.dump(), "reserved"}, ctx.next_seq); !s) return s;
    return json{{"order_id", order}, {"action", action}, {"lines", kept}};
  }
  f.no_unknown_keys();
  if (action != "release" && action != "pick") {
    return Status::invalid_argument("body.action: must be one of reserve, release, pick");
  }
  if (!known) return Status::not_found("order \"" + order + "\" was never reserved");
  if (status != "reserved") return Status::conflict("order \"" + order + "\" is already " + status);
  json lines = json::parse(lines_text);
  if (action == "release") {
    for (const json& l : lines) {
      if (auto m = stock::move(ctx.db, l["sku"], l["qty"].get<int64_t>(), ctx.next_seq, "release"); !m) return m.status();
    }
  }
  const char* next = action == "release" ? "released" : "picked";
  if (Status s = reservations::put(ctx.db, {order, lines_text, next}, ctx.next_seq); !s) return s;
  return json{{"order_id", order}, {"action", action}, {"lines", lines}};
}

// A terminal provisioned (or removed) by HQ; its token only as a SHA-256.
Result<json> terminal(WriteContext& ctx, const json& body) {
  Fields f(body, "body");
  std::string id = f.string("id");
  if (f.boolean("remove", false)) {
    f.no_unknown_keys();
    auto removed = hq_terminals::remove(ctx.db, id);
    if (!removed) return removed.status();
    if (!*removed) return Status::not_found("terminal \"" + id + "\" was not provisioned by HQ");
    return json{{"id", id}, {"removed", true}};
  }
  std::string digest = f.string("token_sha256");
  std::string role = f.string("role");
  f.no_unknown_keys();
  if (digest.size() != 64 || digest.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::invalid_argument("body.token_sha256: must be 64 lowercase hex digits");
  }
  if (role != "cashier" && role != "supervisor") return Status::invalid_argument("body.role: must be one of cashier, supervisor");
  auto holder = hq_terminals::holder_of(ctx.db, digest);
  if (!holder) return holder.status();
  if (*holder && **holder != id) return Status::conflict("body.token_sha256: is already another terminal's token");
  if (Status s = hq_terminals::put(ctx.db, {id, digest, role}); !s) return s;
  return json{{"id", id}, {"role", role}};  // the digest stays out of the journal
}

// A reason code provisioned (or removed) by HQ; a code of the configuration
// file for the same use wins over it.
Result<json> reason_code(WriteContext& ctx, const json& body) {
  Fields f(body, "body");
  const std::string use = f.string("use");
  const std::string code = f.string("code");
  if (!reason_use_named(use)) throw FieldError{f.child("use"), "must be one of " + reason_use_names()};
  if (!valid_reason_code(code)) throw FieldError{f.child("code"), "must be 1 to 32 of A-Z, a-z, 0-9, _ and -"};
  if (f.boolean("remove", false)) {
    f.no_unknown_keys();
    auto removed = hq_reason_codes::remove(ctx.db, use, code);
    if (!removed) return removed.status();
    if (!*removed) return Status::not_found("reason code \"" + code + "\" for " + use + " was not provisioned by HQ");
    return json{{"use", use}, {"code", code}, {"removed", true}};
  }
  const std::string label = f.string("label");
  f.no_unknown_keys();
  if (label.size() > 64) throw FieldError{f.child("label"), "must be at most 64 bytes"};
  if (Status s = hq_reason_codes::put(ctx.db, {use, code, label}); !s) return s;
  return json{{"use", use}, {"code", code}, {"label", label}};
}

// An operator provisioned (or removed) by HQ: the PIN travels only as its
// hash (base/pin.h), and never reaches the journal.
Result<json> operator_entry(WriteContext& ctx, const json& body) {
  Fields f(body, "body");
  const std::string id = f.string("id");
  if (!valid_id(id, 32)) {
    throw FieldError{f.child("id"), "must be 1 to 32 letters, digits, '-', '_' or '.'"};
  }
  if (f.boolean("remove", false)) {
    f.no_unknown_keys();
    auto removed = operators::remove(ctx.db, id);
    if (!removed) return removed.status();
    if (!*removed) return Status::not_found("operator \"" + id + "\" is not provisioned");
    return json{{"id", id}, {"removed", true}};
  }
  const std::string name = f.string("name");
  const std::string role = f.string("role");
  const std::string pin_hash = f.string("pin_hash");
  f.no_unknown_keys();
  if (name.size() > 64) throw FieldError{f.child("name"), "must be at most 64 bytes"};
  if (role != "cashier" && role != "supervisor" && role != "manager") {
    throw FieldError{f.child("role"), "must be one of cashier, supervisor, manager"};
  }
  if (!valid_pin_hash(pin_hash)) throw FieldError{f.child("pin_hash"), "must be a PIN hash as posctl operator hash-pin makes it (scrypt$…)"};
  if (Status s = operators::put(ctx.db, {id, name, role, pin_hash, "hq"}); !s) return s;
  return json{{"id", id}, {"name", name}, {"role", role}};  // the hash stays out of the journal
}

// Role limits set by HQ for the chain: they replace HQ's earlier ones, and
// stand over the configuration file's for the keys they name.
Result<json> role_limits(WriteContext& ctx, const json& body) {
  RoleLimitSet checked;
  read_role_limits(body, "body", checked);  // throws FieldError naming the key
  if (Status s = store_settings::put(ctx.db, "hq_role_limits", body.dump()); !s) return s;
  return kAsSent;
}

using Apply = Result<json> (*)(WriteContext&, const json&);

const std::map<std::string, Apply, std::less<>>& kinds() {
  static const std::map<std::string, Apply, std::less<>> k = {
      {"catalog_upsert", catalog_upsert}, {"catalog_delete", catalog_delete}, {"price", price},
      {"promotion", promotion},           {"tax_rate", tax_rate},             {"stock_snapshot", stock_snapshot},
      {"reservation", reservation},       {"terminal", terminal},             {"reason_code", reason_code},
      {"operator", operator_entry},       {"role_limits", role_limits}};
  return k;
}

bool entry_is_wrong(const Status& s) {
  return s.code() == Status::Code::invalid_argument || s.code() == Status::Code::not_found ||
         s.code() == Status::Code::conflict;
}

Status record_quarantine(sql::Db& db, std::optional<uint64_t> hq_seq, const std::string& kind,
                         const std::string& reason, const std::string& body) {
  auto ins = db.cached("INSERT INTO down_quarantine(hq_seq, kind, reason, body, at) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!ins) return ins.status();
  if (hq_seq) (*ins)->bind(1, static_cast<int64_t>(*hq_seq));
  else (*ins)->bind_null(1);
  return (*ins)->bind(2, kind).bind(3, reason).bind(4, body.substr(0, 4096)).bind(5, format_utc(Clock::system().now())).run();
}

}  // namespace

Mutation apply_down(DownEntry entry, std::shared_ptr<DownApplied> out) {
  // Mutable: the body moves into the record (a Mutation runs once).
  return [entry = std::move(entry), out](WriteContext& ctx) mutable -> Result<std::vector<Entry>> {
    auto cur = cursor::read(ctx.db, kApplied);
    if (!cur) return cur.status();
    out->applied_seq = *cur;
    if (entry.hq_seq != *cur + 1) return std::vector<Entry>{};  // a duplicate, or ahead: HQ re-sends
    json record = {{"hq_seq", entry.hq_seq}, {"kind", entry.kind}};
    std::string type = "hq_applied";
    const auto& table = kinds();
    auto it = table.find(entry.kind);
    Result<json> done = Status::invalid_argument("unknown kind \"" + entry.kind + "\"");
    if (it != table.end()) {
      if (Status s = ctx.db.exec("SAVEPOINT down_entry"); !s) return s;
      try {
        done = entry.read_ahead && entry.kind == "catalog_upsert" ? catalog_upsert_read(ctx, entry.body, *entry.read_ahead)
                                                                  : it->second(ctx, entry.body);
      } catch (const FieldError& e) {
        done = Status::invalid_argument(e.message());
      } catch (const json::exception& e) {
        done = Status::invalid_argument(std::string("body: ") + e.what());
      }
      if (!done && !entry_is_wrong(done.status())) return done.status();
      if (Status s = ctx.db.exec(done ? "RELEASE down_entry" : "ROLLBACK TO down_entry; RELEASE down_entry"); !s) return s;
    }
    if (done) {
      record["change"] = done->is_null() ? std::move(entry.body) : std::move(*done);
      out->applied = true;
    } else {
      type = "hq_quarantined";
      record["reason"] = done.status().message();
      out->quarantined = done.status().message();
      // A PIN's hash is kept nowhere but the operator table, not even in quarantine.
      json kept = entry.body;
      if (kept.is_object() && kept.contains("pin_hash")) kept["pin_hash"] = "(left out)";
      if (Status s = record_quarantine(ctx.db, entry.hq_seq, entry.kind, done.status().message(), kept.dump());
          !s) {
        return s;
      }
    }
    if (Status s = cursor::advance(ctx.db, kApplied, entry.hq_seq); !s) return s;
    out->applied_seq = entry.hq_seq;
    // Not a braced list: an initializer_list's elements are copied, and the
    // record may hold a 75 KB catalog entry.
    std::vector<Entry> entries;
    entries.push_back(Entry{type, std::move(record)});
    return entries;
  };
}

void read_ahead(DownEntry& entry) noexcept {
  if (entry.kind != "catalog_upsert") return;
  try {
    auto ahead = std::make_shared<CatalogReadAhead>();
    ahead->catalog = parse_catalog_fragment(
        entry.body, {[&](const std::string& id) { return ahead->tax_classes.insert(id), true; },
                     [&](const std::string& sku) { return ahead->skus.insert(sku), true; }});
    entry.read_ahead = std::move(ahead);
  } catch (...) {
    // Out of memory, or a body the parse did not expect: the write parses it.
  }
}

Result<nlohmann::json> recent_quarantine(sql::Db& db, int64_t limit) {
  constexpr size_t kBodyMax = 512;
  auto rows = sql::all<nlohmann::json>(
      db, "SELECT id, hq_seq, kind, reason, at, body FROM down_quarantine ORDER BY id DESC LIMIT ?1", limit,
      [](const sql::Stmt& st) {
        std::string body = st.text(5);
        nlohmann::json e = {{"id", st.int64(0)}, {"hq_seq", nullptr}, {"kind", st.text(2)}, {"reason", st.text(3)},
                            {"at", st.text(4)}, {"truncated", body.size() > kBodyMax}};
        if (!st.is_null(1)) e["hq_seq"] = st.int64(1);
        if (body.size() > kBodyMax) {
          body.resize(kBodyMax);
          while (!body.empty() && (static_cast<unsigned char>(body.back()) & 0xC0) == 0x80) body.pop_back();  // whole characters
          if (!body.empty() && static_cast<unsigned char>(body.back()) >= 0xC0) body.pop_back();
        }
        try {
          (void)nlohmann::json(body).dump();
        } catch (const nlohmann::json::exception&) {  // not UTF-8: shown as ASCII
          for (char& ch : body) {
            if (static_cast<unsigned char>(ch) >= 0x80) ch = '?';
          }
        }
        e["body"] = std::move(body);
        return e;
      });
  if (!rows) return rows.status();
  return nlohmann::json(std::move(*rows));
}

Mutation quarantine_message(std::string reason, std::string payload) {
  return [reason = std::move(reason), payload = std::move(payload)](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = record_quarantine(ctx.db, std::nullopt, "undecodable", reason, payload); !s) return s;
    auto trim = ctx.db.cached(
        "DELETE FROM down_quarantine WHERE hq_seq IS NULL AND id NOT IN "
        "(SELECT id FROM down_quarantine WHERE hq_seq IS NULL ORDER BY id DESC LIMIT " +
        std::to_string(kUndecodableKept) + ")");
    if (!trim) return trim.status();
    if (Status s = (*trim)->run(); !s) return s;
    return std::vector<Entry>{};  // nothing for the journal: there is no entry to account for
  };
}

}  // namespace posd::sync
