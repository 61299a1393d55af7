// The dashboard's only script, served from the warehouse itself (the CSP allows 'self' and nothing
// inline). It draws each <div class="chart" data-chart="ID"> from the JSON in <script
// type="application/json" id="ID">: {x: epoch seconds, months: bool, series: [{label, values}]}.
// Every figure is also in a table on the page, so nothing is lost without JavaScript.
(function drawCharts() {
  'use strict';
  const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  function draw(element) {
    const source = document.getElementById(element.dataset.chart);
    if (!source || typeof uPlot === 'undefined') return;
    const data = JSON.parse(source.textContent);
    if (!data.x || data.x.length === 0) {
      element.textContent = 'Nothing to chart yet.';
      return;
    }
    const monthLabel = (seconds) => {
      const d = new Date(seconds * 1000);
      return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
    };
    const dayLabel = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);
    const label = data.months ? monthLabel : dayLabel;
    const options = {
      width: Math.max(320, Math.min(element.clientWidth || 900, 1100)),
      height: 280,
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        // One tick per data point (month-ends): uPlot's own time ticks fall between months.
        { values: (u, ticks) => ticks.map(label), splits: () => data.x, space: 60 },
        { values: (u, ticks) => ticks.map((t) => t.toLocaleString('en-US')), size: 60 },
      ],
      series: [
        { label: data.months ? 'Month' : 'Day', value: (u, v) => (v == null ? '' : label(v)) },
        ...data.series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2, points: { show: data.x.length < 40 }, spanGaps: false })),
      ],
    };
    new uPlot(options, [data.x, ...data.series.map((s) => s.values)], element);
  }

  function start() {
    for (const element of document.querySelectorAll('.chart[data-chart]')) draw(element);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
