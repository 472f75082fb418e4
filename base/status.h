// Status and Result<T>: posd's one error type. Errors are values; a function
// that can fail returns Status (nothing else to say) or Result<T> (a value or
// the Status saying why not). Exceptions stay at start-up and configuration.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace posd {

class Status {
 public:
  enum class Code {
    ok,
    invalid_argument,  // the caller's input is wrong; nothing changed
    unauthenticated,   // who is asking is not known
    permission_denied, // known, but may not (a supervisor is needed)
    unsupported,       // a form of input that is not taken at all (a body that is not JSON)
    not_found,
    conflict,          // the request clashes with current state
    refused,           // well-formed and in its state, but a rule says no (over tender, more than sold)
    corruption,        // stored data fails a check (hash, signature, gap)
    io_error,          // the disk or the database failed
    disk_full,
    unavailable,       // shutting down or not ready
    halted,            // the journal is broken: nothing more is signed until it is whole
  };

  Status() = default;
  static Status ok() { return {}; }
  static Status invalid_argument(std::string m) { return {Code::invalid_argument, std::move(m)}; }
  static Status not_found(std::string m) { return {Code::not_found, std::move(m)}; }
  static Status conflict(std::string m) { return {Code::conflict, std::move(m)}; }
  static Status corruption(std::string m) { return {Code::corruption, std::move(m)}; }
  static Status io_error(std::string m) { return {Code::io_error, std::move(m)}; }
  static Status disk_full(std::string m) { return {Code::disk_full, std::move(m)}; }
  static Status halted(std::string m) { return {Code::halted, std::move(m)}; }
  static Status unavailable(std::string m) { return {Code::unavailable, std::move(m)}; }
  static Status refused(std::string m) { return {Code::refused, std::move(m)}; }
  static Status permission_denied(std::string m) { return {Code::permission_denied, std::move(m)}; }

  bool is_ok() const { return code_ == Code::ok; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: seq 12: hash mismatch"
  std::string to_string() const;

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::ok;
  std::string message_;
};

const char* to_string(Status::Code code);

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {       // NOLINT
    assert(!std::get<Status>(v_).is_ok() && "a Result error must not be ok");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace posd
