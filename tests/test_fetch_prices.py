"""Daily candles through ccxt against a recorded exchange on 127.0.0.1: paging by time,
rate limits, faults; and the catalogue's price and volatility from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ccxt")
pytest.importorskip("pytest_socket")
pytest.importorskip("sqlalchemy")

from fetchserver import Serving, closed_port, recorded

from softstake_model.errors import ParameterError
from softstake_model.fetch import FetchError, RetryPolicy, fetch_daily_candles, make_price_source

pytestmark = pytest.mark.allow_hosts(["127.0.0.1", "::1"])

DAY = 86_400_000
NOW = pd.Timestamp("2026-12-01T15:30:00Z")
TODAY = NOW.normalize().value // 1_000_000


def close_of(ms: int) -> float:
    """Closes alternating 100 and 110 by day (odd days 110)."""
    return 110.0 if (ms // DAY) % 2 else 100.0


def klines(req):
    start, limit = int(req.params["startTime"]), int(req.params["limit"])
    real_today = pd.Timestamp.now(tz="UTC").normalize().value // 1_000_000
    end = max(TODAY, real_today) + DAY  # the exchange also has today's open candle
    rows = [[t, "1", "2", "0.5", str(close_of(t)), "10", t + DAY - 1, "0", 1, "0", "0", "0"]
            for t in range(start - start % DAY, end, DAY)][:limit]
    return (200, rows)


@pytest.fixture
def server():
    with Serving() as fake:
        fake.add("/api/v3/exchangeInfo", (200, recorded("exchange_info.json")))
        yield fake


def source(url, sleeps=None, **policy):
    return make_price_source("binance", url, timeout=5, policy=RetryPolicy(**policy),
                             sleep=(sleeps if sleeps is not None else []).append)


def test_candles_are_paged_by_time_and_todays_open_candle_is_dropped(server):
    server.add("/api/v3/klines", klines)
    c = fetch_daily_candles(source(server.url), "bnb", "USDT", 1500, NOW)
    calls = [r for r in server.requests if r.path == "/api/v3/klines"]
    assert [int(r.params["startTime"]) for r in calls] == [TODAY - 1500 * DAY,
                                                          TODAY - 500 * DAY]
    assert len(c) == 1500 and c["day"].iloc[-1] == pd.Timestamp("2026-11-30")
    assert c["day"].diff().dropna().eq(pd.Timedelta(days=1)).all()
    assert c["close"].iloc[-1] == close_of(TODAY - DAY)
    assert (c["token"] == "BNB").all() and (c["quote"] == "USDT").all()


def test_429_then_success_waits_retry_after(server):
    sleeps = []
    server.add("/api/v3/klines", (429, {"code": -1003, "msg": "Too many requests"},
                                  {"Retry-After": "3"}), klines)
    c = fetch_daily_candles(source(server.url, sleeps), "BNB", "USDT", 10, NOW)
    assert sleeps == [3.0] and len(c) == 10


def test_an_unknown_market_names_the_token(server):
    with pytest.raises(ParameterError, match="no market XYZ/USDT on binance"):
        fetch_daily_candles(source(server.url), "XYZ", "USDT", 10, NOW)


@pytest.mark.parametrize(("answer", "words"), [
    ((200, b"<html>oops</html>", {"Content-Type": "text/html"}), "malformed"),
    ((200, b'[[1, "a", "b"]]'), "malformed"),
])
def test_a_malformed_body_is_one_line(server, answer, words):
    server.add("/api/v3/klines", answer)
    with pytest.raises(FetchError, match=words) as e:
        fetch_daily_candles(source(server.url), "BNB", "USDT", 10, NOW)
    assert "\n" not in str(e.value)


def test_no_network_is_one_line():
    with pytest.raises(FetchError, match="binance prices: ") as e:
        fetch_daily_candles(source(f"http://127.0.0.1:{closed_port()}"), "BNB", "USDT", 10,
                            NOW)
    assert "\n" not in str(e.value)


def test_fetched_prices_become_the_catalogues_price_and_volatility(server, tmp_path):
    from softstake_model import load_catalog
    from softstake_model.store import catalog_at, open_store, record_prices

    server.add("/api/v3/klines", klines)
    c = fetch_daily_candles(source(server.url), "BNB", "USDT", 400, NOW)
    store = open_store(tmp_path / "s.sqlite")
    record_prices(store, c, NOW, "binance")
    cat = catalog_at(load_catalog(), store, "2026-12-01", window_days=365)
    # the last close is 2026-11-30's; the window holds 366 closes, so 365 returns of
    # +-L (L = ln 1.1), one sign once more than the other: mean L / 365, sum of squares
    # 365 L^2, sample variance (365 L^2 - 365 (L / 365)^2) / 364; annualised by sqrt(365)
    L = np.log(1.1)
    assert cat.loc["BNB", "price_usd"] == close_of(TODAY - DAY)
    assert cat.loc["BNB", "volatility"] == pytest.approx(
        np.sqrt((365 * L**2 - L**2 / 365) / 364) * np.sqrt(365), rel=1e-12)
    assert cat.loc["BNB", "volatility_source"] == (
        "fetched 2026-12-01 binance: annualised (x sqrt 365) from 365 daily log returns of "
        "BNB/USDT closes, 2025-11-30 to 2026-11-30")
    assert cat.loc["BNB", "price_usd_source"].startswith(
        "fetched 2026-12-01 binance: close of BNB/USDT on 2026-11-30")
    assert cat.loc["BNB", "price_usd_confidence"] == "published"
    assert cat.loc["SOL", "price_usd"] == load_catalog().loc["SOL", "price_usd"]


def test_fetch_prices_command_stores_and_prints_the_figures(server, tmp_path, capsys):
    from softstake_model.cli import main
    from softstake_model.store import open_store, read_prices

    server.add("/api/v3/klines", klines)
    store = str(tmp_path / "s.sqlite")
    assert main(["fetch", "prices", "--token", "BNB", "--days", "10", "--store", store,
                 "--base-url", server.url]) == 0
    out = capsys.readouterr().out
    assert "Fetched 10 daily candles from binance" in out
    assert "BNB/USDT: close " in out and "too few days for a volatility" in out
    assert len(read_prices(open_store(store))) == 10
    assert main(["fetch", "prices", "--token", "BNB", "--days", "10", "--store", store,
                 "--base-url", server.url]) == 0
    assert "0 new or changed" in capsys.readouterr().out
