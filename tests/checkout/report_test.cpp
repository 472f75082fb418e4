// The X/Z figures from typed records: what counts, what a void and a return
// take away, and money per tender and per tax rate.
#include <catch2/catch.hpp>

#include "checkout/report.h"

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
  const ReportFigures f = report_figures(sales, {r}, 3, 123456);

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
