#include "sync/link.h"

#include "sync/no_delay.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include <boost/asio/steady_timer.hpp>
#include <mqtt/async_client.h>

#include "base/loop_post.h"
#include "base/log.h"
#include "base/thread_name.h"

namespace posd::sync {

namespace asio = boost::asio;

namespace {

// Paho reports an action's end to an iaction_listener on its own thread.
class Listener : public mqtt::iaction_listener {
 public:
  std::function<void()> success;
  std::function<void(const std::string&)> failure;

 private:
  void on_success(const mqtt::token&) override { success(); }
  void on_failure(const mqtt::token& tok) override {
    std::string why = "code " + std::to_string(tok.get_return_code());
    if (tok.get_reason_code() != 0) why += ", reason " + std::to_string(tok.get_reason_code());
    failure(why);
  }
};

// A thread of its own that takes what is put in order, started at the
// first put. stop() drops what it has not taken yet and joins it (after the
// item in hand); restart() lets a later put start it again.
template <typename T>
class Worker {
 public:
  Worker(const char* name, std::function<void(T&)> each) : name_(name), each_(std::move(each)) {}
  ~Worker() { stop(); }

  // False, and nothing queued, while stopped.
  bool put(T item) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return false;
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
      queue_.push_back(std::move(item));
    }
    cv_.notify_one();
    return true;
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      queue_.clear();
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  void restart() {
    std::lock_guard lock(mu_);
    stopped_ = false;
  }

 private:
  void run() {
    name_this_thread(name_);
    for (;;) {
      T item;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopped_ || !queue_.empty(); });
        if (stopped_) return;
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      each_(item);
    }
  }

  const char* name_;
  std::function<void(T&)> each_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> queue_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace

struct Link::State : std::enable_shared_from_this<Link::State> {
  enum class Phase { idle, connecting, up, down };

  State(asio::io_context& io, LinkOptions o, LinkHandlers h)
      : io(io), options(std::move(o)), handlers(std::move(h)), timer(io) {}

  asio::io_context& io;
  LinkOptions options;
  LinkHandlers handlers;
  asio::steady_timer timer;
  std::unique_ptr<mqtt::async_client> client;
  Listener connect_listener, subscribe_listener;
  Phase phase = Phase::idle;
  bool stopped = false;
  uint64_t generation = 0;  // bumps on every attempt; older callbacks are ignored
  unsigned failures = 0;    // in a row, for the backoff
  uint64_t connects = 0;
  std::chrono::steady_clock::time_point last_up{};
  std::atomic<size_t> intake_bytes{0};  // posted to the io_context, not yet handled
  std::atomic<uint64_t> shed{0};
  std::mt19937 rng{std::random_device{}()};

  // Runs `f` on the io_context if this link and this attempt are still current.
  template <typename F>
  std::function<void()> on_io(uint64_t gen, F f) {
    std::weak_ptr<State> weak = shared_from_this();
    return [weak, gen, f = std::move(f)]() mutable {
      if (auto self = weak.lock()) {
        loop_post(self->io, [weak, gen, f = std::move(f)]() mutable {
          auto s = weak.lock();
          if (s && !s->stopped && s->generation == gen) f(*s);
        });
      }
    };
  }

  void make_client() {
    mqtt::create_options create(MQTTVERSION_5);
    client = std::make_unique<mqtt::async_client>(options.url, options.client_id, create, nullptr);
    std::weak_ptr<State> weak = shared_from_this();
    client->set_connection_lost_handler([weak](const std::string& cause) {
      if (auto s = weak.lock()) {
        uint64_t gen = s->generation;
        std::string why = cause.empty() ? "connection lost" : cause;
        loop_post(s->io, [weak, gen, why] {
          auto st = weak.lock();
          if (st && !st->stopped && st->generation == gen) st->lost(why);
        });
      }
    });
    client->set_message_callback([weak](mqtt::const_message_ptr msg) {
      auto s = weak.lock();
      if (!s) return;
      // Paho's C library is below this frame: nothing may escape it. A
      // message that cannot be taken in is dropped and counted as shed; the
      // protocol sends it again, as it does a shed one.
      try {
        s->received(msg->get_topic(), msg->to_string());
      } catch (const std::exception& e) {
        ++s->shed;
        log::get("sync")->error("link: dropped a message from {}: {}", msg->get_topic(), e.what());
      } catch (...) {
        ++s->shed;
        log::get("sync")->error("link: dropped a message from {}", msg->get_topic());
      }
    });
  }

  // On Paho's thread: Paho has acknowledged the message already, so what is
  // not shed here waits in the io_context's queue.
  void received(std::string topic, std::string payload) {
    const size_t bytes = topic.size() + payload.size();
    const size_t waiting = intake_bytes.load();
    if (options.intake_limit_bytes && waiting > 0 && waiting + bytes > options.intake_limit_bytes && options.sheddable &&
        options.sheddable(topic, payload.size())) {
      ++shed;
      return;
    }
    intake_bytes += bytes;
    try {
      post_received(std::move(topic), std::move(payload), bytes);
    } catch (...) {
      intake_bytes -= bytes;  // nothing was posted to take it off again
      throw;
    }
  }

