#include "fiscal/dsfinvk.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <fstream>
#include <set>

#include "base/digest.h"
#include "checkout/money.h"
#include "checkout/pricing.h"
#include "checkout/receipt.h"
#include "checkout/records.h"
#include "fiscal/dsfinvk_tables.h"

namespace posd::dsfinvk {

using json = nlohmann::json;

namespace {

// `v` with `scale` decimals, written with `accuracy` (≥ scale) decimals.
std::string fixed(int64_t v, int scale, int accuracy) {
  const bool neg = v < 0;
  const uint64_t mag = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  std::string digits = std::to_string(mag);
  if (digits.size() <= static_cast<size_t>(scale)) digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
  std::string out = (neg ? "-" : "") + digits.substr(0, digits.size() - static_cast<size_t>(scale));
  if (accuracy > 0) out += "." + digits.substr(digits.size() - static_cast<size_t>(scale)) + std::string(static_cast<size_t>(accuracy - scale), '0');
  return out;
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// "2026-11-22T21:22:10.123Z" → "2026-11-22T21:22:10"
std::string stamp(const std::string& ts) { return ts.substr(0, 19); }

// The specification's fixed keys; other rates get 1000, 1001, … in the
// order they first appear.
int64_t standard_key(int64_t rate_bp) {
  switch (rate_bp) {
    case 1900: return 1;
    case 700: return 2;
    case 1070: return 3;
    case 550: return 4;
    case 0: return 5;
    default: return 0;
  }
}

struct Line {
  std::string text, sku, unit;
  int64_t qty_milli = 0;  // MENGE × 1000
  int64_t unit_gross = 0;  // STK_BR in minor units × 1000
  int64_t key = 0, gross = 0, net = 0, tax = 0;
};

struct Payment {
  std::string type, name;
  int64_t amount = 0;
};

struct Bon {
  std::string id;
  uint64_t seq = 0;
  std::string type = "Beleg";
  bool storno = false;
  std::string terminal, ts, signature, note;
  std::vector<Line> lines;
  std::vector<Payment> payments;
  int64_t ref_receipt = 0;  // the sale a void or return refers to
  int64_t gross() const {
    int64_t g = 0;
    for (const Line& l : lines) g += l.gross;
    return g;
  }
};

// What later transactions need of a sale: a return its line names, a void
// (only ever in the sale's own period) the whole record, dropped at its Z so
// that a long journal does not hold every sale in memory.
struct SaleSeen {
  std::string bon_id, ts;
  int64_t z_no = 0;  // 0 until its closing
  std::vector<std::string> names;
  std::optional<Sale> sale;
};

Payment payment_of(TenderType t, int64_t amount) {
  const std::string name(rules_of(t).name);
  return {t == TenderType::cash ? "Bar" : "Unbar", name, amount};
}

}  // namespace

struct Builder::State {
  Master master;
  Options options;
  Tables out;
  std::string store_id, public_key_pem, currency = "EUR";
  std::map<int64_t, int64_t> other_keys;  // rate → key
  std::map<int64_t, int64_t> rate_of_key;
  std::map<int64_t, SaleSeen> sales;      // by receipt_no
  std::vector<Bon> pending;               // since the last Z

  int64_t key_of(int64_t rate_bp) {
    int64_t k = standard_key(rate_bp);
    if (k == 0) {
      auto [it, added] = other_keys.try_emplace(rate_bp, 1000 + static_cast<int64_t>(other_keys.size()));
      k = it->second;
    }
    rate_of_key[k] = rate_bp;
    return k;
  }

  // A sale's (or basket's) lines, each with its share of its class's tax.
  std::vector<Line> lines_of(const Sale& s) {
    std::vector<Line> lines;
    for (const SaleLine& l : s.lines) {
      const int64_t rate = s.rate_of(l.tax_class);
      const int64_t unit = s.prices_include_tax ? l.unit_price : l.unit_price + tax_of(l.unit_price, rate, false);
      lines.push_back({l.name, l.sku, l.weighed ? "kg" : "Stück", l.weighed ? l.quantity : l.quantity * 1000, unit * 1000,
                       key_of(rate), l.net(), l.net(), 0});
    }
    for (const SaleTax& t : s.tax) {
      std::vector<size_t> of_class;
      std::vector<int64_t> weights;
      for (size_t i = 0; i < s.lines.size(); ++i) {
        if (s.lines[i].tax_class != t.tax_class) continue;
        of_class.push_back(i);
        weights.push_back(std::max<int64_t>(s.lines[i].net(), 0));
      }
      if (of_class.empty() || t.amount < 0) continue;
      const auto shares = money::allocate(t.amount, weights);
      for (size_t k = 0; k < of_class.size(); ++k) {
        Line& l = lines[of_class[k]];
        l.tax = shares[k];
        if (!s.prices_include_tax) l.gross += shares[k];
        l.net = l.gross - l.tax;
      }
    }
    return lines;
  }

