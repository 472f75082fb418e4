#include "drivers/printer.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

#include "drivers/escpos.h"

namespace posd::drivers {

namespace asio = boost::asio;
using boost::system::error_code;

struct Printer::Impl : std::enable_shared_from_this<Printer::Impl> {
  struct Job {
    std::string name, bytes;
    std::function<void(bool, const std::string&)> once;  // set: not retried (the drawer)
  };

  Impl(asio::io_context& io, PrinterConfig c, OnJob on_job, std::shared_ptr<spdlog::logger> log)
      : io(io), config(std::move(c)), on_job(std::move(on_job)), log(std::move(log)), retry(io) {}

  asio::io_context& io;
  PrinterConfig config;
  OnJob on_job;
  std::shared_ptr<spdlog::logger> log;
  asio::steady_timer retry;
  std::deque<Job> jobs;
  bool busy = false, failing = false, stopped = false;
  std::chrono::steady_clock::duration backoff = std::chrono::seconds(1);
  std::string last_error;

  void enqueue(Job j, bool front) {
    if (front) jobs.push_front(std::move(j));
    else jobs.push_back(std::move(j));
    next();
  }

  void next() {
    if (busy || stopped || jobs.empty()) return;
    if (failing && !jobs.front().once) return;  // the retry timer resumes
    busy = true;
    send(jobs.front().bytes, [self = shared_from_this()](const std::string& error) { self->sent(error); });
  }

  void sent(const std::string& error) {
    busy = false;
    if (stopped) return;
    Job job = std::move(jobs.front());
    jobs.pop_front();
    if (error.empty()) {
      if (failing || !last_error.empty()) log->info("printer {}: printing again", config.id);
      failing = false;
      last_error.clear();
      backoff = std::chrono::seconds(1);
      if (job.once) job.once(true, "");
      else if (on_job) on_job(job.name, true, "");
      return next();
    }
    if (job.once) {  // not kept: report and go on
      job.once(false, error);
      return next();
    }
    // A drawer kick waiting behind it would open the drawer only when the
    // printer comes back: refuse it now instead.
    for (auto it = jobs.begin(); it != jobs.end();) {
      if (!it->once) {
        ++it;
        continue;
      }
      auto once = std::move(it->once);
      it = jobs.erase(it);
      once(false, error);
    }
    jobs.push_front(std::move(job));
    if (error != last_error) log->warn("printer {}: {}; {} job(s) wait", config.id, error, jobs.size());
    last_error = error;
    if (on_job) on_job(jobs.front().name, false, error);
    failing = true;
    retry.expires_after(backoff);
    backoff = std::min<std::chrono::steady_clock::duration>(backoff * 2, std::chrono::seconds(30));
    retry.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec || self->stopped) return;
      self->failing = false;
      self->next();
    });
  }

  // Writes `bytes` to the printer, by its kind, and reports "" or why not.
  void send(const std::string& bytes, std::function<void(const std::string&)> done) {
    auto data = std::make_shared<std::string>(bytes);
    std::visit([&](const auto& port) { send_to(port, data, std::move(done)); }, config.port);
  }

  void send_to(const DevicePrinter& device, const std::shared_ptr<std::string>& data,
               std::function<void(const std::string&)> done) {
    const int fd = ::open(device.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return asio::post(io, [done, why = "cannot open " + device.path + ": " + std::strerror(errno)] { done(why); });
    auto dev = std::make_shared<asio::posix::stream_descriptor>(io, fd);
    asio::async_write(*dev, asio::buffer(*data), [dev, data, done, path = device.path](const error_code& ec, size_t) {
      done(ec ? path + ": " + ec.message() : "");
    });
  }

  // A fresh connection per job.
  void send_to(const NetworkPrinter& printer, const std::shared_ptr<std::string>& data,
               std::function<void(const std::string&)> done) {
    const std::string& at = printer.address;
    auto colon = at.rfind(':');
    auto resolver = std::make_shared<asio::ip::tcp::resolver>(io);
    auto socket = std::make_shared<asio::ip::tcp::socket>(io);
    resolver->async_resolve(at.substr(0, colon), at.substr(colon + 1),
        [resolver, socket, data, done, address = at](const error_code& ec, asio::ip::tcp::resolver::results_type r) {
          if (ec) return done("cannot resolve " + address + ": " + ec.message());
          asio::async_connect(*socket, r, [socket, data, done, address](const error_code& ec, const asio::ip::tcp::endpoint&) {
            if (ec) return done("cannot reach " + address + ": " + ec.message());
            // The job, then DLE EOT 1: a printer that answers says whether it is
            // online (cover shut, paper in); one that does not answer in
            // 500 ms is taken at its word that it printed.
            *data += escpos::status_request();
            asio::async_write(*socket, asio::buffer(*data), [socket, data, done, address](const error_code& ec, size_t) {
              if (ec) return finish(socket, done, address + ": " + ec.message());
              auto status = std::make_shared<unsigned char>(0);
              auto timer = std::make_shared<asio::steady_timer>(socket->get_executor(), std::chrono::milliseconds(500));
              timer->async_wait([socket](const error_code& ec) {
                if (!ec) socket->cancel();
              });
              socket->async_read_some(asio::buffer(status.get(), 1), [socket, status, timer, done, address](const error_code& ec, size_t n) {
                timer->cancel();
                if (!ec && n == 1 && !escpos::printer_ready(*status)) {
                  return finish(socket, done, address + ": the printer reports it is offline (cover open or paper out)");
                }
                finish(socket, done, "");
              });
            });
          });
        });
  }

  static void finish(const std::shared_ptr<asio::ip::tcp::socket>& socket, const std::function<void(const std::string&)>& done,
                     const std::string& error) {
    error_code ignored;
    socket->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket->close(ignored);
    done(error);
  }
};

