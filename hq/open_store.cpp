#include "hq/store.h"

namespace posd::hq {

Result<std::unique_ptr<HqStore>> open_store(const std::string& url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) return open_postgres_store(url);
  if (url.rfind("sqlite:", 0) == 0) return open_sqlite_store(url.substr(7));
  if (url.empty()) return Status::invalid_argument("no database given (--db PATH, sqlite:PATH or postgresql://…)");
  // Not a file name: a misspelt scheme or a libpq "key=value" string would
  // otherwise become an empty SQLite file named after it (password and all).
  if (url.find("://") != std::string::npos || url.find('=') != std::string::npos) {
    return Status::invalid_argument("--db is neither a file nor a postgresql:// URL (the scheme is lower case)");
  }
  return open_sqlite_store(url);
}

}  // namespace posd::hq
