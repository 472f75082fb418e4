#include "checkout/promotion_book.h"

#include <algorithm>

namespace posd {

PromotionBook::PromotionBook(std::vector<Promotion> all) : all_(std::move(all)) {
  for (uint32_t i = 0; i < all_.size(); ++i) {
    if (all_[i].type == PromoType::basket_threshold) {
      thresholds_.push_back(i);
      continue;
    }
    for (const std::string& sku : all_[i].skus) {
      auto& list = by_sku_[sku];
      if (list.empty() || list.back() != i) list.push_back(i);  // a SKU named twice counts once
    }
  }
}

std::vector<Promotion> PromotionBook::for_skus(const std::vector<std::string_view>& skus) const {
  std::vector<uint32_t> picked = thresholds_;
  for (std::string_view sku : skus) {
    auto it = by_sku_.find(sku);
    if (it != by_sku_.end()) picked.insert(picked.end(), it->second.begin(), it->second.end());
  }
  std::sort(picked.begin(), picked.end());
  picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
  std::vector<Promotion> out;
  out.reserve(picked.size());
  for (uint32_t i : picked) out.push_back(all_[i]);
  return out;
}

}  // namespace posd
