#include "hq/serve.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <optional>
#include <set>

#include "base/clock.h"
#include "base/log.h"
#include "sync/send_window.h"
#include "sync/ticker.h"

namespace posd::hq {

namespace asio = boost::asio;
using namespace sync;  // the protocol's messages, the link, the send window

struct HqServe::Impl : std::enable_shared_from_this<HqServe::Impl> {
  struct Peer {
    explicit Peer(uint64_t window) : window(window) {}
    SendWindow window;
    bool online = false;
  };

  Impl(asio::io_context& io, std::unique_ptr<HqStore> store, HqServeOptions o)
      : io(io), store(std::move(store)), options(std::move(o)), ticker(io, options.tick), logger(log::get("hq")) {}

  asio::io_context& io;
  std::unique_ptr<HqStore> store;
  HqServeOptions options;
  Ticker ticker;
  std::shared_ptr<spdlog::logger> logger;
  std::unique_ptr<Link> link;
  std::map<std::string, Peer> peers;
  std::set<std::string> hello_owed;  // stores whose hello met a database that was away
  bool running = false;
  static constexpr size_t kGroupBatches = 256;  // batches in one transaction, at most
  std::vector<Arrived> arrived;                 // batches waiting for the next group commit
  std::vector<size_t> arrived_bytes;            // each one's size as it arrived
  size_t waiting_bytes = 0;                     // their sum
  bool store_posted = false;
  std::map<std::string, StoreHeard> heard;
  std::map<std::string, uint64_t> pending_acks;  // down_acks to record at the next tick
  std::vector<std::string> pending_links;        // link changes for the feed, at the next tick
  static constexpr size_t kReadEntries = 64;     // down-log entries read for a store at once
  // Down-log messages a tick sends, at most: a price for every store goes
  // out over a few ticks, not as one burst. Paho keeps at most the broker's
  // Receive Maximum in flight (Mosquitto's max_inflight_messages, 20 by
  // default), and past it its send thread waits up to a second.
  static constexpr size_t kTickMessages = 256;
  static constexpr size_t kNeverShed = 4096;  // a hello, an ack, a batch of a sale or two

  static bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  }

  Topics topics(const std::string& store_id) const { return Topics{options.prefix, store_id}; }

  Peer& peer(const std::string& store_id) {
    return peers.try_emplace(store_id, options.window_entries).first->second;
  }

  void start() {
    const std::string shared = options.share_group.empty() ? "" : "$share/" + options.share_group + "/";
    LinkOptions lo = options.link;
    lo.subscriptions = {shared + options.prefix + "/+/up/journal", shared + options.prefix + "/+/up/ack",
                        options.prefix + "/+/status"};
    lo.intake_limit_bytes = options.intake_limit_bytes;
    lo.sheddable = [](const std::string& topic, size_t bytes) {
      return bytes > kNeverShed && ends_with(topic, "/up/journal");
    };
    std::weak_ptr<Impl> weak = shared_from_this();
    LinkHandlers h;
    h.on_up = [weak] { if (auto s = weak.lock()) s->logger->info("link up"); };
    h.on_down = [weak](const std::string& why) { if (auto s = weak.lock()) s->logger->warn("link down: {}", why); };
    h.on_message = [weak](const std::string& t, const std::string& p) { if (auto s = weak.lock()) s->message(t, p); };
    link = std::make_unique<Link>(io, std::move(lo), std::move(h));
    running = true;
    link->start();
    ticker.start([weak] { if (auto s = weak.lock()) s->tick(); });
  }

  void stop() {
    running = false;
    ticker.stop();
    if (link) link->stop();
  }

  // Every options.tick: record the stores' acks, resend to stalled peers,
  // send what is new. Every store's head in one read (other processes
  // append to the down-logs), and every store's new entries in one more.
  void tick() {
    record_links();
    if (!link->up()) return;
    record_acks();
    std::optional<std::map<std::string, uint64_t>> heads;
    std::map<std::string, uint64_t> firsts;
    for (auto& [store_id, p] : peers) {
      if (!p.online) continue;
      if (!heads) {
        auto read = store->down_heads();
        if (!read) return;  // the database is away; the next tick tries again
        heads.emplace(std::move(*read));
      }
      if (p.window.rewind_if_stalled(SendWindow::Clock::now(), options.resend_after)) {
        logger->info("{}: no down_ack for {} ms; sending again from hq_seq {}", store_id, options.resend_after.count(),
                     p.window.next());
      }
      auto head = heads->find(store_id);
      if (head != heads->end() && p.window.room() > 0 && p.window.next() <= head->second) {
        firsts[store_id] = p.window.next();
      }
    }
    if (firsts.empty()) return;
    auto entries = store->down_read_all(firsts, kReadEntries);
    if (!entries) return;
    for (const auto& [store_id, first] : firsts) {
      if (!entries->count(store_id)) name_corrupt(store_id, first);
    }
    size_t budget = kTickMessages;
    for (auto& [store_id, list] : *entries) {
      auto sent = publish_down(store_id, peer(store_id), list, budget);
      if (!sent || (budget -= *sent) == 0) return;  // the rest at the next tick
    }
  }

