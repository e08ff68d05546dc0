"""Translation catalogs of the course and the Korean assignment twins (issue 15).

One source, the English; everything Korean comes from gettext catalogs:

=====================================================  ==========================================
``locales/ko/LC_MESSAGES/book/<page>.po``              the book's pages (sphinx-intl, ``make catalogs``)
``locales/ko/LC_MESSAGES/assignments/<A>.po``          the markdown of ``solutions/<A>/<A>.ipynb``
``dlcourse/locale/ko/LC_MESSAGES/dlcourse.po``         the package's check messages and explorers
``dlcourse/locale/ko/LC_MESSAGES/dlcourse-checks.po``  hints and mistakes of the check cells
=====================================================  ==========================================

Commands (``make catalogs`` runs the first two after the book's gettext build)::

    python -m dlcourse.i18n_catalogs notebooks   # update the assignments' catalogs
    python -m dlcourse.i18n_catalogs package     # update the package's catalogs (+ the checks')
    python -m dlcourse.i18n_catalogs twins       # write solutions/<A>-ko/<A>-ko.ipynb
    python -m dlcourse.i18n_catalogs stats       # entries, translated, fuzzy per catalog
    python -m dlcourse.i18n_catalogs check F.po  # markup kept? (roles, code, math, links, {fields})

A twin (``solutions/01-perceptron-ko/01-perceptron-ko.ipynb``) is the English notebook with
its read-only markdown translated paragraph by paragraph (an untranslated or fuzzy paragraph
stays English), one line added to the set-up cell that switches the package to Korean, and
every other cell, answer cells and graded checks included, byte for byte the English one.
It is an assignment of its own for nbgrader (its own folder), released and graded as usual.
"""

import argparse
import ast
import difflib
import json
import re
import sys
from pathlib import Path

from dlcourse.i18n import Entry, format_po, read_po

#: Languages that get assignment twins and catalogs.
TWIN_LANGUAGES = ("ko",)
CATALOGS = Path("locales")
PACKAGE_CATALOG = Path("dlcourse") / "locale"

SET_LANGUAGE = {
    "ko": 'import dlcourse\ndlcourse.set_language("ko")  # 확인 메시지를 한국어로 보여 준다\n\n',
}


def header(lang, project):
    stamp = "2026-01-01 00:00+0000"
    return Entry("", (
        f"Project-Id-Version: {project}\n"
        f"Report-Msgid-Bugs-To: \n"
        f"POT-Creation-Date: {stamp}\n"
        f"PO-Revision-Date: {stamp}\n"
        f"Last-Translator: \n"
        f"Language-Team: {lang} <LL@li.org>\n"
        f"Language: {lang}\n"
        f"MIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=UTF-8\n"
        f"Content-Transfer-Encoding: 8bit\n"
        f"Plural-Forms: nplurals=1; plural=0;\n"))


def merge(template, old):
    """Entries of ``template`` with the translations of ``old`` (a list of Entry).

    Same msgid: the translation is kept (and its flags). A changed English text: the
    translation of the closest old msgid (similarity >= 0.8) is carried over marked fuzzy,
    with the old msgid as ``#| msgid``, as ``msgmerge`` does. Entries no longer in the
    template are dropped.
    """
    by_id = {(e.msgctxt, e.msgid): e for e in old if e.msgid and not e.obsolete}
    used = set()
    out = []
    for t in template:
        e = by_id.get((t.msgctxt, t.msgid))
        if e is not None:
            used.add((e.msgctxt, e.msgid))
            out.append(Entry(t.msgid, e.msgstr, t.msgctxt, list(e.flags), list(t.comments),
                             list(t.locations), list(e.translator_comments), e.previous))
        else:
            out.append(t)
    spare = {e.msgid: e for key, e in by_id.items() if key not in used and e.msgstr}
    for i, t in enumerate(out):
        if t.msgstr or not spare:
            continue
        close = difflib.get_close_matches(t.msgid, list(spare), n=1, cutoff=0.8)
        if close:
            e = spare.pop(close[0])
            flags = [f for f in t.flags if f != "fuzzy"] + ["fuzzy"]
            out[i] = Entry(t.msgid, e.msgstr, t.msgctxt, flags, t.comments, t.locations,
                           e.translator_comments, previous=e.msgid)
    return out


