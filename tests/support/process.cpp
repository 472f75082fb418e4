#include "tests/support/process.h"

#include <fcntl.h>
#include <spawn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "tests/support/temp_dir.h"

namespace posd::test {

namespace {

// Children are started with posix_spawn: a test may have threads of its own
// running (a lane selling while the store is killed and restarted), and code
// run between fork and exec may then deadlock on a lock another thread held,
// as ASan's allocator does. posix_spawn runs nothing of ours in the child.
class Spawn {
 public:
  Spawn() { ::posix_spawn_file_actions_init(&actions_); }
  ~Spawn() { ::posix_spawn_file_actions_destroy(&actions_); }
  Spawn(const Spawn&) = delete;
  Spawn& operator=(const Spawn&) = delete;

  void open(int fd, const std::string& path, int flags) {  // the path is copied
    ::posix_spawn_file_actions_addopen(&actions_, fd, path.c_str(), flags, 0600);
  }
  // The child's pid, or -errno when it could not be started.
  pid_t start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
    std::vector<std::string> environment;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      if (!env.count(entry.substr(0, entry.find('=')))) environment.push_back(entry);
    }
    for (const auto& [k, v] : env) environment.push_back(k + "=" + v);
    pid_t pid = -1;
    // A bare name is looked up on PATH.
    const int rc = ::posix_spawnp(&pid, argv.at(0).c_str(), &actions_, nullptr, pointers(argv).data(),
                                  pointers(environment).data());
    return rc == 0 ? pid : -rc;
  }

 private:
  static std::vector<char*> pointers(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
  }

  posix_spawn_file_actions_t actions_;
};

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

}  // namespace

std::string bin(const std::string& name) { return std::string(POSD_BIN_DIR) + "/" + name; }

Outcome run(const std::vector<std::string>& argv, const std::string& input) {
  TempDir dir;
  const std::string in = dir.file("in"), out = dir.file("out"), err = dir.file("err");
  write_text(in, input);
  Spawn spawn;
  spawn.open(0, in, O_RDONLY);
  spawn.open(1, out, O_WRONLY | O_CREAT | O_TRUNC);
  spawn.open(2, err, O_WRONLY | O_CREAT | O_TRUNC);
  const pid_t pid = spawn.start(argv, {});
  if (pid < 0) return Outcome{127, "", "cannot run " + argv.at(0) + ": " + std::strerror(-pid) + "\n"};
  int status = 0;
  ::waitpid(pid, &status, 0);
  return Outcome{decode(status), read_text(out), read_text(err)};
}

Child::Child(const std::vector<std::string>& argv, const std::string& dir,
             const std::map<std::string, std::string>& env)
    : err_path_(dir + "/child.err") {
  Spawn spawn;
  spawn.open(0, "/dev/null", O_RDONLY);
  spawn.open(1, dir + "/child.out", O_WRONLY | O_CREAT | O_TRUNC);
  spawn.open(2, err_path_, O_WRONLY | O_CREAT | O_TRUNC);
  pid_ = spawn.start(argv, env);
  if (pid_ < 0) throw std::runtime_error("cannot run " + argv.at(0) + ": " + std::strerror(-pid_));
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void Child::signal(int sig) { ::kill(pid_, sig); }

int Child::wait() {
  if (pid_ > 0) {
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
  }
  return decode(status_);
}

std::string Child::err() const { return read_text(err_path_); }

bool Child::wait_for_err(const std::string& text, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (err().find(text) != std::string::npos) return true;
    if (pid_ > 0 && ::waitpid(pid_, &status_, WNOHANG) == pid_) {
      pid_ = -1;
      return err().find(text) != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace posd::test
