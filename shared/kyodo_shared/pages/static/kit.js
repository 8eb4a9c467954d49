/* The page kit's script: progressive enhancement only — every page works without it.
 *
 * - <time data-countdown datetime="…" data-now="…">: the time left, kept current each half minute. The server's
 *   "now" (data-now) anchors the count, so a staging clock shifted from the wall clock counts as the page does.
 * - An error summary ([data-error-summary]) takes the focus when the page loads, so keyboard and screen reader
 *   users start at the list of what to correct.
 */
(function () {
  "use strict";

  var loadedAt = Date.now();

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function timeLeft(ms, lang) {
    var en = lang === "en";
    if (ms <= 0) { return en ? "closed" : "締切を過ぎました"; }
    var minutes = Math.floor(ms / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    var parts = [];
    if (days) {
      parts = [[days, "day", "days", "日"], [hours, "hour", "hours", "時間"]];
    } else if (hours) {
      parts = [[hours, "hour", "hours", "時間"], [mins, "minute", "minutes", "分"]];
    } else if (mins) {
      parts = [[mins, "minute", "minutes", "分"]];
    } else {
      return en ? "less than a minute left" : "まもなく締切";
    }
    parts = parts.filter(function (p) { return p[0] > 0; });
    if (en) {
      return parts.map(function (p) { return plural(p[0], p[1], p[2]); }).join(" ") + " left";
    }
    return "あと" + parts.map(function (p) { return p[0] + p[3]; }).join(days ? "と" : "");
  }

  function updateCountdowns() {
    var lang = document.documentElement.lang;
    var nodes = document.querySelectorAll("time[data-countdown]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var deadline = Date.parse(node.getAttribute("datetime"));
      var serverNow = Date.parse(node.getAttribute("data-now"));
      if (isNaN(deadline) || isNaN(serverNow)) { continue; }
      var now = serverNow + (Date.now() - loadedAt);
      var text = timeLeft(deadline - now, lang);
      if (node.textContent !== text) { node.textContent = text; }
    }
  }

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    // A fragment names where the reader asked to land — except the skip link's `#main`, which a keyboard user's
    // URL keeps when the form posts to its own address: the summary comes first then too.
    var hash = window.location.hash;
    if (summary && (!hash || hash === "#main")) { summary.focus(); }
  }

  function start() {
    focusErrorSummary();
    if (document.querySelector("time[data-countdown]")) {
      window.setInterval(updateCountdowns, 30000);
      // A page restored from the back/forward cache was rendered a while ago: count again at once.
      window.addEventListener("pageshow", function (event) { if (event.persisted) { updateCountdowns(); } });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
