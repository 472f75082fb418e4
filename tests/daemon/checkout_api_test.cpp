// A lane's day against the real server over a real socket, with the demo
// catalog: sell, weigh, discount, split-tender, return, void, count, close.
#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>
#include <sstream>
#include <thread>

#include "storage/journal_export.h"
#include "tests/daemon/node.h"
#include "tests/support/process.h"

using namespace posd;
using json = nlohmann::json;

namespace {

int64_t on_hand(const test::Lane& lane, const std::string& sku) { return lane.get("/v1/stock/" + sku).json()["on_hand"]; }
}  // namespace

TEST_CASE("items are found by GTIN or SKU, and bad codes say why", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);

  auto pen = lane.get("/v1/items/4006381333931");
  REQUIRE(pen.status == 200);
  CHECK(pen.json()["sku"] == "PEN-BLUE");
  CHECK(pen.json()["unit_price"] == 199);
  CHECK(pen.json()["tax_class"] == "standard");
  CHECK(pen.json()["on_hand"] == 40);
  CHECK(lane.get("/v1/items/04006381333931").json()["sku"] == "PEN-BLUE");  // GTIN-14 form
  CHECK(lane.get("/v1/items/APPLES").json()["unit"] == "kg");

  auto bad = lane.get("/v1/items/4006381333932");
  CHECK(bad.status == 422);
  CHECK(bad.json()["error"]["code"] == "bad_check_digit");
  auto unknown = lane.get("/v1/items/NO-SUCH-SKU");
  CHECK(unknown.status == 404);
  CHECK(unknown.json()["error"]["code"] == "unknown_code");
  CHECK(lane.get("/v1/items/5000000000005").json()["error"]["code"] == "unknown_code");
}

TEST_CASE("a sale: scan, weigh, multibuy, cash with change, receipt, stock, journal", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  auto b = lane.scan(id, {"4006381333931", "4006381333931", "PEN-RED", "APPLES@1234"}).json();

  REQUIRE(b["lines"].size() == 4);
  CHECK(b["lines"][3]["weight_g"] == 1234);
  CHECK(b["lines"][3]["amount"] == 431);  // 349 × 1.234 = 430.666 → 431
  CHECK(b["subtotal"] == 1028);
  CHECK(b["discount"] == 199);            // 3 pens for 2, spread over the three
  CHECK(b["lines"][0]["discount"] == 67);
  CHECK(b["lines"][0]["promotions"] == json::array({"PENS-3FOR2"}));
  CHECK(b["total"] == 829);
  CHECK(b["tax"][0] == json({{"class", "standard"}, {"rate_bp", 2000}, {"base", 398}, {"amount", 66}}));
  CHECK(b["tax"][1]["amount"] == 22);
  CHECK(b["due"] == 829);

  auto done = lane.pay_cash_and_complete(id, 1000);
  REQUIRE(done.status == 200);
  CHECK(done.json()["receipt_no"] == 1);
  CHECK(done.json()["total"] == 829);
  CHECK(done.json()["change"] == 171);
  const uint64_t seq = done.json()["seq"];
  CHECK(node.journal().last_seq() >= seq);

  auto sale = lane.get("/v1/sales/1");
  REQUIRE(sale.status == 200);
  CHECK(sale.json()["status"] == "completed");
  CHECK(sale.json()["tenders"][0]["applied"] == 829);
  // The original receipt comes with the sale; a copy fetched later is
  // numbered, marked DUPLICATE at both ends, and journaled.
  const std::string original = done.json()["receipt"];
  CHECK_THAT(original, Catch::Contains("TOTAL EUR") && Catch::Contains("8.29") && Catch::Contains("CHANGE"));
  CHECK_THAT(original, Catch::Contains("1234 g @ 3.49/kg"));
  CHECK(original.find("DUPLICATE") == std::string::npos);
  // The receipt closes with its code, which anyone checks with the store's public key.
  const std::string code = done.json()["receipt_code"];
  CHECK(original.find("Verify with the store's key:\n" + code.substr(0, 40)) != std::string::npos);
  auto checked = test::run({test::bin("posctl"), "receipt", "verify", code, "--pubkey", node.db_path() + ".pub"});
  CHECK(checked.exit_code == 0);
  CHECK_THAT(checked.out, Catch::StartsWith("ok receipt 1 of store "));
  CHECK_THAT(checked.out, Catch::EndsWith(": total 8.29 EUR, day " + node.journal().business_day() + ", journal seq " +
                                          std::to_string(seq) + "\n"));
  std::string altered = code;
  altered.replace(altered.find(":829:"), 5, ":729:");
  auto forged = test::run({test::bin("posctl"), "receipt", "verify", altered, "--pubkey", node.db_path() + ".pub"});
  CHECK(forged.exit_code == 1);
  CHECK(forged.out == "bad: the signature is not the store key's: the receipt was altered, or it is another store's\n");
  // Typed in as printed, in 40-column lines, it verifies; a code spelt another way is bad (exit 1).
  std::string as_printed;
  for (size_t at = 0; at < code.size(); at += 40) as_printed += code.substr(at, 40) + "\n";
  CHECK(test::run({test::bin("posctl"), "receipt", "verify", as_printed, "--pubkey", node.db_path() + ".pub"}).exit_code == 0);
  std::string upper = code;
  for (size_t at = upper.rfind(':') + 1; at < upper.size(); ++at) upper[at] = static_cast<char>(std::toupper(upper[at]));
  auto shouting = test::run({test::bin("posctl"), "receipt", "verify", upper, "--pubkey", node.db_path() + ".pub"});
  CHECK(shouting.exit_code == 1);
  CHECK_THAT(shouting.out, Catch::StartsWith("bad: "));
  auto receipt = lane.get("/v1/sales/1/receipt");
  REQUIRE(receipt.status == 200);
  CHECK_THAT(receipt.headers["content-type"], Catch::StartsWith("text/plain"));
  CHECK(receipt.body == "*** DUPLICATE copy 2 ***\n" + original + "*** DUPLICATE copy 2 ***\n");
  const uint64_t copy_seq = node.journal().last_seq();
  CHECK(lane.get("/v1/sales/1/receipt").body.rfind("*** DUPLICATE copy 3 ***\n", 0) == 0);
  CHECK(node.journal().last_seq() == copy_seq + 1);
  // No printer at this lane: a reprint prints nothing and journals nothing.
  auto reprint = lane.post("/v1/sales/1/reprint");
  CHECK(reprint.status == 409);
  CHECK(reprint.json()["error"]["code"] == "no_printer");
  CHECK(node.journal().last_seq() == copy_seq + 1);
  {
    auto db = sql::Db::open(node.db_path(), sql::Db::Mode::read_only);
    std::vector<json> copies;
    REQUIRE(scan_journal(*db, 1, [&](const Event& e) {
      if (e.type == "receipt_reprinted") copies.push_back(e.payload);
      return Status::ok();
    }));
    REQUIRE(copies.size() == 2);
    CHECK(copies[0] == json({{"receipt_no", 1}, {"copy", 2}, {"channel", "text"}, {"terminal", copies[0]["terminal"]}}));
    CHECK(copies[1]["copy"] == 3);
  }

  CHECK(on_hand(lane, "PEN-BLUE") == 38);
  CHECK(on_hand(lane, "PEN-RED") == 39);
  CHECK(on_hand(lane, "APPLES") == -1234);  // negative stock is allowed: the shelf is the truth
  CHECK(lane.get("/v1/baskets/" + id).status == 404);  // the basket became the sale

  auto db = sql::Db::open(node.db_path(), sql::Db::Mode::read_only);
  CHECK(verify_journal(*db, node.journal().public_key()).is_ok());
}

