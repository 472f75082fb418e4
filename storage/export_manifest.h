// The manifest beside a journal export: what it covers, signed by the store
// key, so that a range cut from the journal (by seq or business day) proves
// itself whole with nothing but the store's public key: its first and last
// events and their hashes, how many, whose key.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "storage/journal_export.h"
#include "storage/store_key.h"

namespace posd {

struct ExportManifest {
  std::string store_id;
  std::string public_key_sha256;  // hex SHA-256 of the public key's PEM text
  uint64_t from_seq = 0;
  uint64_t to_seq = 0;
  uint64_t count = 0;
  std::string first_prev_hash;
  std::string last_hash;
  std::string exported_at;
  std::string signature;  // hex Ed25519 of digest() by the store key

  // {"format": "posd-journal-export", "version": 1, …every field above}
  nlohmann::json to_json() const;
  static Result<ExportManifest> from_json(const nlohmann::json& j);
  // SHA-256("posd export manifest\n" + the canonical JSON without "signature").
  std::string digest() const;
};

// The signed manifest of `span`.
ExportManifest make_manifest(const ExportSpan& span, const std::string& store_id, const StoreKey& key,
                             const std::string& exported_at);
// Ok when `m` is signed by `key` (and names it) and `span` (what the export
// held) is exactly what it says; corruption("manifest: why") otherwise.
Status check_manifest(const ExportManifest& m, const PublicKey& key, const ExportSpan& span);

}  // namespace posd
