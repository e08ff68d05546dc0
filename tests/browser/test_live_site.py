"""The live edition (issue 17): the JupyterLite site in <build>/html/lite, served from 127.0.0.1
with every other host blocked, runs a chapter and an assignment in Pyodide inside Chromium.

- chapter 1 (each edition present) and chapters 2-7: open live, run every cell, drag each
  explorer's slider and see its picture change;
- assignment 01 (each edition present): run the set-up, the unfinished stub and its check cell
  and read the check's "not attempted yet" message; type a student's own answer in (written from
  the task text), run it and its check and read "OK"; save, download and grade it (exactly task
  1's points);
- chapter 1 in a browser that has no service worker;
- every test fails when any request tried to leave 127.0.0.1.

The live pages run as a reader's browser runs them: with JupyterLite's service worker (it carries
the files between the notebook and the Pyodide kernel). Playwright's routing does not see what a
service worker or a web worker fetches, so these contexts also go through a recording proxy
(`network_guard`): 127.0.0.1 bypasses it, and every other request, from any page, worker or
service worker, reaches it, is recorded and refused.

The site is made by `make book` (book/_ext/lite.py); when it is missing this suite builds it,
which fetches Pyodide's pinned files once (build time needs the package registries; the site
itself never does). Timings are printed (pytest -s) for the report.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import (
    TIMEOUT_MS,
    PageWatch,
    first_explorer,
    picture_hash,
    run_all_cells,
    wait_for_new_picture,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
KERNEL_START_MS = 180_000  # Pyodide, NumPy and IPython into the browser: ~10 s measured on 2 quiet cores
CHAPTER_RUN_MS = 300_000  # the whole of chapter 1 in WebAssembly: 17-25 s measured
FAILURE_SHOT = Path(tempfile.gettempdir()) / "dlcourse-lite-failure.png"

@pytest.fixture(scope="module")
def lite_site(book_html: Path) -> Path:
    site = book_html / "lite"
    if not (site / "jupyter-lite.json").is_file():
        result = subprocess.run(
            [sys.executable, str(ROOT / "book" / "_ext" / "lite.py")],
            cwd=ROOT, capture_output=True, text=True, timeout=1800,
        )
        if result.returncode != 0:
            pytest.fail(f"book/_ext/lite.py failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return site


@pytest.fixture
def live_context(browser, network_guard):
    """A fresh context with service workers allowed, off-site requests routed and aborted,
    and everything else that leaves 127.0.0.1 caught by the recording proxy. Yields
    (context, watch); ``left_machine(watch)`` lists what was routed off or reached the proxy."""
    proxy, seen = network_guard
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        service_workers="allow",
        locale="en-US",
        proxy=proxy,
    )
    context.set_default_timeout(TIMEOUT_MS)
    watch = PageWatch()
    watch.attach(context)
    watch.proxy_seen = seen
    yield context, watch
    context.close()


def left_machine(watch) -> list[str]:
    return [*watch.off_site, *getattr(watch, "proxy_seen", [])]


def test_the_guard_sees_what_workers_fetch(browser, network_guard, site_url):
    """The recording proxy is the net under the live tests: it must catch a page's, a web
    worker's and an https request, and let 127.0.0.1 through."""
    proxy, seen = network_guard
    context = browser.new_context(service_workers="allow", proxy=proxy)
    try:
        page = context.new_page()
        page.goto(f"{site_url}genindex.html")
        page.evaluate(
            """() => {
                fetch('http://example.org/from-page').catch(() => 0);
                fetch('https://example.com/over-tls').catch(() => 0);
                new Worker(URL.createObjectURL(new Blob(
                    ["fetch('http://example.net/from-worker').catch(() => 0)"])));
            }"""
        )
        deadline = time.monotonic() + 20
        while len(seen) < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(100)
    finally:
        context.close()
    assert sorted(seen) == [
        "CONNECT example.com:443",
        "GET http://example.net/from-worker",
        "GET http://example.org/from-page",
    ], seen


def editions(site: Path, relpath: str) -> list[str]:
    """``relpath`` and its Korean twin when the site holds it."""
    found = [relpath]
    if relpath.startswith("book/"):
        twin = relpath.replace(".ipynb", "-ko.ipynb")
    else:
        name = relpath.split("/")[1]
        twin = f"exercises/{name}-ko/{name}-ko.ipynb"
    if (site / "files" / twin).is_file():
        found.append(twin)
    return found


