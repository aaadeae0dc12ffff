"""The index's sweeps and overview: a two-parameter sweep as a matrix with a heat map, the
figures' intervals, page names that keep every swept value, and an overview that names the
run each figure comes from (at the token's catalogue terms when there are several)."""

from report_records import caps_record

from softstake_model.report.overview import (
    overview_table,
    overview_view,
    sweep_groups,
    sweep_view,
)
from softstake_model.report.scenarios import load_scenarios, plan


def _stress(buffer, shock, p, lo, hi):
    h = {"buffer_ratio": buffer, "p_delay": p, "longest_delay_p99_days": 10 * shock,
         "intervals": {"p_delay": [lo, hi]},
         "per_token": {"DOT": {"p_delay": p, "buffer_needed": 0.2, "unbonding": "fixed:28"}}}
    return {"notebook": "liquidity_stress", "scenario": f"buffer_ratio={buffer}, "
            f"shock_fraction={shock}", "params": {"tokens": "DOT", "buffer_ratio": buffer,
                                                  "shock_fraction": shock},
            "ok": True, "headline": h, "html": f"s{buffer}_{shock}.html"}


RUNS = [_stress(b, s, p, p - 0.01, p + 0.01)
        for b, s, p in ((0.05, 0.1, 0.5), (0.05, 0.2, 0.9), (0.3, 0.1, 0.0), (0.3, 0.2, 0.02))]


def test_two_parameter_sweep_is_a_matrix():
    (g,) = sweep_groups(RUNS)
    assert g["swept"] == ["buffer_ratio", "shock_fraction"]
    m = {x["figure"]: x for x in g["matrices"]}
    assert set(m) == {"p_delay", "longest_delay_p99_days"}
    values = m["p_delay"]["values"]
    # rows the buffer, columns the shock, each cell that run's figure
    assert values.loc[0.05, 0.2] == 0.9 and values.loc[0.3, 0.1] == 0.0
    assert m["p_delay"]["low"].loc[0.3, 0.2] == 0.01
    view = sweep_view(g)
    (mv, _) = view["matrices"]
    assert mv["columns"] == ["10.0 %", "20.0 %"]
    assert [r["value"] for r in mv["body"]] == ["5.0 %", "30.0 %"]
    assert mv["body"][0]["cells"][1] == {"text": "90.0 %", "sub": "89.0\xa0%–\u206091.0\xa0%"}
    assert mv["chart"].startswith("data:image/png")
    # the table of all figures carries the intervals below the figure
    p = view["head"].index("P(delay)")
    assert view["rows"][0]["cells"][p] == {"text": "50.0 %", "sub": "49.0\xa0%–\u206051.0\xa0%"}


def test_one_parameter_sweep_has_no_matrix():
    runs = [{**caps_record("SOL", f"c{v}", daily_cost=c), "params": {"token": "SOL", "cap": v}}
            for v, c in ((1000, 19.5), (10, 2.0))]
    (g,) = sweep_groups(runs)
    assert g["matrices"] == []


def test_page_names_keep_every_swept_value(tmp_path):
    cat = tmp_path / ("c" * 120 + ".csv")  # a long shared value: it gives way, not the sweep
    cat.write_text("token,min_holding,cap,apr,unbonding,volatility,price_usd\n"
                   "DOT,10,5000,0.12,fixed:28,0.7,4\n")
    f = tmp_path / "s.yaml"
    f.write_text(f"""liquidity_stress:
  - grid: {{buffer_ratio: [0.05, 0.1], max_delay_days: [3, 10]}}
    params: {{tokens: DOT, catalog: {cat}, total: 2000000, alpha: 0.01}}
""")
    runs = plan(load_scenarios(f))
    slugs = [r.slug for r in runs]
    assert len(set(slugs)) == 4
    for r in runs:
        assert r.slug.startswith(f"liquidity_stress-buffer_ratio={r.params['buffer_ratio']}_"
                                 f"max_delay_days={r.params['max_delay_days']}")
        assert len(r.slug) <= 200


def test_overview_uses_the_run_at_catalogue_terms_and_names_it():
    # BNB's catalogue cap is 1000: of two caps runs, the overview shows the one at 1000
    runs = [{**caps_record("BNB", f"c{cap}", cap=cap, min_holding=0.5, apr=0.025,
                           daily_cost=cost), "scenario": f"cap={cap}"}
            for cap, cost in ((2000.0, 90.0), (1000.0, 70.0))]
    frame = overview_table(runs)
    assert frame.loc[0, "daily_cost"] == 70.0 and frame.loc[0, "caps_runs"] == 2
    view = overview_view(frame)
    assert view["rows"][0]["links"] == [{
        "text": "caps (1 of 2)", "href": "c1000.0.html",
        "title": "caps: cap=1000.0 (1 of 2 runs; see Runs compared)"}]
    cost = dict(zip(view["head"], view["rows"][0]["cells"], strict=True))["reward cost a day"]
    assert cost["text"] == "70 BNB"
    assert cost["title"] == "from caps: cap=1000.0 (1 of 2 runs; see Runs compared)"
    # the stress cells come from the run nearest the defaults (buffer 0.05, shock 0.2)
    frame = overview_table(RUNS)
    assert frame.loc[0, "stress_label"] == "buffer_ratio=0.05, shock_fraction=0.2"
    assert frame.loc[0, "p_delay"] == 0.9
