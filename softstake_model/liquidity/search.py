"""The buffer search's runs: which paths miss a delay target at a buffer ratio.

The search (:func:`~.sweeps.size_buffer`, and the interval of
:func:`softstake_model.stress.buffer_interval`) asks the same question of the same paths at
many buffer ratios. :class:`MissedPaths` answers it with three savings that change no
number:

- every ratio is run once and kept (the searches for the buffer and for its interval's
  bracket share their first ratios, and the interval's grid holds their ends);
- several ratios run side by side in one pass, as extra columns: the state holds one buffer
  ratio per column (:attr:`~.state.State.ratio`) and the daily steps are elementwise, so each
  column's numbers are bit for bit those of a run at its own ratio;
- a pass that only has to say whether a ratio meets ``alpha`` stops as soon as more than
  ``alpha`` of the paths have missed the target at every ratio in it: a path's delayed
  amount and its longest delay never fall, so a path that has missed stays missed;
- where the paths are few, a pass also runs every ratio the bisection may ask in its next
  levels (:data:`LOOKAHEAD`): the day loop's fixed cost is most of such a pass, so one
  pass of up to a few thousand columns costs about what a pass of one does (one path:
  8-11 ms for 1 to 1,023 ratios over 180 days). The bisection then walks those levels on
  ratios already run, taking the same steps.

Only the metric the target needs is kept and read (``delayed`` against the dust threshold,
as :func:`~.metrics.final_metrics` has it, or the longest delay: the FIFO heads are moved
only for a delay target); neither feeds back into the balances.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ..checks import work
from ..errors import ParameterError
from .kernel import step
from .params import StressParams
from .simulation import checked_rates
from .state import State

__all__ = ["MissedPaths", "bisect_buffers", "WIDEST", "LOOKAHEAD"]

#: Columns (ratios x paths) one side-by-side pass holds at most, unless the paths alone are
#: more: a pass then needs no more memory than the run over the paths itself.
WIDEST = 40_000
#: Columns a bisection's pass may hold to run, besides the ratio it asks, the ratios of its
#: next levels (2**d - 1 a search for d levels). Below this a pass's time is mostly the day
#: loop's fixed cost: with 2,000 paths a pass of 1, 3 and 7 ratios took 24, 30 and 43 ms
#: (180 days), so two levels a pass cost 15 ms a level against 24.
LOOKAHEAD = 8_192


class MissedPaths:
    """Which paths of ``rates`` miss the target at each buffer ratio asked, each ratio run
    once (the scenario's other fields as in ``params``).

    Parameters
    ----------
    params
        The scenario; its ``buffer_ratio`` is replaced by the ratios asked.
    rates
        Withdrawal rates ``(days, paths)``.
    max_delay_days
        The target: a path misses it when its longest delay exceeds this many days (None:
        when any amount is delayed).
    """

    def __init__(self, params: StressParams, rates: NDArray[np.float64],
                 max_delay_days: float | None = None) -> None:
        if max_delay_days is not None and not max_delay_days >= 0:
            raise ParameterError(f"must be >= 0 days, got {max_delay_days}",
                                 param="max_delay_days")
        self.params = params
        self.rates = checked_rates(params, rates)
        self.max_delay_days = max_delay_days
        self.runs = 0  # ratios run (a ratio stopped early and run again counts twice)
        self._missed: dict[float, NDArray[np.bool_]] = {}
        self._at_least: dict[float, int] = {}  # stopped early: this many paths missed

    @property
    def paths(self) -> int:
        """Number of paths."""
        return self.rates.shape[1]

    def keep(self, ratio: float, missed: NDArray[np.bool_]) -> None:
        """Remember the paths missing the target at ``ratio`` (from a run made elsewhere)."""
        self._missed[float(ratio)] = np.asarray(missed, dtype=bool)

    def missed(self, ratios: Sequence[float]) -> NDArray[np.bool_]:
        """``(len(ratios), paths)``: path ``j`` misses the target at ``ratios[i]``."""
        self._run([r for r in dict.fromkeys(map(float, ratios)) if r not in self._missed],
                  None)
        return np.array([self._missed[float(r)] for r in ratios]).reshape(len(ratios),
                                                                          self.paths)

    def meets(self, asked: dict[float, float]) -> dict[float, bool]:
        """Whether the share of paths missing the target is at most ``alpha``, for each
        ``{ratio: alpha}`` (the largest alpha when several ask the same ratio)."""
        n = self.paths
        todo = {r: a for r, a in asked.items() if r not in self._missed and
                not self._at_least.get(r, 0) / n > a}
        self._run(list(todo), todo)
        return {r: (self._missed[r].sum() / n if r in self._missed else
                    self._at_least[r] / n) <= a for r, a in asked.items()}

    def _run(self, ratios: list[float], stop: dict[float, float] | None) -> None:
        """Run ``ratios`` side by side, as many as fit a pass; with ``stop``
        (``{ratio: alpha}``) a pass ends once every ratio in it has more than its alpha
        of the paths missed."""
        n = self.paths
        per = max(1, WIDEST // n)
        for i in range(0, len(ratios), per):
            chunk = ratios[i:i + per]
            limits = None if stop is None else np.array([stop[r] for r in chunk])
            missed, done = _pass(self.params, self.rates, chunk, self.max_delay_days,
                                 limits)
            self.runs += len(chunk)
            for r, m in zip(chunk, missed, strict=True):
                if done:
                    self._missed[r] = m
                else:
                    self._at_least[r] = int(m.sum())


def _pass(params: StressParams, rates: NDArray[np.float64], ratios: list[float],
          max_delay_days: float | None, limits: NDArray[np.float64] | None
          ) -> tuple[NDArray[np.bool_], bool]:
    """The missed paths ``(len(ratios), paths)`` of one side-by-side run, and whether it
    ran to the horizon (False: stopped when every ratio had more than its limit's share of
    the paths missed)."""
    h, n = rates.shape
    k = len(ratios)
    # the FIFO history (days + 1 a column) and some 30 vectors; the rates are held already
    work(k * n * (h + 1 + 32) * 8, "paths", f"{h:,} days x {k:,} buffers x {n:,} paths")
    ratio = np.repeat(np.asarray(ratios, dtype=np.float64), n)
    net = np.full(k * n, params.network_apr) if params.network_apr else None
    user = np.full(k * n, params.user_apr) if params.user_apr else None
    s = State.start(params, h, k * n, daily=False, rewards=net is not None, ratio=ratio)
    s.heads = max_delay_days is not None  # "any delay" needs no longest delay
    rate = np.empty((k, n))
    for t in range(1, h + 1):
        rate[:] = rates[t - 1]
        step(s, t, params, rate.reshape(-1), net, user)
        if limits is not None and (t % 8 == 0 or t == h):
            missed = _missed(s, max_delay_days).reshape(k, n)
            if (missed.sum(axis=1) / n > limits).all():
                return missed, t == h
    return _missed(s, max_delay_days).reshape(k, n), True


def _missed(s: State, max_delay_days: float | None) -> NDArray[np.bool_]:
    """Paths missing the target so far (never fewer as the days go on)."""
    if max_delay_days is None:
        return s.delayed > s.eps  # the delayed_amount metric is above 0
    return s.max_delay > max_delay_days


def bisect_buffers(missed: MissedPaths, alphas: Sequence[float], tols: Sequence[float]
                   ) -> list[float | None]:
    """:func:`~.sweeps.size_buffer`'s bisection for each ``(alpha, tol)``, in step: the
    ratios the searches ask next run in one pass.

    Returns
    -------
    list of float or None
        For each search, the smallest ratio found (the upper end of its final interval), or
        None when even a full buffer misses ``alpha``.
    """
    for a in alphas:
        if not 0 <= a < 1:
            raise ParameterError(f"must be in [0, 1), got {a}", param="alpha")
    for tol in tols:
        if not tol > 0:
            raise ParameterError(f"must be > 0, got {tol}", param="tol")

    def ok(ratio: float, alpha: float) -> bool:
        return missed.meets({ratio: alpha})[ratio]  # run already, unless asked alone

    first = _levels(missed.paths, len(alphas))
    if first > 1:  # cheap passes: both ends and the first levels' ratios at once
        missed.meets(_asks([(r, a) for a in alphas for r in (1.0, 0.0)] +
                           [(r, a) for a, tol in zip(alphas, tols, strict=True)
                            for r in _ahead(0.0, 1.0, tol, first - 1)]))
    else:
        for r in (1.0, 0.0):  # apart: a full buffer runs to the horizon, none usually
            missed.meets(_asks([(r, a) for a in alphas]))  # stops early
    out: list[float | None] = [None] * len(alphas)
    bracket: list[tuple[float, float] | None] = [None] * len(alphas)
    for i, a in enumerate(alphas):
        if ok(1.0, a):
            if ok(0.0, a):
                out[i] = 0.0
            else:
                bracket[i] = (0.0, 1.0)

    def live() -> list[int]:
        return [i for i, b in enumerate(bracket) if b is not None and b[1] - b[0] > tols[i]]

    while searching := live():
        levels = _levels(missed.paths, len(searching))
        missed.meets(_asks([(r, alphas[i]) for i in searching
                            for r in _ahead(*bracket[i], tols[i], levels)]))  # type: ignore[misc]
        for _ in range(levels):  # the steps those ratios answer (run already)
            for i in live():
                lo, hi = bracket[i]  # type: ignore[misc]
                mid = 0.5 * (lo + hi)
                bracket[i] = (lo, mid) if ok(mid, alphas[i]) else (mid, hi)
    return [b[1] if b is not None else o for o, b in zip(out, bracket, strict=True)]


def _levels(paths: int, searches: int) -> int:
    """Levels of each search one pass runs: the most whose ratios (2**d - 1 a search) fit
    :data:`LOOKAHEAD` columns, at least one."""
    per = LOOKAHEAD // max(paths * searches, 1)
    return max(1, (per + 1).bit_length() - 1)


def _ahead(lo: float, hi: float, tol: float, levels: int) -> list[float]:
    """The ratios a bisection of ``[lo, hi]`` to width ``tol`` may ask in its next
    ``levels`` steps (each midpoint computed as the bisection computes it)."""
    if levels < 1 or not hi - lo > tol:
        return []
    mid = 0.5 * (lo + hi)
    return [mid, *_ahead(lo, mid, tol, levels - 1), *_ahead(mid, hi, tol, levels - 1)]


def _asks(pairs: list[tuple[float, float]]) -> dict[float, float]:
    """``{ratio: the largest alpha asked of it}``."""
    out: dict[float, float] = {}
    for r, a in pairs:
        out[r] = max(a, out.get(r, a))
    return out
