"""The report runner: scenarios → validated runs → papermill in parallel → HTML → index.

Every run is validated against its notebook's schema before anything executes. Runs are
executed by papermill in worker processes, each into a private build folder; only a run that
succeeds has its executed notebook and HTML moved into the output folder, so a failing run
never replaces a good report. ``index.html`` (and ``index.json``) list every run with the
headline figures the notebook itself displayed, collected from the executed notebook.

The notebooks and the templates ship in the package and are found through
:mod:`importlib.resources`, so an installed wheel runs from any folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import yaml

from ..checks import MAX_RUNS, bounded, yaml_value
from ..errors import InputError, ParameterError
from ..sweeps import grid, zip_
from . import HEADLINE_MIME
from .params import ALL_TOKENS, QUICK, SCHEMAS, problems

__all__ = ["Run", "RunResult", "NOTEBOOKS_DIR", "shipped_notebooks", "load_scenarios", "plan",
           "execute", "write_index", "render_html", "QUICK_TOKENS"]

#: The notebooks shipped in the package (a :class:`~importlib.abc.Traversable`; a folder on
#: disk for any ordinary install). :func:`shipped_notebooks` gives it as a real path.
NOTEBOOKS_DIR: Traversable = resources.files("softstake_model") / "notebooks"
_TEMPLATES: Traversable = resources.files("softstake_model") / "report" / "templates"
#: Tokens of the per-token notebooks in a --quick run (unless --token says otherwise).
QUICK_TOKENS = ("BNB", "SOL", "ADA")
_MAX_SCENARIO_BYTES = 1 << 20
_MAX_LABEL = 200


@contextlib.contextmanager
def shipped_notebooks() -> Iterator[Path]:
    """The shipped notebooks' folder as a path on disk, for as long as the context lasts.

    Yields
    ------
    Path
        Folder holding ``yields.ipynb``, ``caps.ipynb``, ``liquidity_stress.ipynb`` and
        ``reconcile.ipynb``.
    """
    with resources.as_file(NOTEBOOKS_DIR) as path:
        yield Path(path)


@dataclass
class Run:
    """One notebook execution: its parameters (validated) and where it goes."""

    notebook: str
    label: str
    params: dict
    slug: str = ""


@dataclass
class RunResult:
    run: Run
    ok: bool
    seconds: float
    headline: dict = field(default_factory=dict)
    error: str = ""
    html: str = ""
    ipynb: str = ""


def load_scenarios(path: str | Path) -> dict[str, list[dict]]:
    """Read a scenario file: for each notebook, a list of parameter sets.

    Each item is a mapping of parameters, or ``grid: {name: [values]}`` /
    ``zip: {name: [values]}`` (with an optional ``params:`` mapping shared by the expansion)::

        yields:
          - {token: BNB, budget_usd: 5000}
          - grid: {token: [SOL, ADA], days: [90, 365]}
            params: {apr_paths: 100}
        liquidity_stress:
          - zip: {buffer_ratio: [0.05, 0.1], shock_fraction: [0.2, 0.4]}
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", file=str(p))
    if p.stat().st_size > _MAX_SCENARIO_BYTES:
        raise InputError(f"is {p.stat().st_size:,} bytes, more than the "
                         f"{_MAX_SCENARIO_BYTES:,} a scenario file may hold", file=str(p))
    try:
        from ..checks import text_dates_loader

        data = yaml.load(p.read_text(encoding="utf-8"), Loader=text_dates_loader())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        what = " ".join(str(getattr(e, "problem", None) or e).split())
        raise InputError(f"not valid YAML: {what}", file=str(p),
                         line=None if mark is None else mark.line + 1) from None
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text: {e.reason} at byte {e.start}", file=str(p)) from None
    try:
        bounded(data, "scenarios", MAX_RUNS * 100)
    except ParameterError as e:
        raise InputError(e.reason, file=str(p)) from None
    if not isinstance(data, dict):
        raise InputError("expected a mapping of notebook name -> list of scenarios", file=str(p))
    out: dict[str, list[dict]] = {}
    for nb, items in data.items():
        if nb not in SCHEMAS:
            raise InputError(f"unknown notebook '{nb}'; choose from {', '.join(SCHEMAS)}",
                             file=str(p))
        if not isinstance(items, list):
            raise InputError(f"{nb}: expected a list of scenarios", file=str(p))
        runs: list[dict] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise InputError(f"{nb}: scenario {i + 1} is not a mapping", file=str(p))
            kinds = [k for k in ("grid", "zip") if k in item]
            if len(kinds) > 1:
                raise InputError(f"{nb}: scenario {i + 1} has both grid and zip", file=str(p))
            if kinds:
                extra = set(item) - {kinds[0], "params"}
                if extra:
                    raise InputError(f"{nb}: scenario {i + 1}: unexpected key(s) {sorted(extra)} "
                                     "beside grid/zip (put shared values under params:)",
                                     file=str(p))
                axes = item[kinds[0]]
                if not isinstance(axes, dict):
                    raise InputError(f"{nb}: scenario {i + 1}: {kinds[0]} needs a mapping of "
                                     "name -> list", file=str(p))
                try:
                    expanded = (grid if kinds[0] == "grid" else zip_)(**axes)
                except ParameterError as e:
                    raise InputError(f"{nb}: scenario {i + 1}: {e}", file=str(p)) from None
                shared = item.get("params") or {}
                runs += [{**shared, **sc} for sc in expanded]
            else:
                runs.append(dict(item))
            if len(runs) + sum(map(len, out.values())) > MAX_RUNS:
                raise InputError(f"{nb}: scenario {i + 1}: the file expands to more than "
                                 f"{MAX_RUNS:,} runs; sweep fewer values", file=str(p))
        out[nb] = runs
    return out


