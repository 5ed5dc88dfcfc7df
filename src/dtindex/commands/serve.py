"""``dtindex serve RELEASE_DIR``: a local dashboard over a release folder (or a folder of releases).

Thin command: loads the releases, builds the app with :func:`dtindex.web.create_app` and
runs it with uvicorn. Binds to 127.0.0.1 unless ``--host`` says otherwise.
"""

from __future__ import annotations

import click
from rich.markup import escape


@click.command("serve")
@click.argument("release_dir", type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind; the default serves this machine only. Use 0.0.0.0 to expose it on purpose.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="TCP port.")
@click.option("--open", "open_browser", is_flag=True, help="Open the dashboard in the default web browser.")
def command(release_dir: str, host: str, port: int, open_browser: bool) -> None:
    """Serve a read-only dashboard (pages and JSON API) over RELEASE_DIR."""
    from ..cli import CliError, console, err_console, library_errors

    try:
        import uvicorn

        from ..web.app import create_app
    except ImportError as exc:  # pragma: no cover - both are runtime dependencies
        raise CliError(f"the dashboard needs fastapi and uvicorn ({exc.name} is missing) — pip install dtindex") from None
    with library_errors():
        app = create_app(release_dir)
    keys = list(app.state.views)
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    url = f"http://{shown}:{port}/"
    console.print(f"Serving {len(keys)} release(s) ({escape(', '.join(keys[:5]))}{' …' if len(keys) > 5 else ''}) "
                  f"at [bold]{escape(url)}[/] — Ctrl+C to stop", highlight=False)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(f"[yellow]Warning:[/] bound to {escape(host)}: anyone who can reach this machine can read "
                          "the dashboard", highlight=False)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    except OSError as exc:  # pragma: no cover - e.g. port in use
        raise CliError(f"cannot listen on {host}:{port} ({exc.strerror or exc}) — choose another --port") from None