def update_po(path, template, lang, project):
    """Write ``path``: header + ``template`` merged with the translations already there."""
    path = Path(path)
    old = read_po(path) if path.is_file() else []
    head = next((e for e in old if e.msgid == ""), None) or header(lang, project)
    entries = [head] + merge(template, old)
    text = format_po(entries)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return entries[1:]


# ---------------------------------------------------------------- notebooks

_FENCE = re.compile(r"^\s*(```+|~~~+)")


def _open(block):
    """True if ``block`` leaves a code fence or a ``$$`` display open."""
    fences = sum(1 for line in block.split("\n") if _FENCE.match(line))
    return fences % 2 == 1 or (fences == 0 and block.count("$$") % 2 == 1)


def split_blocks(text):
    """``text`` cut at blank lines into ``[(block, separator), ...]``; ``"".join`` restores it.

    A fenced code block or a ``$$ ... $$`` display is one block even with blank lines inside.
    """
    parts = re.split(r"(\n[ \t]*\n(?:[ \t]*\n)*)", text)
    pieces = list(zip(parts[0::2], parts[1::2] + [""]))
    blocks = []
    for block, sep in pieces:
        if blocks and _open(blocks[-1][0]):
            prev, prev_sep = blocks[-1]
            blocks[-1] = (prev + prev_sep + block, sep)
        else:
            blocks.append((block, sep))
    return blocks


def translatable(block):
    """Prose to translate: not empty, not only a code fence, not only display math."""
    b = block.strip()
    if not b or not re.search(r"[A-Za-z]", b):
        return False
    if _FENCE.match(b) and b.endswith(b.split("\n")[0].strip()[:3]):
        return False
    if b.startswith("$$") and b.endswith("$$") and b.count("$$") == 2:
        return False
    return True


def _is_prose_cell(cell):
    """Read-only markdown: instructions. Written-answer cells (solution) stay as they are."""
    if cell["cell_type"] != "markdown":
        return False
    return not cell.get("metadata", {}).get("nbgrader", {}).get("solution", False)


def _cell_name(cell, index):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or cell.get("id") or f"cell-{index}"


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def notebook_template(nb_path, rel):
    """Catalog entries (empty translations) of the prose paragraphs of a notebook."""
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    entries, seen = [], {}
    for i, cell in enumerate(nb["cells"]):
        if not _is_prose_cell(cell):
            continue
        name = _cell_name(cell, i)
        for block, _sep in split_blocks(_source(cell)):
            if not translatable(block):
                continue
            if block in seen:
                seen[block].locations.append(f"{rel}#{name}")
                continue
            e = Entry(block, comments=[f"markdown cell {name}"], locations=[f"{rel}#{name}"])
            seen[block] = e
            entries.append(e)
    return entries


def assignments(root):
    """English assignments: folders of solutions/ holding <name>/<name>.ipynb, twins excluded."""
    out = []
    for folder in sorted((Path(root) / "solutions").iterdir()):
        if folder.is_dir() and (folder / f"{folder.name}.ipynb").is_file() and not is_twin(folder.name):
            out.append(folder.name)
    return out


def is_twin(name):
    return any(name.endswith(f"-{lang}") for lang in TWIN_LANGUAGES)


def twin_name(assignment, lang="ko"):
    return f"{assignment}-{lang}"


def twins_of(names):
    """The twin names of the English assignments ``names``."""
    return [twin_name(a, lang) for lang in TWIN_LANGUAGES for a in names if not is_twin(a)]


def with_twins(root, names):
    """``names``, each followed by its twins that exist in solutions/ (for release and check-sync:
    a twin is an assignment of its own for nbgrader, but not listed in nbgrader_config.py)."""
    out = []
    for a in names:
        out.append(a)
        out += [t for t in twins_of([a]) if (Path(root) / "solutions" / t).is_dir() and t not in names]
    return out


def notebook_catalog(root, assignment, lang="ko"):
    return Path(root) / CATALOGS / lang / "LC_MESSAGES" / "assignments" / f"{assignment}.po"


def update_notebook_catalogs(root, lang="ko"):
    root = Path(root)
    written = []
    for a in assignments(root):
        rel = f"solutions/{a}/{a}.ipynb"
        path = notebook_catalog(root, a, lang)
        update_po(path, notebook_template(root / rel, rel), lang, f"dlcourse assignment {a}")
        written.append(path)
    return written


