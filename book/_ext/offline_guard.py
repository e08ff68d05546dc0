"""Keep the built book self-contained: no page may load a script, style sheet, font or image
from outside its own folder.

A Sphinx extension, loaded through ``sphinx.local_extensions`` in ``_config.yml``. On every
page it

1. removes sphinx-thebe's assets when live code (``launch_buttons.thebe``) is off. Jupyter Book
   always loads sphinx-thebe, whose inline configuration names the thebe bundle on unpkg.com;
   it is only fetched when a reader starts live code, which this book never offers;
2. removes the Font Awesome 4 style sheet that matplotlib's ``Animation.to_jshtml()`` links from
   a CDN for its player buttons. The theme already ships Font Awesome 6, which draws the same
   ``fa fa-play``-style icons;
3. warns about any asset that still comes from another host: a ``<script>``, ``<link>``,
   ``<img>``, ``<iframe>``, ``<source>``, ``<video>``, ``<audio>`` or ``<embed>`` in the page body
   whose ``src``/``href`` is absolute (``http:``, ``https:`` or ``//``), and any such entry in the
   page's script and style-sheet lists. ``make book`` builds with ``-W``, so this fails the
   build; vendor the file under ``book/_static/vendor`` instead. Links a reader clicks
   (``<a href>``) are not assets and are left alone.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

# matplotlib/_animation_data.py, JS_INCLUDE
_MPL_FONT_AWESOME_LINK = re.compile(
    r'<link\s+rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*"\s*/?>\s*'
)
_ASSET_TAG = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed)\b[^>]*?\b(?:src|href|srcset)\s*=\s*"
    r"[\"']?((?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)


def _is_external(uri: Any) -> bool:
    text = str(uri or "")
    return text.startswith(("http://", "https://", "//"))


def _is_thebe_asset(asset: Any) -> bool:
    filename = str(getattr(asset, "filename", "") or "")
    body = str(getattr(asset, "attributes", {}).get("body", "") or "")
    return filename.endswith(("sphinx-thebe.js", "sphinx-thebe.css")) or "THEBE_JS_URL" in body


def keep_page_offline(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    launch = app.config.html_theme_options.get("launch_buttons", {}) or {}
    for key in ("script_files", "css_files"):
        assets = context.get(key)
        if assets is None:
            continue
        if not launch.get("thebe"):
            assets = [asset for asset in assets if not _is_thebe_asset(asset)]
            context[key] = assets
        for asset in assets:
            if _is_external(getattr(asset, "filename", None)):
                logger.warning(
                    "page loads %s from another host; vendor it under book/_static/vendor",
                    asset.filename,
                    location=pagename,
                    type="dlcourse",
                    subtype="offline",
                )

    body = context.get("body")
    if body:
        body = _MPL_FONT_AWESOME_LINK.sub("", body)
        context["body"] = body
        for match in _ASSET_TAG.finditer(body):
            logger.warning(
                "<%s> loads %s from another host; vendor it under book/_static/vendor",
                match.group(1).lower(),
                match.group(2),
                location=pagename,
                type="dlcourse",
                subtype="offline",
            )


def setup(app: Sphinx) -> dict[str, Any]:
    # Run after myst-nb (priority 500) has added the ipywidgets scripts for the page.
    app.connect("html-page-context", keep_page_offline, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