def chapter_ids(path):
    return "ko" if "-ko" in path else "en"


def open_live(page, site_url: str, path: str):
    """Open ``path`` in the live site's Notebook interface; return the notebook once its cells
    are shown and its kernel is idle."""
    page.goto(f"{site_url}lite/notebooks/index.html?path={path}", wait_until="load")
    notebook = page.locator(".jp-Notebook").first
    notebook.locator(".jp-CodeCell").first.wait_for(timeout=120_000)
    wait_kernel_idle(page)
    return notebook


def wait_kernel_idle(page, timeout_ms=KERNEL_START_MS) -> None:
    """The notebook's kernel status reads idle (Pyodide loaded, IPython started)."""
    page.wait_for_function(
        """() => {
            const el = document.querySelector('.jp-Notebook-ExecutionIndicator');
            return el && el.dataset.status === 'idle';
        }""",
        timeout=timeout_ms,
    )


def fail_with_shot(page, watch, exc):
    try:
        page.screenshot(path=str(FAILURE_SHOT), full_page=True)
    except Exception:  # noqa: BLE001 - the screenshot is only a help
        pass
    return AssertionError(
        f"{exc}\n(screenshot: {FAILURE_SHOT}; off-site requests: {left_machine(watch)}; "
        f"page errors: {watch.page_errors[:5]})"
    )


@contextlib.contextmanager
def evidence(page, watch):
    """Run a live test's steps: a failure (an assertion or a Playwright timeout) comes with a
    screenshot and what the watch saw, and at the end nothing may have left 127.0.0.1."""
    try:
        yield
        assert not left_machine(watch), f"the live site tried to leave 127.0.0.1: {left_machine(watch)}"
    except AssertionError as exc:
        raise fail_with_shot(page, watch, exc) from None
    except Exception as exc:  # noqa: BLE001 - Playwright timeouts: add the evidence
        raise fail_with_shot(page, watch, exc) from exc


EVERY_CELL_RAN_JS = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
    const stderr = [...document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')];
    const failed = stderr.some(e => /Traceback|Error/.test(e.textContent));
    return prompts.length > 0 && (prompts.every(p => /\\[\\d+\\]/.test(p.textContent)) || failed);
}"""


def wait_every_cell_ran(page, notebook, what: str) -> None:
    """After Run All: every code cell numbered (or one failed: JupyterLab stops there), and
    no cell printed a traceback."""
    page.wait_for_function(EVERY_CELL_RAN_JS, timeout=CHAPTER_RUN_MS)
    errors = notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, f"cells of {what} failed live: {tracebacks[:2]}"


def drag(page, handle, dx: float) -> None:
    """Drag a slider's handle by ``dx`` pixels, as a reader does (in the live notebook the
    arrow keys belong to JupyterLab's command mode)."""
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=5)
    page.mouse.up()


def drag_and_see_redraw(page, explorer, figure) -> float:
    """Move the explorer's first slider (right, or left when it sits at its end); return the
    seconds until the picture's bytes changed, or fail."""
    before = picture_hash(figure)
    slider = explorer.locator(".widget-slider").first
    readout = slider.locator(".widget-readout").first
    value_before = readout.inner_text()
    for dx in (40, -60):
        moved = time.monotonic()
        drag(page, slider.locator(".noUi-handle").first, dx)
        try:
            page.wait_for_function(
                "([el, old]) => el.textContent.trim() !== old.trim()",
                arg=[readout.element_handle(), value_before], timeout=5_000,
            )
            break
        except Exception:  # noqa: BLE001 - at its end: the other way
            continue
    value_after = readout.inner_text()
    assert value_after != value_before, f"the slider did not move from {value_before}"
    after = wait_for_new_picture(page, figure, before, seconds=60)
    assert after != before, (
        f"slider moved {value_before} -> {value_after} but the picture did not change"
    )
    return time.monotonic() - moved


def every_explorer_redraws(page, notebook) -> str:
    """Every explorer of the page (each output holding a slider and a picture) redraws when its
    first slider moves; returns "<slider label> <seconds>" for the report."""
    outputs = notebook.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-slider")
    ).filter(has=page.locator(".widget-vbox img"))
    assert outputs.count() > 0, "the page shows no live explorer"
    report = []
    for i in range(outputs.count()):
        explorer = outputs.nth(i)
        label = explorer.locator(".widget-slider .widget-label").first.inner_text()
        try:
            seconds = drag_and_see_redraw(page, explorer, explorer.locator("img").first)
        except AssertionError as exc:
            raise AssertionError(f"explorer {i + 1} ({label!r}): {exc}") from None
        report.append(f"{label.split(' (')[0]} {seconds:.2f} s")
    return ", ".join(report)


