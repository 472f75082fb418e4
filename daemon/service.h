// posd's process life: opens the journal, serves the API, talks to systemd
// (READY=1 once serving, WATCHDOG=1 while the event loop and the journal
// writer make progress, STOPPING=1 on the way out), and stops cleanly on
// SIGTERM or SIGINT: no new connections, every accepted request answered,
// every queued commit written, the database closed.
#pragma once

#include "daemon/config.h"

namespace posd {

// Runs the daemon until a stop signal. Returns the process exit code. On
// SIGHUP it reads `config_path` again and applies what can change safely
// (terminals and their tokens, the log level); it logs every other change as
// needing a restart, and keeps the old configuration when the new one is bad.
int run_service(const Config& config, const std::string& config_path);

}  // namespace posd