def _default_scenarios(tokens: list[str]) -> dict[str, list[dict]]:
    return {
        "yields": [{"token": t} for t in tokens],
        "caps": [{"token": t} for t in tokens],
        "liquidity_stress": [{"tokens": ",".join(tokens)}],
        "reconcile": [{}],
    }


def _parse_value(text: str) -> object:
    return yaml_value(text, "overrides")


def _label(values: dict) -> str:
    if not values:
        return "default"
    text = ", ".join(f"{k}={v}" for k, v in values.items())
    return text if len(text) <= _MAX_LABEL else text[:_MAX_LABEL - 1] + "…"


def _slug(nb: str, label: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._=-]+", "_", f"{nb}-{label}").strip("_")[:120]
    slug, k = base, 2
    while slug in taken:
        slug, k = f"{base}-{k}", k + 1
    taken.add(slug)
    return slug


def plan(
    scenarios: dict[str, list[dict]] | None = None,
    notebooks: list[str] | None = None,
    tokens: list[str] | None = None,
    overrides: list[tuple[str, str]] | None = None,
    quick: bool = False,
) -> list[Run]:
    """The runs to execute, every one validated (all problems reported together).

    Parameters are layered: the notebook's defaults, then ``QUICK`` (with ``quick``), then
    the scenario's values, then ``overrides``. ``tokens`` keeps only runs of those tokens
    (and sets ``tokens`` of the stress notebook).

    Parameters
    ----------
    scenarios
        Parameter sets by notebook (:func:`load_scenarios`); None = every token of the
        default report (or :data:`QUICK_TOKENS` with ``quick``).
    notebooks
        Keep only these notebooks.
    tokens
        Keep only runs of these tokens (each item may be comma-separated).
    overrides
        ``(name, value)`` pairs laid over every selected notebook that has ``name``; the
        value is text, read as YAML (``"30"`` is 30).
    quick
        Start from the small :data:`~softstake_model.report.params.QUICK` parameters.

    Returns
    -------
    list of Run
        The runs, in scenario order, each with a unique slug.

    Raises
    ------
    ParameterError
        An unknown notebook or token, an override no selected notebook takes, any invalid
        scenario (all of them listed), or nothing left to run.
    """
    if notebooks:
        unknown = [n for n in notebooks if n not in SCHEMAS]
        if unknown:
            raise ParameterError(f"names unknown notebook(s) {unknown}; choose from "
                                 f"{', '.join(SCHEMAS)}", param="notebooks")
    from ..product import parse_tokens

    wanted = parse_tokens(tokens)
    if wanted:
        from ..catalog import load_catalog

        bad = [t for t in wanted if t not in load_catalog().index]
        if bad:
            raise ParameterError(f"names unknown token(s) {bad}", param="tokens")
    default_tokens = wanted or (list(QUICK_TOKENS) if quick else ALL_TOKENS.split(","))
    sc = scenarios if scenarios is not None else _default_scenarios(default_tokens)
    selected = {nb: items for nb, items in sc.items() if not notebooks or nb in notebooks}
    over = {}
    for name, value in overrides or []:
        if not any(name in SCHEMAS[nb].model_fields for nb in selected):
            raise ParameterError(f"set '{name}', a parameter no selected notebook has",
                                 param="overrides")
        over[name] = _parse_value(value)
    runs: list[Run] = []
    invalid: list[str] = []
    taken: set[str] = set()
    for nb, items in selected.items():
        fields = SCHEMAS[nb].model_fields
        for item in items:
            values = dict(QUICK[nb]) if quick else {}
            values.update(item)
            if wanted and "token" in values and str(values["token"]).upper() not in wanted:
                continue
            if wanted and nb == "liquidity_stress" and "tokens" not in item:
                values["tokens"] = ",".join(wanted)
            values.update({k: v for k, v in over.items() if k in fields})
            label = _label({**item, **{k: v for k, v in over.items() if k in fields}})
            _, found = problems(nb, values)
            if found:
                invalid += [f"{nb} [{label}]: {p}" for p in found]
                continue
            runs.append(Run(nb, label, values, _slug(nb, label, taken)))
    if invalid:
        raise ParameterError("invalid scenario(s):\n  " + "\n  ".join(invalid))
    if not runs:
        raise ParameterError("nothing to run: no scenario matches the notebooks and tokens "
                             "asked for")
    return runs


