// Logging: one line per event on stderr, "<level> <component>: <message>";
// journald adds the time. Under systemd (JOURNAL_STREAM set) each line starts
// with its syslog priority ("<6>") so journald files it at the right level.
// Never log a token, a key or card data.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace posd::log {

// Sets the level of every component ("trace" … "error"). Thread-safe.
void set_level(const std::string& level);
// The logger of one component ("journal", "http", "posd", …), made on first use.
std::shared_ptr<spdlog::logger> get(const std::string& component);

}  // namespace posd::log