TEST_CASE("split tenders, and card rules, and paying what is not due", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  lane.scan(id, {"COFFEE-500"});  // 799 − 10 % = 719
  const std::string tenders = "/v1/baskets/" + id + "/tenders";

  auto over = lane.post(tenders, {{"type", "card"}, {"amount", 800}, {"approval_ref", "A1"}, {"masked_pan", "************1234"}});
  CHECK(over.status == 422);
  CHECK(over.json()["error"]["code"] == "over_tender");

  auto pan = lane.post(tenders, {{"type", "card"}, {"amount", 500}, {"approval_ref", "A1"}, {"masked_pan", "4111111111111111"}});
  CHECK(pan.status == 422);
  CHECK(pan.json()["error"]["code"] == "card_number_refused");
  CHECK(pan.body.find("4111") == std::string::npos);
  auto hidden = lane.post(tenders, {{"type", "card"}, {"amount", 500}, {"approval_ref", "4111 1111 1111 1111"}, {"masked_pan", "1234"}});
  CHECK(hidden.json()["error"]["code"] == "card_number_refused");
  auto badmask = lane.post(tenders, {{"type", "card"}, {"amount", 500}, {"approval_ref", "A1"}, {"masked_pan", "41111122223334"}});
  CHECK(badmask.json()["error"]["code"] == "invalid_tender");
  auto bogus = lane.post(tenders, {{"type", "iou"}, {"amount", 500}});
  CHECK(bogus.json()["error"]["message"] == "type: must be one of cash, card, voucher");
  CHECK(lane.get("/v1/baskets/" + id).json()["paid"] == 0);  // none of that changed anything

  auto card = lane.post(tenders, {{"type", "card"}, {"amount", 500}, {"approval_ref", "A1"}, {"masked_pan", "************1234"}});
  REQUIRE(card.status == 200);
  CHECK(card.json()["due"] == 219);
  CHECK(lane.post("/v1/baskets/" + id + "/complete").json()["error"]["code"] == "not_paid");
  auto cash = lane.post(tenders, {{"type", "cash"}, {"amount", 500}});
  CHECK(cash.json()["due"] == 0);
  CHECK(cash.json()["change"] == 281);
  CHECK(lane.post(tenders, {{"type", "cash"}, {"amount", 1}}).json()["error"]["code"] == "nothing_due");
  auto line = lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}});
  CHECK(line.json()["error"]["code"] == "basket_has_tenders");
  auto done = lane.post("/v1/baskets/" + id + "/complete");
  REQUIRE(done.status == 200);
  auto sale = lane.get("/v1/sales/" + std::to_string(done.json()["receipt_no"].get<int>())).json();
  CHECK(sale["tenders"][0]["masked_pan"] == "************1234");
  CHECK(lane.post(tenders, {{"type", "cash"}, {"amount", 1}}).json()["error"]["code"] == "basket_not_found");
}