def render_html(nb_path: str | Path, title: str) -> str:
    """An executed notebook as a self-contained HTML page, readable offline.

    JupyterLab's layout without the code cells or prompts, through the shipped
    ``offline`` nbconvert template: it extends ``lab/index.html.j2`` and leaves out every
    script fetched from the internet (require.js, MathJax, mermaid, the widget manager).

    Parameters
    ----------
    nb_path
        The executed notebook.
    title
        The page's title.

    Returns
    -------
    str
        The HTML page.
    """
    import nbformat
    from nbconvert import HTMLExporter

    with resources.as_file(_TEMPLATES) as templates:
        exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(templates)],
                                exclude_input=True, exclude_input_prompt=True,
                                exclude_output_prompt=True)
        body, _ = exporter.from_notebook_node(nbformat.read(nb_path, as_version=4),
                                              resources={"metadata": {"name": title}})
    return body


def _headline(nb_path: Path) -> dict:
    data = json.loads(nb_path.read_text())
    found: dict = {}
    for cell in data.get("cells", []):
        for out in cell.get("outputs", []):
            h = out.get("data", {}).get(HEADLINE_MIME)
            if isinstance(h, dict):
                found.update(h)
    return found


def _quiet_worker() -> None:
    """Workers' own stderr (kernel start-up warnings) is noise: failures come back as
    results, with the failing cell's error. Ctrl-C is the runner's to handle: workers
    ignore SIGINT (their kernels run in sessions of their own and never see it)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


def _descendants(pids: list[int]) -> list[int]:
    """Every process descended from ``pids`` (Linux ``/proc``; elsewhere none found)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            parent[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], list(pids)
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found += kids
        todo += kids
    return found


