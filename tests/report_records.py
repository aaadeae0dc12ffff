"""Records of the report index, as ``index.json`` keeps them, for the index tests."""


def caps_record(token, slug, **headline):
    """A good caps run of ``token`` written to ``slug``.html by an earlier command."""
    return {"notebook": "caps", "scenario": f"token={token}", "slug": slug,
            "params": {"token": token}, "ok": True, "error": "", "seconds": 1.0,
            "headline": {"token": token, **headline}, "html": f"{slug}.html",
            "ipynb": f"{slug}.ipynb", "finished": "earlier"}
