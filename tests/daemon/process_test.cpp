// The posd binary as systemd runs it: configuration check, READY/WATCHDOG/
// STOPPING on NOTIFY_SOCKET, and a clean exit on SIGTERM.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "tests/daemon/node.h"
#include "tests/support/port.h"
#include "tests/support/process.h"
#include "tests/support/sanitized.h"

using namespace posd;
using test::await_serving;
using test::make_demo_store;
using test::port_from_log;

namespace {

// A unix datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  // Waits up to `ms` for one datagram; empty on timeout.
  std::string receive(int ms = 20000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return {};
    char buf[512];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  // How many datagrams containing `text` arrive within `ms`.
  int count_within(const std::string& text, int ms) {
    int n = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
      if (left <= 0) return n;
      std::string m = receive(left);
      if (m.find(text) != std::string::npos) ++n;
    }
  }
  // Waits for a datagram containing `text`, skipping others.
  bool wait_for(const std::string& text) {
    for (int i = 0; i < 50; ++i) {
      std::string m = receive();
      if (m.empty()) return false;
      if (m.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("posd --check-config validates without starting", "[process]") {
  test::TempDir dir;
  test::write_text(dir.file("ok.json"), test::base_config(dir.file("s.db")).dump());
  auto ok = test::run({test::bin("posd"), "--check-config", dir.file("ok.json")});
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("configuration ok: store TEST-1, 2 terminal(s)"));
  CHECK_FALSE(std::filesystem::exists(dir.file("s.db")));

  auto j = test::base_config(dir.file("s.db"));
  j["terminals"][0]["role"] = "owner";
  test::write_text(dir.file("bad.json"), j.dump());
  auto bad = test::run({test::bin("posd"), "--check-config", dir.file("bad.json")});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("terminals[0].role: must be one of cashier, supervisor"));

  CHECK(test::run({test::bin("posd")}).exit_code == 2);
}

TEST_CASE("posd tells systemd it is ready, pings the watchdog, and stops on SIGTERM", "[process]") {
  test::TempDir dir;
  test::write_text(dir.file("posd.json"), test::base_config(dir.file("var/s.db")).dump());
  NotifySocket notify(dir.file("notify.sock"));
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path(),
                   {{"NOTIFY_SOCKET", dir.file("notify.sock")}, {"WATCHDOG_USEC", "200000"}});

  REQUIRE(notify.wait_for("READY=1"));
  const uint16_t port = await_serving(posd);
  auto status = test::request(port, "GET", "/v1/status", test::kCashierToken);
  CHECK(status.status == 200);
  CHECK(status.json()["journal_seq"] == 1);

  CHECK(notify.wait_for("WATCHDOG=1"));
  CHECK(notify.wait_for("WATCHDOG=1"));

  posd.signal(SIGTERM);
  CHECK(notify.wait_for("STOPPING=1"));
  CHECK(posd.wait() == 0);
  CHECK_THAT(posd.err(), Catch::Contains("journal closed at seq 1"));
  // The state directory is the service user's alone.
  CHECK((std::filesystem::status(dir.file("var")).permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms::owner_all);
}

TEST_CASE("posd refuses to start on a database of another store", "[process]") {
  test::TempDir dir;
  {
    auto j = Journal::open({.db_path = dir.file("s.db"), .store_id = "ELSEWHERE"});
    REQUIRE(j);
  }
  test::write_text(dir.file("posd.json"), test::base_config(dir.file("s.db")).dump());
  auto r = test::run({test::bin("posd"), "--config", dir.file("posd.json")});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("belongs to store \"ELSEWHERE\""));
}

TEST_CASE("SIGTERM during a load of sales loses no acknowledged sale", "[process]") {
  test::TempDir dir;
  make_demo_store(dir);
  test::write_text(dir.file("posd.json"), test::base_config(dir.file("s.db")).dump());
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
  const uint16_t port = await_serving(posd);

  std::mutex mu;
  std::set<int64_t> acknowledged;
  std::atomic<int> completed{0};
  std::vector<std::thread> lanes;
  for (int l = 0; l < 6; ++l) {
    lanes.emplace_back([&] {
      try {
        test::Lane lane(port, test::kCashierToken);
        for (;;) {
          auto b = lane.post("/v1/baskets");
          if (b.status != 201) return;
          const std::string id = b.json()["id"];
          if (lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}}).status != 200) return;
          if (lane.post("/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 500}}).status != 200) return;
          auto done = lane.post("/v1/baskets/" + id + "/complete");
          if (done.status != 200) return;
          std::lock_guard lock(mu);
          acknowledged.insert(done.json()["receipt_no"].get<int64_t>());
          ++completed;
        }
      } catch (const std::exception&) {
        // The server went away mid-request: that sale was not acknowledged.
      }
    });
  }
  while (completed < 30) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  posd.signal(SIGTERM);
  for (auto& t : lanes) t.join();
  CHECK(posd.wait() == 0);

