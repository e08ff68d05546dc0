"""A live explorer: JupyterLab on 127.0.0.1 runs a chapter's explorer cell, Chromium moves a
slider, and the explorer's figure changes.

The notebook is made from chapter 1 (book/01-perceptron.md, read with jupytext): its first code
cell (the imports and the seed) and its first cell that calls an ``*_explorer(``. Running the
whole chapter would also compute its static animations, which the live test does not need.
See tests/browser/README.md.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import first_explorer, picture_hash, run_all_cells, wait_for_new_picture

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "book" / "01-perceptron.md"
EXPLORER_CALL = re.compile(r"\b\w+_explorer\(")
SERVER_START_S = 90
KERNEL_RUN_MS = 180_000  # kernel start, `import dlcourse.widgets` and the first picture
SKIPPED_SERVER_EXTENSIONS = [
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
    "nbgrader.server_extensions.validate_assignment",
    "jupyterlab_jupytext",
    "jupyter_lsp",
    "jupyter_server_terminals",
    "notebook",
]
SKIPPED_LAB_EXTENSIONS = [
    "@jupyter/nbgrader",
    "jupyterlab-jupytext",
    "@jupyter-notebook/lab-extension",
    "@jupyterlab/apputils-extension:announcements",  # the "Jupyter news?" prompt
]
FAILURE_SHOT = Path(tempfile.gettempdir()) / "dlcourse-live-explorer-failure.png"

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def explorer_notebook(tmp_path_factory) -> Path:
    import jupytext  # a dependency of the book (pyproject's [book] extra), as is nbformat
    import nbformat

    chapter = jupytext.read(CHAPTER)
    code = [cell for cell in chapter.cells if cell.cell_type == "code"]
    explorers = [cell for cell in code if EXPLORER_CALL.search(cell.source)]
    assert code and explorers, f"{CHAPTER.relative_to(ROOT)} has no cell that calls *_explorer("
    cells = [
        nbformat.v4.new_markdown_cell(
            f"Made by tests/browser/test_live_explorer.py from {CHAPTER.relative_to(ROOT)}: "
            "its first code cell and its first explorer."
        ),
        nbformat.v4.new_code_cell(code[0].source),
        nbformat.v4.new_code_cell(explorers[0].source),
    ]
    notebook = nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    folder = tmp_path_factory.mktemp("lab")
    path = folder / "notebooks" / f"{CHAPTER.stem}-explorer.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def jupyter_lab(explorer_notebook):
    """JupyterLab on 127.0.0.1 (a free port, a random token) serving the notebook's folder, with
    its own configuration, data and runtime folders; shut down at the end."""
    home = explorer_notebook.parent.parent
    port, token = _free_port(), secrets.token_hex(24)
    # Only what a notebook with widgets needs: the course's other server and Lab extensions
    # (nbgrader, jupytext, the language servers, terminals) would only slow the start.
    (home / "config" / "labconfig").mkdir(parents=True)
    (home / "config" / "jupyter_server_config.json").write_text(
        json.dumps(
            {"ServerApp": {"jpserver_extensions": dict.fromkeys(SKIPPED_SERVER_EXTENSIONS, False)}}
        )
    )
    (home / "config" / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": dict.fromkeys(SKIPPED_LAB_EXTENSIONS, True)})
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),  # also Lab's settings and workspaces
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONWARNINGS": "ignore",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.allow_root=True",  # CI runs as root
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={explorer_notebook.parent}",
        # no news feed and no update check: nothing for Lab to fetch from the internet
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = open(home / "server.log", "w+b")  # noqa: SIM115 - closed in the finalizer
    server = subprocess.Popen(
        command, cwd=explorer_notebook.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/"

    def log_tail() -> str:
        log.flush()
        return "\n".join((home / "server.log").read_text(errors="replace").splitlines()[-30:])

    def api(path: str, method: str = "GET"):
        request = urllib.request.Request(
            base + path, method=method, headers={"Authorization": f"token {token}"}
        )
        return urllib.request.urlopen(request, timeout=5)

    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited ({server.returncode}):\n{log_tail()}")
            try:
                with api("api/status"):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer in {SERVER_START_S} s:\n{log_tail()}")
                time.sleep(0.5)
        yield {"base": base, "token": token, "log_tail": log_tail}
    finally:
        try:
            api("api/shutdown", method="POST").close()  # shuts the kernels down too
            server.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # the group of the server started above
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=15)
        log.close()


def test_moving_a_slider_redraws_the_explorer(jupyter_lab, explorer_notebook, watched_context):
    context, watch = watched_context
    page = context.new_page()
    kernel_sockets: list[str] = []
    page.on("websocket", lambda ws: "/channels" in ws.url and kernel_sockets.append(ws.url))
    started = time.monotonic()
    try:
        page.goto(
            f"{jupyter_lab['base']}lab/tree/{explorer_notebook.name}?token={jupyter_lab['token']}",
            wait_until="load",
        )
        notebook = page.locator(".jp-NotebookPanel .jp-Notebook")
        notebook.locator(".jp-CodeCell").nth(1).wait_for(timeout=90_000)
        # Lab shows "idle" before the kernel is connected, and does not run cells until it is:
        # wait for the kernel's websocket and its idle status, then check that the run started.
        deadline = time.monotonic() + 90
        while not kernel_sockets and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert kernel_sockets, "JupyterLab opened no kernel connection in 90 s"
        indicator = page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator").first
        run_all_cells(page, notebook, wait_ready=lambda: page.wait_for_function(
            "el => el.dataset.status === 'idle'", arg=indicator.element_handle(),
            timeout=90_000,
        ))

        explorer, figure = first_explorer(page, notebook, KERNEL_RUN_MS)
        before = picture_hash(figure)
        slider = explorer.locator(".widget-slider").first
        readout = slider.locator(".widget-readout")
        value_before = readout.inner_text()

        handle = slider.locator(".noUi-handle").first
        handle.focus()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([el, old]) => el.textContent.trim() !== old.trim()",
            arg=[readout.element_handle(), value_before], timeout=10_000,
        )
        # the kernel recomputes and sends a new PNG: wait for different bytes, not just a new URL
        after = wait_for_new_picture(page, figure, before, seconds=30)
        assert after != before, (
            f"slider moved {value_before} -> {readout.inner_text()} but the figure did not change"
        )
        print(
            f"live explorer: slider {value_before} -> {readout.inner_text()}, figure "
            f"{before[:10]} -> {after[:10]}, {time.monotonic() - started:.1f} s"
        )
        assert not watch.off_site, f"JupyterLab tried to leave 127.0.0.1: {watch.off_site}"
    except BaseException:
        try:
            page.screenshot(path=str(FAILURE_SHOT), full_page=True)
            print(f"screenshot of the failure: {FAILURE_SHOT}")
        except Exception:
            pass
        print("jupyter lab log (last lines):\n" + jupyter_lab["log_tail"]())
        raise

