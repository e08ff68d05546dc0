/*
 * dlcourse: make the vendored @jupyter-widgets/html-manager work offline.
 *
 * Loaded after require.js and before html-manager/embed-amd.js (see nb_ipywidgets_js in
 * _config.yml). embed-amd.js defines the "@jupyter-widgets/..." AMD modules by name; webpack
 * inside them takes its public path (where the Font Awesome files are fetched from) from
 * each module's URL as require.js resolves it, which by default is relative to the PAGE.
 * Mapping the "@jupyter-widgets" prefix to the vendored folder makes those URLs, and so the
 * font requests, point at _static/vendor/html-manager/ from every page.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || typeof window.requirejs === "undefined") {
    return;
  }
  var base = new URL("html-manager/", script.src).href; // ends with "/"
  var folder = base.slice(0, -1);
  window.requirejs.config({
    paths: {
      // the module that loads the fonts: its URL becomes html-manager/libembed-amd.js
      "@jupyter-widgets/html-manager/dist": folder,
      // the other bundled modules (base, controls, output)
      "@jupyter-widgets": folder,
    },
  });
  window.__jupyter_widgets_assets_path__ = base;
})();

/*
 * html-manager 1.0.x typesets widget labels through MathJax 2's MathJax.Hub.Queue; the book
 * loads MathJax 3, which has no Hub (jupyter-widgets/ipywidgets#3829), so every widget label
 * raised "Cannot read properties of undefined (reading 'Queue')" and $...$ in labels and
 * HTMLMath widgets stayed raw. This small bridge forwards those calls to MathJax 3.
 */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var mj = window.MathJax;
  if (!mj || mj.Hub) {
    return;
  }
  mj.Hub = {
    Queue: function (cmd) {
      var el = cmd && cmd[2];
      if (!el || !mj.startup) {
        return;
      }
      mj.startup.promise
        .then(function () { return mj.typesetPromise([el]); })
        .catch(function () {});
    },
  };
});
