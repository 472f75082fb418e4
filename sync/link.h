// The MQTT link to the broker (Eclipse Paho C++, MQTT v5, QoS 1), for both
// the store and posd-hq. It connects, subscribes to its topics on every
// connect (Paho does not resubscribe), and reconnects after any loss with
// capped exponential backoff and jitter. A retained status message says
// "online" on connect; the Will says "offline" when the link dies.
//
// Paho's own persistence is off: the journal and the down-log are the only
// stores, and what the broker loses is simply sent again by the protocol.
// Paho's callbacks run on Paho's thread; they only post to the io_context,
// where every handler here runs. publish() is for that thread too; it only
// queues the message for the link's sender thread ("posd-send"), since
// Paho's publish waits for the lock Paho's receive thread holds while it
// reads and hands over a message.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "sync/protocol.h"

namespace posd::sync {

struct LinkOptions {
  std::string url;        // tcp://host:port, or ssl://host:port for TLS
  std::string client_id;
  // For ssl://: the CA that signed the broker's certificate, and this
  // client's certificate and key (the broker's ACL knows it by them).
  std::string ca_file;
  std::string certificate;
  std::string private_key;
  std::vector<std::string> subscriptions;  // topic filters, QoS 1
  std::string status_topic;                // empty: no status message, no Will
  std::string online_payload = "online";
  std::string offline_payload = "offline";
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::seconds keep_alive{10};
  // A bounded intake: while more than intake_limit_bytes of received
  // messages wait for the io_context, a message for which sheddable(topic,
  // its bytes) is true is dropped and counted (the protocol sends it again).
  // 0: no bound. sheddable runs on Paho's thread: a pure function (what
  // throws on that thread drops its message, counted as shed). The bound
  // counts the messages' bytes as received: with on_decoded (the store, which
  // sets no bound; HQ, which does, decodes on its loop) each also holds its
  // parsed form, several times larger.
  size_t intake_limit_bytes = 0;
  std::function<bool(const std::string& topic, size_t bytes)> sheddable;
};

struct LinkHandlers {
  // With on_decoded, on_up and on_down come after every message received
  // before them: none of a lost connection is handled after its on_down.
  std::function<void()> on_up;                        // connected and subscribed
  std::function<void(const std::string& why)> on_down;  // lost, or a connect failed
  std::function<void(const std::string& topic, const std::string& payload)> on_message;
  // Instead of on_message: the payload already decoded (sync/protocol.h) on
  // the link's own reader thread ("posd-intake", in arrival order), so that
  // neither the io_context's thread, which also answers the lanes, nor
  // Paho's, which holds the lock every publish takes while it calls back,
  // spends the time (a catalog entry of 500 items takes about 1.5 ms to
  // parse).
  std::function<void(const std::string& topic, const std::string& payload, Result<Message>& decoded)> on_decoded;
  // With on_decoded: more work on the decoded message, on the reader thread
  // too. It must not throw.
  std::function<void(Message& decoded)> read_ahead;
};

class Link {
 public:
  Link(boost::asio::io_context& io, LinkOptions options, LinkHandlers handlers);
  ~Link();  // stop()
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Starts connecting; retries for ever until stop().
  void start();
  // Publishes "offline" (retained) when up, disconnects, and stops retrying.
  void stop();
  // QoS 1, sent in the order published, on this connection only: a message
  // queued when the link goes down is dropped (the protocol sends again after
  // the next hello). False, and nothing sent, while the link is not up.
  bool publish(const std::string& topic, std::string payload, bool retained = false);

  bool up() const;
  // "connecting", "up" or "down" (waiting to retry).
  const char* state() const;
  // Connections made since start (1 after the first).
  uint64_t connects() const;
  std::chrono::steady_clock::time_point last_up() const;
  // Bytes of received messages waiting for the io_context; messages shed.
  size_t intake_bytes() const;
  uint64_t shed() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace posd::sync
