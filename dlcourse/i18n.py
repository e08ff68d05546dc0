"""The language of what the package says to a student: check messages, explorers' labels.

::

    import dlcourse
    dlcourse.set_language("ko")     # or DLCOURSE_LANG=ko in the environment
    dlcourse.get_language()         # "ko"

The engine's error messages stay English. Student-facing strings are marked in the source
with :func:`_` (translated when the message is built, so a change of language takes effect
at once) or :func:`N_` (marked for the catalog only, translated later with :func:`_`).

The Korean strings live in the package's own gettext catalog,
``dlcourse/locale/<lang>/LC_MESSAGES/dlcourse.po``. It is compiled in memory the first time
it is needed (no ``.mo`` file to build or to forget: the same works from a source checkout,
an editable install and a wheel). An entry that is empty or marked fuzzy falls back to
English, as ``msgfmt`` would. ``python -m dlcourse.i18n_catalogs package`` updates the
catalog from the marked strings (see ``locales/TRANSLATING.md``).
"""

import ast
import gettext as _gettext
import io
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LANGUAGES", "ENV_VAR", "set_language", "get_language", "gettext", "ngettext",
           "_", "N_", "translation", "use_hangul_font"]

DOMAIN = "dlcourse"
#: Catalogs read, in order: the package's messages, then the words of the assignments' checks
#: (hints and typical mistakes, written in the check cells; see dlcourse.i18n_catalogs).
DOMAINS = (DOMAIN, "dlcourse-checks")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: Languages the package speaks; English is the source and needs no catalog.
LANGUAGES = ("en", "ko")
#: Environment variable read when no language was set with :func:`set_language`.
ENV_VAR = "DLCOURSE_LANG"

_chosen = None          # set by set_language; None: read the environment
_translations = {}      # language -> gettext.NullTranslations


def _normalise(lang):
    """"ko", "ko_KR", "ko-KR.UTF-8" -> "ko"; anything else as given, lower case."""
    return str(lang).strip().replace("-", "_").split(".")[0].split("_")[0].lower()


def set_language(lang):
    """Make the package speak ``lang`` ("en" or "ko") from now on; ``None``: back to the default.

    The default is the environment variable ``DLCOURSE_LANG`` if set, else English.
    """
    global _chosen
    if lang is None:
        _chosen = None
        return
    code = _normalise(lang)
    if code not in LANGUAGES:
        raise ValueError(f"set_language: lang must be one of {', '.join(map(repr, LANGUAGES))}, "
                         f"got {lang!r}")
    _chosen = code


def get_language():
    """The language in use: the one set with :func:`set_language`, else ``$DLCOURSE_LANG``, else "en".

    An unknown value of the environment variable means English (a typo must not break a
    notebook).
    """
    if _chosen is not None:
        return _chosen
    code = _normalise(os.environ.get(ENV_VAR, "") or "en")
    return code if code in LANGUAGES else "en"


def translation(lang=None):
    """The ``gettext`` translations object of ``lang`` (default: the language in use)."""
    lang = get_language() if lang is None else _normalise(lang)
    if lang not in _translations:
        result = _gettext.NullTranslations()
        if lang != "en":
            # the package's messages, then the hints of the assignments' checks
            for domain in reversed(DOMAINS):
                po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
                if po.is_file():
                    t = _gettext.GNUTranslations(io.BytesIO(compile_mo(read_po(po))))
                    t.add_fallback(result)
                    result = t
        _translations[lang] = result
    return _translations[lang]


def gettext(message):
    """``message`` in the language in use (English when it has no translation)."""
    return translation().gettext(message)


def ngettext(singular, plural, n):
    """The singular or plural form for ``n``, in the language in use."""
    return translation().ngettext(singular, plural, n)


_ = gettext


def N_(message):
    """Mark ``message`` for the catalog without translating it now (module-level constants)."""
    return message


# ---------------------------------------------------------------- Hangul in figures

HANGUL_FONT = "NanumGothic"


def hangul_font_files():
    """The NanumGothic .ttf files shipped by the koreanize-matplotlib package."""
    import importlib.util
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("use_hangul_font: the package koreanize-matplotlib (which ships "
                                  "the NanumGothic font) is not installed: pip install "
                                  "koreanize-matplotlib")
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return sorted(folder.glob("NanumGothic*.ttf"))


def use_hangul_font():
    """Let matplotlib draw Hangul: NanumGothic as the fallback after the current sans-serif font.

    Latin letters, digits and symbols keep their font (DejaVu Sans by default), so English
    figures look as before; a Hangul glyph, missing from DejaVu Sans, comes from NanumGothic
    (matplotlib >= 3.6 falls back glyph by glyph along the list ``font.family``, to which
    NanumGothic is appended). The font comes from
    the koreanize-matplotlib package, not from the system, so it is there wherever the course is
    installed. (Importing koreanize_matplotlib itself would switch every figure to NanumGothic.)
    Idempotent; the explorers call it when ``dlcourse.widgets`` is imported.
    """
    import matplotlib
    from matplotlib import font_manager
    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in hangul_font_files():
        if str(path) not in known:
            font_manager.fontManager.addfont(str(path))
    family = list(matplotlib.rcParams["font.family"])
    if HANGUL_FONT not in family:
        matplotlib.rcParams["font.family"] = family + [HANGUL_FONT]
    return HANGUL_FONT


# ---------------------------------------------------------------- .po files (no dependency)