Printer::Printer(asio::io_context& io, PrinterConfig config, OnJob on_job, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(on_job), std::move(log))) {}

Printer::~Printer() { stop(); }

void Printer::print(std::string job, std::string bytes) { impl_->enqueue({std::move(job), std::move(bytes), {}}, false); }

void Printer::kick_drawer(std::function<void(bool, const std::string&)> done) {
  // Ahead of waiting receipts, but only when the printer answers now.
  if (impl_->failing) {
    return done(false, "printer " + impl_->config.id + " is not answering: " + impl_->last_error);
  }
  impl_->enqueue({"drawer", escpos::drawer_kick(), std::move(done)}, !impl_->busy);
}

void Printer::stop() {
  impl_->stopped = true;
  impl_->retry.cancel();
}

const PrinterConfig& Printer::config() const { return impl_->config; }
size_t Printer::queued() const { return impl_->jobs.size(); }
const char* Printer::state() const {
  if (impl_->failing) return "failing";
  return impl_->busy || !impl_->jobs.empty() ? "printing" : "ready";
}

namespace {

// One row per alternative of PrinterPort, in its order.
const PrinterKind kPrinterKinds[] = {
    {"tcp", [](Fields& f) -> PrinterPort {
       NetworkPrinter n{f.string("address")};
       if (n.address.rfind(':') == std::string::npos) throw FieldError{f.child("address"), "must be host:port (9100)"};
       return n;
     }},
    {"device", [](Fields& f) -> PrinterPort { return DevicePrinter{f.string("path")}; }},
};
static_assert(std::size(kPrinterKinds) == std::variant_size_v<PrinterPort>);

}  // namespace

std::span<const PrinterKind> printer_kinds() { return kPrinterKinds; }

std::string_view PrinterConfig::kind() const { return kPrinterKinds[port.index()].type; }

const std::string& PrinterConfig::at() const {
  struct At {
    const std::string& operator()(const NetworkPrinter& n) const { return n.address; }
    const std::string& operator()(const DevicePrinter& d) const { return d.path; }
  };
  return std::visit(At{}, port);
}

}  // namespace posd::drivers