TEST_CASE("bad basket input gets a precise error and changes nothing", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  const std::string lines = "/v1/baskets/" + id + "/lines";
  struct Row { json body; int status; const char* code; };
  const std::vector<Row> rows = {
      {{{"qty", 1}}, 400, "invalid_request"},
      {{{"code", "BREAD"}, {"qty", 0}}, 400, "invalid_request"},
      {{{"code", "BREAD"}, {"qty", -2}}, 400, "invalid_request"},
      {{{"code", "BREAD"}, {"qty", "2"}}, 400, "invalid_request"},
      {{{"code", "BREAD"}, {"colour", "red"}}, 400, "invalid_request"},
      {{{"code", "BREAD"}, {"weight_g", 500}}, 400, "invalid_request"},
      {{{"code", "APPLES"}}, 400, "weight_required"},
      {{{"code", "APPLES"}, {"qty", 2}}, 400, "weight_required"},
      {{{"code", "8712345670017"}}, 422, "bad_check_digit"},
      {{{"code", "NOPE"}}, 404, "unknown_code"},
      {{{"code", "BREAD"}, {"price", 1}}, 403, "supervisor_required"},
  };
  for (const Row& r : rows) {
    INFO(r.body.dump());
    auto res = lane.post(lines, r.body);
    CHECK(res.status == r.status);
    CHECK(res.json()["error"]["code"] == r.code);
  }
  auto malformed = test::request(node.port(), "POST", lines, test::kCashierToken, "{\"code\": ");
  CHECK(malformed.status == 400);
  CHECK(malformed.json()["error"]["code"] == "malformed_json");
  // {"qty":1,"qty":40}: we would read 40, a first-wins reader of a log 1.
  auto twice = test::request(node.port(), "POST", lines, test::kCashierToken, R"({"code":"BREAD","qty":1,"qty":40})");
  CHECK(twice.status == 400);
  CHECK(twice.json()["error"]["code"] == "duplicate_key");
  CHECK(twice.json()["error"]["message"] == "the request body repeats a key: duplicate key \"qty\"");
  CHECK(lane.get("/v1/baskets/" + id).json()["lines"].empty());
  CHECK(lane.post("/v1/baskets/" + id + "/complete").json()["error"]["code"] == "empty_basket");
  CHECK(lane.del(lines + "/1").json()["error"]["code"] == "line_not_found");
  CHECK(lane.del(lines + "/x").json()["error"]["code"] == "line_not_found");

  // Another terminal cannot see or touch this lane's basket.
  test::Lane other(node.port(), test::kSupervisorToken);
  CHECK(other.get("/v1/baskets/" + id).status == 404);
  CHECK(other.post(lines, {{"code", "BREAD"}}).status == 404);
}

TEST_CASE("a price override needs a supervisor, and the journal says who", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  auto bad = lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}, {"price", 199}},
                       {{"X-Supervisor-Token", test::kCashierToken}});
  CHECK(bad.json()["error"]["code"] == "supervisor_token_invalid");
  auto ok = lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}, {"price", 199}}, test::kSupervisorOverride);
  REQUIRE(ok.status == 200);
  CHECK(ok.json()["lines"][0]["price_override"] == json({{"catalog_price", 289}, {"approved_by", "office"}}));
  CHECK(ok.json()["total"] == 199);
  REQUIRE(lane.pay_cash_and_complete(id).status == 200);
  CHECK(lane.get("/v1/sales/1").json()["lines"][0]["price_override"]["approved_by"] == "office");
}

TEST_CASE("suspend at one lane, resume at another", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken), office(node.port(), test::kSupervisorToken);
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  CHECK(lane.post("/v1/baskets/" + id + "/suspend").json()["state"] == "suspended");
  CHECK(lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}}).json()["error"]["code"] == "basket_not_open");
  CHECK(lane.post("/v1/baskets/" + id + "/suspend").json()["error"]["code"] == "basket_not_open");
  auto resumed = office.post("/v1/baskets/" + id + "/resume");
  CHECK(resumed.json()["state"] == "open");
  CHECK(resumed.json()["lines"].size() == 1);
  CHECK(lane.get("/v1/baskets/" + id).status == 404);  // it is the office's now
  CHECK(office.post("/v1/baskets/" + id + "/resume").json()["error"]["code"] == "basket_not_suspended");
  REQUIRE(office.pay_cash_and_complete(id).status == 200);
}

TEST_CASE("cancelling a basket is journaled, and cancelling twice is not found", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  const uint64_t before = node.journal().last_seq();
  auto c = lane.del("/v1/baskets/" + id);
  REQUIRE(c.status == 200);
  CHECK(c.json()["state"] == "cancelled");
  CHECK(node.journal().last_seq() == before + 1);
  CHECK(lane.del("/v1/baskets/" + id).status == 404);
  CHECK(on_hand(lane, "BREAD") == 40);
}

