// The store's checkout and stock, as the terminal API uses them. Lives on the
// event loop's thread: every method must be called there, and every `done`
// runs there. Baskets live in memory and, before each change is answered, in
// the basket store beside the journal (storage/basket_store.h: they survive a
// crash or restart); everything fiscal (sales, returns, stock movements,
// reports) is written through the Journal, and `done` runs only after that
// write is durable.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "base/clock.h"
#include "checkout/basket.h"
#include "checkout/events.h"
#include "checkout/promotion_book.h"
#include "checkout/reasons.h"
#include "checkout/records.h"
#include "checkout/stock_movement.h"
#include "checkout/till.h"
#include "storage/basket_store.h"
#include "storage/journal.h"
#include "storage/sales.h"
#include "storage/store_tables.h"

namespace posd {

// Who is asking: the terminal, the operator signed on at it (if any), the
// role they act in, and a supervisor who approved this one request (the
// terminal or operator itself when a supervisor's, or an override by
// X-Supervisor-Token or by an operator's id and PIN).
struct Caller {
  std::string terminal;
  bool supervisor = false;
  std::string approver;  // empty unless supervisor
  std::string operator_id;    // empty: no operator signed on
  Role role = Role::cashier;  // whose limits apply (checkout/basket.h)
};

// An operator signed on at a terminal (sessions live in memory: a restart
// signs every lane off).
struct OperatorSession {
  std::string id;
  std::string name;
  Role role = Role::cashier;
  bool locked = false;  // locked by its operator: their PIN, or another's take-over, opens it
};

// The role whose limits apply: a supervisor's approval acts as a supervisor.
inline Role acting_role(const Caller& c) { return c.supervisor && c.role == Role::cashier ? Role::supervisor : c.role; }

// An Idempotency-Key to remember the answer under, inside the write itself.
struct IdemKey {
  std::string terminal;
  std::string key;
  std::string request;  // digest of method, path and body
};

using Done = std::function<void(Outcome)>;

// An answer kept under an Idempotency-Key, and back. Only answers that were
// written are kept; the stored row's number is 201 for a made record and 200
// otherwise (its form from before the checkout stopped speaking HTTP).
idempotency::Answer remembered(const std::string& request, const Outcome& o);
Outcome replayed(const idempotency::Answer& a);  // marked `replayed`

// What is pushed to terminals: a terminal's basket changes and sales, and to
// every terminal (empty `terminal`) low-stock alerts and "journal" (the seq
// and event types of each write the checkout made).
using EventSink = std::function<void(const std::string& terminal, const nlohmann::json& event)>;

class Checkout {
 public:
  // Opens its own read connection to the journal's database, and the basket
  // store at `<journal>.baskets`. `clock` ages baskets; `ids` names them.
  static Result<std::unique_ptr<Checkout>> open(boost::asio::io_context& ioc, Journal& journal, StoreRules rules,
                                                const Clock& clock = Clock::system(),
                                                IdSource& ids = IdSource::random());

  // `listening(terminal)` says whether an event for `terminal` would reach
  // anyone: one that would not is not built (empty: every event is).
  void set_event_sink(EventSink sink, std::function<bool(const std::string& terminal)> listening = {}) {
    sink_ = std::move(sink);
    listening_ = std::move(listening);
  }
  // A kept answer given again (marked replayed), with what was added to it
  // after its write (a closure's journal anchor).
  Outcome replay(const idempotency::Answer& a);
  // Adds one who acts on what happens (printers, the drawer, metrics).
  void add_listener(CheckoutListener l) { listeners_.push_back(std::move(l)); }
  const StoreRules& rules() const { return rules_; }
  sql::Db& reader() { return reader_; }
  const Journal& journal() const { return journal_; }
  const Clock& clock() const { return clock_; }

  // Items and stock (reads; answer at once).
  // True when a scanned code is no barcode but looks like a full card number
  // (a card swiped or typed into the scan field): it must go no further.
  bool card_number_scan(const std::string& code) const;
  Outcome item(const std::string& code);
  Outcome stock(const std::string& sku);