  // A store left out of the fan-out though its down-log goes further: its
  // next entry is corrupt. Said once per entry; the other stores go on.
  void name_corrupt(const std::string& store_id, uint64_t first) {
    auto read = store->down_read(store_id, first, 1);
    if (read || read.status().code() != Status::Code::corruption) return;
    if (named_corrupt[store_id] == first) return;
    named_corrupt[store_id] = first;
    logger->error("{}: cannot send its down-log: {}", store_id, read.status().message());
  }
  std::map<std::string, uint64_t> named_corrupt;

  // The acks that arrived since the last tick, in one write; then the
  // windows move (an ack the database refuses moves nothing).
  void record_acks() {
    if (pending_acks.empty()) return;
    auto refused = store->down_ack_all(pending_acks);
    if (!refused) return;  // kept for the next tick
    for (const std::string& store_id : *refused) {
      logger->warn("{}: acked hq_seq {}, beyond its down-log", store_id, pending_acks[store_id]);
      pending_acks.erase(store_id);
    }
    for (const auto& [store_id, seq] : pending_acks) peer(store_id).window.ack(seq, SendWindow::Clock::now());
    pending_acks.clear();
  }

  // <prefix>/<store_id>/<rest>: the store and the rest, or false.
  bool split(const std::string& topic, std::string& store_id, std::string& rest) const {
    const std::string head = options.prefix + "/";
    if (topic.rfind(head, 0) != 0) return false;
    auto slash = topic.find('/', head.size());
    if (slash == std::string::npos) return false;
    store_id = topic.substr(head.size(), slash - head.size());
    rest = topic.substr(slash + 1);
    return !store_id.empty();
  }

  void message(const std::string& topic, const std::string& payload) {
    std::string store_id, rest;
    if (!split(topic, store_id, rest)) return;
    if (rest == "status") return status(store_id, payload);
    heard[store_id].last_heard = std::chrono::steady_clock::now();
    if (rest == "up/journal" && payload.size() > kNeverShed && options.intake_limit_bytes && waiting_bytes > 0 &&
        waiting_bytes + payload.size() > options.intake_limit_bytes) {
      if (options.metrics) options.metrics->shed();
      return;  // unread: the store sends it again when no ack comes
    }
    auto m = decode(payload);
    if (!m) {
      if (options.metrics) options.metrics->rejected_message();
      logger->warn("{}: rejected a message on {}: {}", store_id, rest, m.status().message());
      if (Status s = store->reject(store_id, "on " + rest + ": " + m.status().message()); !s) {
        logger->error("cannot record a rejection: {}", s.message());
      }
      return;
    }
    if (rest == "up/journal") {
      if (auto* batch = std::get_if<JournalBatch>(&*m)) return journal(store_id, std::move(*batch), payload.size());
      if (const auto* hello = std::get_if<Hello>(&*m)) return store_hello(store_id, *hello);
    } else if (rest == "up/ack") {
      const auto* ack = std::get_if<Ack>(&*m);
      if (ack && ack->type == "down_ack" && ack->store_id == store_id) return down_acked(store_id, ack->seq);
    }
    if (options.metrics) options.metrics->rejected_message();
    if (Status s = store->reject(store_id, "on " + rest + ": a message of the wrong type"); !s) {
      logger->error("cannot record a rejection: {}", s.message());
    }
  }

  // Group commit: a batch waits for the handlers already queued on the loop
  // (what arrived while the last commit ran), then they are all stored in
  // one transaction and acked after its commit. Alone, a batch waits for nothing.
  void journal(const std::string& store_id, JournalBatch batch, size_t bytes) {
    if (!batch.events.empty()) {
      uint64_t& announced = heard[store_id].announced;
      announced = std::max(announced, batch.events.back().seq);
    }
    arrived.push_back(Arrived{store_id, std::move(batch)});
    arrived_bytes.push_back(bytes);
    waiting_bytes += bytes;
    if (store_posted) return;
    store_posted = true;
    asio::post(io, [weak = weak_from_this()] { if (auto s = weak.lock()) s->store_arrived(); });
  }

