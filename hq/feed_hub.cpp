#include "hq/feed_hub.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/json_fields.h"
#include "base/log.h"

namespace posd::hq {

namespace bhttp = http::bhttp;
using json = nlohmann::json;

namespace {

// A consumer gets more rows only below these: the channel's own limits
// (256 messages, 1 MiB) are never reached, so it never drops a row.
constexpr size_t kReadyMessages = 64;
constexpr size_t kReadyBytes = 256 * 1024;
constexpr size_t kMaxWaitingBytes = 768 * 1024;
constexpr std::chrono::milliseconds kSlowConsumer{10};
constexpr std::chrono::minutes kRetainEvery{60};

Result<std::optional<uint64_t>> parse_id(std::string_view v, const char* what) {
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || id > uint64_t{INT64_MAX}) {
    return Status::invalid_argument(std::string(what) + " must be a feed id: digits, at most 2^63 - 1");
  }
  return std::optional<uint64_t>(id);
}

}  // namespace

Result<std::optional<uint64_t>> feed_position(std::string_view target, std::string_view last_event_id) {
  const auto q = target.find('?');
  if (q != std::string_view::npos) {
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      if (pair.substr(0, 6) == "after=") return parse_id(pair.substr(6), "after");
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
  }
  if (!last_event_id.empty()) return parse_id(last_event_id, "Last-Event-ID");
  return std::optional<uint64_t>();
}

FeedHub::FeedHub(boost::asio::io_context& io, std::unique_ptr<HqStore> store, Authorize authorize, Options options)
    : io_(io), store_(std::move(store)), authorize_(std::move(authorize)), options_(options), timer_(io) {}

void FeedHub::start() {
  next_retain_ = std::chrono::steady_clock::now();
  schedule(std::chrono::milliseconds(0));
}

void FeedHub::stop() {
  stopped_ = true;
  timer_.cancel();
}

void FeedHub::poke() {
  if (!consumers_.empty()) schedule(std::chrono::milliseconds(0));
}

std::optional<http::Response> FeedHub::refuse(const http::Request& req) {
  auto at = feed_position(req.target(), req["Last-Event-ID"]);
  if (at) return std::nullopt;
  return http::error_response(bhttp::status::bad_request, "invalid_request", at.status().message(), req.version(), false);
}

void FeedHub::attach(std::shared_ptr<http::EventChannel> channel) {
  auto asked = feed_position(channel->target(), channel->last_event_id());
  Consumer c{channel, std::nullopt, asked ? *asked : std::nullopt};
  consumers_.emplace(channel.get(), std::move(c));
  log::get("hq-feed")->info("consumer {} attached ({} now)", channel->terminal(), consumers_.size());
  schedule(std::chrono::milliseconds(0));
}

void FeedHub::detach(http::EventChannel* channel) {
  if (consumers_.erase(channel)) log::get("hq-feed")->info("consumer {} left ({} now)", channel->terminal(), consumers_.size());
}

void FeedHub::schedule(std::chrono::milliseconds in) {
  if (stopped_) return;
  timer_.expires_after(in);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

// Says where the consumer starts: hello, then a gap when rows after its
// position were dropped, or when its position is one this feed never gave
// (another database): it starts from the newest row. (Rows dropped from a
// feed now empty are told with the next row, by tick.)
void FeedHub::place(Consumer& c, const FeedBounds& b) {
  c.after = c.asked.value_or(b.first > 0 ? b.last : b.given);
  c.channel->send(to_json_text(json{{"type", "hello"}, {"after", *c.after}, {"last_id", b.last}}));
  if (*c.after > b.given || (b.first > 0 && *c.after + 1 < b.first)) {
    const uint64_t from = *c.after > b.given ? b.given : b.first - 1;
    c.channel->send(to_json_text(json{{"type", "gap"}, {"after", *c.after}, {"oldest_id", from + 1}}));
    c.after = from;
  }
}

// Over 40 lines: one pass over the consumers, sharing what is read.
void FeedHub::tick() {
  if (stopped_) return;
  if (std::chrono::steady_clock::now() >= next_retain_) retain();
  auto wait = options_.poll;
  std::optional<FeedBounds> bounds;  // for placing consumers that just came
  auto read_bounds = [&]() -> const FeedBounds* {
    if (!bounds) {
      auto b = store_->feed_bounds();
      if (!b) return nullptr;
      bounds = *b;
    }
    return &*bounds;
  };
  std::map<uint64_t, std::vector<FeedRow>> pages;  // by position: consumers at one place share a read
  for (auto& [ptr, c] : consumers_) {
    if (!c.after) {
      const FeedBounds* b = read_bounds();
      if (!b) break;
      place(c, *b);
    }
    http::EventChannel& ch = *c.channel;
    if (ch.queued_messages() >= kReadyMessages || ch.queued_bytes() >= kReadyBytes) {
      wait = std::min(wait, kSlowConsumer);
      continue;
    }
    auto page = pages.find(*c.after);
    if (page == pages.end()) {
      auto rows = store_->feed(*c.after, options_.page);
      if (!rows) {
        log::get("hq-feed")->warn("cannot read the feed: {}", rows.status().message());
        wait = std::max(wait, std::chrono::milliseconds(1000));
        break;
      }
      page = pages.emplace(*c.after, std::move(*rows)).first;
    }
    // Ids skip where a transaction rolled back, or where rows were dropped
    // (by any instance): the oldest id kept, read after this page (never
    // before it: a drop between the two would go unseen), tells.
    if (!page->second.empty() && page->second.front().id > *c.after + 1) {
      auto b = store_->feed_bounds();
      if (!b) break;
      if (b->first > *c.after + 1) {
        c.channel->send(to_json_text(json{{"type", "gap"}, {"after", *c.after}, {"oldest_id", b->first}}));
      }
    }
    size_t sent = 0;
    for (const FeedRow& r : page->second) {
      std::string m = feed_message(r);
      if (ch.queued_messages() > 0 && ch.queued_bytes() + m.size() > kMaxWaitingBytes) break;
      ch.send(std::move(m));
      c.after = r.id;
      ++sent;
    }
    if (sent == options_.page) wait = std::chrono::milliseconds(0);  // more may wait: go on at once
    else if (sent < page->second.size()) wait = std::min(wait, kSlowConsumer);
  }
  schedule(consumers_.empty() ? std::max(options_.poll, std::chrono::milliseconds(250)) : wait);
}

// Drops the rows older than `keep`: the last of them is found by halving
// the ids (rows are written in about time order), a few point reads. A
// consumer behind them hears of it with its next row (tick), whichever
// instance dropped them.
void FeedHub::retain() {
  next_retain_ = std::chrono::steady_clock::now() + kRetainEvery;
  auto b = store_->feed_bounds();
  if (!b || b->last == 0) return;
  const std::string cutoff = format_utc(Clock::system().now() - options_.keep);
  uint64_t lo = b->first - 1, hi = b->last;  // lo: the last old row found so far (first - 1: none)
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    auto row = store_->feed(mid - 1, 1);
    if (!row) return;
    if (row->empty() || row->front().at >= cutoff) {
      hi = mid - 1;
    } else {
      lo = row->front().id;
    }
  }
  if (lo < b->first) return;
  if (Status s = store_->feed_drop(lo); !s) {
    log::get("hq-feed")->warn("cannot drop old feed rows: {}", s.message());
    return;
  }
  log::get("hq-feed")->info("dropped the feed's rows up to id {} (older than {})", lo, cutoff);
}

}  // namespace posd::hq