  void post_received(std::string topic, std::string payload, size_t bytes) {
    std::weak_ptr<State> weak = shared_from_this();
    if (handlers.on_decoded) {
      // Paho calls back holding its client's lock, which every publish takes
      // too: a message decoded here would hold up the loop's next publish
      // (tens of ms for a burst of catalog entries). The reader decodes it.
      return to_reader(Unread{std::move(topic), std::move(payload), bytes, {}});
    }
    loop_post(io, [weak, bytes, topic = std::move(topic), payload = std::move(payload)] {
      auto st = weak.lock();
      if (!st) return;
      if (!st->stopped && st->handlers.on_message) st->handlers.on_message(topic, payload);
      st->intake_bytes -= bytes;
    });
  }

  // The link going up or down, told to the handlers after every message that
  // arrived before it: with a reader, behind the messages it still holds, so
  // that no message of a lost connection is handled after on_down or the
  // next on_up.
  void tell(std::function<void(LinkHandlers&)> what) {
    if (!handlers.on_decoded) return what(handlers);
    to_reader(Unread{{}, {}, 0, std::move(what)});
  }

  // The reader: decodes (and reads ahead) each message in arrival order, then
  // posts it to the io_context. It holds no owning reference: ~State stops it.
  struct Unread {
    std::string topic, payload;
    size_t bytes;
    std::function<void(LinkHandlers&)> told;  // set: no message, the link's up or down
  };
  Worker<Unread> reader{"posd-intake", [this](Unread& m) { read(m); }};

  // Queues `m` for the reader; dropped when it is going away.
  void to_reader(Unread m) { reader.put(std::move(m)); }

  void read(Unread& m) {
    std::weak_ptr<State> weak = weak_from_this();
    try {
      if (m.told) {
        loop_post(io, [weak, told = std::move(m.told)] {
          auto st = weak.lock();
          if (st && !st->stopped) told(st->handlers);
        });
        return;
      }
      auto decoded = std::make_shared<Result<Message>>(decode(m.payload));
      if (*decoded && handlers.read_ahead) handlers.read_ahead(**decoded);
      loop_post(io, [weak, bytes = m.bytes, decoded, topic = std::move(m.topic), payload = std::move(m.payload)] {
        auto st = weak.lock();
        if (!st) return;
        if (!st->stopped) st->handlers.on_decoded(topic, payload, *decoded);
        st->intake_bytes -= bytes;
      });
    } catch (const std::exception& e) {  // out of memory: dropped, as Paho's thread would
      intake_bytes -= m.bytes;
      ++shed;
      log::get("sync")->error("link: dropped a received message: {}", e.what());
    } catch (...) {
      intake_bytes -= m.bytes;
      ++shed;
      log::get("sync")->error("link: dropped a received message");
    }
  }

  ~State() {
    sender.stop();
    reader.stop();
  }

  mqtt::connect_options connect_options() const {
    mqtt::connect_options c;
    c.set_mqtt_version(MQTTVERSION_5);
    c.set_clean_start(true);
    c.set_keep_alive_interval(static_cast<int>(options.keep_alive.count()));
    c.set_connect_timeout(std::chrono::seconds(5));
    c.set_automatic_reconnect(false);  // ours: backoff with jitter, and resubscribe
    if (!options.status_topic.empty()) {
      c.set_will(mqtt::will_options(options.status_topic, options.offline_payload, 1, true));
    }
    if (options.url.rfind("ssl://", 0) == 0) {
      mqtt::ssl_options ssl;
      ssl.set_trust_store(options.ca_file);
      if (!options.certificate.empty()) ssl.set_key_store(options.certificate);
      if (!options.private_key.empty()) ssl.set_private_key(options.private_key);
      ssl.set_enable_server_cert_auth(true);
      ssl.set_verify(true);
      c.set_ssl(ssl);
    }
    return c;
  }

  void connect() {
    if (stopped) return;
    ++generation;
    phase = Phase::connecting;
    const uint64_t gen = generation;
    connect_listener.success = on_io(gen, [](State& s) { s.subscribe(); });
    connect_listener.failure = [this, gen](const std::string& why) {
      on_io(gen, [why](State& s) { s.lost("connect failed: " + why); })();
    };
    try {
      client->connect(connect_options(), nullptr, connect_listener);
    } catch (const mqtt::exception& e) {
      lost(std::string("connect failed: ") + e.what());
    }
  }

