#include "bench/fleet.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <thread>
#include <tuple>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/clock.h"
#include "storage/chain.h"
#include "storage/store_key.h"
#include "sync/link.h"
#include "sync/protocol.h"
#include "sync/send_window.h"

namespace posd::fleet {

namespace asio = boost::asio;
using json = nlohmann::json;
using namespace sync;

namespace {

// A sale as posd journals it, about the size of a real four-line one.
json sale_payload(uint64_t receipt_no) {
  json lines = json::array();
  for (int l = 0; l < 4; ++l) {
    lines.push_back({{"sku", "SKU-" + std::to_string(l)}, {"qty", 1}, {"unit_price", 199}, {"total", 199}, {"tax_bp", 2000}});
  }
  return {{"receipt_no", receipt_no}, {"terminal", "lane-1"}, {"lines", lines}, {"total", 796},
          {"tenders", {{{"type", "cash"}, {"amount", 1000}}}}, {"change", 204}};
}

struct SimStore {
  SimStore(std::string id, StoreKey key, uint64_t window, uint64_t batch)
      : id(std::move(id)), key(std::move(key)), window(window, batch) {}
  std::string id;
  StoreKey key;
  std::unique_ptr<Link> link;
  Topics topics;
  std::deque<Event> events;                 // from `first` on
  std::deque<std::optional<Steady::time_point>> sold_at;  // beside events: when a sale was journaled
  uint64_t head = 0;                        // the last seq journaled
  std::string head_hash;
  uint64_t receipts = 0;
  SendWindow window;
  uint64_t applied = 0;
  std::vector<Steady::time_point> applied_at;  // [hq_seq - 1]
  StoreFigures figures;
};

}  // namespace

struct Fleet::Impl : std::enable_shared_from_this<Fleet::Impl> {
  explicit Impl(FleetOptions o) : options(std::move(o)), tick(io) {}
  FleetOptions options;
  asio::io_context io;
  asio::steady_timer tick;
  std::thread loop;
  std::vector<std::string> ids;
  std::vector<std::unique_ptr<SimStore>> stores;
  std::map<std::string, size_t> by_id;
  std::vector<double> latencies;
  const Clock& clock = Clock::system();

  template <typename F>
  auto on_loop(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto done = task.get_future();
    asio::post(io, [&task] { task(); });
    return done.get();
  }

  void journal(SimStore& s, const std::string& type, json payload, bool sale) {
    Event e;
    e.seq = s.head + 1;
    e.ts = format_utc(clock.now());
    e.business_day = e.ts.substr(0, 10);
    e.type = type;
    e.payload = std::move(payload);
    e.prev_hash = s.head_hash;
    seal(e, s.key);
    s.head = e.seq;
    s.head_hash = e.hash;
    s.figures.journal_seq = e.seq;
    s.events.push_back(std::move(e));
    s.sold_at.push_back(sale ? std::optional<Steady::time_point>(Steady::now()) : std::nullopt);
  }

  uint64_t first_held(const SimStore& s) const { return s.events.empty() ? s.head + 1 : s.events.front().seq; }

  void send(SimStore& s) {
    if (!s.link->up()) return;
    while (s.window.room() > 0 && s.window.next() <= s.head) {
      const uint64_t from = s.window.next();
      if (from < first_held(s)) return;  // HQ went back before what the store kept: cannot happen with HQ
      JournalBatch b{s.id, {}};
      const size_t n = std::min<uint64_t>({options.batch_events, s.window.room(), s.head - from + 1});
      for (size_t i = 0; i < n; ++i) b.events.push_back(s.events[from - first_held(s) + i]);
      if (!s.link->publish(s.topics.up_journal(), encode(b))) return;
      s.window.sent(from + n - 1, SendWindow::Clock::now());
    }
  }

  void up(SimStore& s) {
    ++s.figures.connects;
    hello(s);
  }

  // Where the store stands, then the journal again from HQ's ack.
  void hello(SimStore& s) {
    s.window.rewind_to(s.window.acked(), SendWindow::Clock::now());
    s.link->publish(s.topics.up_journal(), encode(Hello{s.id, s.head, s.window.acked(), s.applied}));
    send(s);
  }