  auto db = sql::Db::open(dir.file("s.db"), sql::Db::Mode::read_only);
  std::set<int64_t> journaled;
  REQUIRE(scan_journal(*db, 1, [&](const Event& e) {
    if (e.type == "sale") journaled.insert(e.payload["receipt_no"].get<int64_t>());
    return Status::ok();
  }));
  INFO(acknowledged.size() << " acknowledged, " << journaled.size() << " journaled");
  REQUIRE(acknowledged.size() >= 30);
  for (int64_t r : acknowledged) CHECK(journaled.count(r) == 1);
  // Gap-free receipt numbers: every journaled sale was numbered in order.
  CHECK(*journaled.rbegin() == static_cast<int64_t>(journaled.size()));
}

TEST_CASE("no token, key or card number ever reaches the log", "[process]") {
  test::TempDir dir;
  make_demo_store(dir);
  auto cfg = test::base_config(dir.file("s.db"));
  cfg["log_level"] = "trace";
  test::write_text(dir.file("posd.json"), cfg.dump());
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
  const uint16_t port = await_serving(posd);

  const std::string wrong = "wrong-secret-token-777777";
  test::request(port, "GET", "/v1/status", wrong);
  test::request(port, "GET", "/v1/items/BREAD", wrong);
  test::Lane lane(port, test::kCashierToken);
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  auto refused = lane.post("/v1/baskets/" + id + "/tenders",
                           {{"type", "card"}, {"amount", 289}, {"approval_ref", "X"}, {"masked_pan", "4111111111111111"}});
  CHECK(refused.json()["error"]["code"] == "card_number_refused");
  lane.post("/v1/baskets/" + id + "/tenders",
            {{"type", "card"}, {"amount", 289}, {"approval_ref", "AUTH-1"}, {"masked_pan", "************1111"}});
  REQUIRE(lane.post("/v1/baskets/" + id + "/complete").status == 200);
  lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}}, {{"X-Supervisor-Token", wrong}});
  posd.signal(SIGTERM);
  REQUIRE(posd.wait() == 0);

  const std::string log = posd.err();
  CHECK_THAT(log, Catch::Contains("sale 1 at lane-1"));
  CHECK_THAT(log, Catch::Contains("no valid terminal token"));
  CHECK_THAT(log, Catch::Contains("refused a request carrying what looks like a card number"));
  for (const std::string& secret : {test::kCashierToken, test::kSupervisorToken, wrong, std::string("4111111111111111"),
                                    std::string("PRIVATE KEY")}) {
    INFO(secret);
    CHECK(log.find(secret) == std::string::npos);
  }
}