def _kill_all(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers and everything they started (kernels), at once."""
    import signal

    workers = [p.pid for p in (getattr(pool, "_processes", None) or {}).values()
               if p.pid is not None]
    for pid in _descendants(workers) + workers:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    pool.shutdown(wait=False, cancel_futures=True)


#: Times a run is started again when its kernel dies before it starts: kernels started in
#: parallel pick free ports independently, and now and then two take the same one.
KERNEL_START_RETRIES = 2


def _execute_one(run: Run, build: str, notebooks_dir: str, cwd: str) -> RunResult:
    """Worker: execute one run into ``build`` and render it; never raises."""
    import papermill as pm

    src = Path(notebooks_dir) / f"{run.notebook}.ipynb"
    out_nb = Path(build) / f"{run.slug}.ipynb"
    t = time.perf_counter()
    try:
        for attempt in range(1 + KERNEL_START_RETRIES):
            try:
                pm.execute_notebook(str(src), str(out_nb), parameters=run.params,
                                    kernel_name="python3", cwd=cwd, progress_bar=False,
                                    log_output=False)
                break
            except RuntimeError as e:  # a kernel that died starting (a port taken meanwhile)
                if "before replying to kernel_info" not in str(e) or \
                        attempt == KERNEL_START_RETRIES:
                    raise
        page = render_html(out_nb, f"{run.notebook} — {run.label}")
        (Path(build) / f"{run.slug}.html").write_text(page, encoding="utf-8")
        return RunResult(run, True, time.perf_counter() - t, _headline(out_nb))
    except pm.PapermillExecutionError as e:
        err = f"cell {e.cell_index}: {e.ename}: {e.evalue}"
    except Exception as e:  # a worker reports every failure; the runner decides
        err = f"{type(e).__name__}: {e}"
    return RunResult(run, False, time.perf_counter() - t, error=err)


def execute(runs: list[Run], out: str | Path = "reports", jobs: int | None = None,
            notebooks_dir: str | Path | Traversable | None = None,
            progress: bool = True) -> list[RunResult]:
    """Execute ``runs`` in parallel; move each successful report into ``out``; write the index.

    Failed runs leave any earlier report of the same name untouched; their partly executed
    notebook goes to ``out/.failed/`` for inspection. On Ctrl-C (or SIGTERM) pending runs are
    cancelled, running workers and their kernels are killed, the pages already finished
    stay, the index lists them, the build folder is removed and the interrupt is raised
    again (the command exits 130); a second Ctrl-C meanwhile kills everything and exits.
    Notebooks run in the current folder, so relative paths among the parameters mean what
    they meant when :func:`plan` validated them.

    Parameters
    ----------
    runs
        From :func:`plan`.
    out
        Output folder (created if missing).
    jobs
        Worker processes (>= 1); None = one per CPU.
    notebooks_dir
        Folder of the notebooks; None = the shipped ones (:func:`shipped_notebooks`).
    progress
        Show a progress bar (tqdm, from the ``report`` extra).

    Returns
    -------
    list of RunResult
        One per run, in the order of ``runs``.

    Raises
    ------
    ParameterError
        If ``jobs`` < 1.
    InputError
        If a notebook is missing from ``notebooks_dir``.
    """
    if jobs is not None and jobs < 1:
        raise ParameterError(f"must be >= 1, got {jobs}", param="jobs")
    if notebooks_dir is None or not isinstance(notebooks_dir, str | Path):
        with resources.as_file(notebooks_dir or NOTEBOOKS_DIR) as shipped:
            return execute(runs, out, jobs, Path(shipped), progress)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notebooks_dir = Path(notebooks_dir).resolve()
    for nb in {r.notebook for r in runs}:
        if not (notebooks_dir / f"{nb}.ipynb").is_file():
            raise InputError(f"notebook {nb}.ipynb not found", file=str(notebooks_dir))
    jobs = jobs or os.cpu_count() or 1
    build = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    results: list[RunResult] = []
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_quiet_worker)
    interrupted: BaseException | None = None
    try:
        futures = [pool.submit(_execute_one, r, str(build), str(notebooks_dir), os.getcwd())
                   for r in runs]
        done = as_completed(futures)
        if progress:
            from tqdm.auto import tqdm

            done = tqdm(done, total=len(futures), desc="reports", unit="run", disable=None)
        for fut in done:
            results.append(_collect(fut.result(), build, out))
        pool.shutdown(wait=True)
    except BaseException as e:  # Ctrl-C, SIGTERM: stop every run now, keep finished pages
        interrupted = e
        with _second_interrupt_kills(pool):
            _kill_all(pool)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    order = {id(r): i for i, r in enumerate(runs)}
    results.sort(key=lambda r: order[id(r.run)] if id(r.run) in order else 0)
    if interrupted is not None:
        if results:
            with contextlib.suppress(Exception):
                write_index(results, out)
        raise interrupted
    write_index(results, out)
    return results


def _collect(res: RunResult, build: Path, out: Path) -> RunResult:
    """Move a finished run's pages from the build folder into ``out``."""
    slug = res.run.slug
    if res.ok:
        for ext in ("ipynb", "html"):
            os.replace(build / f"{slug}.{ext}", out / f"{slug}.{ext}")
        res.html, res.ipynb = f"{slug}.html", f"{slug}.ipynb"
    else:
        failed = out / ".failed"
        failed.mkdir(exist_ok=True)
        if (build / f"{slug}.ipynb").exists():
            os.replace(build / f"{slug}.ipynb", failed / f"{slug}.ipynb")
        if (out / f"{slug}.html").exists():
            res.html = f"{slug}.html"  # the earlier, good report stays
    return res


@contextlib.contextmanager
def _second_interrupt_kills(pool: ProcessPoolExecutor) -> Iterator[None]:
    """While cleaning up after Ctrl-C, a second Ctrl-C kills everything and exits (130)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def now(signum: int, frame: object) -> None:
        _kill_all(pool)
        os._exit(130)

    old = signal.signal(signal.SIGINT, now)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _record(r: RunResult, finished: str) -> dict:
    """A run as ``index.json`` keeps it (plain numbers)."""
    return {"notebook": r.run.notebook, "scenario": r.run.label, "slug": r.run.slug,
            "params": r.run.params, "ok": r.ok, "error": r.error, "seconds": r.seconds,
            "headline": r.headline, "html": r.html, "ipynb": r.ipynb, "finished": finished}


def _previous(out: Path) -> list[dict]:
    """The folder's earlier index records (none when missing or unreadable)."""
    try:
        data = json.loads((out / "index.json").read_text())
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict) and "notebook" in r] \
        if isinstance(data, list) else []


