#include "base/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>
#include <mutex>

namespace posd::log {

namespace {

std::mutex mu;
spdlog::level::level_enum current = spdlog::level::info;

// %* prints the sd-daemon(3) priority prefix of the message's level: "<3>" … "<7>".
class SyslogPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr const char* kPrefix[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    std::string_view p = kPrefix[msg.level];
    dest.append(p.data(), p.data() + p.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriority>();
  }
};

spdlog::sink_ptr sink() {
  static spdlog::sink_ptr s = [] {
    auto k = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    // The priority prefix only when stderr goes to journald.
    auto f = std::make_unique<spdlog::pattern_formatter>();
    f->add_flag<SyslogPriority>('*');
    f->set_pattern(std::getenv("JOURNAL_STREAM") ? "%*%l %n: %v" : "%l %n: %v");
    k->set_formatter(std::move(f));
    return k;
  }();
  return s;
}

}  // namespace

void set_level(const std::string& level) {
  std::lock_guard lock(mu);
  current = spdlog::level::from_str(level);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_level(current); });
}

std::shared_ptr<spdlog::logger> get(const std::string& component) {
  std::lock_guard lock(mu);
  if (auto l = spdlog::get(component)) return l;
  auto l = std::make_shared<spdlog::logger>(component, sink());
  l->set_level(current);
  spdlog::register_logger(l);
  return l;
}

}  // namespace posd::log