  void store_arrived() {
    store_posted = false;
    const size_t n = std::min(arrived.size(), kGroupBatches);
    std::vector<Arrived> group(std::make_move_iterator(arrived.begin()), std::make_move_iterator(arrived.begin() + n));
    arrived.erase(arrived.begin(), arrived.begin() + n);
    for (size_t i = 0; i < n; ++i) waiting_bytes -= arrived_bytes[i];
    arrived_bytes.erase(arrived_bytes.begin(), arrived_bytes.begin() + n);
    if (!arrived.empty()) {
      store_posted = true;
      asio::post(io, [weak = weak_from_this()] { if (auto s = weak.lock()) s->store_arrived(); });
    }
    const auto began = std::chrono::steady_clock::now();
    auto results = store->receive_group(group);
    if (options.metrics) {
      const bool ok = std::all_of(results.begin(), results.end(), [](const auto& r) { return r.is_ok(); });
      options.metrics->commit(n, std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(), ok);
    }
    if (options.stored && std::any_of(results.begin(), results.end(), [](const auto& r) { return r && r->stored > 0; })) {
      options.stored();
    }
    for (size_t i = 0; i < group.size(); ++i) {
      const std::string& store_id = group[i].topic_store_id;
      const auto& r = results[i];
      if (!r) {
        // Nothing acked: the store sends again when no ack comes.
        logger->error("{}: cannot store a batch: {}", store_id, r.status().message());
        continue;
      }
      if (options.metrics) options.metrics->batch(*r, group[i].batch.events.size());
      if (!r->rejected.empty()) logger->warn("{}: rejected a batch: {}", store_id, r->rejected);
      if (r->unknown_store) continue;  // an unknown store gets no answer
      holds(store_id, r->acked_seq);
      link->publish(topics(store_id).down_ack(),
                    encode(Ack{store_id, "journal_ack", r->acked_seq, r->acked_seq ? r->acked_hash : ""}));
      if (hello_owed.count(store_id)) ask_hello(store_id);
    }
  }

  void store_hello(const std::string& store_id, const Hello& hello) {
    auto head = store->acked_head(store_id);
    if (!head && head.status().code() != Status::Code::not_found) {
      logger->error("{}: cannot answer its hello: {}", store_id, head.status().message());
      // The store goes on hearing acks of its batches, so it would not say
      // hello again: HQ asks for one once the database answers.
      hello_owed.insert(store_id);
      return;
    }
    hello_owed.erase(store_id);
    if (!head || hello.store_id != store_id) {
      if (Status s = store->reject(store_id, "hello from an unknown store or on another store's topic"); !s) {
        logger->error("cannot record a rejection: {}", s.message());
      }
      return;
    }
    uint64_t& announced = heard[store_id].announced;
    announced = std::max(announced, hello.journal_seq);
    const uint64_t* held = &head->first;
    holds(store_id, *held);
    logger->info("{}: hello (journal seq {}, HQ holds {}, applied up to hq_seq {})", store_id, hello.journal_seq, *held,
                 hello.hq_applied_seq);
    if (hello.journal_seq < *held) {
      // The store's journal ends before events HQ holds: cut, rewritten, or
      // an older copy. The store stops signing when it hears HQ's ack.
      const std::string why = "the store announces its journal ends at seq " + std::to_string(hello.journal_seq) +
                              ", behind the " + std::to_string(*held) +
                              " HQ holds: its journal lost events, or is an older copy";
      logger->error("{}: tampering alarm: {}", store_id, why);
      if (Status s = store->alarm(store_id, hello.journal_seq, why); !s) logger->error("cannot record an alarm: {}", s.message());
    }
    Peer& p = peer(store_id);
    if (!p.online) note_link(store_id, true);
    p.online = true;
    down_acked(store_id, hello.hq_applied_seq);  // written with the others at the next tick
    p.window.reset(hello.hq_applied_seq, SendWindow::Clock::now());
    // What HQ holds, so a store whose last ack was lost moves on at once.
    link->publish(topics(store_id).down_ack(),
                  encode(Ack{store_id, "journal_ack", *held, *held ? head->second : ""}));
    send_down(store_id, p);
  }

  // HQ holds the store's journal up to `held`: behind what it announced, or not.
  void holds(const std::string& store_id, uint64_t held) {
    StoreHeard& h = heard[store_id];
    if (h.announced <= held) h.behind_since.reset();
    else if (!h.behind_since) h.behind_since = std::chrono::steady_clock::now();
  }

