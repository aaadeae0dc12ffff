"""The memory the rewards command checks before allocating (``rewards.history_memory``,
through :func:`softstake_model.checks.work`) is within a factor of 1.5 of the peak it then
uses, measured by ``tools/measure_memory.py`` in a fresh process: a tiny warm-up of the same
command first (imports, caches), then on Linux the kernel's high-water mark reset just
before the command (``/proc/self/clear_refs``), so the peak is the command's own above what
the process already held; elsewhere the peak above the warm-up's (``resource.getrusage``).
The histories are large (hundreds of MB against a warm-up of a few), so the peak is far
above the warm-up either way.
"""

import sys
from pathlib import Path

import pytest
from memory_tool import assert_within, measure

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform not in ("linux", "darwin"),
                                 reason="peak memory through /proc or resource.getrusage")]


def ledgers(tmp_path: Path, accounts: int) -> tuple[Path, Path]:
    big, tiny = tmp_path / "ledger.csv", tmp_path / "tiny.csv"
    big.write_text("time,account,token,change\n" + "".join(
        f"2025-01-01T09:00:00Z,a{i},BNB,{1 + i % 97}\n" for i in range(accounts)))
    tiny.write_text("time,account,token,change\n2025-01-01T09:00:00Z,a,BNB,1\n")
    return big, tiny


@pytest.mark.parametrize("accounts", [1_000, 4_000])
def test_rewards_estimate_within_a_factor_of_the_peak(tmp_path, accounts):
    # 365 days: 365,000 rows (the CSV writer's one chunk, part full) and 1,460,000 rows (a
    # full chunk of files.CSV_CHUNK_ROWS and a part); measured 1.07 and 1.20
    big, tiny = ledgers(tmp_path, accounts)
    args = ["--token", "BNB", "--apr", "0.05", "--start", "2025-01-01", "--end", "2025-12-31",
            "--out", str(tmp_path / "rewards.csv")]
    fig = measure(["rewards", str(tiny), *args], ["rewards", str(big), *args], tmp_path)
    # the history alone is 37 bytes a row in memory (4 floats, 2 times, 2 codes): the
    # peak is over 100 MB, far above anything the warm-up could leave
    assert fig["peak"] > accounts * 365 * 37, fig
    assert_within(fig)