def translations(path):
    """msgid -> msgstr of the translated, not fuzzy, entries of a .po file (empty if none)."""
    if not Path(path).is_file():
        return {}
    return {e.msgid: e.msgstr for e in read_po(path) if e.msgid and e.translated and not e.obsolete}


def translate_notebook(nb, table, lang):
    """The twin of notebook ``nb`` (a dict; not modified) with the paragraphs in ``table``."""
    twin = json.loads(json.dumps(nb))
    setup_done = False
    for cell in twin["cells"]:
        if _is_prose_cell(cell):
            parts = []
            for block, sep in split_blocks(_source(cell)):
                parts.append(table.get(block, block) if translatable(block) else block)
                parts.append(sep)
            text = "".join(parts)
            cell["source"] = text.splitlines(keepends=True)
        elif (cell["cell_type"] == "code" and not setup_done
              and cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "setup"):
            meta = cell["metadata"]["nbgrader"]
            if meta.get("solution") or meta.get("grade") or not meta.get("locked"):
                raise ValueError("the setup cell must be read-only (locked, not graded)")
            cell["source"] = (SET_LANGUAGE[lang] + _source(cell)).splitlines(keepends=True)
            setup_done = True
    if not setup_done:
        raise ValueError("the notebook has no read-only code cell with grade_id 'setup' "
                         "(where the twin switches the language)")
    twin["metadata"]["language_info"] = dict(twin["metadata"].get("language_info", {}))
    # Keep the English notebook's own settings (the grader's per-task allow_imports): the
    # twin is graded by the same rules.
    twin["metadata"]["dlcourse"] = {**nb["metadata"].get("dlcourse", {}), "language": lang,
                                    "twin_of": None}
    return twin


def _dump(nb):
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def twin_text(root, assignment, lang="ko"):
    """The text of the twin notebook of ``assignment``, as ``write_twin`` writes it."""
    root = Path(root)
    nb = json.loads((root / "solutions" / assignment / f"{assignment}.ipynb").read_text("utf-8"))
    twin = translate_notebook(nb, translations(notebook_catalog(root, assignment, lang)), lang)
    twin["metadata"]["dlcourse"]["twin_of"] = assignment
    return _dump(twin)


def twin_path(root, assignment, lang="ko"):
    name = twin_name(assignment, lang)
    return Path(root) / "solutions" / name / f"{name}.ipynb"


def write_twins(root, lang="ko", names=None):
    """Write ``solutions/<A>-<lang>/<A>-<lang>.ipynb`` for every English assignment."""
    written = []
    for a in names or assignments(root):
        path = twin_path(root, a, lang)
        text = twin_text(root, a, lang)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def twin_drift(root, names=None):
    """Problems (strings) where a twin in solutions/ is not what its source + catalog give."""
    problems = []
    root = Path(root)
    for lang in TWIN_LANGUAGES:
        for a in names or assignments(root):
            path = twin_path(root, a, lang)
            if not path.is_file():
                if notebook_catalog(root, a, lang).is_file():  # the course has a catalog for it
                    problems.append(f"missing {path.relative_to(root)}: run `make twins`")
            elif path.read_text(encoding="utf-8") != twin_text(root, a, lang):
                problems.append(f"{path.relative_to(root)} differs from solutions/{a} + its "
                                f"catalog: run `make twins`")
    return problems


# ---------------------------------------------------------------- the checks' own words

#: The hints and typical-mistake descriptions written in the assignments' check cells. The
#: cells stay English code (byte-identical in the twins), so dlcourse.check translates these
#: strings when it builds a message: they are a catalog of the package, next to dlcourse.po.
CHECKS_DOMAIN = "dlcourse-checks"


