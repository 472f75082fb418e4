// The X/Z figures from typed records: what counts, what a void and a return
// take away, and money per tender and per tax rate.
#include <catch2/catch.hpp>

#include "checkout/closure.h"
#include "checkout/report.h"

#include <limits>

using namespace posd;

namespace {

Sale sale(int64_t total, int64_t discount, std::vector<SaleTender> tenders, std::vector<SaleTax> tax, bool voided = false) {
  Sale s;
  s.total = total;
  s.discount = discount;
  s.tenders = std::move(tenders);
  s.tax = std::move(tax);
  s.voided = voided;
  return s;
}

}  // namespace

TEST_CASE("report figures count sales, voids and returns, by tender and by tax rate", "[report]") {
  const std::vector<Sale> sales = {
      sale(1200, 100, {{TenderType::cash, 2000, 1200, ""}}, {{"standard", 2000, 1200, 200}}),
      sale(550, 0, {{TenderType::card, 550, 550, "1111"}}, {{"reduced", 550, 550, 29}}),
      sale(999, 0, {{TenderType::cash, 999, 999, ""}}, {{"standard", 2000, 999, 167}}, /*voided=*/true),
  };
  Return r;
  r.refund = 600;
  r.lines = {{1, "PEN", false, 1, 600, 100, "standard", 2000}};
  r.tenders = {{TenderType::cash, 500}, {TenderType::voucher, 100}};
  const auto figures = report_figures(sales, {r}, 3, 123456);
  REQUIRE(figures);
  const ReportFigures& f = *figures;

  CHECK(f.period == 3);
  CHECK(f.sale_count == 2);
  CHECK(f.void_count == 1);
  CHECK(f.return_count == 1);
  CHECK(f.sales_total == 1750);
  CHECK(f.discount_total == 100);
  CHECK(f.voided_total == 999);
  CHECK(f.refund_total == 600);
  CHECK(f.grand_total == 123456);
  // By tender name; a type only refunded still has its row.
  REQUIRE(f.tenders.size() == 3);
  CHECK((f.tenders[0].type == "card" && f.tenders[0].sales == 550 && f.tenders[0].refunds == 0));
  CHECK((f.tenders[1].type == "cash" && f.tenders[1].sales == 1200 && f.tenders[1].refunds == 500));
  CHECK((f.tenders[2].type == "voucher" && f.tenders[2].sales == 0 && f.tenders[2].refunds == 100));
  REQUIRE(f.tax.size() == 2);
  CHECK((f.tax[0].tax_class == "reduced" && f.tax[0].sales_base == 550 && f.tax[0].sales_tax == 29));
  CHECK((f.tax[1].tax_class == "standard" && f.tax[1].sales_tax == 200 && f.tax[1].refunded_tax == 100));

  const auto j = to_json(f);
  CHECK(j["net_total"] == 1150);
  CHECK(j["tenders"][1] == nlohmann::json{{"type", "cash"}, {"sales", 1200}, {"refunds", 500}, {"net", 700}});
  CHECK(j["tax"][1]["net_tax"] == 100);
}

TEST_CASE("report sums are checked: a period whose totals pass 64 bits is refused, not wrapped", "[report]") {
  const int64_t big = std::numeric_limits<int64_t>::max() / 2 + 1;
  const std::vector<Sale> sales = {sale(big, 0, {{TenderType::cash, big, big, ""}}, {}),
                                   sale(big, 0, {{TenderType::cash, big, big, ""}}, {})};
  auto f = report_figures(sales, {}, 1, 0);
  REQUIRE_FALSE(f);
  CHECK(f.status().code() == Status::Code::corruption);
  CHECK_THAT(f.status().message(), Catch::Contains("overflow"));
  ReportTally tally;
  REQUIRE(tally.add(sales[0]));
  CHECK(tally.figures(1, 0).sales_total == big);
}