TEST_CASE("Idempotency-Key: a retried completion is one sale", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  auto l1 = lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}}, {{"Idempotency-Key", "line-1"}});
  auto l1again = lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}}, {{"Idempotency-Key", "line-1"}});
  CHECK(l1again.body == l1.body);
  CHECK(lane.get("/v1/baskets/" + id).json()["lines"].size() == 1);
  auto reused = lane.post("/v1/baskets/" + id + "/lines", {{"code", "MILK-1L"}}, {{"Idempotency-Key", "line-1"}});
  CHECK(reused.status == 422);
  CHECK(reused.json()["error"]["code"] == "idempotency_key_reused");

  lane.post("/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 500}});
  auto first = lane.post("/v1/baskets/" + id + "/complete", nullptr, {{"Idempotency-Key", "done-1"}});
  auto retry = lane.post("/v1/baskets/" + id + "/complete", nullptr, {{"Idempotency-Key", "done-1"}});
  REQUIRE(first.status == 200);
  CHECK(retry.status == 200);
  CHECK(retry.body == first.body);
  // The next sale gets the next number: the retry made no sale.
  const std::string id2 = lane.open_basket();
  lane.scan(id2, {"BREAD"});
  CHECK(lane.pay_cash_and_complete(id2).json()["receipt_no"] == 2);
  CHECK(on_hand(lane, "BREAD") == 38);
}

TEST_CASE("returns: never more than sold, refunded at what was paid, stock back", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  lane.post("/v1/baskets/" + id + "/lines", {{"code", "PEN-BLUE"}, {"qty", 3}});  // 597 − 199
  lane.scan(id, {"CHEESE-COMTE@250"});                                             // 572.5 → 573
  lane.post("/v1/baskets/" + id + "/tenders", {{"type", "card"}, {"amount", 500}, {"approval_ref", "A9"}, {"masked_pan", "1234"}});
  REQUIRE(lane.pay_cash_and_complete(id).status == 200);

  auto r1 = lane.post("/v1/returns", {{"receipt_no", 1}, {"lines", {{{"line", 1}, {"qty", 1}}}}});
  REQUIRE(r1.status == 201);
  CHECK(r1.json()["refund"] == 133);  // 398 × 1/3, rounded
  CHECK(r1.json()["tenders"] == json::array({{{"type", "card"}, {"amount", 133}}}));
  CHECK(on_hand(lane, "PEN-BLUE") == 38);

  auto too_many = lane.post("/v1/returns", {{"receipt_no", 1}, {"lines", {{{"line", 1}, {"qty", 3}}}}});
  CHECK(too_many.status == 422);
  CHECK(too_many.json()["error"]["code"] == "exceeds_sold");
  CHECK(lane.post("/v1/returns", {{"receipt_no", 1}, {"lines", {{{"line", 9}, {"qty", 1}}}}}).json()["error"]["code"] == "line_not_found");
  CHECK(lane.post("/v1/returns", {{"receipt_no", 99}, {"lines", {{{"line", 1}, {"qty", 1}}}}}).status == 404);
  CHECK(lane.post("/v1/returns", {{"receipt_no", 1}, {"lines", {{{"line", 2}, {"qty", 1}}}}}).json()["error"]["code"] == "invalid_request");

  auto r2 = lane.post("/v1/returns", {{"receipt_no", 1}, {"lines", {{{"line", 1}, {"qty", 2}}, {{"line", 2}, {"weight_g", 250}}}}});
  REQUIRE(r2.status == 201);
  CHECK(r2.json()["refund"] == 265 + 573);  // the rest of the pens: 398 − 133, and the cheese
  // Card took 133 already; 367 of its 500 are left, the rest goes back in cash.
  CHECK(r2.json()["tenders"] == json::array({{{"type", "card"}, {"amount", 367}}, {{"type", "cash"}, {"amount", 471}}}));
  CHECK(lane.get("/v1/sales/1").json()["returns"].size() == 2);
  CHECK(on_hand(lane, "PEN-BLUE") == 40);

  SECTION("another tender, or no receipt, needs a supervisor") {
    const json no_receipt = {{"tender", "cash"}, {"lines", {{{"sku", "BREAD"}, {"qty", 1}, {"amount", 289}}}}};
    CHECK(lane.post("/v1/returns", no_receipt).json()["error"]["code"] == "supervisor_required");
    auto ok = lane.post("/v1/returns", no_receipt, test::kSupervisorOverride);
    REQUIRE(ok.status == 201);
    CHECK(ok.json()["approved_by"] == "office");
    CHECK(on_hand(lane, "BREAD") == 41);
  }
}

