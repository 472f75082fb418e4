#include <openssl/rand.h>

#include <iostream>

#include "daemon/config.h"
#include "daemon/posctl/commands.h"
#include "base/digest.h"
#include "base/file_text.h"
#include "base/json_text.h"

namespace posctl {

namespace {

// Reads the configuration as JSON and checks it whole.
posd::Result<nlohmann::json> read_config(const std::string& path) {
  auto checked = posd::load_config(path);
  if (!checked) return checked.status();
  auto text = posd::read_file(path);
  if (!text) return text.status();
  return posd::parse_json(*text);
}

// Writes `j` over `path`, after checking it whole: whole or not at all after
// a power cut, and with the file's own mode, owner and group (posd's user
// reads it; it names the terminals' tokens, or their digests).
posd::Status write_config(const std::string& path, const nlohmann::json& j) {
  if (auto c = posd::parse_config(j); !c) return c.status();
  const auto owner = posd::owner_of(path);
  if (!owner) return posd::Status::io_error("cannot read " + path + "'s mode and owner");
  return posd::write_file(path, j.dump(2) + "\n", *owner);
}

}  // namespace

int terminal_add(const TerminalArgs& a) {
  auto j = read_config(a.config);
  if (!j) return fail(j.status().message());
  for (const auto& t : (*j)["terminals"]) {
    if (t["id"] == a.id) return fail("a terminal \"" + a.id + "\" exists already");
  }
  unsigned char raw[24];
  if (RAND_bytes(raw, sizeof raw) != 1) return fail("no randomness for a token");
  const std::string token = posd::to_hex(std::string(reinterpret_cast<char*>(raw), sizeof raw));
  (*j)["terminals"].push_back({{"id", a.id}, {"token", "sha256:" + posd::to_hex(posd::sha256(token))}, {"role", a.role}});
  if (posd::Status s = write_config(a.config, *j); !s) return fail(s.message());
  // The token is shown this once; the file keeps only its digest.
  std::cout << "terminal " << a.id << " (" << a.role << ") added; its token, shown only now:\n" << token << "\n"
            << "reload posd (SIGHUP or restart) for it to take effect\n";
  return 0;
}

int terminal_remove(const TerminalArgs& a) {
  auto j = read_config(a.config);
  if (!j) return fail(j.status().message());
  auto& terms = (*j)["terminals"];
  const size_t before = terms.size();
  for (auto it = terms.begin(); it != terms.end();) {
    it = (*it)["id"] == a.id ? terms.erase(it) : it + 1;
  }
  if (terms.size() == before) {
    std::cerr << "posctl: no terminal \"" << a.id << "\"\n";
    return 1;
  }
  if (posd::Status s = write_config(a.config, *j); !s) return fail(s.message());
  std::cout << "terminal " << a.id << " removed\n";
  return 0;
}

}  // namespace posctl
