#include "hq/feed.h"

#include <nlohmann/json.hpp>

#include "base/json_fields.h"

namespace posd::hq {

using json = nlohmann::json;

namespace {

json item(const char* type, const std::string& store_id, const std::string& at) {
  return json{{"type", type}, {"store_id", store_id}, {"at", at}};
}

}  // namespace

FeedDraft feed_draft(const std::string& store_id, const std::string& at, uint64_t as_of_seq, const MirrorDelta& d,
                     const std::string& rejected) {
  FeedDraft out{store_id, at, {}, {}};
  for (const auto& [sku, f] : d.stock) out.skus.push_back(sku);
  if (!d.sales.empty()) {
    json figures = json::array();
    for (const auto& [k, f] : d.sales) {
      figures.push_back({{"business_day", k.business_day}, {"hour", k.hour}, {"sku", k.sku}, {"count", f.count},
                         {"quantity", f.quantity}, {"amount", f.amount}, {"returned", f.returned},
                         {"refunded", f.refunded}});
    }
    json j = item("sales", store_id, at);
    j["as_of_seq"] = as_of_seq;
    j["figures"] = std::move(figures);
    out.items.push_back(to_json_text(j));
  }
  for (const DownOutcome& o : d.outcomes) {
    json j = item("delivery", store_id, at);
    j.update({{"hq_seq", o.hq_seq}, {"kind", o.kind}, {"applied", o.applied}, {"store_seq", o.store_seq}});
    if (!o.applied) j["reason"] = o.reason;
    out.items.push_back(to_json_text(j));
  }
  for (const auto& [id, r] : d.reservations) {
    json j = item("order", store_id, at);
    j.update({{"order_id", id}, {"status", r.status}, {"lines", r.lines}, {"store_seq", r.store_seq}});
    out.items.push_back(to_json_text(j));
  }
  if (!rejected.empty()) {
    json j = item("rejected", store_id, at);
    j["reason"] = rejected;
    out.items.push_back(to_json_text(j));
  }
  return out;
}

std::string link_item(const std::string& store_id, const std::string& at, bool online, uint64_t announced) {
  json j = item("store", store_id, at);
  j.update({{"online", online}, {"announced_seq", announced}});
  return to_json_text(j);
}

std::string feed_message(const FeedRow& row) {
  // The body is a JSON object HQ wrote: the id goes in front of its members.
  if (row.body.size() < 2 || row.body.front() != '{') return "{\"id\":" + std::to_string(row.id) + "}";
  return "{\"id\":" + std::to_string(row.id) + (row.body.size() > 2 ? "," : "") + row.body.substr(1);
}

}  // namespace posd::hq
