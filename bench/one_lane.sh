# one_lane.sh: sourced by bench/loop_instructions and bench/wal_pages. Makes,
# in the current directory, a store of ITEMS items (the catalog of
# bench/bench_catalog.h: SKU-i, GTIN 05000…i with its check digit) whose
# stock was counted (a stock row and a movement for every item, the rows an
# HQ stock snapshot leaves, written straight into the tables with no event),
# posd's configuration (posd.json), 5,000 GTINs drawn at random (gtins.txt),
# and lane.py: PORT SALES SEED sells SALES sales of one lane on one keep-alive
# connection (open, five scans by GTIN, cash, complete), each request with an
# Idempotency-Key as the browser lane sends. Then wait_for_posd ERR_FILE
# prints the port posd serves on.
# Needs: BIN (posd's build directory, absolute), python3.
make_one_lane_store() {
  local items=$1
  python3 - "$items" <<'PY'
import json, random, sys
n = int(sys.argv[1])
def gtin(i):
    body = "5" + str(i).rjust(11, "0")
    s = sum(int(d) * (3 if k % 2 == 0 else 1) for k, d in enumerate(reversed(body)))
    return body + str((10 - s % 10) % 10)
items = [{"sku": f"SKU-{i}", "name": f"Item {i}", "price": 99 + (i * 37) % 5000, "unit": "each",
          "tax_class": "standard" if i % 3 else "reduced", "low_stock": 2, "gtins": [gtin(i)]} for i in range(n)]
json.dump({"tax_classes": [{"id": "standard", "rate_bp": 2000}, {"id": "reduced", "rate_bp": 550}], "items": items},
          open("catalog.json", "w"))
r = random.Random(7919)
open("gtins.txt", "w").write("\n".join(gtin(r.randrange(n)) for _ in range(5000)))
PY
  "$BIN/posctl" catalog import --db "$PWD/posd.db" --store BENCH catalog.json > /dev/null
  # The stock counted: a row for every item, and its movement at the
  # journal's last seq, as an HQ snapshot leaves them.
  python3 - <<'PY'
import sqlite3
db = sqlite3.connect("posd.db")
with db:
    db.execute("INSERT INTO stock(sku, on_hand) SELECT sku, 1000000 FROM item")
    db.execute("INSERT INTO stock_movement(seq, sku, delta, kind) "
               "SELECT (SELECT MAX(seq) FROM journal), sku, 1000000, 'snapshot' FROM item")
PY
  cat > posd.json <<JSON
{"store_id": "BENCH", "database": "$PWD/posd.db", "listen": "127.0.0.1:0", "plain_http": true,
 "max_open_baskets": 100, "terminals": [{"id": "lane", "token": "bench-lane-token-000000000", "role": "cashier"}]}
JSON
  cat > lane.py <<'PY'
import http.client, json, random, sys, uuid
port, n, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
gtins = open("gtins.txt").read().split()
rng = random.Random(seed)
c = http.client.HTTPConnection("127.0.0.1", port)
head = {"Authorization": "Bearer bench-lane-token-000000000", "Content-Type": "application/json"}
def call(path, body=None):
    # A fresh Idempotency-Key on every write, as the browser lane sends
    # (http/web/api.js): a key met again would replay its first answer.
    c.request("POST", path, body=None if body is None else json.dumps(body),
              headers={**head, "Idempotency-Key": str(uuid.uuid4())})
    r = c.getresponse()
    data = r.read()
    if r.status >= 400:
        sys.exit(f"lane.py: {path}: {r.status} {data[:200]!r}")
    return json.loads(data)
for _ in range(n):
    b = call("/v1/baskets")["id"]
    for _ in range(5):
        basket = call(f"/v1/baskets/{b}/lines", {"code": rng.choice(gtins)})
    call(f"/v1/baskets/{b}/tenders", {"type": "cash", "amount": basket["due"]})
    call(f"/v1/baskets/{b}/complete")
PY
}

wait_for_posd() {
  local port=
  for _ in $(seq 600); do
    port=$(grep -o "serving on http://127.0.0.1:[0-9]*" "$1" | grep -o "[0-9]*$" || true)
    [ -n "$port" ] && break
    sleep 0.2
  done
  [ -n "$port" ] || { cat "$1" >&2; echo "posd did not start" >&2; return 1; }
  echo "$port"
}
