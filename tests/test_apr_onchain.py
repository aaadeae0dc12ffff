"""The on-chain readers against a local HTTP server (127.0.0.1) answering with the
recorded shapes of tests/data/recorded/chains/; figures checked by hand."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from softstake_model.apr.onchain import COLUMNS, READERS, read_chain
from softstake_model.errors import InputError, ParameterError

RECORDED = Path(__file__).parent / "data" / "recorded" / "chains"
AT = "2026-12-01T12:00:00Z"


class _Handler(BaseHTTPRequestHandler):
    chain = ""  # set per server: the chain whose answers this server gives
    broken: str = ""  # "", "500", "text" or "empty": how to misbehave

    def _answer(self, name: str) -> None:
        if self.broken == "500":
            self.send_response(500)
            self.end_headers()
            return
        path = RECORDED / f"{self.chain}_{name}.json"
        body = b"not json" if self.broken == "text" else \
            b'{"jsonrpc": "2.0", "result": {}, "id": 1}' if self.broken == "empty" else \
            path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # http.server calls it by this name
        length = int(self.headers["Content-Length"])
        self._answer(json.loads(self.rfile.read(length))["method"])

    def do_GET(self):
        self._answer(self.path.rsplit("::", 1)[-1].rsplit("/", 1)[-1])

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def server():
    started = []

    def start(chain: str, broken: str = "") -> str:
        handler = type("H", (_Handler,), {"chain": chain, "broken": broken})
        srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        started.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def _values(frame: pd.DataFrame) -> dict:
    return dict(zip(frame.field, frame.value, strict=True))


def test_sol_reader_by_hand(server):
    url = server("SOL")
    f = read_chain("sol", base_url=url, fetched_at=AT)
    assert list(f.columns) == COLUMNS and (f.token == "SOL").all()
    v = _values(f)
    assert v["inflation_total"] == 0.0412 and v["inflation_foundation"] == 0.0
    assert v["supply"] == 600_000_000 and v["circulating"] == 500_000_000  # SOL
    staked = (250e15 + 150e15 + 8e15) / 1e9  # current and delinquent, lamports to SOL
    assert v["staked"] == pytest.approx(staked)
    assert v["staked_fraction"] == pytest.approx(staked / 600e6)
    assert v["commission_median"] == 0.05  # median of 5, 0 and 10 %
    assert (f.fetched_at == pd.Timestamp(AT)).all() and str(f.fetched_at.dt.unit[0]) == "s"
    assert f.loc[f.field == "staked", "source"].item() == f"{url} getVoteAccounts"


def test_near_sui_apt_readers_by_hand(server):
    near = _values(read_chain("NEAR", base_url=server("NEAR"), fetched_at=AT))
    assert near["staked"] == pytest.approx(570e6) and near["supply"] == pytest.approx(1.25e9)
    assert near["staked_fraction"] == pytest.approx(570 / 1250)
    sui = _values(read_chain("SUI", base_url=server("SUI"), fetched_at=AT))
    assert sui["staked"] == pytest.approx(7.6e9) and sui["distributions"] == 930
    assert sui["subsidy_per_epoch"] == pytest.approx(387_420.489)  # 1M x 0.9**9
    assert sui["subsidy_decrease"] == 0.1 and sui["subsidy_period"] == 90
    apt = _values(read_chain("APT", base_url=server("APT"), fetched_at=AT))
    assert apt["epochs_per_year"] == 4380  # 2-hour epochs
    assert apt["rewards_rate"] == pytest.approx(0.026, rel=1e-9)  # AIP-140, per epoch x 4380
    assert apt["min_rewards_rate"] == apt["rewards_rate"]
    egld = _values(read_chain("EGLD", base_url=server("EGLD"), fetched_at=AT))
    assert egld["supply"] == 28_900_000 and egld["staked_fraction"] == 0.5
    assert egld["apr"] == 0.0812 and egld["base_apr"] == 0.1003


@pytest.mark.parametrize("broken, words", [("500", "failed"), ("text", "not JSON"),
                                           ("empty", "has no")])
def test_a_bad_answer_is_one_line_naming_the_url(server, broken, words):
    url = server("SOL", broken)
    with pytest.raises(InputError, match=words) as err:
        read_chain("SOL", base_url=url)
    assert str(err.value).startswith(url) and "\n" not in str(err.value)


def test_no_server_and_no_reader():
    with pytest.raises(InputError, match="failed"):
        read_chain("NEAR", base_url="http://127.0.0.1:9")
    with pytest.raises(ParameterError, match="no on-chain reader"):
        read_chain("DOGE")
    assert set(READERS) == {"SOL", "NEAR", "SUI", "APT", "EGLD"}
