"""Serving the browser app (``run.py app``): Solara in production mode on 127.0.0.1, offline.

Production mode needs no file watcher (machines with a low inotify limit do not fail); Solara's
JavaScript comes from the installed ``solara-assets`` package (no CDN); its PyPI version check
and its telemetry are switched off, so nothing calls out.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = "app.page"
"""The page's module, as Solara is told to serve it (a module name: the checkout's folder is on sys.path)."""
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage statistics sent
    "SOLARA_ASSETS_PROXY": "True",  # assets served by the server itself, from solara-assets
    "MPLBACKEND": "Agg",
    "SOLARA_THEME_SHOW_BANNER": "False",  # no "runs on Solara" badge over the page (nor its outside link)
}


def add_app_parser(sub) -> argparse.ArgumentParser:
    app = sub.add_parser(
        "app",
        help="serve the browser app (Solara) on 127.0.0.1",
        description="Serve the browser app: move a slider, press play and watch the community "
        "climb the ladder. Works offline; stop it with Ctrl+C.",
    )
    app.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only; "
        "0.0.0.0 would expose it to the network)",
    )
    app.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    return app


def command(host: str, port: int) -> list[str]:
    """The Solara command that serves the app's page."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        PAGE,
        "--production",
        "--no-check-version",
        "--host",
        host,
        "--port",
        str(port),
    ]


def problem(host: str, port: int) -> str | None:
    """Why the app cannot be served on host:port (None when it can): checked before starting."""
    if not 1 <= port <= 65535:
        return f"--port {port} is out of range; allowed: 1 to 65535"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"--host {host!r} is not an address of this machine; allowed: e.g. 127.0.0.1"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port or --host"
    return None


def serve(host: str, port: int) -> int:
    """Check the address, print it, and replace this process with the Solara server."""
    why = problem(host, port)
    if why:
        print(f"run.py: error: {why}", file=sys.stderr)
        return 2
    shown = f"[{host}]" if ":" in host else host
    print(f"The red micro-cycle app: http://{shown}:{port}/  (Ctrl+C stops it)", flush=True)
    os.chdir(ROOT)
    os.execve(sys.executable, command(host, port), {**os.environ, **OFFLINE_ENV})