  // What was paid and what the lines add up to differ by the cash rounding:
  // a line of its own, outside tax.
  static void add_rounding(Bon& b) {
    int64_t paid = 0;
    for (const Payment& p : b.payments) paid += p.amount;
    const int64_t diff = paid - b.gross();
    if (diff == 0) return;
    b.lines.push_back({"Rundung", "", "Stück", (diff < 0 ? -1000 : 1000), (diff < 0 ? -diff : diff) * 1000, 5, diff, diff, 0});
  }

  Status sale(const Event& e) {
    auto s = read_sale(e.payload);
    if (!s) return Status::corruption("seq " + std::to_string(e.seq) + ": " + s.status().message());
    if (!s->currency.empty()) currency = s->currency;
    Bon b{"receipt-" + std::to_string(s->receipt_no), e.seq, "Beleg", false, s->terminal, e.ts, e.signature, "", {}, {}, 0};
    b.lines = lines_of(*s);
    for (const SaleTender& t : s->tenders) b.payments.push_back(payment_of(t.type, t.applied));
    add_rounding(b);
    std::vector<std::string> names;
    for (const SaleLine& l : s->lines) names.push_back(l.name);
    sales[s->receipt_no] = {b.id, e.ts, 0, std::move(names), std::move(*s)};
    pending.push_back(std::move(b));
    return Status::ok();
  }

  Status void_sale(const Event& e) {
    const int64_t receipt = e.payload.value("receipt_no", int64_t{0});
    auto it = sales.find(receipt);
    if (it == sales.end() || !it->second.sale) {
      return Status::corruption("seq " + std::to_string(e.seq) + ": voids receipt " + std::to_string(receipt) +
                                ", which is no sale of the open period");
    }
    Bon b{"void-" + std::to_string(receipt), e.seq, "Beleg", true, e.payload.value("terminal", ""), e.ts, e.signature,
          "void of receipt " + std::to_string(receipt), {}, {}, receipt};
    const Sale& sale = *it->second.sale;
    for (Line l : lines_of(sale)) {
      l.qty_milli = -l.qty_milli;
      l.gross = -l.gross;
      l.net = -l.net;
      l.tax = -l.tax;
      b.lines.push_back(l);
    }
    for (const SaleTender& t : sale.tenders) b.payments.push_back(payment_of(t.type, -t.applied));
    add_rounding(b);
    pending.push_back(std::move(b));
    return Status::ok();
  }

  Status return_items(const Event& e) {
    sales::ReturnRow row;
    row.return_no = e.payload.value("return_no", int64_t{0});
    if (e.payload.contains("receipt_no")) row.receipt_no = e.payload.value("receipt_no", int64_t{0});
    row.refund = e.payload.value("refund", int64_t{0});
    row.body = e.payload;
    auto r = read_return(row);
    if (!r) return Status::corruption("seq " + std::to_string(e.seq) + ": " + r.status().message());
    const SaleSeen* original = nullptr;
    if (r->receipt_no) {
      auto it = sales.find(*r->receipt_no);
      if (it != sales.end()) original = &it->second;
    }
    Bon b{"return-" + std::to_string(r->return_no), e.seq, "Beleg", false, e.payload.value("terminal", ""), e.ts,
          e.signature, r->receipt_no ? "return of receipt " + std::to_string(*r->receipt_no) : "return without receipt",
          {}, {}, original ? *r->receipt_no : 0};
    for (const ReturnLine& l : r->lines) {
      std::string name = l.sku;
      if (original && l.line >= 1 && l.line <= original->names.size()) name = original->names[l.line - 1];
      const int64_t qty = l.weighed ? l.quantity : l.quantity * 1000;
      const int64_t unit = qty > 0 ? l.refund * 1000 * 1000 / qty : 0;
      b.lines.push_back({name, l.sku, l.weighed ? "kg" : "Stück", -qty, unit, key_of(l.rate_bp), -l.refund,
                         -(l.refund - l.tax), -l.tax});
    }
    for (const RefundTender& t : r->tenders) b.payments.push_back(payment_of(t.type, -t.amount));
    add_rounding(b);
    pending.push_back(std::move(b));
    return Status::ok();
  }

  Status basket_ended(const Event& e) {
    Bon b{"basket-" + e.payload.value("id", std::to_string(e.seq)), e.seq, "AVBelegabbruch", false,
          e.payload.value("terminal", ""), e.ts, e.signature,
          e.type == "basket_cancelled" ? "cancelled" : "abandoned: " + e.payload.value("reason", ""), {}, {}, 0};
    // posd journals a basket it could not price or read back with its id
    // and terminal only: an abandonment with no lines.
    if (e.payload.contains("lines")) {
      json record = e.payload;
      record["receipt_no"] = 0;
      auto s = read_sale(record);
      if (!s) return Status::corruption("seq " + std::to_string(e.seq) + ": " + s.status().message());
      b.lines = lines_of(*s);
    }
    pending.push_back(std::move(b));
    return Status::ok();
  }