def _check_strings(code):
    """(line, text) of the ``hint=`` and ``mistakes=[("...", value), ...]`` constants in ``code``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for k in node.keywords:
            if k.arg == "hint" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
                out.append((k.value.lineno, k.value.value))
            elif k.arg == "mistakes" and isinstance(k.value, (ast.List, ast.Tuple)):
                for item in k.value.elts:
                    if (isinstance(item, ast.Tuple) and item.elts and isinstance(item.elts[0], ast.Constant)
                            and isinstance(item.elts[0].value, str)):
                        out.append((item.elts[0].lineno, item.elts[0].value))
    return out


def checks_template(root):
    """Entries for the hints and mistake descriptions of every assignment's graded cells."""
    root = Path(root)
    entries, seen = [], {}
    for a in assignments(root):
        rel = f"solutions/{a}/{a}.ipynb"
        nb = json.loads((root / rel).read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell["cell_type"] != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            for _line, text in _check_strings(_source(cell)):
                loc = f"{rel}#{_cell_name(cell, i)}"
                if text in seen:
                    if loc not in seen[text].locations:
                        seen[text].locations.append(loc)
                    continue
                seen[text] = Entry(text, locations=[loc])
                entries.append(seen[text])
    return entries


def checks_catalog(root, lang="ko"):
    return Path(root) / PACKAGE_CATALOG / lang / "LC_MESSAGES" / f"{CHECKS_DOMAIN}.po"


def update_checks_catalog(root, lang="ko"):
    path = checks_catalog(root, lang)
    update_po(path, checks_template(root), lang, "dlcourse assignments' checks")
    return path


# ---------------------------------------------------------------- the package's strings

#: Calls whose first argument (a string constant) is a message: the markers, and the
#: explorers' control builders, which translate their label themselves.
_MARKERS = {"_", "N_", "tr", "gettext", "ngettext", "slider", "dropdown"}
#: Keyword arguments that are messages.
_KEYWORDS = {("slider", "unit"), ("TrainingRun", "label")}


def package_template(root):
    """Entries for every ``_("...")`` / ``N_("...")`` / ``ngettext("...", "...", n)`` in dlcourse/."""
    root = Path(root)
    entries, seen = [], {}
    for path in sorted((root / "dlcourse").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):  # def __init__(..., label="Train"): a default label
                defaults = node.args.defaults
                names = [a.arg for a in node.args.args][-len(defaults):] if defaults else []
                node = ast.Call(func=ast.Name("TrainingRun"), args=[], lineno=node.lineno,
                                keywords=[ast.keyword(n, d) for n, d in zip(names, defaults)
                                          if n == "label" and rel.endswith("widgets/_common.py")])
            if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))):
                continue
            fname = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            args = list(node.args[:1]) if fname in _MARKERS else []
            if fname == "ngettext":
                args = list(node.args[:2])
            args += [k.value for k in node.keywords if (fname, k.arg) in _KEYWORDS]
            texts = [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                     and a.value.strip()]
            for text in texts:
                loc = f"{rel}:{node.lineno}"
                if text in seen:
                    if loc not in seen[text].locations:
                        seen[text].locations.append(loc)
                    continue
                flags = ["python-brace-format"] if re.search(r"\{\w*[^{}]*\}", text) else []
                e = Entry(text, flags=flags, locations=[loc])
                seen[text] = e
                entries.append(e)
    entries.sort(key=lambda e: (e.locations[0].split(":")[0], int(e.locations[0].split(":")[1])))
    return entries


def package_catalog(root, lang="ko"):
    return Path(root) / PACKAGE_CATALOG / lang / "LC_MESSAGES" / "dlcourse.po"


def update_package_catalog(root, lang="ko"):
    path = package_catalog(root, lang)
    update_po(path, package_template(root), lang, "dlcourse")
    return path


# ---------------------------------------------------------------- checking a translation

_ROLE = re.compile(r"\{([\w:.-]+)\}`([^`]*)`")
# A code span may wrap onto the next line (Markdown reads the line break as a space).
_CODE = re.compile(r"(?<![}`])`([^`]+)`")
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_FIELD = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")


def _role_target(role, content):
    """What a role points at: ``{term}`퍼셉트론 <perceptron>``` and ``{term}`perceptron``` agree."""
    m = re.search(r"<([^<>]+)>\s*$", content)
    if role in ("term", "doc", "ref", "numref") and m:
        return m.group(1).strip()
    return content.strip()