TEST_CASE("a wedged journal writer stops the watchdog pings until it moves again", "[process]") {
  test::TempDir dir;
  make_demo_store(dir);
  test::write_text(dir.file("posd.json"), test::base_config(dir.file("s.db")).dump());
  NotifySocket notify(dir.file("notify.sock"));
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path(),
                   {{"NOTIFY_SOCKET", dir.file("notify.sock")}, {"WATCHDOG_USEC", "300000"}});
  REQUIRE(notify.wait_for("READY=1"));
  const uint16_t port = await_serving(posd);
  REQUIRE(notify.wait_for("WATCHDOG=1"));

  // Another process takes the database's write lock: the writer cannot commit.
  auto blocker = sql::Db::open(dir.file("s.db"));
  REQUIRE(blocker->exec("BEGIN EXCLUSIVE"));
  int status = 0;
  std::thread sale([&] {
    status = test::request(port, "POST", "/v1/stock/movements", test::kCashierToken,
                           R"({"sku":"BREAD","type":"receive","qty":1})").status;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the writer is now stuck in BEGIN
  CHECK(notify.count_within("WATCHDOG=1", 1200) == 0);
  // The event loop itself is alive: it still answers.
  CHECK(test::request(port, "GET", "/healthz").status == 200);

  REQUIRE(blocker->exec("ROLLBACK"));
  CHECK(notify.wait_for("WATCHDOG=1"));
  sale.join();
  CHECK(status == 201);
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
}

TEST_CASE("SIGHUP reloads terminals and the log level, and names what needs a restart", "[process]") {
  test::TempDir dir;
  auto cfg = test::base_config(dir.file("s.db"));
  test::write_text(dir.file("posd.json"), cfg.dump());
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
  const uint16_t port = await_serving(posd);

  const std::string fresh = "brand-new-lane-token-42424242";
  cfg["terminals"][0]["token"] = fresh;  // lane-1 gets a new token
  cfg["log_level"] = "debug";
  cfg["currency"] = "CHF";
  test::write_text(dir.file("posd.json"), cfg.dump());
  posd.signal(SIGHUP);
  REQUIRE(posd.wait_for_err("reload: 2 terminal(s), log level debug"));
  CHECK(posd.wait_for_err("currency/prices_include_tax/cash_rounding changed; it takes effect after a restart"));
  CHECK(test::request(port, "GET", "/v1/status", fresh).status == 200);
  CHECK(test::request(port, "GET", "/v1/status", test::kCashierToken).status == 401);

  test::write_text(dir.file("posd.json"), "{ broken");
  posd.signal(SIGHUP);
  REQUIRE(posd.wait_for_err("reload: keeping the running configuration"));
  CHECK(test::request(port, "GET", "/v1/status", fresh).status == 200);
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
}

TEST_CASE("a network scanner's scans land in its terminal's open basket", "[process][scanner]") {
  test::TempDir dir;
  make_demo_store(dir);
  const uint16_t scanner_port = test::unused_port();
  auto cfg = test::base_config(dir.file("s.db"));
  cfg["scanners"] = {{{"id", "lane-1-net"}, {"terminal", "lane-1"}, {"type", "tcp"},
                      {"listen", "127.0.0.1:" + std::to_string(scanner_port)}, {"into_basket", true}},
                     {{"id", "office-usb"}, {"terminal", "office"}, {"type", "serial"}, {"path", dir.file("no-tty")}}};
  test::write_text(dir.file("posd.json"), cfg.dump());
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
  const uint16_t port = await_serving(posd);
  test::Lane lane(port, test::kCashierToken);

  auto devices = lane.get("/v1/status").json()["devices"];
  REQUIRE(devices.size() == 2);
  CHECK(devices[0]["state"] == "connected");
  CHECK(devices[1]["state"] == "waiting");  // no such device yet: retried, logged once
  CHECK(posd.wait_for_err("scanner office-usb: cannot open"));

  const std::string basket = lane.open_basket();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket scanner(io);
  scanner.connect({boost::asio::ip::make_address("127.0.0.1"), scanner_port});
  // Latin-1 bytes from a scanner on the wrong code page: refused and reported,
  // not a crash; then a good scan and one with a bad check digit.
  boost::asio::write(scanner, boost::asio::buffer(std::string("\xe9t\xe9\r\n4006381333931\r\n4006381333932\r\n")));
  nlohmann::json lines;
  for (int i = 0; i < 250 && lines.size() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    lines = lane.get("/v1/baskets/" + basket).json()["lines"];
  }
  REQUIRE(lines.size() == 1);  // the third scan has a bad check digit: refused, nothing added
  CHECK(lines[0]["sku"] == "PEN-BLUE");
  CHECK(posd.wait_for_err("lane-1-net: refused a scan of 3 bytes that is not UTF-8 text"));
  auto metrics = test::request(port, "GET", "/metrics", test::kCashierToken).body;
  CHECK_THAT(metrics, Catch::Contains("posd_device_up{device=\"lane-1-net\",kind=\"scanner\",type=\"tcp\"} 1"));
  CHECK_THAT(metrics, Catch::Contains("posd_device_up{device=\"office-usb\",kind=\"scanner\",type=\"serial\"} 0"));
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
}

namespace {

// A TCP printer's stand-in on its own thread: each connection's bytes.
class FakePrinter {
 public:
  explicit FakePrinter(uint16_t port) : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), port}) {
    thread_ = std::thread([this] {
      for (;;) {
        boost::asio::ip::tcp::socket s(io_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec) return;
        // Until posd closes; a status request (DLE EOT 1) is answered "online"
        // and not part of the job.
        std::string data;
        char chunk[512];
        for (;;) {
          size_t n = s.read_some(boost::asio::buffer(chunk), ec);
          if (ec) break;
          data.append(chunk, n);
          if (data.size() >= 3 && data.compare(data.size() - 3, 3, "\x10\x04\x01") == 0) {
            data.resize(data.size() - 3);
            const char online = 0x12;
            boost::asio::write(s, boost::asio::buffer(&online, 1), ec);
          }
        }
        std::lock_guard lock(mu_);
        jobs_.push_back(data);
      }
    });
  }
  ~FakePrinter() {
    // Wakes the blocked accept(), then closes: the printer is switched off.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
    boost::system::error_code ec;
    acceptor_.close(ec);
  }
  std::vector<std::string> jobs() {
    std::lock_guard lock(mu_);
    return jobs_;
  }
  bool wait_for(size_t n) {
    for (int i = 0; i < 500 && jobs().size() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return jobs().size() >= n;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> jobs_;
};

}  // namespace

