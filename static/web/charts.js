/* Draws the pages' charts with the vendored Chart.js from data the server put in
   <script type="application/json"> blocks (json_script). Each chart also has its figures in
   text on the page, so nothing depends on seeing the canvas. */
(function () {
  "use strict";
  if (!window.Chart) return;

  var PALETTE = ["#12694f", "#1565c0", "#ad1457", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#455a64"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#374151";
  if (reduceMotion) Chart.defaults.animation = false;

  function readData(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function moneyFormatter(currency) {
    try {
      return new Intl.NumberFormat("en-GB", { style: "currency", currency: currency || "GBP" });
    } catch (e) {
      return new Intl.NumberFormat("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
  }

  function shortDate(iso) {
    var parts = iso.split("-");
    var d = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
  }

  function balanceChart(canvas, data) {
    var number = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels.map(shortDate),
        datasets: data.datasets.map(function (set, i) {
          var colour = PALETTE[i % PALETTE.length];
          return { label: set.label, data: set.data, borderColor: colour, backgroundColor: colour,
                   borderWidth: 2, pointRadius: 0, pointHitRadius: 6, tension: 0.15, spanGaps: false };
        })
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 6, maxRotation: 0 } },
                  y: { ticks: { callback: function (v) { return number.format(v); } } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } },
                   tooltip: { callbacks: { label: function (ctx) {
                     return ctx.dataset.label + ": " + number.format(ctx.parsed.y);
                   } } } }
      }
    });
  }

  function tickFormatter(currency) {
    // Whole pounds on the axis ("£1.2K" on a phone): the bars' tooltips keep the pence.
    var options = { style: "currency", currency: currency || "GBP", maximumFractionDigits: 0 };
    if (narrow()) { options.notation = "compact"; options.maximumFractionDigits = 1; }
    try { return new Intl.NumberFormat("en-GB", options); } catch (e) { return moneyFormatter(currency); }
  }

  function narrow() { return window.matchMedia && window.matchMedia("(max-width: 640px)").matches; }

  function spendingChart(canvas, data) {
    var money = moneyFormatter(data.currency);
    var ticks = tickFormatter(data.currency);
    return new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels,
              datasets: [{ label: "Spent", data: data.data, backgroundColor: data.colors, borderRadius: 4 }] },
      options: {
        indexAxis: "y", maintainAspectRatio: false,
        // On a phone the money ticks ran together: fewer, unrotated ticks, and long category
        // names cut short (the tooltip has the full name).
        scales: { x: { beginAtZero: true,
                       ticks: { maxTicksLimit: narrow() ? 4 : 8, maxRotation: 0,
                                callback: function (v) { return ticks.format(v); } } },
                  y: { ticks: { autoSkip: false, callback: function (v) {
                    var label = String(this.getLabelForValue(v));
                    var limit = narrow() ? 14 : 28;
                    return label.length > limit ? label.slice(0, limit - 1) + "\u2026" : label; } } } },
        plugins: { legend: { display: false },
                   tooltip: { callbacks: { label: function (ctx) { return money.format(ctx.parsed.x); } } } }
      }
    });
  }

  var builders = { balance: balanceChart, spending: spendingChart };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var build = builders[canvas.getAttribute("data-chart")];
    var data = readData(canvas);
    if (build && data) build(canvas, data);
  });
})();