  void acked(SimStore& s, uint64_t seq) {
    if (seq > s.head) return;  // a posd would stop signing; HQ never does this here
    if (!s.window.ack(seq, SendWindow::Clock::now())) return s.window.gap(seq);
    s.figures.hq_acked_seq = seq;
    const auto now = Steady::now();
    // Latencies of the sales now acked; what HQ holds is dropped unless kept.
    size_t i = 0;
    const uint64_t first = first_held(s);
    for (uint64_t q = first; q <= seq && i < s.sold_at.size(); ++q, ++i) {
      if (s.sold_at[i]) {
        latencies.push_back(std::chrono::duration<double, std::milli>(now - *s.sold_at[i]).count());
        s.sold_at[i].reset();
      }
    }
    if (!options.keep_acked) {
      while (!s.events.empty() && s.events.front().seq <= seq) {
        s.events.pop_front();
        s.sold_at.pop_front();
      }
    }
    send(s);
  }

  void down(SimStore& s, const DownEntry& e) {
    if (e.hq_seq == s.applied + 1) {
      journal(s, "hq_applied", {{"hq_seq", e.hq_seq}, {"kind", e.kind}}, false);
      s.applied = e.hq_seq;
      s.figures.hq_applied_seq = e.hq_seq;
      s.applied_at.push_back(Steady::now());
      send(s);
    }
    if (e.hq_seq <= s.applied) s.link->publish(s.topics.up_ack(), encode(Ack{s.id, "down_ack", s.applied}));
  }

  void message(SimStore& s, const std::string& topic, const std::string& payload) {
    auto m = decode(payload);
    if (!m) return;
    if (topic == s.topics.down_ack()) {
      if (const auto* a = std::get_if<Ack>(&*m); a && a->type == "journal_ack" && a->store_id == s.id) acked(s, a->seq);
    } else if (const auto* e = std::get_if<DownEntry>(&*m); e && e->store_id == s.id) {
      down(s, *e);
    } else if (const auto* h = std::get_if<Hello>(&*m); h && h->store_id == s.id) {
      // HQ (re)started and asks where the store stands: it says hello again,
      // which marks it online at the instance that takes it, and replays.
      if (h->hq_acked_seq < s.window.acked()) s.window.rewind_to(h->hq_acked_seq, SendWindow::Clock::now());
      hello(s);
    }
  }

  void on_tick() {
    for (auto& s : stores) {
      if (s->link->up() && s->window.rewind_if_stalled(SendWindow::Clock::now(), options.resend_after)) {
        ++s->figures.resends;
        send(*s);
      }
    }
    tick.expires_after(std::chrono::milliseconds(200));
    tick.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->on_tick();
    });
  }
};

