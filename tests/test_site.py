"""`micrograd site`: the files it writes, its errors, the wheel, the server."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import require_node_modules

import micrograd
from micrograd import commands_site
from micrograd.cli import main
from micrograd.commands_site import NPM_PACKAGES, build_site, build_wheel

REPOSITORY = Path(__file__).resolve().parent.parent

# The only addresses any written file mentions, none of them ever fetched:
# XML names under www.w3.org (the SVG and XLink namespaces, the SVG DTD that
# Graphviz's output names), the homes of Graphviz and Expat in viz.js's
# licence comment, and Pyodide's default package host, which the worker
# replaces by passing packageBaseUrl (the browser tests check that no request
# leaves 127.0.0.1).
XML_NAMES = "http://www.w3.org/"
KNOWN_ADDRESSES = {
    "https://www.graphviz.org",
    "https://libexpat.github.io",
    "https://cdn.jsdelivr.net/pyodide/v",
}
TEXT_FILES = (".html", ".css", ".mjs", ".js", ".json")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site") / "explorer"
    build_site(folder, require_node_modules())
    return folder


def test_the_npm_pins_match_package_json_and_its_lock() -> None:
    package = json.loads((REPOSITORY / "package.json").read_text())
    assert package["dependencies"] == NPM_PACKAGES
    lock = json.loads((REPOSITORY / "package-lock.json").read_text())
    for name, version in NPM_PACKAGES.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_the_site_has_its_pages_the_npm_files_and_the_wheel(site: Path) -> None:
    written = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    pages = {str(p.relative_to(commands_site._PAGES)) for p in commands_site._PAGES.rglob("*")
             if p.is_file()}
    assert {"index.html", "train.html", "explorer.css", "js/worker.mjs"} <= pages <= written
    assert {"vendor/pyodide/pyodide.mjs", "vendor/pyodide/pyodide.asm.wasm",
            "vendor/pyodide/python_stdlib.zip", "vendor/viz/viz.js"} <= written
    manifest = json.loads((site / "micrograd-site.json").read_text())
    assert manifest["wheel"] == f"micrograd-{micrograd.__version__}-py3-none-any.whl"
    assert manifest["wheel"] in written
    assert not [p for p in site.parent.iterdir() if p.name != site.name]  # no leftovers


def test_no_file_of_the_site_refers_to_another_host(site: Path) -> None:
    texts = [(p, p.read_text("latin-1")) for p in site.rglob("*") if p.suffix in TEXT_FILES]
    with zipfile.ZipFile(site / json.loads((site / "micrograd-site.json").read_text())["wheel"]) \
            as wheel:
        texts += [(Path(name), wheel.read(name).decode()) for name in wheel.namelist()]
    for path, text in texts:
        addresses = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[\w./-]*", text))
        unknown = {a for a in addresses - KNOWN_ADDRESSES if not a.startswith(XML_NAMES)}
        assert not unknown, (path, unknown)
    # Our own pages name no address at all but the SVG namespace.
    pages = [text for path, text in texts if path.suffix in (".html", ".css", ".mjs")
             and "vendor" not in path.parts]
    assert pages
    for text in pages:
        assert re.findall(r"[a-z]+://[^\s\"'`]*", text) in ([], [f"{XML_NAMES}2000/svg"])


def test_missing_npm_files_say_in_one_line_how_to_get_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["site", str(tmp_path / "out"), "--node-modules", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert err.startswith("micrograd: error: the site needs the npm packages pyodide 314.0.8")
    assert "run `npm ci` in the micrograd repository" in err
    assert not (tmp_path / "out").exists()


def test_npm_files_of_another_version_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, version in NPM_PACKAGES.items():
        (tmp_path / name).mkdir(parents=True)
        old = "0.1.0" if name == "pyodide" else version
        (tmp_path / name / "package.json").write_text(json.dumps({"version": old}))
    assert main(["site", str(tmp_path / "out"), "--node-modules", str(tmp_path)]) == 2
    assert "pyodide is version 0.1.0, the site needs 314.0.8" in capsys.readouterr().err


def test_a_failed_build_leaves_nothing_that_looks_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    node_modules = require_node_modules()

    def broken() -> tuple[str, bytes]:
        raise OSError("disk full")

    monkeypatch.setattr(commands_site, "build_wheel", broken)
    with pytest.raises(OSError, match="disk full"):
        build_site(tmp_path / "site", node_modules)
    assert list(tmp_path.iterdir()) == []
    # Over an old site, the old one stays whole.
    monkeypatch.undo()
    build_site(tmp_path / "site", node_modules)
    monkeypatch.setattr(commands_site, "build_wheel", broken)
    with pytest.raises(OSError):
        build_site(tmp_path / "site", node_modules)
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
    assert (tmp_path / "site" / "micrograd-site.json").is_file()


def test_a_build_that_fails_exits_1_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    node_modules = require_node_modules()

    def disk_full() -> tuple[str, bytes]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(commands_site, "build_wheel", disk_full)
    # A run that fails is 1, as for every command; a usage problem stays 2.
    assert main(["site", str(tmp_path / "site"), "--node-modules", str(node_modules)]) == 1
    assert capsys.readouterr().err == "micrograd: error: [Errno 28] No space left on device\n"
    assert list(tmp_path.iterdir()) == []


def test_a_folder_of_other_files_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["site", str(tmp_path), "--node-modules", str(require_node_modules())]) == 2
    assert "is neither empty nor a site written by micrograd site" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_the_wheel_installs_and_imports(tmp_path: Path) -> None:
    name, data = build_wheel()
    assert build_wheel() == (name, data)  # the same bytes each time
    wheel = tmp_path / name
    wheel.write_bytes(data)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "installed")
    assert "micrograd/explorer.py" in names and not [n for n in names if "/site/" in n]
    record = f"micrograd-{micrograd.__version__}.dist-info/RECORD"
    assert record in names
    # -S: without site-packages, where the package under test is installed.
    code = (f"import sys; sys.path.insert(0, {str(tmp_path / 'installed')!r}); "
            "import json, micrograd, micrograd.explorer as e; print(micrograd.__file__); "
            "print(json.loads(e.Explorer().handle('{\"kind\": \"open\", \"hash\": \"\"}'))"
            "['output']['value'])")
    result = subprocess.run([sys.executable, "-I", "-S", "-c", code],
                            capture_output=True, text=True, check=True)
    where, value = result.stdout.split()
    assert where.startswith(str(tmp_path / "installed")) and value == "0.707107"


def test_serve_answers_on_127_0_0_1_with_module_and_wasm_types(site: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "micrograd", "site", str(site), "--serve",
         "--node-modules", str(require_node_modules())],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline() == f"wrote the explorer to {site}\n"
        line = server.stdout.readline()
        match = re.fullmatch(r"serving the explorer at (http://127\.0\.0\.1:\d+/) "
                             r"\(Ctrl-C to stop\)\n", line)
        assert match, line
        types = {}
        for path in ("index.html", "js/graph-page.mjs", "vendor/pyodide/pyodide.asm.wasm"):
            with urllib.request.urlopen(match[1] + path) as response:
                types[path] = response.headers["Content-Type"]
                assert response.read() == (site / path).read_bytes()
        assert types["js/graph-page.mjs"] == "text/javascript"
        assert types["vendor/pyodide/pyodide.asm.wasm"] == "application/wasm"
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 0
        assert server.stderr is not None and server.stderr.read() == ""
    finally:
        server.kill()
        server.wait()


def test_a_bad_port_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["site", str(tmp_path / "out"), "--port", "70000"]) == 2
    assert capsys.readouterr().err == (
        "micrograd: error: --port 70000: expected a port from 0 to 65535\n")
