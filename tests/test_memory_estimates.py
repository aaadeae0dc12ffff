"""The memory a command checks before allocating (:func:`softstake_model.checks.work`) is
within a factor of 1.5 of the peak it then uses, measured as the process's peak resident
memory above a tiny warm-up run of the same command (``tools/measure_memory.py``)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform not in ("linux", "darwin"),
                                 reason="peak memory through resource.getrusage")]


def measure(warmup: list[str], command: list[str], cwd: Path) -> dict:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "measure_memory.py"), *warmup,
                           "--", *command], capture_output=True, text=True, cwd=cwd, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_within(fig: dict, factor: float = 1.5) -> None:
    if fig["peak"] <= 0:  # the run peaked below the warm-up: no figure to compare with
        pytest.skip(f"no peak above the warm-up measured (estimate {fig['estimate']:,.0f} B)")
    ratio = fig["estimate"] / fig["peak"]
    assert 1 / factor <= ratio <= factor, f"estimate {fig['estimate']:,.0f} B, peak " \
                                          f"{fig['peak']:,.0f} B (ratio {ratio:.2f})"


def test_stress_estimate_within_a_factor_of_the_peak(tmp_path):
    assert_within(measure(["stress", "--token", "BNB", "--paths", "2"],
                          ["stress", "--token", "BNB", "--paths", "20000"], tmp_path))


def off(what: str):
    """A known miss, to be calibrated in the module that makes the estimate (strict: the
    test fails once the estimate is right, and the mark goes)."""
    return pytest.mark.xfail(strict=True, reason=f"estimate not yet calibrated: {what}")


@off("balances.py's _GRID_BYTES (measured 0.57 of the peak at 10,000 pairs x 365 days)")
def test_rewards_estimate_within_a_factor_of_the_peak(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("time,account,token,change\n" + "".join(
        f"2025-01-01T09:00:00Z,a{i},BNB,{1 + i % 97}\n" for i in range(10_000)))
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("time,account,token,change\n2025-01-01T09:00:00Z,a,BNB,1\n")
    # into a file (written in chunks); on stdout the whole CSV text is held at once, not
    # yet in the estimate
    args = ["--token", "BNB", "--apr", "0.05", "--start", "2025-01-01", "--end", "2025-12-31",
            "--out", str(tmp_path / "rewards.csv")]
    assert_within(measure(["rewards", str(tiny), *args], ["rewards", str(ledger), *args],
                          tmp_path))


@off("caps.py counts 4 arrays of 8 bytes a holder; the peak is about 13 (104 bytes)")
def test_caps_estimate_within_a_factor_of_the_peak(tmp_path):
    assert_within(measure(["caps", "--token", "BNB", "--holders", "10"],
                          ["caps", "--token", "BNB", "--holders", "2000000"], tmp_path))


@off("liquidity/state.check_memory leaves the daily table out (about 140 bytes a cell)")
def test_stress_daily_out_estimate_within_a_factor_of_the_peak(tmp_path):
    assert_within(measure(["stress", "--token", "BNB", "--paths", "2"],
                          ["stress", "--token", "BNB", "--paths", "20000", "--daily-out",
                           str(tmp_path / "daily.csv")], tmp_path))