  // Baskets (kept in the basket store before the answer; answer at once).
  // A change the basket store cannot keep is refused (507 on a full disk)
  // and undone.
  Outcome create_basket(const Caller& c);
  Outcome basket(const Caller& c, const std::string& id);
  // An exchange: the lines a customer brings back from one earlier sale
  // ({"receipt_no", "lines": [{"line", "qty"|"weight_g"}], "reason"}, as a
  // return names them), held in this basket and credited against its new
  // lines; PUT again replaces them. At completion the return and the sale
  // are journaled in one transaction: the credit is the sale's "exchange"
  // tender and the return's, what is left of it goes back to the customer.
  Outcome set_exchange(const Caller& c, const std::string& id, const nlohmann::json& body);
  Outcome remove_exchange(const Caller& c, const std::string& id);
  // The baskets this caller may pick up: its own (any state) and every
  // suspended one, oldest first, priced.
  Outcome baskets(const Caller& c);
  Outcome add_line(const Caller& c, const std::string& id, const nlohmann::json& body);
  // A scan from a scanner bound to `terminal`: added to that terminal's open
  // basket (the one used last), as if the lane had sent it.
  Outcome add_scan(const std::string& terminal, const std::string& code);
  Outcome remove_line(const Caller& c, const std::string& id, const std::string& line);
  // Changes line n in place: its quantity ({"qty"}) or, for an item sold by
  // kg, its weight ({"weight_g"}), and/or its unit price ({"price"}, a
  // supervisor's override; the catalog price is kept beside it).
  Outcome change_line(const Caller& c, const std::string& id, const std::string& line, const nlohmann::json& body);
  // A manual discount on the whole basket: {"percent_bp"} or {"amount"}, and
  // "reason" (docs/openapi.yaml); a line's goes in change_line's "discount".
  // Above the caller's role limit it needs a supervisor's approval.
  Outcome set_discount(const Caller& c, const std::string& id, const nlohmann::json& body);
  Outcome remove_discount(const Caller& c, const std::string& id);
  // The store's reason codes: the configuration file's, and HQ's for the
  // codes the file does not have for the same use.
  Result<std::vector<ReasonCode>> reason_codes();
  Outcome reason_codes_answer();
  Outcome suspend(const Caller& c, const std::string& id);
  Outcome resume(const Caller& c, const std::string& id);

  // Writes (journaled; `done` after the fsync).
  // A tender taken: the basket with it is kept in the database (basket_kept)
  // before the answer, so a card approval is never only in memory.
  void tender(const Caller& c, const std::string& id, const nlohmann::json& body, Done done);
  void cancel(const Caller& c, const std::string& id, const IdemKey* idem, Done done);
  void complete(const Caller& c, const std::string& id, const IdemKey* idem, Done done);
  // Voids and no-sales take {"reason"} (a reason code, when the store has
  // codes for them) or no body.
  void void_sale(const Caller& c, const std::string& receipt_no, const nlohmann::json& body, const IdemKey* idem, Done done);
  void return_items(const Caller& c, const nlohmann::json& body, const IdemKey* idem, Done done);
  void stock_movement(const Caller& c, const nlohmann::json& body, const IdemKey* idem, Done done);
  void no_sale(const Caller& c, const nlohmann::json& body, const IdemKey* idem, Done done);
  // The sale is its receipt's original. Every later issue is a numbered copy,
  // journaled (receipt_reprinted: receipt_no, copy, channel, terminal) and
  // marked DUPLICATE: reprint prints it on the calling terminal's printer
  // (409 no_printer when it has none, and nothing is journaled);
  // receipt_copy answers its text.
  void reprint(const Caller& c, const std::string& receipt_no, const IdemKey* idem, Done done);
  void receipt_copy(const Caller& c, const std::string& receipt_no, Done done);
  // The sale's receipt code (checkout/receipt_code.h), signed with the store key.
  std::string receipt_code(const Sale& sale) const;
  // Whether a terminal has a receipt printer (the store's devices say).
  void set_printers(std::function<bool(const std::string& terminal)> has_printer) { has_printer_ = std::move(has_printer); }
  // Closes the day (a Z), after journaling the closures of any month and
  // year that ended before today (checkout/closure.h).
  void z_report(const Caller& c, const IdemKey* idem, Done done);
  // Journals the closures of every month and year that ended and holds a Z
  // no closure took in; {"closures": [...]} (empty: nothing to close).
  void close_periods(const Caller& c, const IdemKey* idem, Done done);

