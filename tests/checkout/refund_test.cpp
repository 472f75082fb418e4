// The refund rules as tables: a sale, what earlier returns took, what the
// customer brings back, and what each line refunds and where the money goes.
#include <catch2/catch.hpp>

#include "checkout/refund.h"

using namespace posd;

namespace {

SaleLine counted(const std::string& sku, int64_t qty, int64_t amount, int64_t discount = 0) {
  return {sku, sku, false, qty, amount / qty, amount, discount, "standard", 0, "", 0};
}
SaleLine weighed(const std::string& sku, int64_t grams, int64_t amount) {
  return {sku, sku, true, grams, 0, amount, 0, "reduced", 0, "", 0};
}

Sale sale_of(std::vector<SaleLine> lines, std::vector<SaleTender> tenders) {
  Sale s;
  s.receipt_no = 7;
  s.lines = std::move(lines);
  s.tax = {{"standard", 2000, 0, 0}, {"reduced", 550, 0, 0}};
  s.tenders = std::move(tenders);
  return s;
}

Return earlier(std::vector<ReturnLine> lines, std::vector<RefundTender> tenders) {
  Return r;
  r.receipt_no = 7;
  r.lines = std::move(lines);
  r.tenders = std::move(tenders);
  return r;
}

}  // namespace

TEST_CASE("each return refunds what was paid per unit, and all returns of a line add up to its net", "[refund]") {
  // 3 pens for 10.00 with 1.00 off: net 9.00, not divisible by 3 evenly in cents after rounding steps.
  const Sale s = sale_of({counted("PEN", 3, 1000, 100)}, {{TenderType::cash, 900, 900, ""}});
  struct Row {
    int64_t before, qty, refund, tax;
  };
  // net 900 over 3 units: first unit 300, the next two 300 each; inclusive 20 % tax.
  const std::vector<Row> rows = {{0, 1, 300, 50}, {1, 1, 300, 50}, {2, 1, 300, 50}, {0, 3, 900, 150}, {0, 2, 600, 100}};
  for (const Row& r : rows) {
    INFO("before " << r.before << ", qty " << r.qty);
    std::vector<Return> prior;
    if (r.before) prior.push_back(earlier({{1, "PEN", false, r.before, 0, 0, "standard", 2000}}, {}));
    std::vector<ReturnLine> out;
    Outcome o = return_lines(s, prior, {{1, r.qty, std::nullopt}}, true, out);
    REQUIRE(o.ok());
    REQUIRE(out.size() == 1);
    CHECK(out[0].refund == r.refund);
    CHECK(out[0].tax == r.tax);
    CHECK(out[0].rate_bp == 2000);
  }
}

TEST_CASE("a line's returns add up to its net exactly, unit by unit", "[refund]") {
  const Sale s = sale_of({counted("GUM", 7, 1000)}, {});  // 10.00 for 7: 1.43 a unit, not exact
  std::vector<Return> prior;
  int64_t refunded = 0;
  for (int i = 0; i < 7; ++i) {
    std::vector<ReturnLine> out;
    REQUIRE(return_lines(s, prior, {{1, 1, std::nullopt}}, true, out).ok());
    refunded += out[0].refund;
    prior.push_back(earlier(out, {}));
  }
  CHECK(refunded == 1000);
  std::vector<ReturnLine> out;
  Outcome more = return_lines(s, prior, {{1, 1, std::nullopt}}, true, out);
  CHECK(more.code() == "exceeds_sold");
  CHECK(out.empty());
}

TEST_CASE("returns that break a rule are refused with the reason", "[refund]") {
  const Sale s = sale_of({counted("PEN", 3, 600), weighed("APPLE", 1250, 349)}, {});
  struct Row {
    ReturnAsked asked;
    std::string code, message;
  };
  const std::vector<Row> rows = {
      {{3, 1, std::nullopt}, "line_not_found", "the sale has no line 3"},
      {{1, 4, std::nullopt}, "exceeds_sold", "line 1: 3 left to return, 4 asked"},
      {{2, std::nullopt, 1300}, "exceeds_sold", "line 2: 1250 left to return, 1300 asked"},
      {{2, 1, std::nullopt}, "invalid_request", "lines: line 2 was weighed: give weight_g"},
      {{1, std::nullopt, 10}, "invalid_request", "lines: line 1 was counted: give qty"},
  };
  for (const Row& r : rows) {
    INFO(r.message);
    std::vector<ReturnLine> out;
    Outcome o = return_lines(s, {}, {r.asked}, true, out);
    CHECK(o.code() == r.code);
    CHECK(o.body["error"]["message"] == r.message);
    CHECK(out.empty());
  }
}

TEST_CASE("prices without tax: the refund adds the line's tax on top", "[refund]") {
  const Sale s = sale_of({counted("PEN", 2, 1000)}, {});
  std::vector<ReturnLine> out;
  REQUIRE(return_lines(s, {}, {{1, 1, std::nullopt}}, false, out).ok());
  CHECK(out[0].tax == 100);
  CHECK(out[0].refund == 600);
}

TEST_CASE("a refund without a receipt holds its tax inside", "[refund]") {
  CHECK(unreceipted_line("PEN", false, 1, 1200, "standard", 2000, true).tax == 200);
  CHECK(unreceipted_line("PEN", false, 1, 1200, "standard", 2000, false).tax == 200);
  // A small refund may hold no tax at all once rounded.
  CHECK(unreceipted_line("X", false, 1, 5, "t", 1000, true).tax == 0);
  CHECK(unreceipted_line("X", false, 1, 11, "t", 1000, false).tax == 1);
}

TEST_CASE("the refund goes back card first, then voucher, then cash, each up to what it paid", "[refund]") {
  const Sale s = sale_of({counted("TV", 1, 10000)},
                         {{TenderType::cash, 3000, 3000, ""}, {TenderType::card, 5000, 5000, "1111"}, {TenderType::voucher, 2000, 2000, ""}});
  struct Row {
    std::vector<RefundTender> earlier;
    int64_t refund;
    std::vector<std::pair<TenderType, int64_t>> split;
  };
  const std::vector<Row> rows = {
      {{}, 4000, {{TenderType::card, 4000}}},
      {{}, 6000, {{TenderType::card, 5000}, {TenderType::voucher, 1000}}},
      {{}, 10000, {{TenderType::card, 5000}, {TenderType::voucher, 2000}, {TenderType::cash, 3000}}},
      {{{TenderType::card, 5000}}, 3000, {{TenderType::voucher, 2000}, {TenderType::cash, 1000}}},
      {{{TenderType::card, 5000}, {TenderType::voucher, 2000}, {TenderType::cash, 3000}}, 2, {{TenderType::cash, 2}}},
  };
  for (const Row& r : rows) {
    INFO("refund " << r.refund);
    std::vector<Return> prior;
    if (!r.earlier.empty()) prior.push_back(earlier({}, r.earlier));
    auto split = split_refund(s, prior, r.refund);
    REQUIRE(split.size() == r.split.size());
    for (size_t i = 0; i < split.size(); ++i) {
      CHECK(split[i].type == r.split[i].first);
      CHECK(split[i].amount == r.split[i].second);
    }
  }
}
