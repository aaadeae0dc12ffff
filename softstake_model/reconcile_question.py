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
before its first reward credit settles (see :mod:`softstake_model.reconciliation`), the
same in the command and on the page, which both state it.

A parameter with no value may be written ``none``, ``null``, ``~`` or left empty (``-p
activated_at none``, ``--activated-at ''``); all mean the default the field describes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import examples, spec
from .catalog import assumed_lines, override
from .errors import ParameterError
from .from_store import from_store
from .ledger import read_rewards_records
from .product import build_terms, ledger_for, parse_tokens, product_catalog, timeline
from .reconciliation import (
    DEFAULT_TOLERANCE,
    HISTORY_TOLERANCE,
    flag_counts,
    reconcile,
    reconcile_totals,
)
from .scale import is_ledger_dir
from .spec import param
from .staleness import stale_line
from .statement import Statement, infer_openings, read_statement
from .terms import PRESETS, SNAPSHOT_METHODS, Terms
from .typing import Frame

__all__ = ["ReconcileQuestion", "Reconciliation", "reconcile_statement", "parse_compare",
           "parse_tolerance", "STORE", "NONE_SPELLINGS", "is_none"]

#: The value of ``apr_history`` and ``rewards_record`` that reads the history store.
STORE = "store"
#: How a parameter with no value may be written (case aside; "" is empty text).
NONE_SPELLINGS = ("", "none", "null", "~")


def is_none(value: Any) -> bool:
    """Whether a value means "no value": None or one of :data:`NONE_SPELLINGS`.

    Examples
    --------
    >>> is_none(None), is_none("None"), is_none(" "), is_none("2025-11-19")
    (True, True, True, False)
    """
    return value is None or (isinstance(value, str) and value.strip().lower() in NONE_SPELLINGS)


def parse_compare(value: Any) -> str | float | None:
    """``apr``: None (the implied APR), ``"catalog"`` or an APR as a fraction in [0, 1].

    Examples
    --------
    >>> parse_compare("catalog"), parse_compare("0.05"), parse_compare(0.05)
    ('catalog', 0.05, 0.05)
    """
    if is_none(value):
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


def parse_tolerance(value: Any) -> float | None:
    """``tolerance``: a relative departure >= 0 (text from the command line is read)."""
    if is_none(value):
        return None
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

    def parse(value: Any) -> str | None:
        if is_none(value):
            return None
        if isinstance(value, dt.date):  # a datetime is a date too
            return value.isoformat()
        if not isinstance(value, str):
            raise ParameterError(f"should be ISO-8601 text (2025-11-20 or "
                                 f"2025-11-20T08:00:00Z), got {type(value).__name__} "
                                 f"{value!r}", param=name)
        return value

    return parse


def _tokens(value: Any) -> str | None:
    found = None if is_none(value) else parse_tokens(value)
    return ",".join(found) if found else None


def _texts(name: str, what: str) -> Any:
    """A parser of one text or a list of them (a repeated option): a tuple, or None."""

    def parse(value: Any) -> tuple[str, ...] | None:
        items = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, str) for v in items):
            raise ParameterError(f"should be {what} (text, or a list of them), got {value!r}",
                                 param=name)
        kept = tuple(v for v in items if not is_none(v))
        return kept or None

    return parse


def _path(name: str) -> Any:
    """A parser of a file's path: text, or None when written as no value."""

    def parse(value: Any) -> str | None:
        if is_none(value):
            return None
        if not isinstance(value, str):
            raise ParameterError(f"should be a file's path, got {value!r}", param=name)
        return value

    return parse


