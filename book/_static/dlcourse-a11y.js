/* Accessible names for the static explorer views (ipywidgets drawn by html-manager).
 *
 * html-manager draws each explorer's controls and picture after the page has loaded. Its slider
 * handles (role="slider") carry no name, a text box whose description is empty has a hidden
 * <label>, and its pictures (ipywidgets.Image) have no alt text. Once a view is drawn this script
 *  - names every slider handle, and every input/select/textarea without a name, after the
 *    widget's description (or, when that is empty, its tooltip, which html-manager puts in the
 *    widget's title);
 *  - gives the view's pictures the alt text that book/alt-text.yml holds for the cell (written
 *    by book/_ext/accessibility.py as <span class="dlc-alt" data-alt> after the view's script).
 * Keyboard: slider handles take Tab and the arrow keys, buttons and menus are native controls.
 */
(function () {
  "use strict";

  function widgetName(control) {
    var widget = control.closest(".jupyter-widgets.widget-inline-hbox, .widget-slider, .jupyter-widgets");
    while (widget) {
      var label = widget.querySelector(":scope > .widget-label");
      var shown = label && label.style.display !== "none" ? label.textContent.trim() : "";
      // The label's title is the tooltip (symbols spelled out, "learning rate eta") when the
      // widget has one, else the description itself.
      var spelled = shown && label.getAttribute("title") ? label.getAttribute("title").trim() : "";
      if (spelled || shown) return spelled || shown;
      var title = widget.getAttribute("title") || (label && label.getAttribute("title")) || "";
      if (title.trim()) return title.trim();
      var parent = widget.parentElement;
      widget = parent ? parent.closest(".jupyter-widgets.widget-inline-hbox") : null;
    }
    return "";
  }

  function hasName(el) {
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) return true;
    if (el.id) {
      var label = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (label && label.style.display !== "none" && label.textContent.trim()) return true;
    }
    return false;
  }

  function fixView(area) {
    area.querySelectorAll('[role="slider"], input, select, textarea').forEach(function (el) {
      if (el.type === "hidden" || hasName(el)) return;
      var name = widgetName(el);
      if (name) el.setAttribute("aria-label", name);
    });
    var marker = area.parentElement && area.parentElement.querySelector(":scope > .dlc-alt");
    if (marker) {
      area.querySelectorAll("img:not([alt])").forEach(function (img) {
        img.setAttribute("alt", marker.getAttribute("data-alt"));
      });
    }
  }

  function fixAll() {
    document.querySelectorAll(".widget-subarea").forEach(fixView);
  }

  function start() {
    fixAll();
    var pending = null;
    new MutationObserver(function () {
      if (pending) return;
      pending = setTimeout(function () { pending = null; fixAll(); }, 50);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