@pytest.fixture(params=["book/01-perceptron.ipynb", "book/01-perceptron-ko.ipynb"], ids=chapter_ids)
def chapter_path(request, lite_site):
    if request.param not in editions(lite_site, "book/01-perceptron.ipynb"):
        pytest.skip(f"the site has no {request.param} (no Korean edition built)")
    return request.param


def test_chapter_runs_live_and_its_explorer_redraws(
    lite_site, site_url, live_context, chapter_path
):
    context, watch = live_context
    page = context.new_page()
    started = time.monotonic()
    with evidence(page, watch):
        notebook = open_live(page, site_url, chapter_path)
        kernel_ready = time.monotonic() - started
        run_all_cells(page, notebook)
        notebook.locator(".jp-OutputArea-output").first.wait_for(timeout=CHAPTER_RUN_MS)
        first_output = time.monotonic() - started

        explorer, figure = first_explorer(page, notebook, CHAPTER_RUN_MS)
        explorer_shown = time.monotonic() - started

        wait_every_cell_ran(page, notebook, chapter_path)
        all_cells = time.monotonic() - started

        redraw = drag_and_see_redraw(page, explorer, figure)
        redraws = every_explorer_redraws(page, notebook)
        print(
            f"\nlive {chapter_path}: kernel idle {kernel_ready:.1f} s, first output "
            f"{first_output:.1f} s, explorer shown {explorer_shown:.1f} s, all cells "
            f"{all_cells:.1f} s, slider -> new picture {redraw:.2f} s; every explorer: "
            f"{redraws}"
        )


# A student's answer to task 1, written from the task text ("a new float64 array of the same
# shape holding 1.0 where x > 0 and 0.0 elsewhere"), not copied from solutions/.
STUDENT_STEP = (
    "def step(x):\n"
    "    fires = np.asarray(x) > 0\n"
    "    return fires.astype(np.float64)\n"
)


def cell_by_text(notebook, text: str):
    return notebook.locator(".jp-CodeCell").filter(has_text=text).first


def run_cell(page, cell) -> None:
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")


@pytest.fixture(
    params=[
        "exercises/01-perceptron/01-perceptron.ipynb",
        "exercises/01-perceptron-ko/01-perceptron-ko.ipynb",
    ],
    ids=chapter_ids,
)
def assignment_path(request, lite_site):
    if request.param not in editions(lite_site, "exercises/01-perceptron/01-perceptron.ipynb"):
        pytest.skip(f"the site has no {request.param} (no Korean twins released)")
    return request.param


def task_points(assignment: str) -> dict[str, float]:
    """{grade id: points} of the assignment's graded cells (the instructor's notebook)."""
    path = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    meta = [c.get("metadata", {}).get("nbgrader", {}) for c in cells]
    return {m["grade_id"]: m["points"] for m in meta if m.get("grade") and "points" in m}


def grade_submission(tmp_path: Path, assignment: str, notebook: dict):
    """Grade ``notebook`` as one student's submission in a fresh copy of the course."""
    from dlcourse.grading import autograde, config, release

    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(ROOT / config.CONFIG_FILE, root / config.CONFIG_FILE)
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder / assignment, root / folder / assignment)
    release.release(root, assignment)
    target = root / "submitted" / "live_student" / assignment / f"{assignment}.ipynb"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(notebook), encoding="utf-8")
    [grade] = autograde.autograde(root, assignment, jobs=1)
    return grade


