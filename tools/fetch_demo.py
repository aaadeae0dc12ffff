"""Serve recorded Binance responses on 127.0.0.1 for the README's fetch -> report tour.

The bodies are the test suite's recorded responses (``tests/data/recorded``: the
soft-staking list of BNB, SOL and ADA), reward records of a holder of 3000 ADA paid
0.23506849 ADA a day for every day asked for, and daily candles of BNBUSDT, SOLUSDT and
ADAUSDT drawn from a seeded random walk (illustrative figures, not market data). Point
softstake at it and run the commands a user with a key would:

    python tools/fetch_demo.py &          # prints the URL
    export BINANCE_API_KEY=demo BINANCE_API_SECRET=demo
    export BINANCE_BASE_URL=http://127.0.0.1:PORT SOFTSTAKE_PRICES_BASE_URL=http://127.0.0.1:PORT
    softstake fetch products

Stop it with Ctrl-C. Nothing here leaves the machine.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fetchserver import Serving, recorded  # noqa: E402

DAY = 86_400_000
#: Each pair's close on 2025-01-01 (USDT) and its annual volatility (illustrative).
WALKS = {"BNBUSDT": (700.0, 0.45), "SOLUSDT": (190.0, 0.75), "ADAUSDT": (0.85, 0.8)}
FIRST = pd.Timestamp("2024-01-01").value // 1_000_000


def _products(req) -> tuple:
    rows = [r for page in ("soft_staking_list_page1.json", "soft_staking_list_page2.json")
            for r in json.loads(recorded(page))["rows"]]
    size, current = int(req.params.get("size", 10)), int(req.params.get("current", 1))
    return (200, {"status": True, "rows": rows[(current - 1) * size:current * size],
                  "total": len(rows)})


def _rewards(req) -> tuple:
    start, end = int(req.params["startTime"]), int(req.params["endTime"])
    size, current = int(req.params.get("size", 10)), int(req.params.get("current", 1))
    first = start - start % DAY + 4 * 3_600_000  # paid at 04:00 UTC
    rows = [{"asset": "ADA", "rewards": "0.23506849", "rewardAsset": "ADA",
             "avgAmount": "3000", "time": t} for t in range(first, end + 1, DAY) if t >= start]
    return (200, {"rows": rows[(current - 1) * size:current * size], "total": len(rows)})


def _closes(symbol: str, days: int) -> np.ndarray:
    level, vol = WALKS[symbol]
    rng = np.random.default_rng(sum(map(ord, symbol)))
    steps = rng.normal(-vol**2 / 730, vol / np.sqrt(365), days)
    return level * np.exp(np.cumsum(steps))


def _klines(req) -> tuple:
    symbol = req.params["symbol"]
    start, limit = int(req.params["startTime"]), int(req.params.get("limit", 500))
    end = pd.Timestamp.now(tz="UTC").normalize().value // 1_000_000 + DAY
    closes = _closes(symbol, int((end - FIRST) // DAY))
    rows = []
    for t in range(max(start - start % DAY, FIRST), end, DAY):
        c = closes[(t - FIRST) // DAY]
        rows.append([t, f"{c:.6g}", f"{c * 1.02:.6g}", f"{c * 0.98:.6g}", f"{c:.6g}",
                     "1000", t + DAY - 1, "0", 1, "0", "0", "0"])
    return (200, rows[:limit])


def _exchange_info() -> bytes:
    info = json.loads(recorded("exchange_info.json"))
    bnb = info["symbols"][0]
    info["symbols"] = [{**bnb, "symbol": s, "baseAsset": s[:-4]} for s in WALKS]
    return json.dumps(info).encode()


def main() -> None:
    with Serving() as fake:
        fake.add("/sapi/v1/soft-staking/list", _products)
        fake.add("/sapi/v1/soft-staking/history/rewardsRecord", _rewards)
        fake.add("/api/v3/exchangeInfo", (200, _exchange_info()))
        fake.add("/api/v3/klines", _klines)
        print(fake.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
