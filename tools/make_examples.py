"""Regenerate the synthetic Binance statement and rewards record in softstake_model/data/examples.

The holder's trades and transfers are written by hand below; the reward credits are what
the binance_soft_staking preset pays for them (compounded), after which three faults are
planted so that the reconciliation example has something to find:
- the payout of 2025-11-27 (for BNB) is left out             -> "missing"
- the SOL payout of 2025-12-02 is 0.00000500 too high         -> "mismatch"
- a stray BNB credit on 2025-11-20, before any accrual day    -> "unexpected"

Run:  python tools/make_examples.py
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from softstake_model import load_catalog, reward_history
from softstake_model.ledger import normalise

HERE = Path(__file__).resolve().parents[1] / "softstake_model" / "data" / "examples"
UID = "38127745"
moves = [  # time, account, operation, coin, change
    ("2025-11-15 10:22:05", "Spot", "Deposit", "BNB", 3.2),
    ("2025-11-15 10:25:40", "Spot", "Deposit", "USDT", 1500),
    ("2025-11-16 08:01:13", "Spot", "Transaction Buy", "SOL", 6.5),
    ("2025-11-16 08:01:13", "Spot", "Transaction Spend", "USDT", -910.0),
    ("2025-11-16 08:01:13", "Spot", "Transaction Fee", "SOL", -0.0065),
    ("2025-11-17 12:00:00", "Funding", "Deposit", "USDT", 200),
    ("2025-11-24 17:45:09", "Spot", "Withdraw", "SOL", -2.0),
    ("2025-11-28 09:12:44", "Spot", "Transaction Buy", "BNB", 0.35),
    ("2025-11-28 09:12:44", "Spot", "Transaction Spend", "USDT", -301.0),
    ("2025-12-04 21:30:00", "Spot", "Withdraw", "BNB", -1.0),
]
frame = pd.DataFrame(moves, columns=["UTC_Time", "Account", "Operation", "Coin", "Change"])
spot = frame[(frame.Account == "Spot") & frame.Coin.isin(["BNB", "SOL"])]
ledger = normalise(time=pd.to_datetime(spot.UTC_Time).dt.tz_localize("UTC"),
                   account=[UID] * len(spot), token=spot.Coin, change=spot.Change.to_numpy())
hist = reward_history(ledger, load_catalog(), start="2025-11-20", end="2025-12-10",
                      activated_at="2025-11-19T11:30:00Z")
hist = hist[hist.reward > 0]
credits = pd.DataFrame({
    "UTC_Time": hist.paid_at.dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
    "Account": "Spot", "Operation": "Soft Staking Rewards",
    "Coin": hist.token.astype(str).to_numpy(), "Change": hist.reward.to_numpy()})
credits = credits[~((credits.Coin == "BNB") & credits.UTC_Time.str.startswith("2025-11-27"))]
bump = (credits.Coin == "SOL") & credits.UTC_Time.str.startswith("2025-12-02")
credits.loc[bump, "Change"] = np.round(credits.loc[bump, "Change"] + 5e-6, 8)
stray = pd.DataFrame([("2025-11-20 04:00:00", "Spot", "Soft Staking Rewards", "BNB", 0.0001)],
                     columns=credits.columns)
out = pd.concat([frame, credits, stray]).sort_values("UTC_Time", kind="stable")
out.insert(0, "User_ID", UID)
out["Remark"] = ""
out["Change"] = out["Change"].map(lambda v: f"{v:.8f}".rstrip("0").rstrip("."))
out.to_csv(HERE / "binance_statement.csv", index=False, lineterminator="\n")

rec = out[out.Operation == "Soft Staking Rewards"]
rows = [{"asset": c, "rewards": v, "rewardAsset": c, "avgAmount": "0",
         "time": int(pd.Timestamp(t, tz="UTC").value // 10**6)}
        for t, c, v in zip(rec.UTC_Time, rec.Coin, rec.Change, strict=True)]
(HERE / "rewards_record.json").write_text(json.dumps({"rows": rows, "total": len(rows)},
                                                     indent=1) + "\n")
print(f"wrote {len(out)} statement rows and {len(rows)} reward records to {HERE}")