def test_assignment_check_cells_speak_live(
    lite_site, site_url, live_context, assignment_path, tmp_path
):
    context, watch = live_context
    page = context.new_page()
    started = time.monotonic()
    with evidence(page, watch):
        notebook = open_live(page, site_url, assignment_path)
        setup = cell_by_text(notebook, "import dlcourse.check")
        stub = cell_by_text(notebook, "def step(x):")
        check = cell_by_text(notebook, "passed(\"step\")")
        for cell in (setup, stub, check):
            run_cell(page, cell)
        message = check.locator(".jp-OutputArea-output").first
        message.wait_for(timeout=KERNEL_START_MS)
        page.wait_for_function(
            "el => /not attempted yet|NotImplementedError/.test(el.textContent)",
            arg=message.element_handle(), timeout=60_000,
        )
        text = message.inner_text()
        assert "step" in text, f"the check's message does not name step(): {text[:300]}"
        first_message = time.monotonic() - started

        # the student writes the answer: the check now passes
        editor = stub.locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(STUDENT_STEP)
        page.keyboard.press("Shift+Enter")
        run_cell(page, check)
        page.wait_for_function(
            "el => /OK: step/.test(el.textContent)",
            arg=check.locator(".jp-OutputArea").first.element_handle(), timeout=60_000,
        )
        solved = time.monotonic() - started

        # the student hands it in: save (Ctrl+S; Download takes the saved file), File ->
        # Download, and the instructor grades that file
        checkpoint = page.locator(".jp-NotebookCheckpoint").first
        saved_before = checkpoint.inner_text()
        page.keyboard.press("Control+s")
        page.wait_for_function(
            "([el, old]) => el.textContent !== old",
            arg=[checkpoint.element_handle(), saved_before], timeout=60_000,
        )
        with page.expect_download(timeout=60_000) as download:
            page.locator(".lm-MenuBar-item", has_text=re.compile(r"^File$")).click()
            page.locator(".lm-Menu-item", has_text=re.compile(r"^Download")).first.click()
        handed_in = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assignment = assignment_path.split("/")[1]
        grade = grade_submission(tmp_path, assignment, handed_in)
        assert not grade.error, f"the downloaded notebook could not be graded: {grade.error}"
        step_points = task_points(assignment)["test_step"]
        assert "test_step" not in grade.lost and grade.score == step_points, (
            f"the live notebook with step() solved scored {grade.score} (lost {grade.lost}), "
            f"expected exactly step's {step_points} points"
        )
        print(
            f"\nlive {assignment_path}: first check message {first_message:.1f} s, "
            f"solution passes at {solved:.1f} s; downloaded and graded: {grade.score}/"
            f"{grade.max_score}"
        )


def test_a_browser_without_service_workers_runs_a_chapter_too(
    lite_site, site_url, browser, network_guard
):
    """Some browsers have no service worker (Firefox's private windows): JupyterLite then starts
    the kernel without its drive, and the chapter's cells still run."""
    proxy, seen = network_guard
    context = browser.new_context(service_workers="block", proxy=proxy)
    # a browser without the API, not Playwright's blocking (which lets the page believe that
    # its registration worked)
    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'serviceWorker', "
        "{get: () => undefined, configurable: true}); delete Navigator.prototype.serviceWorker;"
    )
    watch = PageWatch()
    watch.attach(context)
    watch.proxy_seen = seen
    page = context.new_page()
    try:
        with evidence(page, watch):
            notebook = open_live(page, site_url, "book/01-perceptron.ipynb")
            assert page.evaluate("() => !('serviceWorker' in navigator)")
            run_all_cells(page, notebook)
            wait_every_cell_ran(page, notebook, "chapter 1 without a service worker")
    finally:
        context.close()


def live_chapters(site: Path) -> list[str]:
    return sorted(
        f"book/{p.name}" for p in (site / "files" / "book").glob("*.ipynb")
        if not p.stem.endswith("-ko")
    ) if (site / "files" / "book").is_dir() else []


@pytest.mark.parametrize(
    "chapter", [f"book/{p.stem}.ipynb" for p in sorted((ROOT / "book").glob("0[2-9]-*.md"))],
    ids=lambda c: c.split("/")[1].split("-")[0],
)
def test_every_chapter_runs_live(lite_site, site_url, live_context, chapter):
    """Chapters 2 to 7 (chapter 1 above): every cell runs in Pyodide as in the build, with no
    error and nothing fetched from another host, and every explorer redraws when its slider
    moves."""
    if chapter not in live_chapters(lite_site):
        pytest.skip(f"{chapter} is not in the live site")
    context, watch = live_context
    page = context.new_page()
    started = time.monotonic()
    with evidence(page, watch):
        notebook = open_live(page, site_url, chapter)
        run_all_cells(page, notebook)
        wait_every_cell_ran(page, notebook, chapter)
        ran = time.monotonic() - started
        redraws = every_explorer_redraws(page, notebook)
        print(f"\nlive {chapter}: every cell ran in {ran:.1f} s; every explorer redraws: {redraws}")
