"""The `micrograd site` subcommand: the explorer as a static web site.

`micrograd site DIR` writes the explorer's pages (the files in
`micrograd/site/`), a wheel of this package for the page to install in
Pyodide, and the browser files of Pyodide and Graphviz copied from npm's
`node_modules` folder (installed by exact version with `npm ci` from the
repository's package-lock.json). Every file the pages load is in DIR, so the
site works offline and from any web server. `--serve` then serves DIR on
127.0.0.1 until Ctrl-C.

The site is built in a temporary folder beside DIR and moved into place at
the end, so a failed build never leaves a DIR that looks complete.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import hashlib
import http.server
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, TypeVar

import micrograd
from micrograd.commands_graph import print_error

__all__ = [
    "NPM_PACKAGES",
    "SiteError",
    "add_site_command",
    "build_site",
    "build_wheel",
    "find_node_modules",
    "run_site",
    "serve",
]

# The npm packages the pages load, at the exact versions of package.json,
# and the files of each that the site needs.
NPM_PACKAGES = {"pyodide": "314.0.8", "@viz-js/viz": "3.31.0"}
_NPM_FILES = {
    "pyodide": ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                "pyodide-lock.json"],
    "@viz-js/viz": ["dist/viz.js"],
}
# Where the copied files go inside the site.
_VENDOR = {"pyodide": "vendor/pyodide", "@viz-js/viz": "vendor/viz"}

_PACKAGE_DIR = Path(micrograd.__file__).resolve().parent
_PAGES = _PACKAGE_DIR / "site"
# Marks a folder as a site this command wrote, so a rebuild may replace it.
_MARK = "micrograd-site.json"
_INSTALL_HINT = (
    "run `npm ci` in the micrograd repository (or `npm install --no-save "
    + " ".join(f"{name}@{version}" for name, version in NPM_PACKAGES.items())
    + "` in this folder), or give --node-modules DIR"
)

Parser = TypeVar("Parser", bound=argparse.ArgumentParser)


class SiteError(ValueError):
    """The site cannot be built or served as asked."""


def add_site_command(subparsers: argparse._SubParsersAction[Parser]) -> None:
    """Register `site` on the parser's subparsers."""
    site = subparsers.add_parser(
        "site",
        help="write (and serve) the backprop explorer as a static web site",
        description="Write the backprop explorer into DIR: the graph and training pages, a "
        "wheel of micrograd that the pages run in the browser (Pyodide), and the browser "
        "files of Pyodide and Graphviz from npm. They are found in --node-modules, which "
        "`npm ci` in the micrograd repository fills. Nothing is loaded from any other host.",
    )
    site.add_argument("dir", metavar="DIR", help="the folder to write the site into")
    site.add_argument("--serve", action="store_true",
                      help="then serve DIR on 127.0.0.1 until Ctrl-C")
    site.add_argument("--port", type=int, default=0,
                      help="the port to serve on (default: a free one)")
    site.add_argument("--node-modules", metavar="DIR", default=None,
                      help="npm's node_modules folder holding "
                      + " and ".join(f"{n} {v}" for n, v in NPM_PACKAGES.items())
                      + " (default: ./node_modules, else the repository's)")
    site.set_defaults(func=run_site)


def run_site(args: argparse.Namespace) -> int:
    """The `site` handler: 0 on success; with one line on stderr, 2 for a
    usage problem (a bad port, missing npm files, a folder that is not a
    site) and 1 for a run that fails (a file that cannot be written or
    read, a port already in use)."""
    try:
        if not 0 <= args.port <= 65535:
            raise SiteError(f"--port {args.port}: expected a port from 0 to 65535")
        node_modules = find_node_modules(args.node_modules)
        build_site(Path(args.dir), node_modules)
        print(f"wrote the explorer to {args.dir}")
        if args.serve:
            serve(Path(args.dir), args.port)
    except ValueError as error:
        print_error(error)
        return 2
    except OSError as error:
        print_error(error)
        return 1
    return 0


# -- the npm files -------------------------------------------------------------