def _cell(text: str, css: str = "", title: str = "", sub: str = "") -> dict:
    return {"text": text, "css": css, "title": title, "sub": sub}


def _interval(lo: object, hi: object) -> str:
    from .format import pct

    if lo is None or hi is None or _isna(lo) or _isna(hi):
        return ""
    return f"{pct(lo)}–{pct(hi)}"


def _isna(x: object) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _text(x: object, missing: str = "—") -> str:
    return missing if x is None or _isna(x) or x == "" else str(x)


def _overview_view(frame: object) -> dict:
    """The overview table as formatted cells with marks, and its charts."""
    from . import plots
    from .format import DASH, amount, days, pct, usd
    from .overview import DELAY_RISK

    flags = bool(frame["flags"].fillna("").astype(str).str.strip().any())
    as_of = bool(frame["apr_as_of"].notna().any())
    head = ["token", "catalogue APR (per year)", "APR as of", "APR source",
            "net network APR", "spread (network − catalogue)", "holders earning",
            "eligible share of balances", "reward cost (tokens a day)",
            "reward cost (USD a day)", "P(delay) at the current buffer (95 % interval)",
            "buffer needed for the target (95 % interval)", "longest delay in the shock",
            "unbonding rule", "flags"]
    keep = [i for i, h in enumerate(head) if (h != "APR as of" or as_of)
            and (h != "flags" or flags)]
    head = [head[i] for i in keep]
    rows = []
    for _, r in frame.iterrows():
        spread = r["spread"]
        neg = not _isna(spread) and spread < 0
        p = r["p_delay"]
        risky = not _isna(p) and p > DELAY_RISK
        short = (not _isna(r["buffer_needed"]) and not _isna(r["buffer_ratio"])
                 and r["buffer_needed"] > r["buffer_ratio"]) or (
            _isna(r["buffer_needed"]) and not _isna(r["p_delay"]))
        token = _cell(r["token"])
        cells = [
            token, _cell(pct(r["apr"], 2)), _cell(_text(r["apr_as_of"])),
            _cell(_text(r["apr_confidence"])), _cell(pct(r["network_apr"], 2)),
            _cell(("▼ " if neg else "") + pct(spread, 2), "bad" if neg else "",
                  "the exchange pays more than the chain yields" if neg else ""),
            _cell(pct(r["earning_share"])), _cell(pct(r["eligible_share"])),
            _cell(amount(r["daily_cost"])), _cell(usd(r["daily_cost_usd"])),
            _cell(("⚠ " if risky else "") + pct(p), "bad" if risky else "",
                  f"more than {DELAY_RISK:.0%} of paths see a delay" if risky else "",
                  _interval(r["p_delay_low"], r["p_delay_high"])),
            _cell(("⚠ " if short else "") + (pct(r["buffer_needed"])
                                              if not _isna(r["buffer_needed"]) else
                                              ("none enough" if not _isna(p) else DASH)),
                  "bad" if short else "",
                  f"above the current buffer of {pct(r['buffer_ratio'])}" if short else "",
                  _interval(r["buffer_low"], r["buffer_high"])),
            _cell(days(r["shock_max_delay_days"])), _cell(_text(r["unbonding"])),
            _cell(_text(r["flags"], "")),
        ]
        cells = [cells[i] for i in keep]
        links = [(name, r[col]) for name, col in (("caps", "caps_run"),
                                                  ("stress", "stress_run")) if r[col]]
        rows.append({"cells": cells, "links": links})
    charts = []
    if frame["spread"].notna().any():
        charts.append(("spread by token", plots.to_data_uri(plots.spread_by_token(frame))))
    if frame["buffer_needed"].notna().any():
        charts.append(("buffer needed against the current buffer",
                       plots.to_data_uri(plots.buffers(frame))))
        if (frame["apr"].notna() & frame["buffer_needed"].notna()).sum() >= 2:
            charts.append(("APR against liquidity risk",
                           plots.to_data_uri(plots.apr_vs_risk(frame))))
    return {"head": head, "rows": rows, "charts": charts}


