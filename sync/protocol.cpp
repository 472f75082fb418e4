#include "sync/protocol.h"

#include <optional>

#include "base/canonical_json.h"
#include "base/json_text.h"

namespace posd::sync {

using json = nlohmann::json;

namespace {

json envelope(std::string_view type, const std::string& store_id) {
  return {{"v", kProtocolVersion}, {"type", type}, {"store_id", store_id}};
}

Status bad(const std::string& why) { return Status::invalid_argument(why); }

Result<uint64_t> seq_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return bad(std::string("missing \"") + key + "\"");
  if (!it->is_number_unsigned()) return bad(std::string("\"") + key + "\" must be a non-negative integer");
  return it->get<uint64_t>();
}

}  // namespace

std::string encode(const JournalBatch& m) {
  json j = envelope("journal", m.store_id);
  j["events"] = json::array();
  for (const Event& e : m.events) j["events"].push_back(e.to_json());
  return j.dump();
}

namespace {

// For a message spliced from stored text: the keys in the order
// nlohmann::json dumps them (sorted), as encode() does. A string as JSON text:
std::string text(const std::string& s) { return json(s).dump(); }

// The envelope's last keys, after every key that sorts before "store_id".
void end_envelope(std::string& out, const std::string& store_id, std::string_view type) {
  out.append(",\"store_id\":").append(text(store_id));
  out.append(",\"type\":\"").append(type).append("\",\"v\":").append(std::to_string(kProtocolVersion)).append("}");
}

}  // namespace

std::string encode_journal(const std::string& store_id, const std::vector<StoredEvent>& events) {
  std::string out = "{\"events\":[";
  for (const StoredEvent& e : events) {
    if (out.back() != '[') out += ',';
    out.append("{\"business_day\":").append(text(e.business_day));
    out.append(",\"hash\":").append(text(e.hash));
    out.append(",\"payload\":").append(e.payload);
    out.append(",\"prev_hash\":").append(text(e.prev_hash));
    out.append(",\"seq\":").append(std::to_string(e.seq));
    out.append(",\"signature\":").append(text(e.signature));
    out.append(",\"ts\":").append(text(e.ts));
    out.append(",\"type\":").append(text(e.type)).append("}");
  }
  out += ']';
  end_envelope(out, store_id, "journal");
  return out;
}

std::string encode(const Ack& m) {
  json j = envelope(m.type, m.store_id);
  j["seq"] = m.seq;
  if (!m.hash.empty()) j["hash"] = m.hash;
  return j.dump();
}

std::string encode(const Hello& m) {
  json j = envelope("hello", m.store_id);
  j["journal_seq"] = m.journal_seq;
  j["hq_acked_seq"] = m.hq_acked_seq;
  j["hq_applied_seq"] = m.hq_applied_seq;
  return j.dump();
}

std::string encode(const DownEntry& m) {
  json j = envelope("down", m.store_id);
  j["hq_seq"] = m.hq_seq;
  j["kind"] = m.kind;
  j["body"] = m.body;
  return j.dump();
}

std::string encode_down(const StoredDownEntry& e) {
  std::string out = "{\"body\":";
  out.append(e.body);
  out.append(",\"hq_seq\":").append(std::to_string(e.hq_seq));
  out.append(",\"kind\":").append(text(e.kind));
  end_envelope(out, e.store_id, "down");
  return out;
}

Status check_stored_body(const StoredDownEntry& e) {
  // Its framing only: a whole parse (json::accept) cost as much as the
  // parse it saves, about 1 ms for a 500-item entry, for every store it goes
  // to. HQ wrote every body with dump(); a row cut short or emptied shows
  // here, and one edited into other text reaches the store as an envelope
  // that does not decode (quarantined there, never applied).
  if (e.body.size() < 2 || e.body.front() != '{' || e.body.back() != '}') {
    return Status::corruption("HQ's down-log entry " + std::to_string(e.hq_seq) + " of " + e.store_id +
                              " is not a JSON object");
  }
  return Status::ok();
}

