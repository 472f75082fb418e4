#include "base/pin.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

#include "base/digest.h"

namespace posd {

namespace {

constexpr int kLogN = 14, kR = 8, kP = 1;
constexpr size_t kSaltBytes = 16, kKeyBytes = 32;

struct Parsed {
  int log_n = 0, r = 0, p = 0;
  std::string salt, key;  // raw
};

std::optional<std::string> derive(std::string_view pin, const std::string& salt, int log_n, int r, int p) {
  std::string key(kKeyBytes, '\0');
  const uint64_t n = uint64_t{1} << log_n;
  const uint64_t max_mem = 128 * static_cast<uint64_t>(r) * (n + static_cast<uint64_t>(p) + 2) + (1 << 20);
  if (EVP_PBE_scrypt(pin.data(), pin.size(), reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n,
                     static_cast<uint64_t>(r), static_cast<uint64_t>(p), max_mem,
                     reinterpret_cast<unsigned char*>(key.data()), key.size()) != 1) {
    return std::nullopt;
  }
  return key;
}

std::optional<int> small_int(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<Parsed> parse(std::string_view stored) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= stored.size(); ++i) {
    if (i == stored.size() || stored[i] == '$') {
      parts.push_back(stored.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return std::nullopt;
  // Bounds keep a hash from HQ from asking for much: scrypt takes 128 × r × N
  // bytes, here at most 64 MiB.
  auto log_n = small_int(parts[1], 10, 16);
  auto r = small_int(parts[2], 1, 16);
  auto p = small_int(parts[3], 1, 4);
  auto salt = from_hex(parts[4]);
  auto key = from_hex(parts[5]);
  if (!log_n || !r || !p || !salt || !key || salt->size() != kSaltBytes || key->size() != kKeyBytes) return std::nullopt;
  if (static_cast<uint64_t>(*r) << *log_n > (uint64_t{1} << 19)) return std::nullopt;  // r × N ≤ 2^19: ≤ 64 MiB
  return Parsed{*log_n, *r, *p, std::move(*salt), std::move(*key)};
}

}  // namespace

bool valid_pin(std::string_view pin) {
  if (pin.size() < 4 || pin.size() > 8) return false;
  for (char c : pin) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string hash_pin(std::string_view pin) {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("no random bytes for a PIN's salt");
  }
  auto key = derive(pin, salt, kLogN, kR, kP);
  if (!key) throw std::runtime_error("scrypt failed");
  return "scrypt$" + std::to_string(kLogN) + "$" + std::to_string(kR) + "$" + std::to_string(kP) + "$" + to_hex(salt) + "$" +
         to_hex(*key);
}

bool valid_pin_hash(std::string_view stored) { return parse(stored).has_value(); }

bool pin_matches(std::string_view pin, std::string_view stored) {
  auto p = parse(stored);
  if (!p) return false;
  auto key = derive(pin, p->salt, p->log_n, p->r, p->p);
  return key && CRYPTO_memcmp(key->data(), p->key.data(), kKeyBytes) == 0;
}

}  // namespace posd
