"""Configurations of the book's other builds, derived from _config.yml (the one source).

    python book/_ext/editions.py config ko        # -> _build/editions/_config.ko.yml
    python book/_ext/editions.py config gettext   # -> _build/editions/_config.gettext.yml
    python book/_ext/editions.py fix-pot DIR      # stable .pot files (see fix_templates)

``ko``: the Korean edition. Same pages, same execution cache (``_build/.jupyter_cache``: the
notebooks' code is the same in both editions, so a cached build runs no cell), Sphinx's
``language: ko`` with the catalogs of ``locales/``, the Korean search splitter of
``dlcourse_i18n``. The Makefile builds it into ``_build/editions/ko`` and copies the HTML to
``_build/html/ko``.

``gettext``: the message catalogs' templates (``make catalogs``); nothing is executed (code
outputs are not translated), one template per page (``gettext_compact: false``).
"""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "_build" / "editions"

#: What differs in the Korean edition. Everything else comes from _config.yml.
KOREAN = {
    "title": "딥러닝 기초부터 (Deep Learning from the Ground Up)",
    "extra_footer": (
        '<p>글은 <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>, 코드는 '
        '<a href="https://opensource.org/license/mit">MIT</a> 라이선스를 따른다.\n'
        "인터넷 연결 없이도 읽을 수 있도록 모든 스크립트, 스타일, 글꼴을 이 사이트에서 제공한다.</p>\n"
    ),
}


def derived(edition):
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["gettext_compact"] = False
    execute = config.setdefault("execute", {})
    # Jupyter Book resolves local extensions relative to the config file: make them absolute.
    local = config["sphinx"].get("local_extensions") or {}
    for name, folder in local.items():
        local[name] = str(ROOT / folder)
    if edition == "gettext":
        execute["execute_notebooks"] = "off"
        sphinx["gettext_uuid"] = False
        sphinx["gettext_location"] = True
        sphinx["gettext_last_translator"] = ""
    elif edition == "ko":
        config["title"] = KOREAN["title"]
        config.setdefault("html", {})["extra_footer"] = KOREAN["extra_footer"]
        sphinx["language"] = "ko"
        sphinx["locale_dirs"] = [str(ROOT / "locales")]
        # One execution cache for both editions (by default each build has its own).
        execute["cache"] = str(ROOT / "_build" / ".jupyter_cache")
    else:
        raise SystemExit(f"editions.py: edition must be 'ko' or 'gettext', got {edition!r}")
    return config


_STAMP = '"POT-Creation-Date: 2026-01-01 00:00+0000\\n"'


def fix_templates(folder):
    """Make the .pot files of a gettext build stable: locations relative to the repository
    (not ``../../../../../book/...``) and no creation date, so that updating the catalogs with
    nothing changed in English changes no file."""
    for pot in Path(folder).rglob("*.pot"):
        text = pot.read_text(encoding="utf-8")
        new = re.sub(r"(?m)^(#: .*)$", lambda m: re.sub(r"(?:\.\./)+", "", m.group(1)), text)
        new = re.sub(r'(?m)^"POT-Creation-Date: .*\\n"$', lambda m: _STAMP, new)
        new = new.replace("Project name not set", "dlcourse")
        # a template's header is marked fuzzy until someone fills it; the catalogs made from it
        # are complete, and tools (msgfmt, the hook) read a fuzzy header as unfinished work
        new = re.sub(r'(?m)^#, fuzzy\n(?=msgid ""\nmsgstr ""\n"Project-Id-Version)', "", new, count=1)
        if new != text:
            pot.write_text(new, encoding="utf-8")


def main(argv):
    if len(argv) == 2 and argv[0] == "fix-pot":
        fix_templates(argv[1])
        return
    if len(argv) != 2 or argv[0] != "config":
        raise SystemExit(__doc__)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"_config.{argv[1]}.yml"
    text = yaml.safe_dump(derived(argv[1]), allow_unicode=True, sort_keys=False, width=100)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    print(path.relative_to(ROOT))


if __name__ == "__main__":
    main(sys.argv[1:])