  // Drops the baskets (open or suspended) untouched since before `now − max_age`:
  // a lane that crashed or walked away. One that had lines or tenders is
  // journaled as basket_abandoned, like a cancel. Returns how many went.
  size_t expire(std::chrono::steady_clock::time_point now, std::chrono::seconds max_age);
  // At start: takes up the baskets the basket store kept (a restart, a crash,
  // a power cut), dropping those the journal says ended. A basket with a
  // tender is also kept in the journal's own table (fsynced) with its state
  // as of its last tender: taken up from there when that is newer than the
  // basket store's copy or the only one (a power cut). One kept there by an
  // older posd, with no state, that the basket store lost is journaled as
  // basket_abandoned with reason "lost". Blocking. Call once, before serving.
  struct Restored {
    size_t baskets = 0;  // taken up again
    size_t lost = 0;     // journaled as lost
  };
  Result<Restored> restore();
  // At shutdown (the event loop stopped): syncs the basket store. The
  // baskets stay there for the next start. Returns how many there are.
  Result<size_t> keep_baskets();
  // The basket store (tests look at it).
  BasketStore& basket_store() { return *store_; }
  // True when every ended basket left the basket store and it syncs: a Z
  // may then forget the marks of baskets that ended before the last Z.
  bool baskets_settled() const { return undropped_.empty() && !store_->sync_failing(); }

  // Operators (provisioned by posctl or HQ: storage/store_tables.h). A PIN
  // is checked off the event loop (base/pin.h); the fifth wrong one in a
  // row locks the operator for operator_lockout_minutes (journaled). Every
  // sign-on, take-over (another operator signing on at a lane that has
  // one), sign-off, lock and unlock is journaled.
  void sign_on(const Caller& c, const nlohmann::json& body, Done done);  // {"operator", "pin"}
  void sign_off(const Caller& c, Done done);
  void lock(const Caller& c, Done done);
  void unlock(const Caller& c, const nlohmann::json& body, Done done);  // {"pin"}
  Outcome session(const Caller& c) const;
  const OperatorSession* session_of(const std::string& terminal) const;
  // The same, as the operator table has it now: an operator removed since
  // signing on is signed off, one whose role changed acts in the new role.
  const OperatorSession* current_session(const std::string& terminal);
  // An approval of one request by an operator's id and PIN: a
  // supervisor's or a manager's (403 approver_not_supervisor otherwise).
  using Approved = std::function<void(Outcome, OperatorSession)>;
  void approve(const Caller& c, const std::string& op, const std::string& pin, Approved done);

  // Tills (checkout/till.h): a cash drawer opened at the calling lane with
  // a float counted by denomination ({"till", "float": {"5000": 2, …}}), one
  // per lane and one session per till at a time; cash moved by hand
  // ({"type", "amount", "reason"}: paid in/out need a reason when the store
  // has codes; what leaves may not exceed what the till should hold); and
  // closed with a count ({"counted": {…}}), journaling expected, counted and
  // over/short. Moves and the close: the till's own lane or a supervisor.
  void open_till(const Caller& c, const nlohmann::json& body, const IdemKey* idem, Done done);
  void move_till_cash(const Caller& c, const std::string& till, const nlohmann::json& body, const IdemKey* idem, Done done);
  void close_till(const Caller& c, const std::string& till, const nlohmann::json& body, const IdemKey* idem, Done done);
  // A till's open session and its figures so far; no figures while the
  // store closes blind (blind_close): the count comes first. Read beside
  // the loop, as the X report is (its figures read the journal since the
  // till opened: 0.3 s after 16,000 sales). `done` on the loop.
  void till(const Caller& c, const std::string& till, Done done);

