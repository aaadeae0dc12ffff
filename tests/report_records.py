"""Records of the report index, as ``index.json`` keeps them, for the index tests."""


def caps_record(token, slug, **headline):
    """A good caps run of ``token`` written to ``slug``.html by an earlier command."""
    return {"notebook": "caps", "scenario": f"token={token}", "slug": slug,
            "params": {"token": token}, "ok": True, "error": "", "seconds": 1.0,
            "headline": {"token": token, **headline}, "html": f"{slug}.html",
            "ipynb": f"{slug}.ipynb", "finished": "earlier"}


#: Stress figures of SOL in a stress run's headline (a delay risk, a buffer short).
SOL_STRESS = {"p_delay": 0.9, "p_delay_low": 0.8, "p_delay_high": 0.95, "buffer_needed": 0.12,
              "buffer_low": 0.11, "buffer_high": 0.13, "shock_max_delay_days": 2.0,
              "unbonding": "boundary:2"}


def stress_record(per_token, slug="s", buffer_ratio=0.05):
    """A good stress run of this command, with figures by token, written to ``slug``.html."""
    return {"notebook": "liquidity_stress", "scenario": "default", "slug": slug,
            "params": {}, "ok": True, "html": f"{slug}.html", "latest": True,
            "headline": {"buffer_ratio": buffer_ratio, "per_token": per_token}}
