// The catalog's promotions as pricing reads them: kept in catalog order, with
// an index from each SKU to the promotions that name it. A basket is priced
// with the promotions that can touch it (those naming one of its items, and
// every basket threshold), not with all of them: a promotion that names none
// of a basket's items gives it nothing, and the order kept is the catalog's,
// so the price is the same (tests/checkout/promotion_book_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/catalog.h"

namespace posd {

class PromotionBook {
 public:
  PromotionBook() = default;
  explicit PromotionBook(std::vector<Promotion> all);
  // The index points into the promotions: a move keeps them where they are, a copy would not.
  PromotionBook(PromotionBook&&) = default;
  PromotionBook& operator=(PromotionBook&&) = default;
  PromotionBook(const PromotionBook&) = delete;
  PromotionBook& operator=(const PromotionBook&) = delete;

  // The promotions that can touch a basket of these SKUs, in catalog order.
  std::vector<Promotion> for_skus(const std::vector<std::string_view>& skus) const;
  size_t size() const { return all_.size(); }

 private:
  std::vector<Promotion> all_;
  std::unordered_map<std::string_view, std::vector<uint32_t>> by_sku_;  // views into all_'s SKUs
  std::vector<uint32_t> thresholds_;
};

}  // namespace posd
