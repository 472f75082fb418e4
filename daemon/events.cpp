#include "daemon/events.h"

#include <nlohmann/json.hpp>

#include "base/json_fields.h"

namespace posd {

std::optional<std::string> Events::authorize(const http::Request& req) {
  const TerminalConfig* t = terminals_.authenticate(http::bearer_authorization(req));
  if (!t) return std::nullopt;
  return t->id;
}

void Events::attach(std::shared_ptr<http::EventChannel> channel) {
  channel->send(to_json_text(nlohmann::json{{"type", "hello"}, {"terminal", channel->terminal()}}));
  channels_.insert(std::move(channel));
}

void Events::detach(http::EventChannel* channel) {
  for (auto it = channels_.begin(); it != channels_.end(); ++it) {
    if (it->get() == channel) {
      dropped_by_closed_ += channel->dropped();
      channels_.erase(it);
      return;
    }
  }
}

size_t Events::queued_bytes() const {
  size_t n = 0;
  for (const auto& c : channels_) n += c->queued_bytes();
  return n;
}

uint64_t Events::dropped() const {
  uint64_t n = dropped_by_closed_;
  for (const auto& c : channels_) n += c->dropped();
  return n;
}

bool Events::listening(const std::string& terminal) const {
  if (terminal.empty()) return !channels_.empty();
  for (const auto& c : channels_) {
    if (c->terminal() == terminal) return true;
  }
  return false;
}

void Events::publish(const std::string& terminal, const nlohmann::json& event) {
  if (!listening(terminal)) return;
  const std::string text = to_json_text(event);
  for (const auto& c : channels_) {
    if (terminal.empty() || c->terminal() == terminal) c->send(text);
  }
}

}  // namespace posd