namespace {

// The message encode_journal writes, read in one pass; nullopt when it is in
// any other form (or wrong: decode_any_form then says why).
std::optional<JournalBatch> read_canonical_journal(std::string_view payload) {
  CanonicalReader r(payload);
  if (!r.literal("{\"events\":[")) return std::nullopt;
  JournalBatch b;
  do {
    Event& e = b.events.emplace_back();
    if (!r.literal("{\"business_day\":") || !r.string(e.business_day) || !r.literal(",\"hash\":") || !r.string(e.hash) ||
        !r.literal(",\"payload\":")) {
      return std::nullopt;
    }
    const size_t from = r.at();
    if (r.peek() != '{' || !r.value(e.payload)) return std::nullopt;
    b.payload_texts.emplace_back(payload.substr(from, r.at() - from));
    if (!r.literal(",\"prev_hash\":") || !r.string(e.prev_hash) || !r.literal(",\"seq\":") || !r.unsigned_integer(e.seq) ||
        !r.literal(",\"signature\":") || !r.string(e.signature) || !r.literal(",\"ts\":") || !r.string(e.ts) ||
        !r.literal(",\"type\":") || !r.string(e.type) || !r.literal("}")) {
      return std::nullopt;
    }
    if (b.events.size() > 1 && e.seq != b.events[b.events.size() - 2].seq + 1) return std::nullopt;
  } while (r.literal(","));
  if (!r.literal("],\"store_id\":") || !r.string(b.store_id) || b.store_id.empty() ||
      !r.literal(",\"type\":\"journal\",\"v\":" + std::to_string(kProtocolVersion) + "}") || !r.done()) {
    return std::nullopt;
  }
  return b;
}

}  // namespace

Result<Message> decode(std::string_view payload) {
  if (auto batch = read_canonical_journal(payload)) return Message{std::move(*batch)};
  return decode_any_form(payload);
}

Result<Message> decode_any_form(std::string_view payload) {
  // A repeated key would let two readers see two messages (a second "seq"):
  // refused, like everything else that is not exactly one meaning.
  auto parsed = parse_json(payload);
  if (!parsed) return bad(parsed.status().message());
  json& j = *parsed;
  if (!j.is_object()) return bad("not a JSON object");
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer()) return bad("missing protocol version \"v\"");
  if (*v != kProtocolVersion) return bad("unknown protocol version " + v->dump());
  auto type = j.find("type");
  auto store = j.find("store_id");
  if (type == j.end() || !type->is_string()) return bad("missing \"type\"");
  if (store == j.end() || !store->is_string() || store->get_ref<const std::string&>().empty()) {
    return bad("missing \"store_id\"");
  }
  const std::string store_id = *store;
  const std::string t = *type;

  if (t == "journal") {
    auto events = j.find("events");
    if (events == j.end() || !events->is_array()) return bad("missing \"events\"");
    JournalBatch b{store_id, {}};
    for (size_t i = 0; i < events->size(); ++i) {
      auto e = Event::from_json(std::move((*events)[i]));
      if (!e) return bad("events[" + std::to_string(i) + "]: " + e.status().message());
      if (!b.events.empty() && e->seq != b.events.back().seq + 1) {
        return bad("events[" + std::to_string(i) + "]: seq " + std::to_string(e->seq) + " does not follow " +
                   std::to_string(b.events.back().seq));
      }
      b.events.push_back(std::move(*e));
    }
    if (b.events.empty()) return bad("a journal batch holds at least one event");
    return Message{std::move(b)};
  }
  if (t == "journal_ack" || t == "down_ack") {
    auto seq = seq_field(j, "seq");
    if (!seq) return seq.status();
    std::string hash;
    if (auto h = j.find("hash"); h != j.end()) {
      const bool hex = h->is_string() && h->get_ref<const std::string&>().size() == 64 &&
                       h->get_ref<const std::string&>().find_first_not_of("0123456789abcdef") == std::string::npos;
      if (!hex || t != "journal_ack") return bad("\"hash\" is the held event's hash: 64 lower-case hex digits, on a journal_ack");
      hash = h->get<std::string>();
    }
    return Message{Ack{store_id, t, *seq, hash}};
  }
  if (t == "hello") {
    Hello h{store_id};
    for (auto [key, field] : {std::pair{"journal_seq", &h.journal_seq}, std::pair{"hq_acked_seq", &h.hq_acked_seq},
                              std::pair{"hq_applied_seq", &h.hq_applied_seq}}) {
      auto s = seq_field(j, key);
      if (!s) return s.status();
      *field = *s;
    }
    return Message{h};
  }
  if (t == "down") {
    auto seq = seq_field(j, "hq_seq");
    if (!seq) return seq.status();
    if (*seq == 0) return bad("\"hq_seq\" starts at 1");
    auto kind = j.find("kind");
    if (kind == j.end() || !kind->is_string()) return bad("missing \"kind\"");
    auto body = j.find("body");
    if (body == j.end() || !body->is_object()) return bad("missing \"body\" object");
    return Message{DownEntry{store_id, *seq, *kind, std::move(*body)}};
  }
  return bad("unknown message type \"" + t + "\"");
}

}  // namespace posd::sync
