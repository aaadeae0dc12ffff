"""The memory the rewards command checks before allocating (``rewards.history_memory``,
through :func:`softstake_model.checks.work`) is within a factor of 1.5 of the peak it then
uses.

Each case runs in a fresh process: this file run as a script (the helpers of
``tools/measure_memory.py``, copied). It runs a tiny warm-up of the same command first
(imports, caches), then the command with ``checks.work`` wrapped to record the largest
estimate it was asked to allow. On Linux the kernel's high-water mark is reset just before
the command (``/proc/self/clear_refs``), so the peak is the command's own above what the
process already held, whatever the warm-up or the imports peaked at; elsewhere it is the
peak above the warm-up's (``resource.getrusage``). The histories are large (hundreds of MB
against a warm-up of a few), so the peak is far above the warm-up either way.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform not in ("linux", "darwin"),
                                 reason="peak memory through /proc or resource.getrusage")]


def _status_bytes(field: str) -> int | None:
    """A ``/proc/self/status`` figure (``VmRSS``, ``VmHWM``) in bytes; None without /proc."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    return next((int(line.split()[1]) * 1024 for line in lines if line.startswith(field)),
                None)


def _max_rss() -> int:
    """The process's peak resident memory so far, in bytes."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def _reset_peak() -> int | None:
    """Reset the kernel's high-water mark; the resident bytes now, None where it can't."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return _status_bytes("VmRSS")


def main(argv: list[str]) -> int:
    """Run ``argv`` (a tiny warm-up command before ``--``, the command after) and print
    ``{"estimate": bytes, "peak": bytes, "reset": bool}``."""
    from softstake_model import checks

    split = argv.index("--")
    warmup, command = argv[:split], argv[split + 1:]
    asked: list[float] = []
    real = checks.work

    def record(bytes_needed: float, *args: object, **kwargs: object) -> None:
        asked.append(bytes_needed)
        real(bytes_needed, *args, **kwargs)

    checks.work = record
    os.environ["SOFTSTAKE_MAX_BYTES"] = str(10**12)
    checks.MAX_BYTES = 10**12
    from softstake_model.cli import main as cli

    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null), \
            contextlib.redirect_stderr(null):
        assert cli(warmup) == 0
        asked.clear()
        now = _reset_peak()
        base = _max_rss() if now is None else now
        assert cli(command) == 0
    peak = (_max_rss() if now is None else _status_bytes("VmHWM")) - base  # type: ignore[operator]
    print(json.dumps({"estimate": max(asked), "peak": peak, "reset": now is not None}))
    return 0


def measure(warmup: list[str], command: list[str], cwd: Path) -> dict:
    done = subprocess.run([sys.executable, str(HERE), *warmup, "--", *command],
                          capture_output=True, text=True, cwd=cwd, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


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
    ratio = fig["estimate"] / fig["peak"]
    assert 1 / 1.5 <= ratio <= 1.5, f"estimate {fig['estimate']:,.0f} B, peak " \
                                    f"{fig['peak']:,.0f} B (ratio {ratio:.2f})"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
