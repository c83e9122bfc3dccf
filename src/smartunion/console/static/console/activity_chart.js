// Results charts on the console's activity page: a horizontal bar chart per canvas.results-chart, from its
// data-chart JSON ({labels, values, label}); Chart.js comes with the console theme (no CDN).
(function () {
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas.results-chart").forEach(function (canvas) {
    var data = JSON.parse(canvas.dataset.chart);
    new Chart(canvas, {
      type: "bar",
      data: {labels: data.labels, datasets: [{label: data.label, data: data.values, backgroundColor: "#c0392b"}]},
      options: {indexAxis: "y", animation: false, plugins: {legend: {display: false}},
                scales: {x: {beginAtZero: true, ticks: {precision: 0}}}},
    });
  });
})();
