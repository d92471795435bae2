/* spinlens web: tooltips, legend toggles, article-analysis links and the example loader. Plain DOM, no library, no network.
 * Everything shown is set with textContent, never innerHTML: article text and metadata stay inert. */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  /* -- analyze form: load the example article ------------------------------------------------- */
  var loader = document.getElementById("load-example");
  if (loader) {
    loader.addEventListener("click", function () {
      var text = readJSON("example-data");
      var area = document.getElementById("text");
      if (text && area) { area.value = text; area.focus(); }
    });
  }

  /* -- analysis page ---------------------------------------------------------------------------- */
  var article = document.getElementById("article-text");
  if (!article) { return; }
  var byId = {};
  (readJSON("techniques-data") || []).forEach(function (t) { byId[t.id] = t; });
  var tip = document.getElementById("tip");
  var lit = [];
  var shown = null;

  /* sentence gutter: badges of sentences that start on the same line overlap; show the highest */
  function mergeBadges() {
    var groups = {};
    article.querySelectorAll(".sg").forEach(function (b) {
      b.classList.remove("dup");
      if (!b.hasAttribute("data-title")) { b.setAttribute("data-title", b.title); }
      b.title = b.getAttribute("data-title");
      var key = Math.round(b.getBoundingClientRect().top + window.scrollY);
      (groups[key] = groups[key] || []).push(b);
    });
    Object.keys(groups).forEach(function (key) {
      var group = groups[key];
      if (group.length < 2) { return; }
      var best = group[0];
      group.forEach(function (b) {
        if (parseFloat(b.getAttribute("data-score")) > parseFloat(best.getAttribute("data-score"))) { best = b; }
      });
      group.forEach(function (b) { if (b !== best) { b.classList.add("dup"); } });
      best.title = group.map(function (b) { return b.getAttribute("data-title"); }).join("\n");
    });
  }
  mergeBadges();
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(mergeBadges, 150);
  });

  function pct(score) { return Math.round(parseFloat(score) * 100) + "%"; }

  function marksOf(spanId) {
    return article.querySelectorAll('mark.sp[data-span="' + spanId + '"]');
  }

  function clearLit() {
    lit.forEach(function (m) { m.classList.remove("hl"); });
    lit = [];
  }

  function add(parent, tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    el.textContent = text;
    parent.appendChild(el);
    return el;
  }

  function place(mark) {
    var r = mark.getBoundingClientRect();
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = Math.min(Math.max(8, r.left), window.innerWidth - w - 8);
    var y = r.bottom + 8;
    if (y + h > window.innerHeight - 8) { y = Math.max(8, r.top - h - 8); }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }

  function show(mark) {
    clearLit();
    marksOf(mark.getAttribute("data-span")).forEach(function (m) { m.classList.add("hl"); lit.push(m); });
    var t = byId[mark.getAttribute("data-technique")] || {};
    var quote = lit.map(function (m) { return m.textContent; }).join("");
    tip.textContent = "";
    add(tip, "span", "tname", t.name || mark.getAttribute("data-technique"));
    add(tip, "span", "tcat", t.category_name || "");
    add(tip, "span", "tconf", "Confidence " + pct(mark.getAttribute("data-score")));
    add(tip, "span", "tdef", t.definition || "");
    var chars = Array.from(quote);  // code points: a cut never splits an emoji into a lone surrogate
    add(tip, "q", "", chars.length > 240 ? chars.slice(0, 240).join("") + "\u2026" : quote);
    var outer = [];
    for (var p = mark.parentElement; p && p !== article; p = p.parentElement) {
      if (p.matches("mark.sp:not(.off)")) {
        var o = byId[p.getAttribute("data-technique")] || {};
        outer.push((o.name || p.getAttribute("data-technique")) + " (" + pct(p.getAttribute("data-score")) + ")");
      }
    }
    if (outer.length) { add(tip, "span", "outer", "Inside: " + outer.join(", ")); }
    tip.hidden = false;
    shown = mark;
    place(mark);
  }

  function hide() { clearLit(); tip.hidden = true; shown = null; }

  function markAt(target) {
    if (!target || !target.closest || target.closest(".sg")) { return null; }
    var m = target.closest("mark.sp");
    while (m && m.classList.contains("off")) {
      m = m.parentElement ? m.parentElement.closest("mark.sp") : null;
    }
    return m && article.contains(m) ? m : null;
  }

  article.addEventListener("mouseover", function (ev) {
    var m = markAt(ev.target);
    if (m) { show(m); } else { hide(); }
  });
  article.addEventListener("mouseleave", hide);
  article.addEventListener("focusin", function (ev) {
    var m = markAt(ev.target);
    if (m) { show(m); }
  });
  article.addEventListener("focusout", hide);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { hide(); } });
  window.addEventListener("scroll", function () { if (!tip.hidden && shown) { place(shown); } }, { passive: true });

  /* -- article analysis: evidence, quotes and examples point at their place in the text ---------- */
  /* data-start/data-end count Unicode code points of Document.text, which is exactly the article
   * element's text (gutter badges are empty); JS strings count UTF-16 units, so walk and convert. */
  function locate(offset) {
    var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    var seen = 0, node, last = null;
    while ((node = walker.nextNode())) {
      var s = node.data;
      for (var i = 0; i < s.length; seen++) {
        if (seen === offset) { return [node, i]; }
        var c = s.charCodeAt(i);
        i += (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) ? 2 : 1;
      }
      last = node;
    }
    return last && seen === offset ? [last, last.data.length] : null;
  }

  function rangeOf(link) {
    var start = parseInt(link.getAttribute("data-start"), 10);
    var end = parseInt(link.getAttribute("data-end"), 10);
    if (!(start >= 0 && end > start)) { return null; }
    var a = locate(start), b = locate(end);
    if (!a || !b) { return null; }
    var range = document.createRange();
    range.setStart(a[0], a[1]);
    range.setEnd(b[0], b[1]);
    return range;
  }

  var canHighlight = typeof CSS !== "undefined" && CSS.highlights && typeof Highlight === "function";

  function paint(name, range) {
    if (!canHighlight) { return; }
    if (range) { CSS.highlights.set(name, new Highlight(range)); } else { CSS.highlights.delete(name); }
  }

  var panel = document.getElementById("article-analysis");
  var pinned = null;
  if (panel) {
    panel.addEventListener("click", function (ev) {
      var link = ev.target.closest ? ev.target.closest("a.jump") : null;
      if (!link) { return; }
      var range = rangeOf(link);
      if (!range) { return; }
      ev.preventDefault();
      if (pinned) { pinned.classList.remove("pinned"); }
      pinned = link;
      link.classList.add("pinned");
      paint("spinlens-jump", range);
      if (!canHighlight) {  /* no CSS highlights: select the passage instead */
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      }
      var r = range.getBoundingClientRect();
      window.scrollTo(0, Math.max(0, window.scrollY + r.top - window.innerHeight / 3));
    });
    panel.addEventListener("mouseover", function (ev) {
      var link = ev.target.closest ? ev.target.closest("a.jump") : null;
      paint("spinlens-hover", link ? rangeOf(link) : null);
    });
    panel.addEventListener("mouseleave", function () { paint("spinlens-hover", null); });
    panel.addEventListener("focusin", function (ev) {
      if (ev.target.matches && ev.target.matches("a.jump")) { paint("spinlens-hover", rangeOf(ev.target)); }
    });
    panel.addEventListener("focusout", function () { paint("spinlens-hover", null); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && pinned) {
        pinned.classList.remove("pinned");
        pinned = null;
        paint("spinlens-jump", null);
      }
    });
  }

  /* -- legend: toggles and hover ---------------------------------------------------------------- */
  var legend = document.getElementById("legend");
  if (!legend) { return; }

  function setTechnique(id, on) {
    article.querySelectorAll('mark.sp[data-technique="' + id + '"]').forEach(function (m) {
      m.classList.toggle("off", !on);
      if (on) { m.setAttribute("tabindex", "0"); } else { m.removeAttribute("tabindex"); }
    });
    var li = legend.querySelector('li[data-technique="' + id + '"]');
    if (li) { li.classList.toggle("off", !on); }
  }

  legend.addEventListener("change", function (ev) {
    if (ev.target.matches("input.toggle")) { setTechnique(ev.target.value, ev.target.checked); hide(); }
  });
  legend.querySelectorAll("[data-toggle-all]").forEach(function (button) {
    button.addEventListener("click", function () {
      var on = button.getAttribute("data-toggle-all") === "on";
      legend.querySelectorAll("input.toggle").forEach(function (box) {
        box.checked = on;
        setTechnique(box.value, on);
      });
    });
  });
  legend.addEventListener("mouseover", function (ev) {
    var li = ev.target.closest ? ev.target.closest("li[data-technique]") : null;
    clearLit();
    if (!li || li.classList.contains("off")) { return; }
    article.querySelectorAll('mark.sp[data-technique="' + li.getAttribute("data-technique") + '"]')
      .forEach(function (m) { m.classList.add("hl"); lit.push(m); });
  });
  legend.addEventListener("mouseleave", clearLit);
})();
