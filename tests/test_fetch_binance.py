"""The Binance fetches against recorded responses on 127.0.0.1: signing, paging, windows,
rate limits and every fault in one line (no other network: pytest-socket allows loopback
only)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pandas as pd
import pytest

pytest.importorskip("binance_sdk_staking")
pytest.importorskip("pytest_socket")

from fetchserver import Serving, closed_port, recorded

from softstake_model.errors import ParameterError
from softstake_model.fetch import (
    Credentials,
    FetchError,
    RetryPolicy,
    credentials_from_env,
    fetch_products,
    fetch_rate_history,
    fetch_rewards,
    make_session,
    rates_to_apr,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1", "::1"])

KEY, SECRET = "dummy-key-0123456789abcdefWXYZ", "dummy-secret-do-not-use-9876543210"
LIST = "/sapi/v1/soft-staking/list"
REWARDS = "/sapi/v1/soft-staking/history/rewardsRecord"
BNSOL = "/sapi/v1/sol-staking/sol/history/rateHistory"


@pytest.fixture
def server():
    with Serving() as fake:
        yield fake


def session(url, sleeps=None, **policy):
    sleeps = [] if sleeps is None else sleeps
    return make_session(Credentials(KEY, SECRET), url, timeout=5,
                        policy=RetryPolicy(**policy), sleep=sleeps.append)


def pages(server):
    server.add(LIST, (200, recorded("soft_staking_list_page1.json")),
               (200, recorded("soft_staking_list_page2.json")))


def test_the_request_is_signed_with_hmac_sha256_of_its_query(server):
    pages(server)
    fetch_products(session(server.url), page_size=2)
    for req in server.requests:
        query, signature = req.query.rsplit("&signature=", 1)
        expected = hmac.new(SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
        assert signature == expected
        assert req.headers["X-MBX-APIKEY"] == KEY
        assert "timestamp" in req.params


def test_an_ed25519_key_file_with_a_passphrase_signs_the_query(server, tmp_path):
    from Crypto.PublicKey import ECC
    from Crypto.Signature import eddsa

    key = ECC.generate(curve="ed25519")
    pem = key.export_key(format="PEM", passphrase="pass phrase", protection=(
        "PBKDF2WithHMAC-SHA512AndAES256-CBC"), prot_params={"iteration_count": 1000})
    (tmp_path / "key.pem").write_text(pem)
    pages(server)
    creds = credentials_from_env({"BINANCE_API_KEY": KEY,
                                  "BINANCE_PRIVATE_KEY_FILE": str(tmp_path / "key.pem"),
                                  "BINANCE_PRIVATE_KEY_PASSPHRASE": "pass phrase"})
    fetch_products(make_session(creds, server.url), page_size=2)
    import base64
    from urllib.parse import unquote

    verifier = eddsa.new(key.public_key(), "rfc8032")
    for req in server.requests:
        query, signature = req.query.rsplit("&signature=", 1)
        verifier.verify(query.encode(), base64.b64decode(unquote(signature)))  # raises if bad


def test_a_wrong_passphrase_is_one_line(tmp_path):
    from Crypto.PublicKey import ECC

    pem = ECC.generate(curve="ed25519").export_key(
        format="PEM", passphrase="right", protection="PBKDF2WithHMAC-SHA512AndAES256-CBC",
        prot_params={"iteration_count": 1000})
    (tmp_path / "key.pem").write_text(pem)
    creds = Credentials(KEY, None, tmp_path / "key.pem", "wrong")
    with pytest.raises(FetchError, match="cannot read the private key .*PASSPHRASE"):
        make_session(creds, "http://127.0.0.1:1")


def test_products_are_paged_until_the_total(server):
    pages(server)
    frame, rows = fetch_products(session(server.url), page_size=2)
    assert [r.params["current"] for r in server.requests] == ["1", "2"]
    assert [r.params["size"] for r in server.requests] == ["2", "2"]
    assert frame["token"].tolist() == ["BNB", "SOL", "ADA"]
    assert frame["apr"].tolist() == [0.0285, 0.061, 0.0286]
    assert frame["min_holding"].tolist() == [0.5, 1.0, 150.0]
    assert frame["cap"].tolist() == [1000.0, 1000.0, 150000.0]
    assert len(rows) == 3 and rows[2]["asset"] == "ADA"


def test_a_list_that_ends_before_its_total_is_refused(server):
    server.add(LIST, (200, recorded("soft_staking_list_page1.json")),
               (200, {"rows": [], "total": 3}))
    with pytest.raises(FetchError, match="ended at 2 of its 3 rows"):
        fetch_products(session(server.url), page_size=2)


def test_429_waits_retry_after_then_succeeds(server):
    sleeps = []
    server.add(LIST, (429, {"code": -1003, "msg": "Too many requests."},
                      {"Retry-After": "7"}),
               (200, {"rows": json.loads(recorded("soft_staking_list_page2.json"))["rows"],
                      "total": 1}))
    frame, _ = fetch_products(session(server.url, sleeps), page_size=2)
    assert sleeps == [7.0]
    assert frame["token"].tolist() == ["ADA"]
    assert len(server.requests) == 2


def test_429_is_retried_a_bounded_number_of_times(server):
    sleeps = []
    server.add(LIST, (429, {"code": -1003, "msg": "Too many requests."}, {"Retry-After": "1"}))
    with pytest.raises(FetchError, match="rate limit exceeded .*still after 3 tries"):
        fetch_products(session(server.url, sleeps, attempts=3))
    assert sleeps == [1.0, 1.0] and len(server.requests) == 3


def test_418_asking_for_longer_than_max_wait_stops_at_once(server):
    sleeps = []
    server.add(LIST, (418, {"code": -1003, "msg": "Way too many requests; IP banned."},
                      {"Retry-After": "3600"}))
    with pytest.raises(FetchError, match="banned .*3600 s, more than the 120 s"):
        fetch_products(session(server.url, sleeps))
    assert sleeps == [] and len(server.requests) == 1


@pytest.mark.parametrize(("status", "name", "words"), [
    (401, "error_-2015.json", r"refused the API key \(-2015"),
    (400, "error_-1021.json", r"-1021.*clock is off"),
    (400, "error_-1022.json", r"signature \(-1022\)"),
])
def test_each_error_body_is_one_line_without_the_keys(server, status, name, words):
    server.add(LIST, (status, recorded(name)))
    with pytest.raises(FetchError, match=words) as e:
        fetch_products(session(server.url))
    text = str(e.value)
    assert "\n" not in text and KEY not in text and SECRET not in text
    assert "signature=" not in text


def test_another_binance_error_gives_its_code_and_message(server):
    server.add(LIST, (400, {"code": -1102, "msg": "Mandatory parameter 'x' was not sent."}))
    with pytest.raises(FetchError, match=r"refused the request \(-1102: Mandatory"):
        fetch_products(session(server.url))


@pytest.mark.parametrize(("body", "headers", "words"), [
    (b"<html>502 Bad Gateway</html>", {"Content-Type": "text/html"}, "malformed response"),
    (b'{"rows": [{"asset": "BNB", "minAmount": "0.5"', {}, "malformed response"),
    (b'{"rows": "none", "total": 1}', {}, "malformed response"),
    (b'{"rows": [{"asset": "BNB", "minAmount": "x", "maxCap": "1", "apr": "0.1"}], '
     b'"total": 1}', {}, "row 0 field 'minAmount' is 'x'"),
    (b'{"rows": [], "total": 1}', {"Content-Length": "500"}, "cut off"),
])
def test_a_malformed_or_truncated_body_is_one_line(server, body, headers, words):
    server.add(LIST, (200, body, headers))
    with pytest.raises(FetchError, match=words) as e:
        fetch_products(session(server.url))
    assert "\n" not in str(e.value)


def test_no_network_is_one_line():
    with pytest.raises(FetchError, match="no network connection") as e:
        fetch_products(session(f"http://127.0.0.1:{closed_port()}"))
    assert "signature" not in str(e.value)


def test_a_tls_failure_is_one_line(server):
    pages(server)  # a plain HTTP server spoken to over https
    with pytest.raises(FetchError, match="TLS failure"):
        fetch_products(session(server.url.replace("http://", "https://")))


def test_rewards_come_in_windows_of_at_most_90_days(server):
    server.add(REWARDS, (200, {"rows": [], "total": 0}))
    fetch_rewards(session(server.url), "2026-01-01", "2026-07-19")  # 200 days
    spans = [(int(r.params["startTime"]), int(r.params["endTime"])) for r in server.requests]
    day = 86_400_000
    start = pd.Timestamp("2026-01-01", tz="UTC").value // 1_000_000
    assert spans == [(start, start + 90 * day - 1), (start + 90 * day, start + 180 * day - 1),
                     (start + 180 * day, start + 200 * day - 1)]


def test_rewards_read_like_a_rewards_record_file(server, tmp_path):
    from softstake_model.ledger import read_rewards_record

    server.add(REWARDS, (200, recorded("soft_staking_rewards.json")))
    got = fetch_rewards(session(server.url), "2025-12-01", "2025-12-02", ["ada"])
    assert server.requests[0].params["asset"] == "ADA"
    (tmp_path / "r.json").write_bytes(recorded("soft_staking_rewards.json"))
    pd.testing.assert_frame_equal(got, read_rewards_record(tmp_path / "r.json"))


def test_a_rate_history_becomes_an_apr_history_through_apr_from_index(server):
    server.add(BNSOL, (200, recorded("bnsol_rate_history.json")))
    h = fetch_rate_history(session(server.url), "bnsol", "2025-12-01", "2025-12-02")
    aprs = rates_to_apr(h)
    rate = aprs[aprs["source"] == "binance BNSOL exchange rate"]
    # 1.0000 on 2025-12-01 00:00 to 1.0002 a day later: 0.0002 a day, 7.3 % a year
    assert rate["date"].tolist() == [pd.Timestamp("2025-12-02")]
    assert rate["apr"].iloc[0] == pytest.approx(0.0002 * 365, rel=1e-12)
    pub = aprs[aprs["source"] == "binance BNSOL published APR"]
    assert pub["apr"].tolist() == [0.0712, 0.0693]


def test_credentials_come_from_the_environment_and_never_show():
    c = credentials_from_env({"BINANCE_API_KEY": KEY, "BINANCE_API_SECRET": SECRET})
    assert SECRET not in repr(c) and KEY not in repr(c) and "…WXYZ" in repr(c)
    with pytest.raises(ParameterError, match="no Binance API key"):
        credentials_from_env({})
    with pytest.raises(ParameterError, match="neither BINANCE_API_SECRET"):
        credentials_from_env({"BINANCE_API_KEY": KEY})


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_sockets_to_anything_but_loopback_are_blocked():
    import socket

    from pytest_socket import SocketConnectBlockedError

    with pytest.raises(SocketConnectBlockedError), socket.socket() as s:
        s.connect(("192.0.2.1", 443))  # TEST-NET-1: never reached
