// The fleet dashboard's part of HqApi (hq/api.h): GET /v1/changes (the last
// changes with each store's delivery), each store's alerts, and the
// dashboard's files (hq/web/, compiled in) at / and /web/{file}.
#include <string>

#include "base/clock.h"
#include "base/json_fields.h"
#include "hq/api.h"
#include "hq/api_reply.h"
#include "hq/web_files.h"
#include "http/assets.h"

namespace posd::hq {

namespace bhttp = http::bhttp;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxChanges = 100;

const http::Assets& assets() {
  static const http::Assets files(web_files(), web_file_count());
  return files;
}

std::string for_how_long(std::chrono::system_clock::duration d) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  if (minutes < 2) return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
  if (minutes < 120) return std::to_string(minutes) + " min";
  return std::to_string(minutes / 60) + " h";
}

}  // namespace

json HqApi::alerts(const StorePosition& p, const StoreLink& link) const {
  json out = json::array();
  const auto now = std::chrono::system_clock::now();
  if (!link.online) {
    // Never heard since this instance started: offline since then, as far as it knows.
    const auto since = link.last_heard.value_or(started_);
    if (now - since >= alert_after_) {
      out.push_back({{"kind", "offline"}, {"since", format_utc(since)},
                     {"message", "offline: no contact for " + for_how_long(now - since)}});
    }
  }
  // Behind as HQ's database says (another instance may have stored since).
  const uint64_t lag = link.announced > p.acked_seq ? link.announced - p.acked_seq : 0;
  if (lag > 0 && link.behind_since && now - *link.behind_since >= alert_after_) {
    out.push_back({{"kind", "lagging"}, {"since", format_utc(*link.behind_since)},
                   {"message", "HQ has been " + std::to_string(lag) + " events behind for " + for_how_long(now - *link.behind_since)}});
  }
  // Refusals and entries that could not apply are alerts for a day after the last one.
  const std::string day_ago = format_utc(now - std::chrono::hours(24));
  if (!p.last_rejected.empty() && p.last_rejected >= day_ago) {
    out.push_back({{"kind", "rejected"}, {"count", p.rejected}, {"last", p.last_rejected},
                   {"message", "a batch or message refused at " + p.last_rejected + " (" + std::to_string(p.rejected) +
                                   " in all; posd-hq report --store)"}});
  }
  if (!p.last_quarantined.empty() && p.last_quarantined >= day_ago) {
    out.push_back({{"kind", "quarantined"}, {"count", p.quarantined}, {"last", p.last_quarantined},
                   {"message", "an entry published at " + p.last_quarantined + " could not apply at the store (" +
                                   std::to_string(p.quarantined) + " in all)"}});
  }
  return out;
}

void HqApi::add_fleet_routes() {
  router_.add(bhttp::verb::get, "/v1/changes", viewer([this](const http::Request& req, const http::Params&, http::Reply reply) {
    size_t limit = 20;
    const std::string asked = query(req, "limit");
    if (!asked.empty()) {
      if (asked.size() > 3 || asked.find_first_not_of("0123456789") != std::string::npos || std::stoul(asked) == 0 ||
          std::stoul(asked) > kMaxChanges) {
        return reply(error(bhttp::status::bad_request, "invalid_request",
                           "limit: must be a whole number from 1 to " + std::to_string(kMaxChanges), req));
      }
      limit = std::stoul(asked);
    }
    auto ids = store_->recent_changes(limit);
    if (!ids) return reply(failure(ids.status(), req));
    json changes = json::array();
    for (uint64_t id : *ids) {
      auto c = store_->change(id);
      if (!c) return reply(failure(c.status(), req));
      if (*c) changes.push_back(change_json(**c));
    }
    reply(json_response(bhttp::status::ok, {{"changes", changes}}, req));
  }));
  router_.add(bhttp::verb::get, "/", [](const http::Request& req, const http::Params&, http::Reply reply) {
    reply(assets().get("fleet.html", req));
  });
  router_.add(bhttp::verb::get, "/web/{file}", [](const http::Request& req, const http::Params& p, http::Reply reply) {
    reply(assets().get(p.at("file"), req));
  });
}

}  // namespace posd::hq