  // Recorded at the next tick, with every other store's: one write, not one each.
  void down_acked(const std::string& store_id, uint64_t seq) {
    uint64_t& pending = pending_acks[store_id];
    pending = std::max(pending, seq);
  }

  // Asks the store where it stands: its hello starts the replay (and the down-log).
  void ask_hello(const std::string& store_id) {
    auto held = store->acked_seq(store_id);
    auto acked = store->down_acked(store_id);
    if (!held || !acked) return;  // not a store of ours, or the database is away again
    hello_owed.erase(store_id);
    link->publish(topics(store_id).down_log(), encode(Hello{store_id, *held, *held, *acked}));
  }

  void status(const std::string& store_id, const std::string& payload) {
    Peer& p = peer(store_id);
    if (payload == "online") {
      ask_hello(store_id);
    } else {
      if (p.online) note_link(store_id, false);
      p.online = false;
    }
  }

  // On the feed (hq/feed.h), for the consumers and the dashboard.
  void note_link(const std::string& store_id, bool online) {
    auto seen = heard.find(store_id);
    const uint64_t announced = seen == heard.end() ? 0 : seen->second.announced;
    pending_links.push_back(link_item(store_id, format_utc(Clock::system().now()), online, announced));
  }

  // Written at the next tick, all in one: a thousand hellos are one write.
  void record_links() {
    if (pending_links.empty()) return;
    if (Status s = store->feed_note(pending_links); !s) {
      logger->warn("cannot put {} link changes on the feed: {}", pending_links.size(), s.message());
    }
    pending_links.clear();
  }

  void send_down(const std::string& store_id, Peer& p) {
    if (!link->up()) return;
    auto head = store->down_head(store_id);
    if (head) send_down(store_id, p, *head);
  }

  void send_down(const std::string& store_id, Peer& p, uint64_t head) {
    while (p.window.room() > 0 && p.window.next() <= head) {
      auto entries = store->down_read(store_id, p.window.next(), kReadEntries);
      if (!entries || entries->empty() || !publish_down(store_id, p, *entries, kReadEntries)) return;
    }
  }

  // Sends what the window has room for, from its next entry, `most` at
  // most: how many it sent, or nullopt when the link refused.
  std::optional<size_t> publish_down(const std::string& store_id, Peer& p, const std::vector<StoredDownEntry>& entries,
                                     size_t most) {
    size_t sent = 0;
    for (const StoredDownEntry& e : entries) {
      if (e.hq_seq != p.window.next()) continue;  // the window moved since the read
      if (p.window.room() == 0 || sent == most) break;
      if (!link->publish(topics(store_id).down_log(), encode_down(e))) return std::nullopt;
      p.window.sent(e.hq_seq, SendWindow::Clock::now());
      ++sent;
    }
    return sent;
  }
};

HqServe::HqServe(asio::io_context& io, std::unique_ptr<HqStore> store, HqServeOptions options) {
  if (options.link.client_id.empty()) options.link.client_id = "posd-hq";
  impl_ = std::make_shared<Impl>(io, std::move(store), std::move(options));
}

HqServe::~HqServe() { impl_->stop(); }

ServeFigures HqServe::figures() {
  Impl& s = *impl_;
  ServeFigures f;
  f.link_up = s.link && s.link->up();
  if (auto p = s.store->positions()) f.positions = std::move(*p);
  f.heard = s.heard;
  f.intake_bytes = s.waiting_bytes + (s.link ? s.link->intake_bytes() : 0);
  f.link_shed = s.link ? s.link->shed() : 0;
  return f;
}
std::map<std::string, HqServe::LinkSeen> HqServe::links() {
  Impl& s = *impl_;
  const auto steady = std::chrono::steady_clock::now();
  const auto system = std::chrono::system_clock::now();
  std::map<std::string, LinkSeen> out;
  for (const auto& [id, p] : s.peers) out[id].online = p.online;
  for (const auto& [id, h] : s.heard) {
    LinkSeen& l = out[id];
    l.announced = h.announced;
    auto wall = [&](std::chrono::steady_clock::time_point t) {
      return system - std::chrono::duration_cast<std::chrono::system_clock::duration>(steady - t);
    };
    if (h.last_heard) l.last_heard = wall(*h.last_heard);
    if (h.behind_since) l.behind_since = wall(*h.behind_since);
  }
  return out;
}

void HqServe::start() { impl_->start(); }
void HqServe::poke() {
  asio::post(impl_->io, [weak = std::weak_ptr<Impl>(impl_)] {
    if (auto s = weak.lock(); s && s->running) s->tick();
  });
}
void HqServe::stop() { impl_->stop(); }

}  // namespace posd::hq
