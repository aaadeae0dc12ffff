"""The reconciliation question, defined once, and the one entry point both shells call.

:class:`ReconcileQuestion` holds every parameter of "was I paid correctly?": the statement
and its files, the product terms, which APR the payouts are compared with, the tolerance,
the days and tokens checked. Each field is a :func:`~softstake_model.spec.param` (meaning,
unit, bounds, default): ``softstake reconcile`` declares its options from them and the
reconcile report validates its parameters against them, so the two shells share one set of
names and defaults. :func:`reconcile_statement` answers the question; the command prints what
it returns and the report page displays it, neither computes a figure of its own.

The default statement is the shipped synthetic example; with it, and no activation given,
the example's own activation instant is used (``data/examples/binance_statement_activations.csv``,
what ``tools/make_examples.py`` activated it at), so the page shows the three faults planted
in it. A statement of your own without an activation is taken to be activated the day
before its first reward credit settles (see :mod:`softstake_model.reconciliation`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import examples, spec
from .catalog import assumed_lines
from .errors import ParameterError
from .ledger import read_rewards_record
from .product import build_terms, ledger_for, parse_tokens, product_catalog, timeline
from .reconciliation import DEFAULT_TOLERANCE, flag_counts, reconcile, reconcile_totals
from .spec import param
from .terms import PRESETS, SNAPSHOT_METHODS, Terms
from .typing import Frame

__all__ = ["ReconcileQuestion", "Reconciliation", "reconcile_statement", "parse_compare",
           "parse_tolerance"]


def parse_compare(value: Any) -> str | float | None:
    """``apr``: None (the implied APR), ``"catalog"`` or an APR as a fraction in [0, 1].

    Examples
    --------
    >>> parse_compare("catalog"), parse_compare("0.05"), parse_compare(0.05)
    ('catalog', 0.05, 0.05)
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "catalog":
            return "catalog"
        try:
            value = float(text)
        except ValueError:
            raise ParameterError(f"must be 'catalog' or a fraction in [0, 1], got '{value}'",
                                 param="apr") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"must be 'catalog' or a fraction in [0, 1], got {value!r}",
                             param="apr")
    if not 0 <= value <= 1:
        raise ParameterError(f"must be 'catalog' or a fraction in [0, 1], got {value}",
                             param="apr")
    return float(value)


