"""``softstake explore``: the explorer notebook served as a Voilà dashboard on 127.0.0.1.

The dashboard is ``notebooks/explore.ipynb`` (shipped with the package) run by Voilà in a
kernel of this Python; the command prints the address once Voilà listens and serves until
Ctrl-C. It needs the ``[explore]`` extra (JupyterLab, ipywidgets, Voilà).
"""

from __future__ import annotations

import argparse

__all__ = ["NAME", "HELP", "DESCRIPTION", "add_arguments", "run", "free_port"]

NAME = "explore"
HELP = "serve the interactive explorer as a dashboard (Voilà, 127.0.0.1)"
DESCRIPTION = ("Serve the explorer (token, position, APR, minimum, cap, product terms, buffer, "
               "shock and unbonding controls redrawing four charts) as a Voilà dashboard on "
               "127.0.0.1 and print its address; Ctrl-C stops it. Needs the [explore] extra: "
               "pip install 'softstake[explore]'.")

#: Voilà's own default port.
DEFAULT_PORT = 8866


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                   help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 = a free one)")


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(args: argparse.Namespace) -> int:
    """Start Voilà on the explorer, print the address when it listens, serve until stopped."""
    import importlib.util
    import os
    import subprocess
    import sys
    from importlib.resources import files

    from ..errors import ParameterError, SoftstakeError

    if not 0 <= args.port <= 65535:
        raise ParameterError(f"must be a port in 0..65,535, got {args.port}", param="port")
    if importlib.util.find_spec("voila") is None:
        raise SoftstakeError("the explorer needs Voilà: pip install 'softstake[explore]'")
    port = args.port or free_port()
    package = files("softstake_model")
    notebook = package / "notebooks" / "explore.ipynb"
    # the dashboard's template (report/voila/voila/templates/softstake): Voilà's lab
    # template without the links to a CDN, found through JUPYTER_PATH
    data = str(package / "report" / "voila")
    env = dict(os.environ, JUPYTER_PATH=os.pathsep.join(
        [data] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]))
    cmd = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--template=softstake"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            encoding="utf-8", errors="replace", env=env)
    try:
        return _serve(proc, port)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _serve(proc: object, port: int) -> int:
    """Wait for Voilà's "running at" line, print the address, then drain its log."""
    from ..errors import SoftstakeError

    last = ""
    for line in proc.stdout:
        if "running at" in line:
            url = f"http://127.0.0.1:{port}/"
            print(f"explorer: {url} (Ctrl-C stops it)", flush=True)
            break
        if line.strip():
            last = line.strip()
    else:
        proc.wait()
        raise SoftstakeError(f"Voilà stopped before serving: {last or 'no message'}")
    for _ in proc.stdout:  # Voilà's log: kept out of the way of the address
        pass
    return proc.wait()