  void closing(const Event& z);
};

Builder::Builder(Master master, Options options) : s_(std::make_unique<State>()) {
  s_->master = std::move(master);
  s_->options = std::move(options);
}

Builder::~Builder() = default;

Status Builder::add(const Event& e) {
  try {
    if (e.type == "genesis") {
      s_->store_id = e.payload.value("store_id", "");
      s_->public_key_pem = e.payload.value("public_key", "");
    } else if (e.type == "sale") {
      return s_->sale(e);
    } else if (e.type == "sale_voided") {
      return s_->void_sale(e);
    } else if (e.type == "return") {
      return s_->return_items(e);
    } else if (e.type == "basket_cancelled" || e.type == "basket_abandoned") {
      return s_->basket_ended(e);
    } else if (e.type == "z_report") {
      s_->closing(e);
    }
    return Status::ok();
  } catch (const json::exception& ex) {
    return Status::corruption("seq " + std::to_string(e.seq) + ": " + ex.what());
  }
}

void Builder::State::closing(const Event& z) {
  const int64_t z_no = z.payload.value("z_no", int64_t{0});
  for (const Bon& b : pending) {
    if (b.id.rfind("receipt-", 0) != 0) continue;
    SaleSeen& s = sales[std::stoll(b.id.substr(8))];
    s.z_no = z_no;
    s.sale.reset();
  }
  std::vector<Bon> bons = std::move(pending);
  pending.clear();
  if (z_no < options.z_from || (options.z_to > 0 && z_no > options.z_to)) return;
  auto& rows = out.rows;
  const std::vector<std::string> key = {store_id, stamp(z.ts), std::to_string(z_no)};
  auto row = [&](const char* file, std::vector<std::string> fields) {
    fields.insert(fields.begin(), key.begin(), key.end());
    rows[file].push_back(std::move(fields));
  };
  int64_t paid = 0, cash = 0;
  std::map<int64_t, std::array<int64_t, 3>> cases;               // key → gross, net, tax
  std::map<std::pair<std::string, std::string>, int64_t> by_type;  // payment type, name
  std::set<std::string> terminals;
  for (const Bon& b : bons) {
    const bool receipt = b.type == "Beleg";
    terminals.insert(b.terminal);
    row("transactions.csv", {b.id, std::to_string(b.seq), b.type, "", b.terminal, b.storno ? "1" : "0", stamp(b.ts),
                             stamp(b.ts), b.terminal, "", format_minor(b.gross()), "", "", "", "", "", "", "", "", b.note});
    std::map<int64_t, std::array<int64_t, 3>> vat;
    for (size_t i = 0; i < b.lines.size(); ++i) {
      const Line& l = b.lines[i];
      const std::string pos = std::to_string(i + 1);
      row("lines.csv", {b.id, pos, "", l.text, b.terminal, "Umsatz", "", "0", "0", "0", l.sku, "", "", "",
                        fixed(l.qty_milli, 3, 3), "1.000", l.unit, fixed(l.unit_gross, 5, 5)});
      row("lines_vat.csv", {b.id, pos, std::to_string(l.key), fixed(l.gross, 2, 5), fixed(l.net, 2, 5), fixed(l.tax, 2, 5)});
      auto& v = vat[l.key];
      v[0] += l.gross, v[1] += l.net, v[2] += l.tax;
    }
    std::array<int64_t, 5> by_position{};
    for (const auto& [k, v] : vat) {
      row("transactions_vat.csv", {b.id, std::to_string(k), fixed(v[0], 2, 5), fixed(v[1], 2, 5), fixed(v[2], 2, 5)});
      if (k >= 1 && k <= 5) by_position[static_cast<size_t>(k - 1)] += v[0];
      if (!receipt) continue;
      auto& c = cases[k];
      c[0] += v[0], c[1] += v[1], c[2] += v[2];
    }
    std::string process = b.type + "^";
    for (size_t i = 0; i < 5; ++i) process += (i ? "_" : "") + format_minor(by_position[i]);
    process += "^";
    for (size_t i = 0; i < b.payments.size(); ++i) {
      const Payment& p = b.payments[i];
      row("datapayment.csv", {b.id, p.type, p.name, currency, format_minor(p.amount), format_minor(p.amount)});
      process += (i ? "_" : "") + format_minor(p.amount) + ":" + p.type;
      if (!receipt) continue;
      paid += p.amount;
      if (p.type == "Bar") cash += p.amount;
      by_type[{p.type, p.name}] += p.amount;
    }
    if (b.ref_receipt) {
      const SaleSeen& s = sales.at(b.ref_receipt);
      row("references.csv", {b.id, "", "Transaktion", "", stamp(s.ts), store_id, std::to_string(s.z_no), s.bon_id});
    }
    row("transactions_tse.csv", {b.id, "1", std::to_string(b.seq), stamp(b.ts), stamp(b.ts),
                                 receipt ? "Kassenbeleg-V1" : "SonstigerVorgang", std::to_string(b.seq),
                                 base64(from_hex(b.signature).value_or("")), "", process});
    ++out.transactions;
  }
  ++out.closings;
  const Master& m = master;
  row("cashpointclosing.csv", {z.payload.value("business_day", z.business_day), kVersion,
                               bons.empty() ? "" : bons.front().id, bons.empty() ? "" : bons.back().id, m.name,
                               m.street, m.postcode, m.city, m.country, m.tax_number, m.vat_id, format_minor(paid), format_minor(cash)});
  row("location.csv", {m.name, m.street, m.postcode, m.city, m.country, m.vat_id});
  row("cashregister.csv", {"posd", "posd store node", store_id, "posd", options.software_version, currency, "0"});
  for (const std::string& t : terminals) row("slaves.csv", {t, "posd lane", "", t, "posd", options.software_version});
  for (const auto& [k, rate] : rate_of_key) {
    row("vat.csv", {std::to_string(k), fixed(rate, 2, 2), k <= 5 ? "" : "rate " + fixed(rate, 2, 2) + " %"});
  }
  std::string der;
  for (std::string rest = public_key_pem; !rest.empty();) {
    const size_t nl = rest.find('\n');
    const std::string line = rest.substr(0, nl);
    rest = nl == std::string::npos ? "" : rest.substr(nl + 1);
    if (line.rfind("-----", 0) != 0) der += line;
  }
  row("tse.csv", {"1", to_hex(sha256(public_key_pem)), "Ed25519", "utcTime", "UTF-8", der, "", ""});
  for (const auto& [k, c] : cases) row("businesscases.csv", {"Umsatz", "", "0", std::to_string(k), format_minor(c[0]), format_minor(c[1]), format_minor(c[2])});
  for (const auto& [t, amount] : by_type) row("payment.csv", {t.first, t.second, format_minor(amount)});
  row("cash_per_currency.csv", {currency, format_minor(cash)});
}

Tables Builder::finish() { return std::move(s_->out); }

Result<Master> Master::from_json(const json& j) {
  if (!j.is_object()) return Status::invalid_argument("the master data must be a JSON object");
  Master m;
  const std::pair<const char*, std::string*> fields[] = {{"name", &m.name},         {"street", &m.street},
                                                          {"postcode", &m.postcode}, {"city", &m.city},
                                                          {"country", &m.country},   {"tax_number", &m.tax_number},
                                                          {"vat_id", &m.vat_id}};
  for (const auto& [name, into] : fields) {
    if (!j.contains(name)) continue;
    if (!j[name].is_string()) return Status::invalid_argument(std::string(name) + ": must be a string");
    *into = j[name].get<std::string>();
  }
  for (const auto& [name, into] : fields) {
    const std::string n = name;
    if (n != "tax_number" && n != "vat_id" && into->empty()) return Status::invalid_argument(n + ": is needed");
  }
  if (m.tax_number.empty() && m.vat_id.empty()) return Status::invalid_argument("tax_number or vat_id: one is needed");
  if (m.country.size() != 3 || !std::all_of(m.country.begin(), m.country.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return Status::invalid_argument("country: ISO 3166 alpha-3 in capitals, like DEU");
  }
  for (const auto& [name, into] : j.items()) {
    bool known = false;
    for (const auto& f : fields) known = known || name == f.first;
    if (!known) return Status::invalid_argument("unknown field \"" + name + "\"");
  }
  return m;
}

Status write(const Tables& t, const std::string& dir, const Master& supplier) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return Status::invalid_argument(dir + " exists: an export is never written over");
  if (!std::filesystem::create_directories(dir, ec)) return Status::io_error("cannot make " + dir + ": " + ec.message());
  auto put = [&](const std::string& name, const std::string& text) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f << text;
    f.close();
    return f ? Status::ok() : Status::io_error("cannot write " + dir + "/" + name);
  };
  for (const TableSpec& spec : tables()) {
    auto rows = t.rows.find(spec.file);
    if (Status s = put(spec.file, csv(spec, rows == t.rows.end() ? std::vector<std::vector<std::string>>{} : rows->second)); !s) {
      return s;
    }
  }
  return put("index.xml", index_xml(supplier.name, supplier.city, "DSFinV-K export made by posd from its journal"));
}

}  // namespace posd::dsfinvk