def markup(text, brace_format=False):
    """The pieces of ``text`` a translation must keep: roles and their targets, inline code,
    math, link targets (and ``{name}`` fields of a Python format string)."""
    out = [f"{{{r}}}`{_role_target(r, c)}`" for r, c in _ROLE.findall(text)]
    rest = _ROLE.sub(" ", text)
    out += [f"`{' '.join(c.split())}`" for c in _CODE.findall(rest)]
    out += _MATH.findall(rest)
    out += [f"]({t})" for t in _LINK.findall(rest)]
    if brace_format:
        out += [f"{{{f}}}" for f in _FIELD.findall(_MATH.sub(" ", rest))]
    return sorted(out)


def check_entry(entry):
    """Problems (strings) of one translated entry: markup lost, added or changed."""
    if not entry.msgstr or not entry.msgid:
        return []
    brace = "python-brace-format" in entry.flags and not entry.locations[0].startswith("book/") \
        if entry.locations else False
    want, got = markup(entry.msgid, brace), markup(entry.msgstr, brace)
    if want == got:
        return []
    missing = [m for m in want if want.count(m) > got.count(m)]
    extra = [m for m in got if got.count(m) > want.count(m)]
    where = entry.locations[0] if entry.locations else entry.msgid[:40]
    problems = []
    if missing:
        problems.append(f"{where}: the translation lost {', '.join(sorted(set(missing)))}")
    if extra:
        problems.append(f"{where}: the translation has {', '.join(sorted(set(extra)))} "
                        "that the English has not")
    return problems


def check_file(path):
    """Problems of a .po file: unreadable, or an entry whose markup does not survive."""
    problems = []
    for e in read_po(path):
        if not e.obsolete:
            problems += [f"{path}: {p}" for p in check_entry(e)]
    return problems


# ---------------------------------------------------------------- statistics

def catalog_files(root, lang="ko"):
    root = Path(root)
    files = sorted((root / CATALOGS / lang / "LC_MESSAGES").rglob("*.po"))
    pkg = [package_catalog(root, lang), checks_catalog(root, lang)]
    return files + [p for p in pkg if p.is_file()]


def stats(path):
    """(entries, translated, fuzzy, untranslated) of a .po file, header left out."""
    entries = [e for e in read_po(path) if e.msgid and not e.obsolete]
    fuzzy = sum(e.fuzzy for e in entries)
    done = sum(e.translated for e in entries)
    return len(entries), done, fuzzy, len(entries) - done - fuzzy


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m dlcourse.i18n_catalogs", description=__doc__.split("\n")[0])
    p.add_argument("command", choices=["notebooks", "package", "twins", "stats", "check-twins", "check"])
    p.add_argument("files", nargs="*", help="check: the .po files (default: all)")
    p.add_argument("--root", default=".", help="the repository (default: .)")
    p.add_argument("--lang", default="ko")
    args = p.parse_args(argv)
    root = Path(args.root).resolve()
    if args.command == "notebooks":
        for path in update_notebook_catalogs(root, args.lang):
            print(f"updated {path.relative_to(root)}")
    elif args.command == "package":
        print(f"updated {update_package_catalog(root, args.lang).relative_to(root)}")
        print(f"updated {update_checks_catalog(root, args.lang).relative_to(root)}")
    elif args.command == "twins":
        for path in write_twins(root, args.lang):
            print(f"wrote {path.relative_to(root)}")
    elif args.command == "check":
        files = [Path(f) for f in args.files] or catalog_files(root, args.lang)
        problems = [p for f in files for p in check_file(f)]
        for f in files:
            n, done, fuzzy, todo = stats(f)
            print(f"{f}: {n} entries, {done} translated, {fuzzy} fuzzy, {todo} untranslated")
        print("\n".join(problems) or "markup kept in every translated entry")
        return 1 if problems else 0
    elif args.command == "check-twins":
        problems = twin_drift(root)
        print("\n".join(problems) or "the twins are in sync with solutions/ and the catalogs")
        return 1 if problems else 0
    else:
        total = [0, 0, 0, 0]
        print(f"{'catalog':62} {'entries':>7} {'done':>5} {'fuzzy':>5} {'todo':>5}")
        for path in catalog_files(root, args.lang):
            row = stats(path)
            total = [a + b for a, b in zip(total, row)]
            print(f"{path.relative_to(root).as_posix():62} {row[0]:7d} {row[1]:5d} {row[2]:5d} {row[3]:5d}")
        print(f"{'total':62} {total[0]:7d} {total[1]:5d} {total[2]:5d} {total[3]:5d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