TEST_CASE("closures add up Zs by tender and by tax class and rate, and refuse a missing figure or an overflow", "[report]") {
  auto z = [](int64_t sales, int64_t first, int64_t last, int64_t rate, int64_t grand) {
    return nlohmann::json{{"sale_count", 1}, {"void_count", 0}, {"return_count", 0}, {"sales_total", sales},
                          {"discount_total", 0}, {"voided_total", 0}, {"refund_total", 0}, {"net_total", sales},
                          {"tenders", {{{"type", "cash"}, {"sales", sales}, {"refunds", 0}, {"net", sales}}}},
                          {"tax", {{{"class", "std"}, {"rate_bp", rate}, {"sales_base", sales}, {"sales_tax", 10},
                                    {"refunded_tax", 0}, {"net_tax", 10}}}},
                          {"receipts", {{"first", first}, {"last", last}}}, {"grand_total", grand}};
  };
  // A day with no sale closes receipts 0 to 0: it moves neither end.
  auto sum = sum_closures({z(100, 1, 4, 1900, 100), z(0, 0, 0, 1900, 100), z(50, 5, 9, 700, 150)});
  REQUIRE(sum);
  CHECK((*sum)["sales_total"] == 150);
  CHECK((*sum)["sale_count"] == 3);
  CHECK((*sum)["receipts"] == nlohmann::json({{"first", 1}, {"last", 9}}));
  CHECK((*sum)["grand_total"] == 150);
  CHECK((*sum)["tenders"][0]["net"] == 150);
  REQUIRE((*sum)["tax"].size() == 2);  // a rate change inside the month keeps both rates apart
  CHECK((*sum)["tax"][0]["rate_bp"] == 700);
  CHECK((*sum)["tax"][1]["sales_base"] == 100);

  // A Z journaled before Zs carried their receipts adds none.
  auto legacy = z(7, 0, 0, 1900, 7);
  legacy.erase("receipts");
  auto with_legacy = sum_closures({legacy, z(3, 4, 6, 1900, 10)});
  REQUIRE(with_legacy);
  CHECK((*with_legacy)["receipts"] == nlohmann::json({{"first", 4}, {"last", 6}}));
  CHECK((*with_legacy)["sales_total"] == 10);

  auto missing = z(1, 1, 1, 1900, 1);
  missing.erase("refund_total");
  auto refused = sum_closures({missing});
  CHECK(refused.status().code() == Status::Code::corruption);
  auto huge = sum_closures({z(INT64_MAX, 1, 1, 1900, 1), z(1, 2, 2, 1900, 2)});
  CHECK(huge.status().code() == Status::Code::corruption);
  CHECK_THAT(huge.status().message(), Catch::Contains("do not fit"));
}

TEST_CASE("per operator: what each rang up, voided, refunded and opened the drawer for, from the events alone", "[report][operators]") {
  OperatorTally t;
  REQUIRE(t.add("sale", {{"operator", "ann"}, {"total", 1000}, {"manual_discount_total", 50}}));
  REQUIRE(t.add("sale", {{"operator", "ann"}, {"total", 250}}));
  REQUIRE(t.add("sale", {{"total", 99}}));  // before operators, or a lane with none
  REQUIRE(t.add("sale_voided", {{"operator", "sam"}, {"total", 250}}));
  REQUIRE(t.add("return", {{"operator", "sam"}, {"refund", 120}}));
  REQUIRE(t.add("no_sale", {{"operator", "sam"}}));
  REQUIRE(t.add("stock_movement", {{"operator", "max"}, {"delta", 5}}));  // not a report figure: no section
  const nlohmann::json j = t.to_json();
  REQUIRE(j.size() == 3);
  CHECK(j[0]["operator"].is_null());
  CHECK(j[0]["sales_total"] == 99);
  CHECK(j[1] == nlohmann::json({{"operator", "ann"}, {"sale_count", 2}, {"sales_total", 1250}, {"manual_discount_total", 50},
                                {"void_count", 0}, {"voided_total", 0}, {"return_count", 0}, {"refund_total", 0}, {"no_sale_count", 0}}));
  CHECK(j[2]["void_count"] == 1);
  CHECK(j[2]["voided_total"] == 250);
  CHECK(j[2]["refund_total"] == 120);
  CHECK(j[2]["no_sale_count"] == 1);
  Status over = t.add("sale", {{"operator", "ann"}, {"total", INT64_MAX}});
  CHECK(over.code() == Status::Code::corruption);
}