def find_node_modules(given: str | None) -> Path:
    """The node_modules folder holding the pinned npm packages: the one given,
    else ./node_modules, else the one in the repository this package runs from."""
    if given is not None:
        candidates = [Path(given)]
    else:
        candidates = [Path("node_modules"), _PACKAGE_DIR.parent / "node_modules"]
    for folder in candidates:
        if all((folder / name / "package.json").is_file() for name in NPM_PACKAGES):
            _check_versions(folder)
            return folder
    where = candidates[0] if given is not None else "./node_modules"
    needed = " and ".join(f"{n} {v}" for n, v in NPM_PACKAGES.items())
    raise SiteError(f"the site needs the npm packages {needed}, not found in {where}: "
                    f"{_INSTALL_HINT}")


def _check_versions(folder: Path) -> None:
    for name, version in NPM_PACKAGES.items():
        found = json.loads((folder / name / "package.json").read_text("utf-8")).get("version")
        if found != version:
            raise SiteError(f"{folder / name} is version {found}, the site needs {version}: "
                            f"{_INSTALL_HINT}")
        for file in _NPM_FILES[name]:
            if not (folder / name / file).is_file():
                raise SiteError(f"{folder / name / file} is missing: {_INSTALL_HINT}")


# -- building ------------------------------------------------------------------


def build_site(folder: Path, node_modules: Path) -> None:
    """Write the site into `folder`: built beside it, then moved into place.

    `folder` may be new, empty, or a site this command wrote before (it is
    replaced); anything else is refused, so no one's files are overwritten.
    """
    if folder.exists() and not _replaceable(folder):
        raise SiteError(f"{folder} is neither empty nor a site written by micrograd site; "
                        "choose a new folder")
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise SiteError(f"the folder {parent} does not exist")
    building = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".building", dir=parent))
    try:
        _write(building, node_modules)
        _swap_in(building, folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)


def _replaceable(folder: Path) -> bool:
    return folder.is_dir() and (not any(folder.iterdir()) or (folder / _MARK).is_file())


def _write(building: Path, node_modules: Path) -> None:
    shutil.copytree(_PAGES, building, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name, files in _NPM_FILES.items():
        target = building / _VENDOR[name]
        target.mkdir(parents=True, exist_ok=True)
        for file in files:
            shutil.copyfile(node_modules / name / file, target / Path(file).name)
    wheel_name, wheel = build_wheel()
    (building / wheel_name).write_bytes(wheel)
    # Written last: its presence says the site is whole.
    manifest = {"wheel": wheel_name, "micrograd": micrograd.__version__, "npm": NPM_PACKAGES}
    (building / _MARK).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")


def _swap_in(building: Path, folder: Path) -> None:
    """Put the built site at `folder`, moving any old one aside first."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
    os.replace(building, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_wheel() -> tuple[str, bytes]:
    """A wheel of this package's Python modules (its name and bytes), for
    Pyodide to unpack; the same bytes for the same sources."""
    version = micrograd.__version__
    dist_info = f"micrograd-{version}.dist-info"
    files: dict[str, bytes] = {}
    for path in sorted(_PACKAGE_DIR.glob("*.py")) + [_PACKAGE_DIR / "py.typed"]:
        files[f"micrograd/{path.name}"] = path.read_bytes()
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: micrograd\nVersion: {version}\n"
        "Summary: A scalar autograd engine for learning and teaching backpropagation.\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: micrograd site\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{dist_info}/RECORD"] = ("\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            # A fixed date, so the wheel depends only on the sources.
            wheel.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return f"micrograd-{version}-py3-none-any.whl", buffer.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


# -- serving -------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types ES modules and WebAssembly need; quiet."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
        ".whl": "application/zip",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that drops a connection (a reload, a cancelled fetch) is no error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(folder: Path, port: int = 0) -> None:
    """Serve `folder` on 127.0.0.1 (a free port when 0) until Ctrl-C."""
    handler = functools.partial(_Handler, directory=str(folder))
    with _Server(("127.0.0.1", port), handler) as server:
        print(f"serving the explorer at http://127.0.0.1:{server.server_port}/ "
              "(Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