TEST_CASE("voids are for supervisors, once, and put stock back", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD", "BREAD"});
  REQUIRE(lane.pay_cash_and_complete(id).status == 200);
  CHECK(lane.post("/v1/sales/1/void").json()["error"]["code"] == "supervisor_required");
  auto v = lane.post("/v1/sales/1/void", nullptr, test::kSupervisorOverride);
  REQUIRE(v.status == 200);
  CHECK(lane.get("/v1/sales/1").json()["status"] == "voided");
  CHECK(on_hand(lane, "BREAD") == 40);
  CHECK(lane.post("/v1/sales/1/void", nullptr, test::kSupervisorOverride).json()["error"]["code"] == "sale_voided");
  CHECK(lane.post("/v1/sales/77/void", nullptr, test::kSupervisorOverride).status == 404);
  CHECK(lane.post("/v1/returns", {{"receipt_no", 1}, {"lines", {{{"line", 1}, {"qty", 1}}}}}).json()["error"]["code"] == "sale_voided");
}

TEST_CASE("stock movements: receive, count, adjust, transfer, and low-stock alerts", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  auto move = [&](const json& body) { return lane.post("/v1/stock/movements", body); };
  CHECK(move({{"sku", "BREAD"}, {"type", "receive"}, {"qty", 10}}).json()["on_hand"] == 50);
  CHECK(move({{"sku", "BREAD"}, {"type", "count"}, {"qty", 7}}).json()["delta"] == -43);
  CHECK(move({{"sku", "BREAD"}, {"type", "transfer_out"}, {"qty", 2}}).json()["on_hand"] == 5);
  auto low = move({{"sku", "BREAD"}, {"type", "adjust"}, {"qty", -2}, {"reason", "damaged"}});
  REQUIRE(low.status == 201);
  CHECK(low.json()["on_hand"] == 3);
  CHECK(low.json()["low_stock"] == json::array({{{"sku", "BREAD"}, {"on_hand", 3}, {"low_stock", 4}}}));
  CHECK(lane.get("/v1/stock/BREAD").json()["below_low_stock"] == true);
  CHECK(move({{"sku", "APPLES"}, {"type", "receive"}, {"weight_g", 20000}}).json()["on_hand"] == 20000);

  struct Row { json body; int status; const char* message; };
  const std::vector<Row> rows = {
      {{{"sku", "BREAD"}, {"type", "adjust"}, {"qty", -1}}, 400, "reason: an adjustment needs a reason"},
      {{{"sku", "BREAD"}, {"type", "adjust"}, {"qty", 0}, {"reason", "x"}}, 400, "qty: an adjustment must not be 0"},
      {{{"sku", "BREAD"}, {"type", "count"}, {"qty", -1}}, 400, "qty: a count must not be negative"},
      {{{"sku", "BREAD"}, {"type", "receive"}, {"qty", -5}}, 400, "qty: must be positive"},
      {{{"sku", "BREAD"}, {"type", "steal"}, {"qty", 1}}, 400, "type: must be one of receive, adjust, count, transfer_out, transfer_in"},
      {{{"sku", "BREAD"}, {"type", "receive"}}, 400, "qty: give exactly one of qty or weight_g"},
      {{{"sku", "APPLES"}, {"type", "receive"}, {"qty", 1}}, 400, "qty: APPLES is counted in grams"},
      {{{"sku", "NOPE"}, {"type", "receive"}, {"qty", 1}}, 404, "no item has the SKU NOPE"},
  };
  for (const Row& r : rows) {
    INFO(r.body.dump());
    auto res = move(r.body);
    CHECK(res.status == r.status);
    CHECK(res.json()["error"]["message"] == r.message);
  }
  CHECK(lane.get("/v1/stock/BREAD").json()["on_hand"] == 3);
  CHECK(lane.get("/v1/stock/NOPE").status == 404);
}

