// Runs posd's own binaries (build/bin) as child processes, as an operator or
// systemd would: arguments, environment, captured output, exit status.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace posd::test {

// build/bin/<name>
std::string bin(const std::string& name);

struct Outcome {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs to completion; stdin is /dev/null, or `input` when given.
Outcome run(const std::vector<std::string>& argv, const std::string& input = {});

// A child left running, with stdout and stderr in files of `dir`.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& dir,
        const std::map<std::string, std::string>& env = {});
  ~Child();  // SIGKILLs a child still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for exit; the exit code, or -signal when killed.
  int wait();
  std::string err() const;
  // Polls stderr until it holds `text` (up to `seconds`); false on timeout or exit.
  bool wait_for_err(const std::string& text, double seconds = 20);

 private:
  pid_t pid_ = -1;
  int status_ = 0;  // the wait status once reaped
  std::string err_path_;
};

}  // namespace posd::test