  // Sales and reports (reads).
  Outcome sale(const std::string& receipt_no);
  // The X report reads the whole period (0.6 s for a 16,000-sale day): on a
  // thread of its own with a read-only connection of its own, one snapshot,
  // never on the loop, which goes on answering the lanes. `done` on the loop.
  void x_report(Done done);
  // Runs on the report's thread before each report reads, inside its guard
  // (tests hold a report there to see the lanes answered meanwhile, or throw).
  void gate_reports(std::function<void()> gate) { report_gate_ = std::move(gate); }
  // Every closure journaled (Zs, months, years), oldest first: {kind, no,
  // period, seq, hash, anchor, closed_by}.
  Outcome closures();
  // {"items": [{sku, name, unit, on_hand, low_stock}]}: below their threshold.
  // Read beside the loop too (22 ms for 100,000 items).
  void low_stock(Done done);
  // The store's state: what the loop holds, with the figures read beside
  // it (the catalog's count of items reads every item: 5-16 ms for
  // 100,000, and a dashboard asks every 5 s). `done` on the loop.
  void status(Done done);

 private:
  Checkout(boost::asio::io_context& ioc, Journal& journal, StoreRules rules, sql::Db reader,
           std::unique_ptr<BasketStore> store, const Clock& clock, IdSource& ids);

  // Finds a basket this caller may touch; nullptr and `err` set otherwise.
  Basket* find_basket(const Caller& c, const std::string& id, Outcome& err);
  // The same, and it must be open and this caller's own (basket_not_open otherwise).
  Basket* open_basket(const Caller& c, const std::string& id, Outcome& err);
  // Line `line` (1-based, a path segment) of an open basket of this caller's
  // with no tenders yet; nullptr and `err` set otherwise. Sets `b`.
  BasketLine* editable_line(const Caller& c, const std::string& id, const std::string& line, Basket*& b, Outcome& err);
  // After a change to b's lines: a new version, kept, the answer, and the
  // terminal's basket event; or, when the change takes an amount over its
  // limit (422 amount_limit) or a manual discount over the limit it was
  // given under (403 discount_over_limit), `undo` puts the basket back.
  // `amount_off`: a line (0-based) just given a discount of an amount, or
  // the basket (its line count): the amount must fit in what it is taken
  // from (422 discount_too_large).
  Outcome changed(const Caller& c, Basket& b, const std::function<void()>& undo = {},
                  std::optional<size_t> amount_off = std::nullopt);
  // What the caller's role may do alone: the configuration file's limits,
  // with HQ's over them (down-log kind role_limits).
  RoleLimits limits_of(const Caller& c);
  // ok when the caller's role may do it alone (`allowed` of its limits);
  // 403 supervisor_required for a cashier, role_not_allowed for another.
  Outcome role_may(const Caller& c, bool RoleLimits::*allowed, const std::string& what);
  // ok, or why `given` cannot be the reason of `use` (checkout/reasons.h).
  Outcome need_reason(ReasonUse use, const std::optional<std::string>& given);
  // Reads a body of only {"reason"} (or none) and checks it for `use`.
  Outcome read_reason(const nlohmann::json& body, ReasonUse use, std::optional<std::string>& reason);
  // Reads a manual discount's body for this caller: its reason checked, the
  // limit it is given under (the caller's role's) and its approver set.
  Outcome read_discount(const Caller& c, const nlohmann::json& body, const std::string& path, GivenDiscount& out);
  // After a basket's completing write: gone when written, open again when not.
  void settle(const std::string& id, bool written);
  // Puts the basket in the basket store, or says why it could not; `state`
  // is its basket_state_text when the caller has it already.
  Status keep(const Basket& b);
  Status keep(const Basket& b, const std::string& state);
  // Takes an ended basket out of the basket store (the journal marked it ended).
  void drop(const std::string& id);
  Outcome answer(const Basket& b);
  // The promotions that can touch `b` (checkout/promotion_book.h), from the
  // book read again whenever catalog::promotions_version moved.
  Result<std::vector<Promotion>> promotions(const Basket& b);
  // Runs `m` through the journal; remembers the answer under `idem`; posts
  // `done` back to the event loop with the Outcome the mutation produced.
  using OutcomeMutation = std::function<Outcome(WriteContext&, std::vector<Entry>&)>;
  // Every event the write makes carries the caller's operator, when one is
  // signed on.
  void write(const Caller& c, OutcomeMutation m, const IdemKey* idem, Done done);
  void emit(const std::string& terminal, const nlohmann::json& event);
  bool streaming(const std::string& terminal) const { return sink_ && (!listening_ || listening_(terminal)); }
  void notify(const CheckoutEvent& e);
  // Adds a closure's journal anchor {seq, hash, signature, anchor}; false
  // when its event cannot be read.
  bool anchor_closure(nlohmann::json& closure);
  // Anchors every closure an answer holds (a Z's own, its "closures") and,
  // unless the answer is a replay, tells the listeners (the printer).
  void anchor_closures(const std::string& terminal, Outcome& o);
  // The low-stock alerts of a write's answer, to every stream and listener.
  void alert_low_stock(const nlohmann::json& alerts);

