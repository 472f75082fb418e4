#include "daemon/events.h"

#include <nlohmann/json.hpp>

namespace posd {

std::optional<std::string> Events::authorize(const http::Request& req) {
  const TerminalConfig* t = terminals_.authenticate(req[http::bhttp::field::authorization]);
  if (!t) {
    // Browsers cannot set headers on a WebSocket: "posd.bearer, TOKEN" as subprotocols.
    std::string_view protocols = req[http::bhttp::field::sec_websocket_protocol];
    auto comma = protocols.find(',');
    if (comma != std::string_view::npos && protocols.substr(0, comma) == "posd.bearer") {
      std::string_view token = protocols.substr(comma + 1);
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      t = terminals_.authenticate("Bearer " + std::string(token));
    }
  }
  if (!t) return std::nullopt;
  return t->id;
}

void Events::attach(std::shared_ptr<http::EventChannel> channel) {
  channel->send(nlohmann::json{{"type", "hello"}, {"terminal", channel->terminal()}}.dump());
  channels_.insert(std::move(channel));
}

void Events::detach(http::EventChannel* channel) {
  for (auto it = channels_.begin(); it != channels_.end(); ++it) {
    if (it->get() == channel) {
      channels_.erase(it);
      return;
    }
  }
}

void Events::publish(const std::string& terminal, const nlohmann::json& event) {
  const std::string text = event.dump();
  for (const auto& c : channels_) {
    if (terminal.empty() || c->terminal() == terminal) c->send(text);
  }
}

}  // namespace posd
