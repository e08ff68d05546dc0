"""Generate book/glossary.md from the termbase book/termbase.yml.

    python book/_ext/make_glossary.py          # rewrite book/glossary.md
    python book/_ext/make_glossary.py --check  # exit 1 if the committed glossary is stale

tests/test_glossary.py runs the check and evaluates the glossary's formulas against the
engine (tex_to_numpy below turns the small LaTeX subset they use into NumPy).
"""

import argparse
import re
import sys
from pathlib import Path

import yaml

BOOK = Path(__file__).resolve().parent.parent
TERMBASE = BOOK / "termbase.yml"
GLOSSARY = BOOK / "glossary.md"

DECKS = {
    "000": "딥러닝팀 1팀",
    "001": "딥러닝 입문",
    "002": "Deep Learning week 2",
    "003": "딥러닝 몸풀기",
    "004": "신경망의 이해",
}
FIELDS = {"en", "en_alt", "ko", "alt", "decks", "coined", "note", "definition", "formulas"}
REQUIRED = {"en", "ko", "decks", "coined", "definition"}

HEADER = """\
<!-- GENERATED from book/termbase.yml by book/_ext/make_glossary.py: edit the termbase, not this file. -->

# Glossary (용어 정리)

Every term of the course, in English with its Korean name beneath it. The first Korean word is
the lecture decks' own; the words after it are common alternatives. A Korean word marked
"coined" is the book's choice, because no deck has a Korean word for the term. Each entry ends
with the words the decks use ("Decks:"); {doc}`notation` lists the five decks.

Link to an entry from any page with ``{term}`weight` `` or ``{term}`가중치` ``: every name of an
entry works. The decks use 정규화 (normalization) and 규제 (regularization) for different ideas,
and so does this book.

```{glossary}
:sorted:

"""


def load(path=TERMBASE):
    """The termbase as a list of entries, checked for the agreed fields."""
    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list of entries, got {type(entries).__name__}")
    names = set()
    for entry in entries:
        where = f"{path}: entry {entry.get('en', entry)!r}"
        missing = REQUIRED - set(entry)
        if missing:
            raise ValueError(f"{where}: missing field(s) {sorted(missing)}")
        unknown = set(entry) - FIELDS
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}, expected {sorted(FIELDS)}")
        if not isinstance(entry["coined"], bool):
            raise ValueError(f"{where}: 'coined' must be true or false, got {entry['coined']!r}")
        for deck, word in (entry["decks"] or {}).items():
            if deck not in DECKS or not isinstance(word, str):
                raise ValueError(f"{where}: decks must map a deck number {sorted(DECKS)} to a word, "
                                 f"got {deck!r}: {word!r}")
        if entry["coined"] and any(_has_hangul(w) and entry["ko"] in w
                                   for w in (entry["decks"] or {}).values()):
            raise ValueError(f"{where}: marked coined, but a deck uses {entry['ko']!r}")
        for name in term_names(entry):
            if name.lower() in names:
                raise ValueError(f"{where}: the name {name!r} is used by two entries")
            names.add(name.lower())
        for key in re.findall(r"\{\{(\w+)\}\}", entry["definition"]):
            if key not in (entry.get("formulas") or {}):
                raise ValueError(f"{where}: the definition uses {{{{{key}}}}}, which 'formulas' lacks")
    return entries


def _has_hangul(text):
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def term_names(entry):
    """Every name of an entry, in glossary order: en, ko, Korean alternatives, English ones."""
    names = [entry["en"], entry["ko"], *entry.get("alt", []), *entry.get("en_alt", [])]
    unique = []
    for name in names:
        if name not in unique:
            unique.append(name)
    return unique


def definition(entry):
    """The entry's definition with its {{NAME}} formulas filled in as inline maths."""
    text = " ".join(entry["definition"].split())
    for key, formula in (entry.get("formulas") or {}).items():
        text = text.replace("{{" + key + "}}", f"${formula['tex']}$")
    return text


def decks_line(entry):
    """'Decks: 000 word; 003 word.' and the coined / note remarks."""
    parts = []
    decks = entry["decks"] or {}
    if decks:
        parts.append("Decks: " + "; ".join(f"{d} {w}" for d, w in sorted(decks.items())) + ".")
    else:
        parts.append("Decks: not used.")
    if entry["coined"]:
        parts.append(f"{entry['ko']}: coined by the book.")
    if entry.get("note"):
        parts.append(" ".join(entry["note"].split()))
    return " ".join(parts)


def _wrap(text, indent="  ", width=96):
    lines, line = [], indent
    for word in text.split(" "):
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += word + " "
    lines.append(line.rstrip())
    return "\n".join(lines)


def render(entries):
    """The text of book/glossary.md."""
    blocks = []
    for entry in sorted(entries, key=lambda e: e["en"].lower()):
        names = "\n".join(term_names(entry))
        body = _wrap(definition(entry)) + "\n\n" + _wrap(decks_line(entry))
        blocks.append(f"{names}\n{body}\n")
    return HEADER + "\n".join(blocks) + "```\n"


# --- Formulas: the small LaTeX subset of the glossary, turned into NumPy --------------------

_SYMBOLS = [
    (r"\hat{y}_i", " yhat "), (r"\hat y_i", " yhat "), (r"y_i", " y "), (r"w_j", " w "),
    (r"\lambda", " lam "), (r"\lvert", " abs( "), (r"\rvert", " ) "), (r"\bigl(", " ( "),
    (r"\bigr)", " ) "), (r"\log", " np.log"), (r"\cdot", " * "), ("^", " ** "),
]


def tex_to_numpy(tex):
    """A Python expression computing `tex` (one \\sum over i or j running to the end).

    Variables: y (targets), yhat (predictions), N (their number), w (weights), lam.
    Raises ValueError for anything outside the subset, so a formula cannot be skipped.
    """
    expr = tex
    while r"\frac{" in expr:                 # innermost \frac{a}{b} first
        match = re.search(r"\\frac\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}",
                          expr)
        if not match:
            raise ValueError(f"cannot read the fraction in {tex!r}")
        expr = expr[:match.start()] + f" (({match[1]}) / ({match[2]})) " + expr[match.end():]
    for latex, python in _SYMBOLS:
        expr = expr.replace(latex, python)
    sums = re.findall(r"\\sum_[ij]", expr)
    if len(sums) > 1:
        raise ValueError(f"only one sum is supported, got {tex!r}")
    if sums:
        expr = re.sub(r"\\sum_[ij]", " np.sum( ", expr) + " ) "
    if "\\" in expr or "{" in expr:
        raise ValueError(f"unsupported LaTeX left in {tex!r}: {expr!r}")
    # implicit multiplication: a space between two operands
    expr = " ".join(expr.split())
    expr = re.sub(r"(?<=[\w)]) (?=[\w(]|np\.)", " * ", expr)
    return expr


def evaluate(tex, **values):
    """The value of `tex` for the given variables (see tex_to_numpy)."""
    import numpy as np
    return float(eval(tex_to_numpy(tex), {"np": np, "abs": np.abs, "__builtins__": {}}, values))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if book/glossary.md differs from the termbase")
    args = parser.parse_args(argv)
    text = render(load())
    if args.check:
        if GLOSSARY.read_text(encoding="utf-8") != text:
            print(f"{GLOSSARY} is out of date: run python book/_ext/make_glossary.py",
                  file=sys.stderr)
            return 1
        return 0
    GLOSSARY.write_text(text, encoding="utf-8")
    print(f"wrote {GLOSSARY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
