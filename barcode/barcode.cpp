#include "barcode/barcode.h"

#include <algorithm>
#include <array>

#include "base/gtin.h"
#include "barcode/variable_measure.h"

namespace posd::barcode {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// AIM symbology identifiers (ISO/IEC 15424) posd understands: "]" + code +
// modifier. `gs1`: the data is a GS1 element string.
struct Aim {
  std::string_view id;
  std::string_view symbology;
  bool gs1;
};
constexpr std::array kAims = {
    Aim{"]E0", "EAN-13", false},           Aim{"]E3", "EAN-13", false},  // E3: with add-on
    Aim{"]E4", "EAN-8", false},            Aim{"]C1", "GS1-128", true},
    Aim{"]C0", "Code 128", false},         Aim{"]e0", "GS1 DataBar", true},
    Aim{"]d2", "GS1 DataMatrix", true},    Aim{"]d1", "Data Matrix", false},
    Aim{"]Q3", "GS1 QR Code", true},       Aim{"]Q1", "QR Code", false},
    Aim{"]I0", "ITF", false},              Aim{"]I1", "ITF", false},
    Aim{"]A0", "Code 39", false},
};

// ISO/IEC 15424 and the GS1 General Specifications: what each identifier's
// data must be. ]E0 is the full 13-digit packet (UPC-A and UPC-E included),
// ]E3 the 13 digits with a 2- or 5-digit add-on, ]E4 an EAN-8; ITF carries
// pairs of digits; Code 39 its 43 characters; Code 128 ASCII. nullopt: fine.
std::optional<std::string> aim_data_error(const Aim& aim, std::string_view data) {
  const std::string id(aim.id);
  const auto digits = [&](std::initializer_list<size_t> sizes, const char* what) -> std::optional<std::string> {
    if (all_digits(data) && std::find(sizes.begin(), sizes.end(), data.size()) != sizes.end()) return std::nullopt;
    return id + " carries " + what;
  };
  if (id == "]E0") return digits({13}, "13 digits (EAN-13, or UPC-A and UPC-E in full)");
  if (id == "]E3") return digits({15, 18}, "13 digits and a 2- or 5-digit add-on");
  if (id == "]E4") return digits({8}, "8 digits (EAN-8)");
  if (id[1] == 'I') {
    if (all_digits(data) && data.size() % 2 == 0) return std::nullopt;
    return id + " (ITF) carries an even number of digits";
  }
  if (id == "]A0") {
    constexpr std::string_view kCode39 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -.$/+%";
    if (data.find_first_not_of(kCode39) == std::string_view::npos) return std::nullopt;
    return id + " (Code 39) carries only digits, capitals, space and - . $ / + %";
  }
  if (id == "]C0") {
    if (std::all_of(data.begin(), data.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return std::nullopt;
    return id + " (Code 128) carries ASCII only";
  }
  return std::nullopt;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) return std::nullopt;
    out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
    i += 2;
  }
  return out;
}

// A GS1 Digital Link URI as an element string (AIs joined with GS), or an error.
std::optional<std::string> digital_link(std::string_view uri, std::string& error) {
  auto at = uri.find("/01/");
  if (at == std::string_view::npos) {
    error = "a Digital Link URI must carry /01/ and a GTIN";
    return std::nullopt;
  }
  std::string_view path = uri.substr(at + 1);
  std::string_view query;
  if (auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (auto h = query.find('#'); h != std::string_view::npos) query = query.substr(0, h);
  std::string out;
  auto add = [&](std::string_view ai, std::string_view raw) {
    auto value = percent_decode(raw);
    if (!value || !all_digits(ai)) {
      error = "a Digital Link part \"" + shown(ai) + "\" is not an AI and its value";
      return false;
    }
    std::string v = *value;
    // /01/ may carry a GTIN-8, -12 or -13: the element string wants 14 digits.
    if (ai == "01" && v.size() < 14 && all_digits(v)) v = std::string(14 - v.size(), '0') + v;
    if (!out.empty()) out += kGroupSeparator;
    out += std::string(ai) + v;
    return true;
  };
  while (!path.empty()) {
    auto a = path.find('/');
    if (a == std::string_view::npos) break;
    std::string_view ai = path.substr(0, a);
    auto b = path.find('/', a + 1);
    std::string_view value = path.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1);
    if (!add(ai, value)) return std::nullopt;
    path = b == std::string_view::npos ? std::string_view() : path.substr(b + 1);
  }
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    // Only numeric keys are AIs; other query parameters are the link's own.
    if (eq != std::string_view::npos && all_digits(pair.substr(0, eq)) && !add(pair.substr(0, eq), pair.substr(eq + 1))) {
      return std::nullopt;
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return out;
}

// Fills `s` from a GS1 element string's AIs.
void from_ais(Scan& s, Gs1Result r, const ScanOptions& o) {
  if (!r.error.empty()) {
    s.error = r.error;
    return;
  }
  s.ais = std::move(r.ais);
  if (auto g = s.ais.find("01"); g != s.ais.end()) s.gtin = g->second;
  else if (auto g2 = s.ais.find("02"); g2 != s.ais.end()) s.gtin = g2->second;
  s.weight_g = weight_grams(s.ais);
  s.price_minor = price_minor(s.ais, o.minor_digits);
  if (auto e = s.ais.find("17"); e != s.ais.end()) s.expiry = parse_date(e->second, o.this_year);
  s.lookup = s.gtin.value_or("");
  s.valid = true;
}

// Fills `s` from a GTIN's digits (8, 12, 13 or 14), with variable measure.
void from_gtin(Scan& s, std::string_view digits, const ScanOptions& o) {
  auto g = parse_gtin(digits);
  if (!g.gtin) {
    s.error = to_string(*g.error);
    return;
  }
  s.gtin = g.gtin->gtin14;
  s.lookup = *s.gtin;
  if (digits.size() == 13 && !o.region.empty()) {
    if (auto m = read_measure(digits, o.region, o.minor_digits)) {
      if (!m->error.empty()) {
        s.error = m->error;
        return;
      }
      s.lookup = m->lookup_gtin;
      if (m->measure == Measure::price) s.price_minor = m->value;
      else if (m->measure == Measure::weight) s.weight_g = m->value;
      else s.count = m->value;
    }
  }
  s.valid = true;
}

}  // namespace

std::optional<std::string> expand_upce(std::string_view e) {
  if (e.size() != 8 || !all_digits(e) || (e[0] != '0' && e[0] != '1')) return std::nullopt;
  const std::string_view d = e.substr(1, 6);
  std::string body;  // number system + 10 digits
  switch (d[5]) {
    case '0': case '1': case '2':
      body = std::string{d[0], d[1], d[5]} + "0000" + std::string{d[2], d[3], d[4]};
      break;
    case '3': body = std::string{d[0], d[1], d[2]} + "00000" + std::string{d[3], d[4]}; break;
    case '4': body = std::string{d[0], d[1], d[2], d[3]} + "00000" + std::string{d[4]}; break;
    default: body = std::string(d.substr(0, 5)) + "0000" + d[5]; break;
  }
  std::string upca = std::string(1, e[0]) + body;
  if (*gs1_check_digit(upca) != e[7]) return std::nullopt;
  return upca + e[7];
}

namespace {

// The AIM symbology identifier at the front of `data` ("]E0"), taken off;
// nullptr when there is none. False (with s.error) when it is unknown or its
// data breaks the symbology's rules.
bool take_aim(std::string_view& data, const Aim*& aim, Scan& s) {
  aim = nullptr;
  if (data.size() < 3 || data[0] != ']') return true;
  for (const Aim& a : kAims) {
    if (data.substr(0, 3) == a.id) aim = &a;
  }
  if (!aim) {
    const auto id = data.substr(0, 3);
    const bool printable = std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    s.error = printable ? "unknown symbology identifier \"" + std::string(id) + "\"" : "unknown symbology identifier";
    return false;
  }
  data.remove_prefix(3);
  if (data.empty()) {
    s.error = "no data after the symbology identifier";
    return false;
  }
  if (auto why = aim_data_error(*aim, data)) {
    s.symbology = aim->symbology;
    s.error = *why;
    return false;
  }
  return true;
}

// A code of digits only: a GTIN of some length, UPC-E, or an element string
// sent without its identifier.
Scan read_digits(std::string_view data, const Aim* aim, const ScanOptions& o) {
  Scan s;
  // (]E0 carries UPC-E expanded to 13 digits: eight digits are UPC-E only bare.)
  if (data.size() == 8 && !aim && !parse_gtin(data).gtin && expand_upce(data)) {
    s.symbology = "UPC-E";
    auto upca = expand_upce(data);
    if (!upca) {
      s.error = "bad check digit";
      return s;
    }
    from_gtin(s, *upca, o);
    return s;
  }
  switch (data.size()) {
    case 8: s.symbology = "EAN-8"; break;
    case 12: s.symbology = "UPC-A"; break;
    case 13: s.symbology = data[0] == '0' ? "UPC-A" : "EAN-13"; break;
    case 14: s.symbology = "ITF-14"; break;
    default:
      // A long run of digits starting with an AI: an element string sent without its identifier.
      if (data.size() > 16 && (data.substr(0, 2) == "01" || data.substr(0, 2) == "02")) {
        s.symbology = "GS1 element string";
        from_ais(s, parse_element_string(data), o);
        return s;
      }
      s.symbology = "digits";
      s.error = "a GTIN has 8, 12, 13 or 14 digits";
      s.lookup = std::string(data);
      return s;
  }
  from_gtin(s, data, o);
  return s;
}

}  // namespace

Scan read_scan(std::string_view data, const ScanOptions& o) {
  Scan s;
  while (!data.empty() && (data.back() == '\r' || data.back() == '\n')) data.remove_suffix(1);
  if (data.empty()) {
    s.error = "empty scan";
    return s;
  }
  const Aim* aim = nullptr;
  if (!take_aim(data, aim, s)) return s;
  if (aim && aim->gs1) {
    s.symbology = aim->symbology;
    from_ais(s, parse_element_string(data), o);
    return s;
  }
  if (data.rfind("http://", 0) == 0 || data.rfind("https://", 0) == 0) {
    s.symbology = "GS1 Digital Link";
    auto flat = digital_link(data, s.error);
    if (flat) from_ais(s, parse_element_string(*flat), o);
    return s;
  }
  if (data[0] == '(') {
    s.symbology = "GS1 (human readable)";
    from_ais(s, parse_bracketed(data), o);
    return s;
  }
  if (aim && (aim->id == "]E0" || aim->id == "]E3") && data.size() >= 13 && all_digits(data.substr(0, 13))) {
    data = data.substr(0, 13);  // an add-on after the main code is not part of the GTIN
  }
  if (all_digits(data) && (!aim || aim->id[1] == 'E' || aim->id[1] == 'I')) return read_digits(data, aim, o);
  if (data.find(kGroupSeparator) != std::string_view::npos) {
    s.symbology = "GS1 element string";
    from_ais(s, parse_element_string(data), o);
    return s;
  }
  // Anything else is an in-house code or a SKU: the catalog may know it.
  s.symbology = aim ? std::string(aim->symbology) : "text";
  s.lookup = std::string(data);
  s.error = "not a GS1 code";
  return s;
}

}  // namespace posd::barcode