TEST_CASE("a cash sale prints its receipt and opens the drawer, a reprint says DUPLICATE, a printer off keeps the job", "[process][printer]") {
  test::TempDir dir;
  make_demo_store(dir);
  const uint16_t printer_port = test::unused_port();
  auto cfg = test::base_config(dir.file("s.db"));
  cfg["printers"] = {{{"id", "lane-1-printer"}, {"terminal", "lane-1"}, {"type", "tcp"},
                      {"address", "127.0.0.1:" + std::to_string(printer_port)}}};
  test::write_text(dir.file("posd.json"), cfg.dump());
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
  const uint16_t port = await_serving(posd);
  test::Lane lane(port, test::kCashierToken);
  test::Lane office(port, test::kSupervisorToken);

  auto printer = std::make_unique<FakePrinter>(printer_port);
  const std::string b = lane.open_basket();
  lane.scan(b, {"4006381333931"});
  auto done = lane.pay_cash_and_complete(b, 500);
  REQUIRE(done.status == 200);
  const int64_t receipt = done.json()["receipt_no"];
  REQUIRE(printer->wait_for(2));
  auto jobs = printer->jobs();
  CHECK(jobs[0].rfind("\x1b@", 0) == 0);
  CHECK(jobs[0].find("Receipt " + std::to_string(receipt)) != std::string::npos);
  CHECK(jobs[0].find("DUPLICATE") == std::string::npos);
  CHECK(jobs[1] == std::string("\x1bp\x00\x19\xfa", 5));  // the drawer, after a cash sale

  auto again = lane.post("/v1/sales/" + std::to_string(receipt) + "/reprint");
  REQUIRE(again.status == 200);
  CHECK(again.json()["duplicate"] == true);
  CHECK(again.json()["copy"] == 2);
  REQUIRE(printer->wait_for(3));
  CHECK(printer->jobs()[2].find("*** DUPLICATE copy 2 ***") != std::string::npos);
  CHECK(lane.post("/v1/sales/99999/reprint").status == 404);

  REQUIRE(office.post("/v1/drawer/open").status == 200);  // a no-sale at the office: it has no printer
  CHECK(lane.post("/v1/drawer/open").status == 403);       // a cashier may not

  // The printer goes off: the next receipt waits in the queue, then prints.
  printer.reset();
  const std::string b2 = lane.open_basket();
  lane.scan(b2, {"4006381333931"});
  const int64_t second = lane.pay_cash_and_complete(b2, 500).json()["receipt_no"];
  nlohmann::json dev;
  for (int i = 0; i < 250; ++i) {
    dev = lane.get("/v1/status").json()["devices"][0];
    if (dev["printer_state"] == "failing") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(dev["printer_state"] == "failing");
  CHECK(dev["queued"] == 1);
  printer = std::make_unique<FakePrinter>(printer_port);
  REQUIRE(printer->wait_for(1));
  CHECK(printer->jobs()[0].find("Receipt " + std::to_string(second)) != std::string::npos);

  // Every reprint is in the journal.
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
  auto db = sql::Db::open(dir.file("s.db"), sql::Db::Mode::read_only);
  int reprints = 0;
  REQUIRE(scan_journal(*db, 1, [&](const Event& e) {
    reprints += e.type == "receipt_reprinted";
    return Status::ok();
  }));
  CHECK(reprints == 1);
}

TEST_CASE("SIGHUP starts a scanner added to the configuration", "[process][scanner]") {
  test::TempDir dir;
  make_demo_store(dir);
  auto cfg = test::base_config(dir.file("s.db"));
  test::write_text(dir.file("posd.json"), cfg.dump());
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
  const uint16_t port = await_serving(posd);
  test::Lane lane(port, test::kCashierToken);
  CHECK(lane.get("/v1/status").json()["devices"].empty());

  const uint16_t scanner_port = test::unused_port();
  cfg["scanners"] = {{{"id", "added"}, {"terminal", "lane-1"}, {"type", "tcp"},
                      {"listen", "127.0.0.1:" + std::to_string(scanner_port)}, {"into_basket", true}}};
  test::write_text(dir.file("posd.json"), cfg.dump());
  posd.signal(SIGHUP);
  REQUIRE(posd.wait_for_err("reload: 1 scanner(s), 0 printer(s)"));
  const std::string basket = lane.open_basket();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket scanner(io);
  scanner.connect({boost::asio::ip::make_address("127.0.0.1"), scanner_port});
  boost::asio::write(scanner, boost::asio::buffer(std::string("4006381333931\n")));
  nlohmann::json lines;
  for (int i = 0; i < 250 && lines.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    lines = lane.get("/v1/baskets/" + basket).json()["lines"];
  }
  CHECK(lines.size() == 1);
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
}

namespace {

// CPU time (user + system) `pid` has used, in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) {
      stime = std::stol(f);
      break;
    }
  }
  return utime + stime;
}

