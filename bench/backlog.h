// A store's past, written straight into its journal for the benchmarks: N
// sale events of a four-line basket (826 bytes as a one-event message), 1,000
// a transaction, each moving the receipt number and the grand total and
// holding its row in the sale table as a real sale does (posd checks those
// against its journal at start).
#pragma once

#include <algorithm>
#include <cstdlib>

#include "storage/journal.h"
#include "storage/sales.h"

namespace posd::bench {

inline void write_sales(Journal& j, int events) {
  nlohmann::json lines = nlohmann::json::array();
  for (int l = 0; l < 4; ++l) {
    lines.push_back({{"sku", "SKU-" + std::to_string(l)}, {"qty", 1}, {"unit_price", 199}, {"total", 199}, {"tax_bp", 2000}});
  }
  for (int done = 0; done < events;) {
    const int n = std::min(1000, events - done);
    auto r = j.write([&](WriteContext& ctx) -> Result<std::vector<Entry>> {
      auto no = counter::add(ctx.db, "receipt_no", n);
      if (!no) return no.status();
      if (auto total = counter::add(ctx.db, "grand_total", int64_t{796} * n); !total) return total.status();
      const int64_t first = *no - n + 1;
      std::vector<Entry> out;
      for (int i = 0; i < n; ++i) {
        out.push_back({"sale", {{"receipt_no", first + i}, {"terminal", "lane-1"}, {"lines", lines}, {"total", 796},
                                {"tenders", {{{"type", "cash"}, {"amount", 1000}}}}, {"change", 204}}});
        const sales::SaleRow row{first + i, ctx.next_seq + i, 1, ctx.business_day, "lane-1", 796, "completed",
                                 out.back().payload};
        if (Status s = sales::insert(ctx.db, row); !s) return s;
      }
      return out;
    });
    if (!r) std::exit(2);
    done += n;
  }
}

}  // namespace posd::bench