@dataclass
class Entry:
    """One catalog entry. ``msgid == ""`` is the header."""

    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    flags: list = field(default_factory=list)          # "fuzzy", "python-brace-format", ...
    comments: list = field(default_factory=list)       # "#." lines: notes for the translator
    locations: list = field(default_factory=list)      # "#:" lines
    translator_comments: list = field(default_factory=list)  # "# " lines
    previous: str | None = None                        # "#| msgid" of a fuzzy entry
    obsolete: bool = False

    @property
    def fuzzy(self):
        return "fuzzy" in self.flags

    @property
    def translated(self):
        return bool(self.msgstr) and not self.fuzzy


def _unquote(text):
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"expected a quoted string, got {text!r}")
    return ast.literal_eval(text) if "\\" in text else text[1:-1]


def read_po(path):
    """The entries of a .po file (header included), in file order.

    Plural entries keep their first form in ``msgstr`` (the package has none).
    """
    entries = []
    fields, key = {}, None
    notes = {"flags": [], "comments": [], "locations": [], "translator_comments": []}
    previous = None

    def flush():
        nonlocal previous, key
        if "msgid" in fields:
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            entries.append(Entry(msgid=fields["msgid"], msgstr=msgstr,
                                 msgctxt=fields.get("msgctxt"), previous=previous,
                                 obsolete=fields.get("obsolete", False),
                                 **{k: list(v) for k, v in notes.items()}))
        fields.clear()
        for v in notes.values():
            v.clear()
        previous, key = None, None

    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line or (line.startswith("#") and not obsolete):
            if any(k.startswith("msgstr") for k in fields):
                flush()
            if line.startswith("#,"):
                notes["flags"] += [f.strip() for f in line[2:].split(",") if f.strip()]
            elif line.startswith("#."):
                notes["comments"].append(line[2:].strip())
            elif line.startswith("#:"):
                notes["locations"] += line[2:].split()
            elif line.startswith("#| msgid "):
                previous = _unquote(line[len("#| msgid "):])
            elif line.startswith('#| "') and previous is not None:
                previous += _unquote(line[2:])
            elif line.startswith("#|"):
                pass
            elif line.startswith("#"):
                notes["translator_comments"].append(line[1:].strip())
            continue
        match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s*(".*")$', line)
        if match:
            if match.group(1) in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in fields):
                flush()
            key = match.group(1)
            fields[key] = _unquote(match.group(2))
            if obsolete:
                fields["obsolete"] = True
        elif line.startswith('"') and key is not None:
            fields[key] += _unquote(line)
        else:
            raise ValueError(f"{path}, line {number}: cannot read {raw!r}")
    flush()
    return entries


def _quote(text, width=76):
    """A po string, split after newlines (and long lines at spaces) as gettext tools do."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
               .replace("\r", "\\r").replace("\n", "\\n\n"))
    pieces = escaped.split("\n")
    if pieces and pieces[-1] == "":
        pieces.pop()
    lines = []
    for piece in pieces:
        while len(piece) > width:
            cut = piece.rfind(" ", 0, width)
            if cut <= 0:
                break
            lines.append(piece[:cut + 1])
            piece = piece[cut + 1:]
        lines.append(piece)
    if len(lines) <= 1:
        return f'"{lines[0] if lines else ""}"'
    return '""\n' + "\n".join(f'"{line}"' for line in lines)


def format_po(entries):
    """The text of a .po file holding ``entries`` (the first should be the header)."""
    out = []
    for e in entries:
        block = []
        prefix = "#~ " if e.obsolete else ""
        block += [f"# {c}".rstrip() for c in e.translator_comments]
        block += [f"#. {c}" for c in e.comments]
        if e.locations:
            block.append("#: " + " ".join(e.locations))
        if e.flags:
            block.append("#, " + ", ".join(e.flags))
        if e.previous is not None:
            block += ["#| " + line for line in ("msgid " + _quote(e.previous)).split("\n")]
        if e.msgctxt is not None:
            block += [prefix + line for line in ("msgctxt " + _quote(e.msgctxt)).split("\n")]
        block += [prefix + line for line in ("msgid " + _quote(e.msgid)).split("\n")]
        block += [prefix + line for line in ("msgstr " + _quote(e.msgstr)).split("\n")]
        out.append("\n".join(block))
    return "\n\n".join(out) + "\n"


def compile_mo(entries):
    """GNU .mo bytes of the translated entries (header kept; empty and fuzzy ones left out)."""
    pairs = {}
    for e in entries:
        if e.obsolete or (e.msgid and not e.translated) or (e.fuzzy and e.msgid):
            continue
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        pairs[key.encode("utf-8")] = e.msgstr.encode("utf-8")
    if b"" not in pairs:
        pairs[b""] = b"Content-Type: text/plain; charset=UTF-8\n"
    keys = sorted(pairs)
    ids = strs = b""
    offsets = []
    for k in keys:
        offsets.append((len(ids), len(k), len(strs), len(pairs[k])))
        ids += k + b"\0"
        strs += pairs[k] + b"\0"
    n = len(keys)
    key_start = 7 * 4 + 16 * n
    value_start = key_start + len(ids)
    koffsets, voffsets = [], []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + key_start]
        voffsets += [l2, o2 + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    return (header + struct.pack(f"{len(koffsets)}i", *koffsets)
            + struct.pack(f"{len(voffsets)}i", *voffsets) + ids + strs)