TEST_CASE("an X report, a till's figures, the status and the low-stock list are read beside the loop: the lanes "
          "are answered while one is held",
          "[checkout][report]") {
  // A 16,000-sale day's X took 0.55-0.76 s on the loop, a till's figures
  // 0.3 s: every lane's scan waited for them (docs/benchmarks.md, "A busy
  // day's X report, a till's figures and the status beside the loop").
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  REQUIRE(lane.post("/v1/tills", {{"till", "T1"}, {"float", {{"10000", 1}}}}).status == 201);
  const std::string sold = lane.open_basket();
  lane.scan(sold, {"WINE-RED"});
  REQUIRE(lane.pay_cash_and_complete(sold).status == 200);

  // `path` asked from the office while the report thread is held: whether
  // the lane's scan was answered meanwhile, and the held answer.
  auto held = [&](const std::string& path) {
    std::promise<void> entered, release;
    std::shared_future<void> released = release.get_future().share();
    node.on_loop([&](Checkout& co) {
      co.gate_reports([&entered, released] {
        entered.set_value();
        released.wait();
      });
    });
    test::HttpResult answer;
    std::thread office([&] { answer = test::Lane(node.port(), test::kSupervisorToken).get(path); });
    REQUIRE(entered.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    auto scanned = std::async(std::launch::async, [&] {
      const std::string id = lane.open_basket();
      return lane.scan(id, {"WINE-RED"}).status;
    });
    const bool answered = scanned.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    release.set_value();
    office.join();
    node.on_loop([](Checkout& co) { co.gate_reports(nullptr); });
    CHECK(scanned.get() == 200);
    return std::make_pair(answered, answer);
  };

  auto [x_answered, x] = held("/v1/reports/x");
  CHECK(x_answered);
  REQUIRE(x.status == 200);
  CHECK(x.json()["report"] == "X");
  CHECK(x.json()["sale_count"] == 1);
  CHECK(x.json()["sales_total"] == 899);

  auto [till_answered, till] = held("/v1/tills/T1");
  CHECK(till_answered);
  REQUIRE(till.status == 200);
  CHECK(till.json()["till"] == "T1");
  CHECK(till.json()["figures"]["expected"] == 10899);

  // The status counts every item of the catalog (5-16 ms for 100,000, asked
  // every 5 s by a dashboard); the low-stock list joins items and stock.
  auto [status_answered, status] = held("/v1/status");
  CHECK(status_answered);
  REQUIRE(status.status == 200);
  CHECK(status.json()["catalog_items"] == 12);
  CHECK(status.json()["open_baskets"] == 2);  // the two scanned while the reads were held
  CHECK(status.json()["terminal"] == "office");
  auto [low_answered, low] = held("/v1/low-stock");
  CHECK(low_answered);
  REQUIRE(low.status == 200);
  CHECK(low.json()["limit"] == 200);
}

TEST_CASE("a read beside the loop that fails inside posd answers 500, and posd serves on", "[checkout][report]") {
  // On its own thread the read is outside the server's guard: a throw there
  // ended the process.
  test::Node node;
  test::load_demo_catalog(node.journal());
  node.on_loop([](Checkout& co) { co.gate_reports([] { throw std::runtime_error("a fault inside a read"); }); });
  test::Lane office(node.port(), test::kSupervisorToken);
  auto failed = office.get("/v1/reports/x");
  CHECK(failed.status == 500);
  CHECK(failed.json()["error"]["code"] == "internal");
  node.on_loop([](Checkout& co) { co.gate_reports(nullptr); });
  test::Lane lane(node.port(), test::kCashierToken);
  CHECK(lane.scan(lane.open_basket(), {"WINE-RED"}).status == 200);
  auto x = office.get("/v1/reports/x");
  REQUIRE(x.status == 200);
  CHECK(x.json()["report"] == "X");
}

TEST_CASE("X and Z reports, and the grand total never resets", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  for (int i = 0; i < 2; ++i) {
    const std::string id = lane.open_basket();
    lane.scan(id, {"WINE-RED"});  // 899, standard
    REQUIRE(lane.pay_cash_and_complete(id).status == 200);
  }
  lane.post("/v1/returns", {{"receipt_no", 2}, {"lines", {{{"line", 1}, {"qty", 1}}}}});
  auto x = lane.get("/v1/reports/x").json();
  CHECK(x["sale_count"] == 2);
  CHECK(x["return_count"] == 1);
  CHECK(x["sales_total"] == 1798);
  CHECK(x["refund_total"] == 899);
  CHECK(x["net_total"] == 899);
  CHECK(x["tenders"] == json::array({{{"type", "cash"}, {"sales", 1798}, {"refunds", 899}, {"net", 899}}}));
  CHECK(x["tax"][0]["net_tax"] == 150);  // 899 at 20 % inside
  CHECK(x["grand_total"] == 899);

  CHECK(lane.post("/v1/reports/z").json()["error"]["code"] == "supervisor_required");
  auto z = lane.post("/v1/reports/z", nullptr, test::kSupervisorOverride);
  REQUIRE(z.status == 201);
  CHECK(z.json()["z_no"] == 1);
  CHECK(z.json()["net_total"] == 899);
  auto after = lane.get("/v1/reports/x").json();
  CHECK(after["sale_count"] == 0);
  CHECK(after["period"] == 2);
  CHECK(after["grand_total"] == 899);
  CHECK(lane.post("/v1/sales/1/void", nullptr, test::kSupervisorOverride).json()["error"]["code"] == "day_closed");
  CHECK(lane.post("/v1/drawer/open").json()["error"]["code"] == "supervisor_required");
  CHECK(lane.post("/v1/drawer/open", nullptr, test::kSupervisorOverride).status == 200);
}

TEST_CASE("a Z is an anchor: its receipts, grand total, seq and hash, checked by verify --anchor against the journal and an export", "[checkout][journal]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  for (int i = 0; i < 3; ++i) {
    const std::string id = lane.open_basket();
    lane.scan(id, {"BREAD"});
    REQUIRE(lane.pay_cash_and_complete(id).status == 200);
  }
  auto z = lane.post("/v1/reports/z", nullptr, test::kSupervisorOverride).json();
  CHECK(z["receipts"] == json({{"first", 1}, {"last", 3}}));
  CHECK(z["grand_total"] == 3 * 289);
  const uint64_t seq = z["journal"]["seq"];
  const std::string hash = z["journal"]["hash"];
  CHECK(z["journal"]["anchor"] == std::to_string(seq) + ":" + hash);
  CHECK(seq == node.journal().last_seq());
  {
    auto db = sql::Db::open(node.db_path(), sql::Db::Mode::read_only);
    Event held;
    REQUIRE(scan_journal(*db, seq, [&](const Event& e) {
      held = e;
      return Status::unavailable("one");
    }).code() == Status::Code::unavailable);
    CHECK(held.type == "z_report");
    CHECK(held.hash == hash);
    CHECK(held.payload["receipts"] == z["receipts"]);
    CHECK(held.payload["grand_total"] == z["grand_total"]);
  }
  // The next day's sales follow; the printed anchor still holds.
  const std::string id = lane.open_basket();
  lane.scan(id, {"BREAD"});
  REQUIRE(lane.pay_cash_and_complete(id).status == 200);
  const std::string anchor = z["journal"]["anchor"];
  auto verify = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {test::bin("posctl"), "journal", "verify"};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv);
  };
  auto ok = verify({"--db", node.db_path(), "--anchor", anchor});
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::StartsWith("ok "));
  auto other = verify({"--db", node.db_path(), "--anchor", std::to_string(seq) + ":" + std::string(64, 'a')});
  CHECK(other.exit_code == 1);
  CHECK(other.out == "bad anchor seq " + std::to_string(seq) + ": the journal holds another event there (hash " + hash +
                         "): it was rewritten\n");
  CHECK(verify({"--db", node.db_path(), "--anchor", "12:ABC"}).exit_code == 2);

  // An export cut before the Z is a valid chain, but not the one the Z anchors.
  auto exported = test::run({test::bin("posctl"), "journal", "export", "--db", node.db_path()});
  REQUIRE(exported.exit_code == 0);
  std::string cut;
  std::istringstream lines(exported.out);
  for (std::string line; std::getline(lines, line) && cut.size() < exported.out.size();) {
    if (json::parse(line)["seq"].get<uint64_t>() >= seq) break;
    cut += line + "\n";
  }
  test::write_text(node.dir().file("cut.jsonl"), cut);
  test::write_text(node.dir().file("whole.jsonl"), exported.out);
  const std::string pub = node.db_path() + ".pub";
  CHECK(verify({"--export", node.dir().file("cut.jsonl"), "--pubkey", pub}).exit_code == 0);
  auto cut_verify = verify({"--export", node.dir().file("cut.jsonl"), "--pubkey", pub, "--anchor", anchor});
  CHECK(cut_verify.exit_code == 1);
  CHECK(cut_verify.out == "bad anchor seq " + std::to_string(seq) + ": the journal ends at seq " + std::to_string(seq - 1) +
                              ", before it: events were removed from its end\n");
  CHECK(verify({"--export", node.dir().file("whole.jsonl"), "--pubkey", pub, "--anchor", anchor}).exit_code == 0);
}