Fleet::Fleet(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Fleet::~Fleet() {
  disconnect();
  impl_->io.stop();
  if (impl_->loop.joinable()) impl_->loop.join();
}

Result<std::unique_ptr<Fleet>> Fleet::create(FleetOptions options) {
  auto impl = std::make_shared<Impl>(std::move(options));
  const FleetOptions& o = impl->options;
  std::filesystem::create_directories(o.key_dir);
  for (size_t i = 0; i < o.stores; ++i) {
    char id[64];
    std::snprintf(id, sizeof id, "%s%04zu", o.id_prefix.c_str(), i + 1);
    auto key = StoreKey::load_or_create(o.key_dir + "/" + id + ".key", o.key_dir + "/" + id + ".pub");
    if (!key) return key.status();
    auto s = std::make_unique<SimStore>(id, std::move(*key), o.window_events, o.batch_events);
    s->topics = Topics{o.prefix, id};
    s->head_hash = genesis_prev_hash();
    impl->journal(*s, "genesis",
                  {{"store_id", s->id}, {"public_key", s->key.public_key().pem()}, {"created_at", format_utc(impl->clock.now())}},
                  false);
    impl->by_id[id] = impl->stores.size();
    impl->ids.push_back(id);
    impl->stores.push_back(std::move(s));
  }
  for (auto& sp : impl->stores) {
    SimStore* s = sp.get();
    LinkOptions lo;
    lo.url = o.broker_url;
    lo.client_id = s->id;
    lo.subscriptions = {s->topics.down_log(), s->topics.down_ack()};
    lo.status_topic = s->topics.status();
    lo.max_backoff = o.max_backoff;
    if (o.identity) {
      lo.ca_file = o.ca_file;
      std::tie(lo.certificate, lo.private_key) = o.identity(s->id);
    }
    std::weak_ptr<Impl> weak = impl;
    LinkHandlers h;
    h.on_up = [weak, s] { if (auto f = weak.lock()) f->up(*s); };
    h.on_message = [weak, s](const std::string& t, const std::string& p) { if (auto f = weak.lock()) f->message(*s, t, p); };
    s->link = std::make_unique<Link>(impl->io, std::move(lo), std::move(h));
  }
  impl->loop = std::thread([p = impl.get()] {
    auto guard = asio::make_work_guard(p->io);
    p->io.run();
  });
  impl->on_loop([p = impl.get()] { p->on_tick(); });
  return std::unique_ptr<Fleet>(new Fleet(std::move(impl)));
}

const std::vector<std::string>& Fleet::ids() const { return impl_->ids; }
const std::string& Fleet::public_key_pem(size_t i) const { return impl_->stores[i]->key.public_key().pem(); }

void Fleet::connect() {
  impl_->on_loop([p = impl_.get()] {
    for (auto& s : p->stores) s->link->start();
  });
}

void Fleet::disconnect() {
  // A link's stop waits up to a second for its "offline" to be acked: the
  // links stop side by side, while the loop that owns them waits.
  impl_->on_loop([p = impl_.get()] {
    constexpr size_t kAtOnce = 100;
    for (size_t from = 0; from < p->stores.size(); from += kAtOnce) {
      std::vector<std::thread> stopping;
      for (size_t i = from; i < std::min(p->stores.size(), from + kAtOnce); ++i) {
        stopping.emplace_back([link = p->stores[i]->link.get()] { link->stop(); });
      }
      for (auto& t : stopping) t.join();
    }
  });
}

void Fleet::sell(size_t store, size_t count) {
  impl_->on_loop([p = impl_.get(), store, count] {
    SimStore& s = *p->stores[store];
    for (size_t i = 0; i < count; ++i) p->journal(s, "sale", sale_payload(++s.receipts), true);
    p->send(s);
  });
}

uint64_t Fleet::sell_steadily(std::chrono::milliseconds every, std::chrono::milliseconds how_long) {
  std::mt19937_64 rng(std::random_device{}());
  std::exponential_distribution<double> gap(1.0 / std::chrono::duration<double>(every).count());
  using Due = std::pair<Steady::time_point, size_t>;
  std::vector<Due> due;
  const auto start = Steady::now();
  const auto end = start + how_long;
  auto next = [&](Steady::time_point from) {
    return from + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(gap(rng)));
  };
  for (size_t i = 0; i < impl_->stores.size(); ++i) due.emplace_back(next(start), i);
  auto later = [](const Due& a, const Due& b) { return a.first > b.first; };
  std::make_heap(due.begin(), due.end(), later);
  uint64_t sold = 0;
  while (!due.empty() && due.front().first < end) {
    std::this_thread::sleep_until(due.front().first);
    std::vector<size_t> now_due;
    const auto now = Steady::now();
    while (!due.empty() && due.front().first <= now) {
      std::pop_heap(due.begin(), due.end(), later);
      now_due.push_back(due.back().second);
      due.back().first = next(due.back().first);
      std::push_heap(due.begin(), due.end(), later);
    }
    asio::post(impl_->io, [p = impl_.get(), now_due] {
      for (size_t i : now_due) {
        SimStore& s = *p->stores[i];
        p->journal(s, "sale", sale_payload(++s.receipts), true);
        p->send(s);
      }
    });
    sold += now_due.size();
  }
  return sold;
}

std::vector<StoreFigures> Fleet::figures() {
  return impl_->on_loop([p = impl_.get()] {
    std::vector<StoreFigures> out;
    for (auto& s : p->stores) out.push_back(s->figures);
    return out;
  });
}

std::vector<double> Fleet::take_ack_latencies() {
  return impl_->on_loop([p = impl_.get()] { return std::exchange(p->latencies, {}); });
}

std::vector<std::optional<Steady::time_point>> Fleet::applied_at(uint64_t hq_seq) {
  return impl_->on_loop([p = impl_.get(), hq_seq] {
    std::vector<std::optional<Steady::time_point>> out;
    for (auto& s : p->stores) {
      out.push_back(hq_seq >= 1 && hq_seq <= s->applied_at.size() ? std::optional(s->applied_at[hq_seq - 1]) : std::nullopt);
    }
    return out;
  });
}

std::vector<Event> Fleet::journal(size_t store) {
  return impl_->on_loop([p = impl_.get(), store] {
    const auto& e = p->stores[store]->events;
    return std::vector<Event>(e.begin(), e.end());
  });
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(values.size())));
  return values[i];
}

}  // namespace posd::fleet
