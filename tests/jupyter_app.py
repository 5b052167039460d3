"""A real Jupyter for browser tests, JupyterLab or Notebook 7: a private
server on 127.0.0.1 and a way to open a notebook in it and run every cell, as
a learner would.

Both apps are the same server with a different front end (Notebook 7 is built
from Lab's pieces: the same commands, notebook panel, dialogs and toasts), so
one code path drives either; the table APPS holds where they differ.

The server is the venv's own (`sys.executable -m jupyter lab|notebook`),
fenced off from the person's set-up: its configuration, data, runtime,
IPython, settings and workspaces directories are fresh temporary ones (the
venv's labextensions and kernel are still found: the environment's
share/jupyter comes first on Jupyter's data path). It never calls home: no
news feed, no update check (Lab's server extension answers both, for either
app), and the notification settings say so before the page loads, so no
first-run toast covers the notebook.

Its log goes to a file (beside the served folder by default), and a failure
inside the `with` block prints the log's end where pytest shows it.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

START = 90.0  # s: a cold Jupyter start on a busy machine
STOP = 15.0  # s: from the shutdown request to a forced kill
KERNEL = 60_000  # ms: a kernel's start, or a notebook's run of every cell
LOG_TAIL = 80  # lines of the server log shown with a failure


@dataclass(frozen=True)
class App:
    """Where JupyterLab and Notebook 7 differ, for this harness."""

    command: str  # `jupyter <command>` serves it
    config: str  # the class that holds its settings and workspaces directories
    home: str  # the page the server's URL opens
    notebook: str  # a notebook's page: this, then the notebook's path


APPS = {
    "lab": App(command="lab", config="LabApp", home="/lab", notebook="/lab/tree/"),
    "notebook": App(command="notebook", config="JupyterNotebookApp", home="/tree",
                    notebook="/notebooks/"),
}

# What the apps' own settings (Lab's, in both) would otherwise ask or fetch on a first run.
QUIET_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # A notebook without kernel metadata gets the default kernel, not a "Select Kernel" dialog.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "autoStartDefaultKernel": True,
    },
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def log_tail(log: Path, lines: int = LOG_TAIL) -> str:
    """The last `lines` lines of the server log, headed by its path."""
    text = log.read_text(errors="replace") if log.exists() else "(no log written)"
    return f"--- Jupyter server log ({log}) ---\n" + "\n".join(text.splitlines()[-lines:])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _stop(server: subprocess.Popen[bytes], origin: str, token: str) -> None:
    """Ask the server to shut down (it stops its kernels first); terminate it,
    then kill it, if it does not go in time."""
    request = urllib.request.Request(
        f"{origin}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"}
    )
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except (urllib.error.URLError, OSError):
        server.terminate()
    try:
        server.wait(timeout=STOP)
    except subprocess.TimeoutExpired:
        server.terminate()
        try:
            server.wait(timeout=STOP)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def jupyter_server(root: Path, app: str = "lab", log: Path | None = None) -> Iterator[str]:
    """Serve `root` with `app` ("lab": JupyterLab, "notebook": Notebook 7) on
    127.0.0.1 (a free port, a random token) until the block ends; yields the
    app's home page, `http://127.0.0.1:PORT/lab?token=...` or `.../tree?token=...`.

    The server's output goes to `log`, by default `<root>-jupyter-<app>.log`
    beside the served folder (so the app does not list it, and it outlives
    the test). The server stops however the block ends."""
    if app not in APPS:
        raise ValueError(f"jupyter_server: app must be one of {sorted(APPS)}, not {app!r}")
    chosen = APPS[app]
    root = Path(root).resolve()
    log = log or root.with_name(f"{root.name}-jupyter-{app}.log")
    port, token = free_port(), secrets.token_hex(24)
    origin = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix=f"jupyter-{app}-") as scratch:
        state = Path(scratch)
        settings = state / "user-settings"
        for name, values in QUIET_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(state / "config"),
            "JUPYTER_DATA_DIR": str(state / "data"),
            "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
            "JUPYTER_PREFER_ENV_PATH": "1",
            "IPYTHONDIR": str(state / "ipython"),
        }
        command = [
            sys.executable, "-m", "jupyter", chosen.command, str(root),
            "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            "--ServerApp.terminals_enabled=False",
            f"--{chosen.config}.user_settings_dir={settings}",
            f"--{chosen.config}.workspaces_dir={state / 'workspaces'}",
            # Lab's server extension serves the news and the update check in either app.
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # The harness drives the app's own commands (run all cells) and reads its kernel state.
            f"--{chosen.config}.expose_app_in_browser=True",
        ]
        with open(log, "wb") as output:
            server = subprocess.Popen(
                command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            deadline = time.monotonic() + START
            while not _answers(f"{origin}/api/status?token={token}"):
                if server.poll() is not None:
                    raise RuntimeError(f"Jupyter {app} exited ({server.returncode}) before it "
                                       f"answered\n{log_tail(log)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Jupyter {app} did not answer in {START:.0f} s\n"
                                       f"{log_tail(log)}")
                time.sleep(0.2)
            try:
                yield f"{origin}{chosen.home}?token={token}"
            except Exception:
                print(log_tail(log), file=sys.stderr)
                raise
        finally:
            _stop(server, origin, token)


# In the page, given the notebook's path: its panel, once the app shows it in front.
_PANEL = """path => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    return panel && panel.context && panel.context.path === path ? panel : null;
}"""
_KERNEL_IDLE = f"""path => {{
    const panel = ({_PANEL})(path);
    const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
    return Boolean(kernel && kernel.status === 'idle' && panel.context.isReady);
}}"""
_IDLE_OR_DIALOG = f"""path => ({_KERNEL_IDLE})(path)
    || document.querySelector('.jp-Dialog') !== null"""
_ALL_COUNTED = f"""path => Array.from(({_PANEL})(path).content.model.cells)
    .every(cell => cell.type !== 'code' || cell.executionCount !== null)"""


def _wait_for_idle_kernel(page: Any, name: str) -> None:
    """Wait until the notebook's kernel is idle, answering with its default
    any dialog the app puts up meanwhile (a kernel choice, say), and then hide
    any toast (it stays in the app's notification list), so that nothing covers
    the notebook a test clicks or reads."""
    deadline = time.monotonic() + KERNEL / 1000
    while not page.evaluate(_KERNEL_IDLE, name):
        left = max(deadline - time.monotonic(), 0.001) * 1000
        page.wait_for_function(_IDLE_OR_DIALOG, arg=name, timeout=left)
        dialog = page.locator(".jp-Dialog")
        if dialog.count():
            dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()
            dialog.first.wait_for(state="detached", timeout=left)
    for close in page.locator(".jp-Notification-Toast-Close").all():
        if close.is_visible():
            close.click()
    page.locator(".Toastify__toast").first.wait_for(state="detached", timeout=5_000)


def app_of(url: str) -> str:
    """Which app `url` (as `jupyter_server` yields it) is the home page of."""
    path = urlsplit(url).path
    for name, app in APPS.items():
        if app.home == path:
            return name
    raise ValueError(f"app_of: {url!r} is the home page of none of {sorted(APPS)}")


def open_notebook(page: Any, base_url: str, name: str) -> None:
    """Open `name` (a path under the served folder) in the app `base_url` is
    the home page of, run every cell, and return once the kernel is idle again
    and every code cell has its execution count. Raises if a cell fails."""
    parts = urlsplit(base_url)
    notebook = APPS[app_of(base_url)].notebook
    page.goto(f"{parts.scheme}://{parts.netloc}{notebook}{quote(name)}?{parts.query}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=KERNEL)
    _wait_for_idle_kernel(page, name)
    # The app's own command, the one the Run menu calls in both apps: it resolves once the last
    # cell has run, with false if a cell raised.
    ran = page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    if ran is False:
        raise AssertionError(f"a cell of {name} raised; see the page or the server log")
    page.wait_for_function(_ALL_COUNTED, arg=name, timeout=KERNEL)
    _wait_for_idle_kernel(page, name)
