#include "hq/store.h"

namespace posd::hq {

Result<std::unique_ptr<HqStore>> open_store(const std::string& url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) return open_postgres_store(url);
  if (url.rfind("sqlite:", 0) == 0) return open_sqlite_store(url.substr(7));
  if (url.empty()) return Status::invalid_argument("no database given (--db PATH, sqlite:PATH or postgresql://…)");
  return open_sqlite_store(url);
}

}  // namespace posd::hq
