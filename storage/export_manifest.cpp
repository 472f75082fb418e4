#include "storage/export_manifest.h"

#include "base/digest.h"

namespace posd {

using json = nlohmann::json;

namespace {

json fields(const ExportManifest& m) {
  return {{"format", "posd-journal-export"}, {"version", 1},          {"store_id", m.store_id},
          {"public_key_sha256", m.public_key_sha256}, {"from_seq", m.from_seq}, {"to_seq", m.to_seq},
          {"count", m.count},                {"first_prev_hash", m.first_prev_hash}, {"last_hash", m.last_hash},
          {"exported_at", m.exported_at}};
}

Status bad(const std::string& why) { return Status::corruption("manifest: " + why); }

}  // namespace

json ExportManifest::to_json() const {
  json j = fields(*this);
  j["signature"] = signature;
  return j;
}

Result<ExportManifest> ExportManifest::from_json(const json& j) {
  try {
    if (j.at("format") != "posd-journal-export" || j.at("version") != 1) return Status::invalid_argument("not a posd export manifest (version 1)");
    ExportManifest m;
    m.store_id = j.at("store_id").get<std::string>();
    m.public_key_sha256 = j.at("public_key_sha256").get<std::string>();
    m.from_seq = j.at("from_seq").get<uint64_t>();
    m.to_seq = j.at("to_seq").get<uint64_t>();
    m.count = j.at("count").get<uint64_t>();
    m.first_prev_hash = j.at("first_prev_hash").get<std::string>();
    m.last_hash = j.at("last_hash").get<std::string>();
    m.exported_at = j.at("exported_at").get<std::string>();
    m.signature = j.at("signature").get<std::string>();
    if (j.size() != fields(m).size() + 1) return Status::invalid_argument("a manifest holds its fields and no other");
    return m;
  } catch (const json::exception&) {
    return Status::invalid_argument("a manifest field is missing or of the wrong type");
  }
}

std::string ExportManifest::digest() const { return sha256("posd export manifest\n" + fields(*this).dump()); }

ExportManifest make_manifest(const ExportSpan& span, const std::string& store_id, const StoreKey& key,
                             const std::string& exported_at) {
  ExportManifest m{store_id,   to_hex(sha256(key.public_key().pem())), span.first_seq, span.last_seq, span.count,
                   span.first_prev_hash, span.last_hash, exported_at, ""};
  m.signature = to_hex(key.sign(m.digest()));
  return m;
}

Status check_manifest(const ExportManifest& m, const PublicKey& key, const ExportSpan& span) {
  if (m.public_key_sha256 != to_hex(sha256(key.pem()))) return bad("it names another store key");
  auto sig = from_hex(m.signature);
  if (!sig || !key.verify(m.digest(), *sig)) return bad("its signature is not the store key's: it was altered");
  auto differs = [](const char* what, const std::string& said, const std::string& held) {
    return bad(std::string(what) + " is " + held + " in the export, " + said + " in the manifest: the export was cut or changed");
  };
  if (span.first_seq != m.from_seq) return differs("the first seq", std::to_string(m.from_seq), std::to_string(span.first_seq));
  if (span.last_seq != m.to_seq) return differs("the last seq", std::to_string(m.to_seq), std::to_string(span.last_seq));
  if (span.count != m.count) return differs("the count", std::to_string(m.count), std::to_string(span.count));
  if (span.first_prev_hash != m.first_prev_hash) return differs("the first prev_hash", m.first_prev_hash, span.first_prev_hash);
  if (span.last_hash != m.last_hash) return differs("the last hash", m.last_hash, span.last_hash);
  return Status::ok();
}

}  // namespace posd