TEST_CASE("cash rounding to 0.05 and tax added on top (US style)", "[checkout]") {
  test::Node node({}, [](json& j) {
    j["cash_rounding"] = 5;
    j["prices_include_tax"] = false;
    j["currency"] = "USD";
  });
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  auto b = lane.scan(id, {"BREAD"}).json();  // 289 + 5.5 % = 289 + 16 = 305
  CHECK(b["currency"] == "USD");
  CHECK(b["total"] == 305);
  lane.post("/v1/baskets/" + id + "/lines", {{"code", "MILK-1L"}});  // 99 + 5 = 104 → 409... one rate: 388 × 5.5 % = 21
  b = lane.get("/v1/baskets/" + id).json();
  CHECK(b["total"] == 409);
  auto paid = lane.post("/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 500}}).json();
  CHECK(paid["rounding"] == 1);  // 409 → 410 in cash
  CHECK(paid["change"] == 90);
  CHECK(lane.post("/v1/baskets/" + id + "/complete").status == 200);
}

TEST_CASE("a full disk refuses sales clearly, keeps reads, and recovers by itself", "[checkout][diskfull]") {
  // A small tmpfs of the test's own holds the database.
  test::TempDir outer;
  const std::string mnt = outer.file("mnt");
  std::filesystem::create_directory(mnt);
  REQUIRE(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m") == 0);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};

  const std::string db = mnt + "/node.db";
  {
    auto j = Journal::open({.db_path = db, .store_id = "TEST-1"});
    REQUIRE(j);
    test::load_demo_catalog(**j);
  }
  test::Node node({}, [&](json& j) { j["database"] = db; });
  test::Lane lane(node.port(), test::kCashierToken);
  // A sale, or the first step of it refused: with the disk full that may be
  // the basket itself (the basket store beside the journal cannot keep it).
  auto sell = [&]() -> test::HttpResult {
    auto made = lane.post("/v1/baskets");
    if (made.status != 201) return made;
    const std::string id = made.json()["id"];
    auto line = lane.post("/v1/baskets/" + id + "/lines", {{"code", "BREAD"}});
    if (line.status != 200) return line;
    auto paid = lane.post("/v1/baskets/" + id + "/tenders", {{"type", "cash"}, {"amount", 300}});
    if (paid.status != 200) return paid;
    return lane.post("/v1/baskets/" + id + "/complete");
  };
  REQUIRE(sell().status == 200);
  // What the disk alert (monitoring/prometheus/posd.rules.yml) reads: the file system under the database.
  auto gauge = [&](const std::string& name) {
    const double value = test::metric(node.port(), name);
    REQUIRE(value >= 0);  // there, and none of these is negative
    return value;
  };
  CHECK(gauge("posd_disk_size_bytes") == 4.0 * 1024 * 1024);
  CHECK(gauge("posd_disk_available_bytes") > 0.5 * 1024 * 1024);
  CHECK(gauge("posd_watchdog_seconds") == 0);  // not under systemd here
  CHECK(gauge("posd_journal_writer_stalled_seconds") < 1);

  // Fill what is left of the file system.
  {
    std::ofstream filler(mnt + "/filler", std::ios::binary);
    std::string block(64 * 1024, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size())) && filler.flush()) {}
  }
  auto refused = sell();
  int tries = 0;
  while (refused.status == 200 && ++tries < 50) refused = sell();  // the WAL may still have had room
  REQUIRE(refused.status == 507);
  CHECK(gauge("posd_disk_available_bytes") < 0.05 * gauge("posd_disk_size_bytes"));
  CHECK(refused.json()["error"]["code"] == "disk_full");
  CHECK(lane.get("/v1/items/BREAD").status == 200);  // reads go on
  CHECK(lane.get("/v1/sales/1").status == 200);
  auto ready = test::request(node.port(), "GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.json()["error"]["code"] == "disk_full");

  std::filesystem::remove(mnt + "/filler");
  auto again = sell();
  CHECK(again.status == 200);
  CHECK(test::request(node.port(), "GET", "/readyz").status == 200);
  auto sales = lane.get("/v1/reports/x").json()["sale_count"].get<int>();
  CHECK(sales == again.json()["receipt_no"].get<int>());  // receipt numbers stayed gap-free
  auto verify = sql::Db::open(db, sql::Db::Mode::read_only);
  CHECK(verify_journal(*verify, node.journal().public_key()).is_ok());
}

TEST_CASE("baskets a lane walked away from are abandoned, and journaled when they held anything", "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string full = lane.open_basket();
  lane.scan(full, {"BREAD"});
  const std::string empty = lane.open_basket();
  const uint64_t before = node.journal().last_seq();

  size_t fresh = 99, gone = 0;
  node.on_loop([&](Checkout& c) {
    fresh = c.expire(std::chrono::steady_clock::now(), std::chrono::hours(1));
    gone = c.expire(std::chrono::steady_clock::now() + std::chrono::hours(2), std::chrono::hours(1));
  });
  CHECK(fresh == 0);
  CHECK(gone == 2);
  CHECK(lane.get("/v1/baskets/" + full).status == 404);
  CHECK(lane.get("/v1/baskets/" + empty).status == 404);

  // One event, for the basket that held a line.
  for (int i = 0; i < 500 && node.journal().last_seq() == before; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(node.journal().last_seq() == before + 1);
  auto db = sql::Db::open(node.db_path(), sql::Db::Mode::read_only);
  std::string type;
  REQUIRE(scan_journal(*db, before + 1, [&](const Event& e) {
    type = e.type;
    CHECK(e.payload["lines"][0]["sku"] == "BREAD");
    return Status::ok();
  }));
  CHECK(type == "basket_abandoned");
  CHECK(lane.get("/v1/stock/BREAD").json()["on_hand"] == 40);
}

TEST_CASE("a promotion changed while a basket is open prices its next scan, whether posctl or posd itself changed it",
          "[checkout]") {
  test::Node node;
  test::load_demo_catalog(node.journal());
  test::Lane lane(node.port(), test::kCashierToken);
  const std::string id = lane.open_basket();
  auto before = lane.scan(id, {"BREAD"}).json();
  CHECK(before["lines"][0]["discount"] == 0);

  // posctl, another process, imports the catalog with a promotion on bread.
  auto doc = json::parse(test::read_text(std::string(POSD_SOURCE_DIR) + "/scripts/demo-catalog.json"));
  doc["promotions"].push_back({{"id", "BREAD-10"}, {"type", "percent_off"}, {"skus", {"BREAD"}}, {"percent_bp", 1000}});
  test::write_text(node.dir().file("catalog.json"), doc.dump());
  auto import = test::run({test::bin("posctl"), "catalog", "import", "--db", node.db_path(), node.dir().file("catalog.json")});
  REQUIRE(import.exit_code == 0);
  auto during = lane.scan(id, {"BREAD"}).json();
  CHECK(during["lines"][0]["promotions"] == json::array({"BREAD-10"}));
  CHECK(during["lines"][1]["discount"] == 29);  // 10 % of 2.89
  CHECK(lane.get("/v1/baskets/" + id).json()["discount"] == 58);

  // posd's own journal (as HQ's down-log does) takes it away again.
  REQUIRE(node.journal().write([](WriteContext& ctx) -> Result<std::vector<Entry>> {
    if (Status s = catalog::remove_promotion(ctx.db, "BREAD-10"); !s) return s;
    return std::vector<Entry>{{"promotion_removed", {{"id", "BREAD-10"}}}};
  }));
  auto after = lane.scan(id, {"BREAD"}).json();
  CHECK(after["discount"] == 0);
  CHECK(after["lines"][0]["promotions"] == json::array());
}