def _file(doc: str, metavar: str = "FILE", flag: str | None = None, *,
          name: str = "file") -> Any:
    return param(None, doc=doc, kind="any", optional=True, metavar=metavar, flag=flag,
                 parse=_path(name))


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
                                  "none: the shipped synthetic example.", "STATEMENT",
                                  name="statement")
    format: str = param("auto", doc="Ledger format (auto: a Binance statement is recognised "
                        "by its header).", kind="text",
                        choices=("auto", "generic", "binance-statement"))
    rewards_record: tuple[str, ...] | None = param(
        None, doc="Binance rewardsRecord JSON, every page (repeat the option), or 'store' (the "
        "records 'softstake fetch rewards' stored); the paid rewards are taken from them.",
        kind="any", optional=True, metavar="FILE|store",
        parse=_texts("rewards_record", "a file's path"))
    account: str | None = param(None, doc="Account the rewards record belongs to (none: the "
                                "statement's only account).", kind="text", optional=True)
    catalog: str | None = _file("CSV/YAML/API-JSON file laid over the shipped token "
                                "catalogue.", name="catalog")
    reward_label: tuple[str, ...] | None = param(
        None, doc="A statement label (Operation) of reward credits beyond the known ones "
        "(repeat the option for several).", kind="any", optional=True, metavar="TEXT",
        parse=_texts("reward_label", "a label"))
    opening_balances: str | None = _file("CSV token,balance[,account][,wallet] of the "
                                         "balances the statement opens with (none: the "
                                         "smallest keeping every balance >= 0, inferred).",
                                         name="opening_balances")
    drop_duplicates: bool = param(False, doc="Drop rows that repeat an earlier row exactly "
                                  "(they are counted either way).", kind="flag")
    token: str | None = param(None, doc="Tokens to check, comma-separated (none: all).",
                              kind="any", optional=True, parse=_tokens, metavar="TOKEN")
    preset: str = param("binance_soft_staking", doc="Product terms.", kind="text",
                        choices=tuple(PRESETS))
    apr: str | float | None = param(None, doc="The APR compared with: none, the APR implied "
                                    "by each payout against its neighbours' median; "
                                    "'catalog', the catalogue's; or a fraction (0.05 = 5 %).",
                                    kind="any", optional=True, parse=parse_compare,
                                    metavar="RATE")
    apr_history: str | None = _file("CSV date,token,apr of the rates paid (every accruing "
                                    "day), or 'store' (the daily APRs 'softstake fetch' "
                                    "stored, each carried over days without a snapshot), "
                                    "compared with instead.", "FILE|store", name="apr_history")
    store: str | None = _file("History store 'store' reads (an SQLite file or an "
                              "SQLAlchemy URL; none: $SOFTSTAKE_STORE, else the user data "
                              "folder's).", "PATH|URL", name="store")
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
    activations: str | None = _file("CSV account,activated_at[,deactivated_at][,token].",
                                    name="activations")
    excluded: str | None = _file("CSV with an 'account' column: accounts that accrue "
                                 "nothing.", flag="--exclude-accounts", name="excluded")
    start: str | None = param(None, doc="First accrual day to check, YYYY-MM-DD (none: the "
                              "statement's first).", kind="any", optional=True,
                              parse=_iso("start"), metavar="YYYY-MM-DD")
    end: str | None = param(None, doc="Last accrual day to check, YYYY-MM-DD (none: the last "
                            "one paid in the statement).", kind="any", optional=True,
                            parse=_iso("end"), metavar="YYYY-MM-DD")
    tolerance: float | None = param(None, doc="Relative departure from the APR compared with "
                                    f"that is still ok (none: {DEFAULT_TOLERANCE:g} when the "
                                    f"APR is implied, {HISTORY_TOLERANCE:g} against an APR "
                                    "history, 0 when one is given).", unit="share",
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
    openings
        The balance each account, coin and wallet opens the statement with
        (:data:`~softstake_model.statement.OPENING_COLUMNS`; ``inferred`` where not given).
    notes
        Sentences for the holder: inferred openings, duplicate rows, a likely reward
        label, an activations file that names no account.
    headline
        The page's headline figures: payouts, one count per flag, ``apr_compared``.
    stale
        A sentence when the figures rest on shipped catalogue values older than 90 days
        (:func:`~softstake_model.staleness.stale_line`), else None.
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
    stale: str | None = None
    openings: Frame | None = None
    notes: tuple[str, ...] = ()

    def glance(self) -> list[str]:
        """The "At a glance" sentences: the counts, the days, the activation, what the
        payouts were compared with, the staleness of shipped values, and the notes (the page
        and the command print them)."""
        t = self.table
        span = f" ({t['date'].min().date()} to {t['date'].max().date()}, accrual days)" \
            if len(t) else ""
        counts = ", ".join(f"{n} {f}" for f, n in self.counts.items() if n or f == "ok")
        lines = [f"{len(t)} payouts checked{span}: {counts}"]
        if self.activation:
            lines.append(self.activation[0].upper() + self.activation[1:])
        lines.append(f"Compared with {self.compared_with}")
        if self.stale:
            lines.append(self.stale)
        return lines + [n[0].upper() + n[1:] for n in self.notes if n]

    def figures(self) -> dict[str, Any]:
        """The figures as plain values (JSON): the headline, the sentences, the per-token
        totals and the flagged payouts."""
        totals = {t: {k: spec.plain(v) for k, v in row.items()}
                  for t, row in self.totals.to_dict(orient="index").items()}
        flagged = self.flagged.assign(**{c: self.flagged[c].dt.strftime("%Y-%m-%d") for c in
                                         ("date", "credit_date", "paid_on")})
        return {"headline": self.headline, "compared_with": self.compared_with,
                "stale": self.stale,
                "activation": self.activation, "assumed": self.assumed, "totals": totals,
                "notes": list(self.notes),
                "flagged": [{k: spec.plain(v) for k, v in r.items()}
                            for r in flagged.to_dict(orient="records")]}


def _sources(q: ReconcileQuestion, within: tuple[pd.Timestamp, pd.Timestamp]
             ) -> tuple[pd.DataFrame | None, str | None]:
    """The one place the rewards record and the APR history are resolved from the
    question: ``(rewards record frame or None, APR history source or None)``; record times
    must fall within ``within`` (the statement's years)."""
    record = None
    given = [f.strip() for v in (q.rewards_record or ()) for f in v.split(",") if f.strip()]
    files = [f for f in given if f != STORE]
    if files:
        record = read_rewards_records(tuple(files), within=within)
    if STORE in given:
        stored = from_store(q.store, "rewards_record", "rewards_record_from_store",
                             parse_tokens(q.token) or None)
        record = stored if record is None else pd.concat(
            [record, stored], ignore_index=True).drop_duplicates(
            ["time", "token", "reward_token", "reward"]).sort_values(
            "time", kind="stable", ignore_index=True)
    return record, None if q.apr_history == STORE else q.apr_history


def _read(q: ReconcileQuestion, catalog: pd.DataFrame, tokens: list[str]) -> Statement:
    """The statement (or a converted ledger folder) with its openings and notes."""
    if is_ledger_dir(q.statement):
        ledger, ignored = ledger_for(q.statement, catalog, format=q.format,
                                     only_catalog_tokens=bool(tokens))
        return Statement(ledger=ledger, ignored=ignored, openings=infer_openings(ledger))
    return read_statement(q.statement, catalog, format=q.format, tokens=tokens or None,
                          reward_labels=q.reward_label or (),
                          duplicates="drop" if q.drop_duplicates else "keep",
                          opening_balances=q.opening_balances)


def _years(ledger: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """From 1 January of the statement's first year to 1 January after its last (UTC)."""
    first, last = ledger["time"].min(), ledger["time"].max()
    return (pd.Timestamp(year=first.year, month=1, day=1, tz="UTC"),
            pd.Timestamp(year=last.year + 1, month=1, day=1, tz="UTC"))


def _opening_doubts(table: pd.DataFrame, openings: pd.DataFrame) -> list[str]:
    """A note per coin whose inferred opening leaves credits below the minimum: the
    holder held more before the statement than the statement shows."""
    inferred = set(openings.loc[openings["inferred"], "token"])
    low = table[(table["flag"] == "unexpected")
                & table["reason"].str.contains("below the minimum", regex=False)
                & table["token"].isin(inferred)]
    return [f"{n} {token} credit(s) came on days whose balance, from the inferred opening, "
            f"is below the minimum: the statement probably opens with more {token} than "
            "inferred; give --opening-balances FILE"
            for token, n in low.groupby("token").size().items() if n >= 2]


def reconcile_statement(q: ReconcileQuestion) -> Reconciliation:
    """Answer the question: read the files, reconcile, count, total (the one entry point of
    ``softstake reconcile`` and the reconcile report).

    The statement's checked coins are read (its range and the activation come from all of
    them); coins without soft staking, or outside the tokens asked for, are set aside
    before any balance is computed.
    """
    terms = q.terms()
    catalog = product_catalog(q.catalog, None, store=q.store)
    tokens = parse_tokens(q.token)
    st = _read(q, catalog, tokens)
    if q.min_holding is not None or q.cap is not None:  # checked on the coins held only
        held = set(st.ledger["token"].unique())
        catalog = override(catalog, [t for t in catalog.index if t in held],
                           min_holding=q.min_holding, cap=q.cap)
    record, apr_history = _sources(q, _years(st.ledger))
    lines = timeline(activated_at=q.activated_at, deactivated_at=q.deactivated_at,
                     activations=q.activations, excluded=q.excluded,
                     apr_history=apr_history, terms=terms)
    if q.apr_history == STORE:
        if terms.tiers is not None:
            raise ParameterError("cannot be combined with tiers: tiers set the APR",
                                 param="apr_history")
        lines["apr_history"] = from_store(q.store, "apr_history", "apr_history_from_store",
                                           tokens or None, fill=True)
    table = reconcile(st.ledger, catalog, terms, start=q.start, end=q.end,
                      rewards_record=record, record_account=q.account, compare=q.apr,
                      tolerance=q.tolerance, neighbours=q.neighbours, tokens=tokens or None,
                      **lines)
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
        ignored=list(st.ignored), headline=headline, parameters=spec.values(q),
        stale=stale_line(catalog, sorted(set(table["token"])),
                         [*(f for f in ("min_holding", "cap") if getattr(q, f) is None),
                          *fields]),
        openings=st.openings, notes=tuple(st.notes) + tuple(table.attrs.get("notes", ()))
        + tuple(_opening_doubts(table, st.openings)))