  void subscribe() {
    // Connected: Nagle off on the broker connection before anything else is said.
    no_delay_towards(broker_port(options.url));
    const uint64_t gen = generation;
    subscribe_listener.success = on_io(gen, [](State& s) { s.became_up(); });
    subscribe_listener.failure = [this, gen](const std::string& why) {
      on_io(gen, [why](State& s) { s.drop("subscribe failed: " + why); })();
    };
    if (options.subscriptions.empty()) return became_up();
    auto topics = mqtt::string_collection::create(options.subscriptions);
    std::vector<int> qos(options.subscriptions.size(), 1);
    try {
      client->subscribe(topics, qos, nullptr, subscribe_listener);
    } catch (const mqtt::exception& e) {
      drop(std::string("subscribe failed: ") + e.what());
    }
  }

  void became_up() {
    phase = Phase::up;
    up_generation = generation;
    failures = 0;
    ++connects;
    last_up = std::chrono::steady_clock::now();
    if (!options.status_topic.empty()) publish(options.status_topic, options.online_payload, true);
    tell([](LinkHandlers& h) { if (h.on_up) h.on_up(); });
  }

  // Connected but unusable: disconnect and try again later.
  void drop(const std::string& why) {
    try {
      client->disconnect();
    } catch (const mqtt::exception&) {
    }
    lost(why);
  }

  void lost(const std::string& why) {
    ++generation;  // whatever the old attempt still reports is stale
    phase = Phase::down;
    up_generation = 0;
    tell([why](LinkHandlers& h) { if (h.on_down) h.on_down(why); });
    auto ceiling = std::min<int64_t>(options.max_backoff.count(),
                                     options.min_backoff.count() << std::min(failures, 16u));
    ++failures;
    std::uniform_int_distribution<int64_t> jitter(ceiling / 2, std::max<int64_t>(ceiling, 1));
    timer.expires_after(std::chrono::milliseconds(jitter(rng)));
    std::weak_ptr<State> weak = shared_from_this();
    timer.async_wait([weak](const boost::system::error_code& ec) {
      auto s = weak.lock();
      if (!ec && s && !s->stopped) s->connect();
    });
  }

  // Queued for the sender, which hands it to Paho: Paho's publish takes the
  // client's lock, which Paho's receive thread holds while it reads a message
  // and calls back (a catalog entry of 75 KB), and this thread also answers
  // the lanes. Queued on one connection, never sent on the next: what it
  // lost, the protocol sends again after the next hello.
  bool publish(const std::string& topic, std::string payload, bool retained) {
    if (phase != Phase::up) return false;
    return sender.put(Outgoing{generation, mqtt::make_message(topic, std::move(payload), 1, retained)});
  }

  struct Outgoing {
    uint64_t generation;
    mqtt::message_ptr message;
  };
  Worker<Outgoing> sender{"posd-send", [this](Outgoing& m) { send(m); }};
  std::atomic<uint64_t> up_generation{0};  // the connection publishes go out on; 0 while none is up

  void send(Outgoing& m) {
    if (m.generation != up_generation.load()) return;  // its connection is gone
    try {
      client->publish(std::move(m.message));
    } catch (const std::exception&) {
      // Lost meanwhile (the connection-lost handler follows), or refused
      // on a connection still up (seen on a slow, lossy link): left to the
      // protocol, whose windows send again what is not acknowledged.
      // Dropping the connection at a refusal made a reconnect loop there
      // (tests/faults, "two stores on a lossy, late, duplicating link").
    }
  }
};

Link::Link(asio::io_context& io, LinkOptions options, LinkHandlers handlers)
    : state_(std::make_shared<State>(io, std::move(options), std::move(handlers))) {}

Link::~Link() { stop(); }

void Link::start() {
  state_->stopped = false;
  state_->sender.restart();
  if (!state_->client) state_->make_client();
  state_->connect();
}

void Link::stop() {
  State& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  s.timer.cancel();
  s.sender.stop();  // before the client goes
  if (!s.client) return;
  try {
    if (s.phase == State::Phase::up && !s.options.status_topic.empty()) {
      s.client->publish(mqtt::make_message(s.options.status_topic, s.options.offline_payload, 1, true));
    }
    if (s.client->is_connected()) s.client->disconnect(1000)->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
  s.phase = State::Phase::idle;
  s.client.reset();
}

bool Link::publish(const std::string& topic, std::string payload, bool retained) {
  return state_->publish(topic, std::move(payload), retained);
}

bool Link::up() const { return state_->phase == State::Phase::up; }

const char* Link::state() const {
  switch (state_->phase) {
    case State::Phase::up: return "up";
    case State::Phase::connecting: return "connecting";
    default: return "down";
  }
}

uint64_t Link::connects() const { return state_->connects; }
std::chrono::steady_clock::time_point Link::last_up() const { return state_->last_up; }
size_t Link::intake_bytes() const { return state_->intake_bytes.load(); }
uint64_t Link::shed() const { return state_->shed.load(); }

}  // namespace posd::sync
