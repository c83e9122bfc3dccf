// Trend charts of the data dashboards (数据看板 and 大屏): a line chart per canvas.insight-trend, from its
// data-chart JSON ({labels, datasets: [{label, data, color}], dark}); Chart.js comes with the console theme (no CDN).
(function () {
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas.insight-trend").forEach(function (canvas) {
    var data = JSON.parse(canvas.dataset.chart);
    var ink = data.dark ? "#cbd5e1" : "#4b5563";
    var grid = data.dark ? "rgba(148,163,184,0.2)" : "rgba(0,0,0,0.08)";
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (d) {
          return {label: d.label, data: d.data, borderColor: d.color, backgroundColor: d.color, tension: 0.25,
                  pointRadius: 2, borderWidth: 2};
        }),
      },
      options: {
        animation: false, maintainAspectRatio: false,
        plugins: {legend: {labels: {color: ink, boxWidth: 12}}},
        scales: {x: {ticks: {color: ink}, grid: {color: grid}},
                 y: {beginAtZero: true, ticks: {color: ink, precision: 0}, grid: {color: grid}}},
      },
    });
  });
})();