def parse_tolerance(value: Any) -> float:
    """``tolerance``: a relative departure >= 0 (text from the command line is read)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"must be a fraction >= 0 (0.1 = 10 %), got {value!r}",
                             param="tolerance") from None
    if isinstance(value, bool) or not (x == x and x >= 0 and x != float("inf")):
        raise ParameterError(f"must be a fraction >= 0 (0.1 = 10 %), got {value}",
                             param="tolerance")
    return x


def _iso(name: str) -> Any:
    """A parser of an instant or day given as text: date and date-time objects (as YAML
    gives them) become their ISO text; anything else but text is refused."""

    def parse(value: Any) -> str:
        if isinstance(value, dt.date):  # a datetime is a date too
            return value.isoformat()
        if not isinstance(value, str):
            raise ParameterError(f"should be ISO-8601 text (2025-11-20 or "
                                 f"2025-11-20T08:00:00Z), got {type(value).__name__} "
                                 f"{value!r}", param=name)
        return value

    return parse


def _tokens(value: Any) -> str | None:
    found = parse_tokens(value)
    return ",".join(found) if found else None


def _file(doc: str, metavar: str = "FILE", flag: str | None = None) -> Any:
    return param(None, doc=doc, kind="text", optional=True, metavar=metavar, flag=flag)


def _number(doc: str, unit: str, **kw: Any) -> Any:
    return param(None, doc=doc, unit=unit, optional=True, **kw)


@dataclass(frozen=True)
class ReconcileQuestion:
    """Was a holder paid correctly? Every parameter of the reconciliation (fields below).

    Examples
    --------
    >>> q = ReconcileQuestion(apr="catalog")
    >>> q.statement.endswith("binance_statement.csv"), q.apr
    (True, 'catalog')
    >>> try:
    ...     ReconcileQuestion(tolerance=-1)
    ... except ParameterError as e:
    ...     print(e)
    tolerance must be a fraction >= 0 (0.1 = 10 %), got -1
    """

    statement: str | None = _file("The holder's statement (CSV with its reward credits); "
                                  "none: the shipped synthetic example.", "STATEMENT")
    format: str = param("auto", doc="Ledger format (auto: a Binance statement is recognised "
                        "by its header).", kind="text",
                        choices=("auto", "generic", "binance-statement"))
    rewards_record: str | None = _file("Binance rewardsRecord JSON; the paid rewards are "
                                       "taken from it.")
    account: str | None = param(None, doc="Account the rewards record belongs to (none: the "
                                "statement's only account).", kind="text", optional=True)
    catalog: str | None = _file("CSV/YAML/API-JSON file laid over the shipped token "
                                "catalogue.")
    token: str | None = param(None, doc="Tokens to check, comma-separated (none: all).",
                              kind="any", optional=True, parse=_tokens, metavar="TOKEN")
    preset: str = param("binance_soft_staking", doc="Product terms.", kind="text",
                        choices=tuple(PRESETS))
    apr: str | float | None = param(None, doc="The APR compared with: none, the APR implied "
                                    "by each payout against its neighbours' median; "
                                    "'catalog', the catalogue's; or a fraction (0.05 = 5 %).",
                                    kind="any", optional=True, parse=parse_compare,
                                    metavar="RATE")
    apr_history: str | None = _file("CSV date,token,apr of the rates paid (every day), "
                                    "compared with instead.")
    min_holding: float | None = _number("Minimum balance that earns (none: the catalogue's).",
                                        "tokens", low=0, metavar="X")
    cap: float | None = _number("Cap on the eligible balance (none: the catalogue's).",
                                "tokens", low=0, low_open=True, metavar="Y")
    tiers: str | None = param(None, doc="Marginal bands UPPER:APR,... (500:0.12,inf:0.003; "
                              "none: the preset's).", kind="text", optional=True,
                              metavar="BANDS")
    snapshot: str | None = param(None, doc="Balance measure of a day (none: the preset's).",
                                 kind="text", optional=True, choices=SNAPSHOT_METHODS)
    fixed_time: str | None = param(None, doc="Time of the fixed snapshot, HH:MM UTC (none: "
                                   "the preset's).", kind="text", optional=True,
                                   metavar="HH:MM")
    payout_time: str | None = param(None, doc="Time of day of payouts, HH:MM UTC (none: the "
                                    "preset's).", kind="text", optional=True, metavar="HH:MM")
    fee: float | None = _number("Share of the gross reward the exchange keeps (none: the "
                                "preset's).", "share", kind="ratio", high_open=True,
                                metavar="F")
    precision: int | None = _number("Decimals rewards truncate to (none: the preset's).",
                                    "decimals", kind="whole", low=0, high=12, metavar="N")
    seed: int | None = _number("Seed of hourly_random snapshots (none: the preset's).", "",
                               kind="whole", low=0, metavar="N")
    activated_at: str | None = param(None, doc="Activation instant of every account, ISO-8601 "
                                     "with a zone (none: the example's own; for a statement "
                                     "of yours, the day before its first reward credit).",
                                     kind="any", optional=True, parse=_iso("activated_at"),
                                     metavar="ISO")
    deactivated_at: str | None = param(None, doc="Deactivation instant of every account, "
                                       "ISO-8601 with a zone.", kind="any", optional=True,
                                       parse=_iso("deactivated_at"), metavar="ISO")
    activations: str | None = _file("CSV account,activated_at[,deactivated_at][,token].")
    excluded: str | None = _file("CSV with an 'account' column: accounts that accrue "
                                 "nothing.", flag="--exclude-accounts")
    start: str | None = param(None, doc="First accrual day to check, YYYY-MM-DD (none: the "
                              "statement's first).", kind="any", optional=True,
                              parse=_iso("start"), metavar="YYYY-MM-DD")
    end: str | None = param(None, doc="Last accrual day to check, YYYY-MM-DD (none: the last "
                            "one paid in the statement).", kind="any", optional=True,
                            parse=_iso("end"), metavar="YYYY-MM-DD")
    tolerance: float | None = param(None, doc="Relative departure from the APR compared with "
                                    f"that is still ok (none: {DEFAULT_TOLERANCE:g} when the "
                                    "APR is implied, 0 when one is given).", unit="share",
                                    kind="any", optional=True, parse=parse_tolerance,
                                    metavar="F")
    neighbours: int = param(3, doc="Payouts on each side whose median implied APR a payout "
                            "is compared with.", unit="payouts", kind="whole", low=1,
                            high=100, metavar="N")

    def __post_init__(self) -> None:
        spec.check(self)
        if self.apr is not None and self.apr_history is not None:
            raise ParameterError("give 'apr' or 'apr_history', not both", param="apr_history")
        if self.statement is None:  # the shipped example, with its own activation
            object.__setattr__(self, "statement", str(examples.path("statement")))
            if self.activated_at is None and self.activations is None:
                object.__setattr__(self, "activations",
                                   str(examples.path("statement_activations")))

    def terms(self) -> Terms:
        """The product terms: the preset with the fields given laid over it."""
        return build_terms(self.preset, snapshot=self.snapshot, fixed_time=self.fixed_time,
                           payout_time=self.payout_time, fee=self.fee,
                           precision=self.precision, seed=self.seed, tiers=self.tiers)


@dataclass(frozen=True)
class Reconciliation:
    """What :func:`reconcile_statement` found.

    Attributes
    ----------
    table
        Every payout (:data:`~softstake_model.reconciliation.RECONCILE_COLUMNS`; amounts in
        tokens, APRs as fractions per year).
    flagged
        The rows of ``table`` whose flag is not ``ok``.
    counts
        Payouts per flag, every flag listed.
    totals
        Per token: payouts, flagged, expected, paid and difference in tokens and in USD at
        the catalogue price.
    basis
        ``implied``, ``catalog``, ``given`` or ``history``: which APR was compared with.
    compared_with
        A sentence naming that APR and the tolerance.
    activation
        A sentence when the activation was taken from the first reward credit, else None.
    assumed
        One line per assumed catalogue value the figures rest on.
    ignored
        Coins of the statement without soft staking, set aside.
    headline
        The page's headline figures: payouts, one count per flag, ``apr_compared``.
    parameters
        Every parameter value it ran with, defaults included (:func:`spec.values`).
    """

    table: Frame
    flagged: Frame
    counts: pd.Series
    totals: Frame
    basis: str
    compared_with: str
    activation: str | None
    assumed: list[str]
    ignored: list[str]
    headline: dict[str, Any]
    parameters: dict[str, Any]

    def figures(self) -> dict[str, Any]:
        """The figures as plain values (JSON): the headline, the sentences, the per-token
        totals and the flagged payouts."""
        totals = {t: {k: spec.plain(v) for k, v in row.items()}
                  for t, row in self.totals.to_dict(orient="index").items()}
        flagged = self.flagged.assign(date=self.flagged["date"].dt.strftime("%Y-%m-%d"))
        return {"headline": self.headline, "compared_with": self.compared_with,
                "activation": self.activation, "assumed": self.assumed, "totals": totals,
                "flagged": [{k: spec.plain(v) for k, v in r.items()}
                            for r in flagged.to_dict(orient="records")]}


def reconcile_statement(q: ReconcileQuestion) -> Reconciliation:
    """Answer the question: read the files, reconcile, count, total (the one entry point of
    ``softstake reconcile`` and the reconcile report).

    The whole statement is read (its range and the activation come from all of it); the
    tokens asked for are chosen afterwards.
    """
    terms = q.terms()
    catalog = product_catalog(q.catalog, None, min_holding=q.min_holding, cap=q.cap)
    tokens = parse_tokens(q.token)
    lines = timeline(activated_at=q.activated_at, deactivated_at=q.deactivated_at,
                     activations=q.activations, excluded=q.excluded,
                     apr_history=q.apr_history, terms=terms)
    ledger, ignored = ledger_for(q.statement, catalog, format=q.format,
                                 only_catalog_tokens=bool(tokens))
    record = read_rewards_record(q.rewards_record) if q.rewards_record else None
    table = reconcile(ledger, catalog, terms, start=q.start, end=q.end, rewards_record=record,
                      record_account=q.account, compare=q.apr, tolerance=q.tolerance,
                      neighbours=q.neighbours, tokens=tokens or None, **lines)
    counts = flag_counts(table)
    basis = table.attrs["basis"]
    fields = ("apr", "price_usd") if basis == "catalog" else ("price_usd",)
    headline = {"payouts": int(counts.sum()), **{k: int(n) for k, n in counts.items()},
                "apr_compared": basis}
    return Reconciliation(
        table=table, flagged=table[table["flag"] != "ok"], counts=counts,
        totals=reconcile_totals(table, catalog, terms.precision), basis=basis,
        compared_with=table.attrs["compared_with"], activation=table.attrs["activation"],
        assumed=assumed_lines(catalog, sorted(set(table["token"])), fields),
        ignored=list(ignored), headline=headline, parameters=spec.values(q))