  boost::asio::io_context& ioc_;
  Journal& journal_;
  StoreRules rules_;
  sql::Db reader_;
  PromotionBook promotion_book_;
  std::optional<int64_t> promotion_book_version_;  // catalog::promotions_version when the book was read
  const Clock& clock_;
  IdSource& ids_;
  std::unique_ptr<BasketStore> store_;
  std::set<std::string> undropped_;  // ended, but their removal from the basket store failed
  std::map<std::string, Basket> baskets_;
  std::map<std::string, OperatorSession> sessions_;  // by terminal
  // Checks `pin` for operator `id` off the loop; a wrong one is counted (the
  // fifth locks the operator, journaled). `done` on the loop.
  void check_pin(const Caller& c, const std::string& id, const std::string& pin, Approved done);
  boost::asio::thread_pool pins_{1};  // PIN checks: slow on purpose, never on the loop
  EventSink sink_;
  std::function<bool(const std::string& terminal)> listening_;
  std::vector<CheckoutListener> listeners_;
  std::function<bool(const std::string&)> has_printer_ = [](const std::string&) { return false; };
  void issue_copy(const Caller& c, const std::string& receipt_no, const char* channel, const IdemKey* idem, Done done);
  // Runs `read` on the report thread, on its own read-only connection inside
  // one snapshot, and `done` with its answer on the loop.
  void read_beside(std::function<Outcome(sql::Db&)> read, Done done);
  // Reads beside the loop (x_report, till, status, low_stock): the report
  // thread's own connection, opened at its first read; the pool last, so
  // that it is joined first.
  std::optional<sql::Db> report_db_;
  std::function<void()> report_gate_;
  boost::asio::thread_pool reports_{1};
};

// The return side of an exchange, inside its sale's write: the lines checked
// again against the sale and its returns as they are now (409
// exchange_changed when the credit would differ from what the basket showed),
// journaled as a return (with exchange_basket_id) whose first tender is the
// credit `applied` to the new sale and the rest refunded as split_refund says.
Outcome record_exchange_return(WriteContext& ctx, std::vector<Entry>& entries, const Caller& c, const std::string& basket_id,
                               const Exchange& x, int64_t applied, bool inclusive);

// The figures of a till session from the journal: its float and every event
// after its opening (the reader's or the writer's connection).
Result<TillTally> till_figures(sql::Db& db, const tills::Session& s);

// The write of one stock movement (already validated): on-hand, the movement
// row, the journal event, and a low_stock event when the threshold is crossed.
Outcome record_stock_movement(WriteContext& ctx, std::vector<Entry>& entries, const StockMovement& m,
                              const std::string& terminal);

}  // namespace posd