size_t open_fds(pid_t pid) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
  return n;
}

}  // namespace

TEST_CASE("out of file descriptors, posd backs off instead of spinning, and serves again when they return", "[process][hostile]") {
  if (test::kSanitized) {
    // UBSan checks a vptr by probing memory through pipe(): with every
    // descriptor taken it cannot, and reports the first error_category call
    // as an invalid object. The normal build runs this test.
    SUCCEED("not under the sanitizers: they need free descriptors themselves");
    return;
  }
  test::TempDir dir;
  make_demo_store(dir);
  test::write_text(dir.file("posd.json"), test::base_config(dir.file("s.db")).dump());
  constexpr int kLimit = 64;
  test::Child posd({"/usr/bin/prlimit", "--nofile=" + std::to_string(kLimit) + ":" + std::to_string(kLimit), "--",
                    test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
  const uint16_t port = await_serving(posd);
  const size_t in_use = open_fds(posd.pid());
  REQUIRE(in_use < kLimit);
  // More connections than descriptors left: the last ones wait in the backlog.
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> held;
  for (size_t i = 0; i < kLimit - in_use + 20; ++i) {
    held.emplace_back(io).connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  REQUIRE(posd.wait_for_err("Too many open files"));
  const long before = cpu_ticks(posd.pid());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const long used = cpu_ticks(posd.pid()) - before;
  CHECK(used < sysconf(_SC_CLK_TCK) / 4);  // a spinning accept loop burns the whole 2 s
  const std::string log = posd.err();
  size_t said = 0;
  for (size_t at = log.find("Too many open files"); at != std::string::npos; at = log.find("Too many open files", at + 1)) ++said;
  CHECK(said <= 2);  // once per interval, not once per try
  held.clear();
  // The next accept (within a second) takes this connection: no sleep needed.
  REQUIRE(test::request(port, "GET", "/healthz").status == 200);
  auto metrics = test::request(port, "GET", "/metrics", test::kCashierToken).body;
  CHECK_THAT(metrics, !Catch::Contains("posd_http_accept_failures 0\n"));
  CHECK_THAT(metrics, Catch::Contains("posd_http_accept_failures "));
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
}

namespace {

// A thread's scheduling policy, without the reset-on-fork flag; -1 once it is gone.
int policy_of(pid_t tid) {
  const int p = ::sched_getscheduler(tid);
  return p < 0 ? -1 : p & ~SCHED_RESET_ON_FORK;
}

// posd's threads other than the loop (its main thread): name → policy.
std::multimap<std::string, int> other_threads(pid_t pid) {
  std::multimap<std::string, int> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    const pid_t tid = std::stoi(task.path().filename().string());
    if (tid == pid) continue;
    std::string name = test::read_text(task.path().string() + "/comm");
    while (!name.empty() && name.back() == '\n') name.pop_back();
    if (const int p = policy_of(tid); p >= 0) out.emplace(name, p);  // a thread that just ended is skipped
  }
  return out;
}

// Every thread in `others` runs at normal priority.
void check_all_normal(const std::multimap<std::string, int>& others) {
  for (const auto& [name, policy] : others) {
    INFO(name);
    CHECK(policy == SCHED_OTHER);
  }
}

// posd's configuration rewritten with lane_priority normal and SIGHUP sent:
// its loop goes back to normal priority, and the log says `said`.
void back_to_normal_on_sighup(test::Child& posd, nlohmann::json cfg, const std::string& path, const std::string& said) {
  cfg["lane_priority"] = "normal";
  test::write_text(path, cfg.dump());
  posd.signal(SIGHUP);
  REQUIRE(posd.wait_for_err(said));
  CHECK(policy_of(posd.pid()) == SCHED_OTHER);
}

// A plain Mosquitto on a free loopback port, for a posd whose link is up.
struct PlainBroker {
  explicit PlainBroker(const test::TempDir& dir) : port(test::unused_port()) {
    const std::string own = dir.file("broker");  // its output apart from posd's
    std::filesystem::create_directories(own);
    test::write_text(own + "/mosquitto.conf", "listener " + std::to_string(port) + " 127.0.0.1\nallow_anonymous true\n");
    proc = std::make_unique<test::Child>(std::vector<std::string>{"mosquitto", "-c", own + "/mosquitto.conf"}, own);
  }
  uint16_t port;
  std::unique_ptr<test::Child> proc;
};

}  // namespace

TEST_CASE("posd serves the lanes first: its loop at real-time priority 1, every other thread (those it starts "
          "too) at normal priority, and lane_priority normal on SIGHUP takes it back", "[process][lane_priority]") {
  if (::geteuid() != 0) {
    WARN("not root: posd cannot raise its own priority here");
    return;
  }
  test::TempDir dir;
  PlainBroker broker(dir);
  auto cfg = test::base_config(dir.file("s.db"));
  cfg["mqtt"] = {{"url", "tcp://127.0.0.1:" + std::to_string(broker.port)}};
  test::write_text(dir.file("posd.json"), cfg.dump());
  test::Child posd({test::bin("posd"), "--config", dir.file("posd.json")}, dir.path());
  const uint16_t port = await_serving(posd);
  REQUIRE(posd.wait_for_err("the lanes are served first: the event loop runs at RR 1 (reset on fork)"));
  CHECK(policy_of(posd.pid()) == SCHED_RR);
  sched_param param{};
  REQUIRE(::sched_getparam(posd.pid(), &param) == 0);
  CHECK(param.sched_priority == 1);
  // posd-send starts at the link's first publish, from the loop: after the loop's priority.
  REQUIRE(posd.wait_for_err("link up"));
  std::multimap<std::string, int> others;
  for (int i = 0; i < 200 && !(others = other_threads(posd.pid())).count("posd-send"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(others.count("posd-send") == 1);
  CHECK(others.count("posd-journal") == 1);
  CHECK(others.count("posd-report") == 1);  // the X report, beside the loop
  CHECK(others.count("posd-pin") == 1);
  CHECK(others.size() >= 6);
  check_all_normal(others);
  CHECK(test::request(port, "GET", "/v1/status", test::kCashierToken).status == 200);

  back_to_normal_on_sighup(posd, cfg, dir.file("posd.json"), "the event loop runs at TS (reset on fork) (lane_priority normal)");
  CHECK(test::request(port, "GET", "/v1/status", test::kCashierToken).status == 200);
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
}

TEST_CASE("posd run as its unit runs it, real-time 1 given before it starts and no privilege of its own, keeps it "
          "for the loop alone and gives it back on SIGHUP", "[process][lane_priority]") {
  if (::geteuid() != 0) {
    WARN("not root: cannot start posd at real-time priority");
    return;
  }
  test::TempDir dir;
  auto cfg = test::base_config(dir.file("s.db"));
  test::write_text(dir.file("posd.json"), cfg.dump());
  // CPUSchedulingPolicy=rr, CPUSchedulingPriority=1, CPUSchedulingResetOnFork=yes; no CAP_SYS_NICE, RLIMIT_RTPRIO 0.
  test::Child posd({"/usr/bin/prlimit", "--rtprio=0:0", "--", "/usr/bin/chrt", "--reset-on-fork", "--rr", "1",
                    "/usr/bin/setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice", "--", test::bin("posd"),
                    "--config", dir.file("posd.json")},
                   dir.path());
  const uint16_t port = await_serving(posd);
  REQUIRE(posd.wait_for_err("the lanes are served first: the event loop runs at RR 1 (reset on fork)"));
  CHECK(policy_of(posd.pid()) == SCHED_RR);
  const auto others = other_threads(posd.pid());
  CHECK(others.size() >= 4);
  check_all_normal(others);
  CHECK(test::request(port, "GET", "/v1/status", test::kCashierToken).status == 200);
  back_to_normal_on_sighup(posd, cfg, dir.file("posd.json"), "(lane_priority normal)");
  CHECK_THAT(posd.err(), !Catch::Contains("refused"));
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
}

TEST_CASE("refused real-time priority, posd says why and serves the lanes at normal priority", "[process][lane_priority]") {
  if (::geteuid() != 0) {
    WARN("not root: cannot take CAP_SYS_NICE away");
    return;
  }
  test::TempDir dir;
  test::write_text(dir.file("posd.json"), test::base_config(dir.file("s.db")).dump());
  // Run by hand as an unprivileged user, outside the unit: no CAP_SYS_NICE, RLIMIT_RTPRIO 0.
  test::Child posd({"/usr/bin/prlimit", "--rtprio=0:0", "--", "/usr/bin/setpriv", "--inh-caps=-sys_nice",
                    "--bounding-set=-sys_nice", "--", test::bin("posd"), "--config", dir.file("posd.json")},
                   dir.path());
  const uint16_t port = await_serving(posd);
  REQUIRE(posd.wait_for_err("the event loop runs at TS"));
  CHECK_THAT(posd.err(), Catch::Contains("real-time priority for the lanes refused: Operation not permitted "
                                         "(RLIMIT_RTPRIO is 0 and no CAP_SYS_NICE: the unit's "
                                         "CPUSchedulingPolicy=rr gives it before posd starts); the event loop runs at TS"));
  CHECK(policy_of(posd.pid()) == SCHED_OTHER);
  CHECK(test::request(port, "GET", "/v1/status", test::kCashierToken).status == 200);
  posd.signal(SIGTERM);
  CHECK(posd.wait() == 0);
}