def _sweep_view(group: dict) -> dict:
    """A comparison of swept runs as formatted cells (and a chart for one numeric axis)."""
    from . import plots
    from .format import fmt, kind_of, label_of

    t = group["table"]
    head = [*group["swept"], *[label_of(f) for f in group["figures"]]]
    rows = [{"cells": [fmt(k, r[k]) for k in group["swept"]] +
             [fmt(f, r[f]) for f in group["figures"]], "html": r["html"]}
            for _, r in t.iterrows()]
    chart = None
    if group["numeric"]:
        nums = [f for f in group["figures"]
                if t[f].map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)
                            ).all() and t[f].nunique() > 1][:4]
        if nums:
            chart = plots.to_data_uri(plots.sweep(
                t, group["numeric"], nums, {f: label_of(f) for f in nums},
                {f for f in nums if kind_of(f, 0.0) == "pct"}))
    return {"notebook": group["notebook"], "swept": group["swept"], "head": head,
            "rows": rows, "chart": chart}


def write_index(results: list[RunResult], out: Path) -> Path:
    """Write ``index.html`` and ``index.json`` for every report in ``out``.

    The index keeps a record (``index.json``): this command's runs are merged into the
    folder's earlier records (:func:`~softstake_model.report.overview.merge_records`), so
    earlier reports stay listed and a failed run keeps its earlier good page linked. The
    page has the overview by token (:func:`~softstake_model.report.overview.overview_table`,
    from the runs' headline figures), the sweeps compared, and every run with its status,
    duration, parameters and links, this command's runs marked. It comes from the shipped
    Jinja2 template ``report/templates/index.html.j2`` (autoescaped).

    Parameters
    ----------
    results
        From :func:`execute`.
    out
        Output folder.

    Returns
    -------
    Path
        ``out/index.html``.
    """
    import jinja2

    from .. import __version__
    from ..files import atomic_write
    from .format import fmt
    from .overview import merge_records, overview_table, sweep_groups

    out = Path(out)
    now = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    records = merge_records(_previous(out), [_record(r, now) for r in results], out)
    overview = overview_table(records)
    env = jinja2.Environment(loader=jinja2.PackageLoader("softstake_model.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    env.filters["fmt"] = lambda v, name="": fmt(name, v)
    latest = [r for r in records if r["latest"]]
    page = env.get_template("index.html.j2").render(
        records=sorted(records, key=lambda x: (not x["latest"], x["notebook"], x["slug"])),
        ok=sum(r["ok"] for r in latest), ran=len(latest), total=len(records),
        overview=_overview_view(overview) if len(overview) else None,
        sweeps=[_sweep_view(g) for g in sweep_groups(records)],
        version=__version__, generated=now)
    atomic_write(out / "index.json", lambda h: h.write(json.dumps(records, indent=2,
                                                                  default=str) + "\n"))
    return atomic_write(out / "index.html", lambda h: h.write(page))
