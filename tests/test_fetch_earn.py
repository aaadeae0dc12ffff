"""Other exchanges' flexible earn products through ccxt against recorded responses on
127.0.0.1: what each row becomes, the signatures with dummy keys, faults, and the store."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ccxt")
pytest.importorskip("pytest_socket")
pytest.importorskip("sqlalchemy")

from fetchserver import Serving, recorded

from softstake_model.catalog import load_catalog
from softstake_model.errors import ParameterError
from softstake_model.fetch import FetchError, RetryPolicy
from softstake_model.fetch.earn import fetch_earn_products, make_earn_source
from softstake_model.store import catalog_at, open_store, read_products

pytestmark = pytest.mark.allow_hosts(["127.0.0.1", "::1"])

KRAKEN_SECRET = base64.b64encode(b"dummy-kraken-secret").decode()
ENV = {"KUCOIN_API_KEY": "kc-dummy-key", "KUCOIN_API_SECRET": "kc-dummy-secret",
       "KUCOIN_API_PASSPHRASE": "kc-dummy-pass", "KRAKEN_API_KEY": "kr-dummy-key",
       "KRAKEN_API_SECRET": KRAKEN_SECRET}
ROUTES = {"okx": ("/api/v5/finance/savings/lending-rate-summary",
                  "okx_lending_rate_summary.json"),
          "kucoin": ("/api/v1/earn/saving/products", "kucoin_saving_products.json"),
          "kraken": ("/0/private/Earn/Strategies", "kraken_earn_strategies.json")}


@pytest.fixture
def server():
    with Serving() as fake:
        for path, name in ROUTES.values():
            fake.add(path, (200, recorded(name)))
        yield fake


def source(name, url, sleeps=None, **policy):
    return make_earn_source(name, url, timeout=5, policy=RetryPolicy(**policy),
                            sleep=(sleeps if sleeps is not None else []).append, env=ENV)


def test_okx_rates_are_the_24h_average_and_carry_no_minimum_or_cap(server):
    f, body = fetch_earn_products(source("okx", server.url))
    assert f["token"].tolist() == ["ADA", "SOL", "USDT"]
    assert f["apr"].tolist() == [0.0286, 0.051, 0.0412]
    assert f["staked_amount"].tolist() == [800000.0, 5000.0, 1250000.5]
    assert f["min_holding"].isna().all()
    assert body["data"][0]["ccy"] == "USDT"
    (req,) = server.requests
    assert req.method == "GET" and "OK-ACCESS-KEY" not in req.headers  # public


def test_kucoin_keeps_the_first_flexible_row_and_signs_with_the_dummy_secret(server):
    f, _ = fetch_earn_products(source("kucoin", server.url))
    assert f["token"].tolist() == ["ADA", "USDT"]  # KCS_STAKING is not flexible
    ada = f.set_index("token").loc["ADA"]
    assert (ada["apr"], ada["min_holding"], ada["cap"]) == (0.0315, 1.0, 100000.0)
    assert f.set_index("token").at["USDT", "cap"] == np.inf  # empty userUpperLimit
    (req,) = server.requests
    h = req.headers
    payload = h["KC-API-TIMESTAMP"] + "GET" + req.path + (f"?{req.query}" if req.query else "")
    want = base64.b64encode(hmac.new(b"kc-dummy-secret", payload.encode(),
                                     hashlib.sha256).digest()).decode()
    assert h["KC-API-SIGN"] == want and h["KC-API-KEY"] == "kc-dummy-key"
    assert h["KC-API-PASSPHRASE"] == base64.b64encode(hmac.new(
        b"kc-dummy-secret", b"kc-dummy-pass", hashlib.sha256).digest()).decode()


def test_kraken_prefers_flex_takes_the_middle_of_the_estimate_and_signs(server):
    f, _ = fetch_earn_products(source("kraken", server.url))
    g = f.set_index("token")
    assert g.index.tolist() == ["ADA", "BTC"]  # XBT is BTC; bonded ADA dropped for flex
    assert g.at["ADA", "apr"] == pytest.approx(0.025)  # (2 % + 3 %) / 2
    assert (g.at["ADA", "min_holding"], g.at["ADA", "cap"]) == (0.01, 50000.0)
    assert g.at["BTC", "apr"] == pytest.approx(0.002) and g.at["BTC", "cap"] == np.inf
    (req,) = server.requests
    assert req.method == "POST"
    nonce = dict(parse_qsl(req.body))["nonce"]
    digest = req.path.encode() + hashlib.sha256((nonce + req.body).encode()).digest()
    want = base64.b64encode(hmac.new(base64.b64decode(KRAKEN_SECRET), digest,
                                     hashlib.sha512).digest()).decode()
    assert req.headers["API-Sign"] == want and req.headers["API-Key"] == "kr-dummy-key"


def test_a_missing_key_names_the_variables_and_gate_is_not_offered():
    with pytest.raises(ParameterError, match="KUCOIN_API_PASSPHRASE"):
        make_earn_source("kucoin", env={"KUCOIN_API_KEY": "k", "KUCOIN_API_SECRET": "s"})
    with pytest.raises(ParameterError, match="got 'gate'"):
        make_earn_source("gate", env={})


def test_429_then_success_waits_retry_after(server):
    server.add(ROUTES["okx"][0], (429, {"code": "50011", "msg": "Too Many Requests"},
                                  {"Retry-After": "2"}),
               (200, recorded(ROUTES["okx"][1])))
    sleeps: list = []
    f, _ = fetch_earn_products(source("okx", server.url, sleeps))
    assert sleeps == [2.0] and len(f) == 3


@pytest.mark.parametrize(("name", "answer", "words"), [
    ("okx", (200, {"code": "0", "data": [{"ccy": "ADA", "avgRate": "x"}]}),
     "row 0 field 'avgRate'"),
    ("okx", (200, "<html>oops"), "okx earn products: malformed"),
    ("kucoin", (200, {"code": "200000", "data": {"x": 1}}), "no list of products"),
    ("kraken", (200, {"error": ["EAPI:Invalid key"]}), "okx earn products|kraken earn"),
])
def test_a_bad_body_is_one_line(server, name, answer, words):
    server.add(ROUTES[name][0], answer)
    with pytest.raises(FetchError, match=words) as e:
        fetch_earn_products(source(name, server.url, attempts=1))
    assert "\n" not in str(e.value) and "dummy" not in str(e.value)


def test_stored_under_the_exchange_and_laid_over_the_catalogue_by_source(server, tmp_path,
                                                                         capsys):
    from softstake_model.cli import main

    store_path = tmp_path / "h.sqlite"
    out = tmp_path / "okx.json"
    assert main(["fetch", "products", "--exchange", "okx", "--base-url", server.url,
                 "--store", str(store_path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "3 flexible earn products from okx" in text and "ADA: added" in text
    assert json.loads(out.read_text())["data"][1]["ccy"] == "ADA"
    store = open_store(store_path)
    snaps = read_products(store)
    assert set(snaps["source"]) == {"okx"}
    cat = load_catalog()
    laid = catalog_at(cat, store, at=pd.Timestamp.now(tz="UTC").tz_localize(None),
                      source="okx")
    assert laid.at["ADA", "apr"] == 0.0286
    assert laid.at["ADA", "apr_source"].startswith("fetched ") \
        and laid.at["ADA", "apr_source"].endswith(" okx")
    # OKX gives no minimum or cap: the shipped ones stay
    assert laid.at["ADA", "cap"] == cat.at["ADA", "cap"]
    assert laid.at["ADA", "min_holding"] == cat.at["ADA", "min_holding"]
    # the Binance layer does not take OKX's figures
    assert catalog_at(cat, store, source="binance").at["ADA", "apr"] == cat.at["ADA", "apr"]
    store.close()
