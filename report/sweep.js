// saelab sweep report: draws the chart, the Pareto frontier and the cells table from the
// sweep's data embedded in this page, with the inlined plotly.js. It loads nothing.
(function () {
  'use strict';

  var status = { done: false, errors: [], redraws: 0, chart: {} };
  window.saelabSweep = status;

  var D = JSON.parse(document.getElementById('sweep-data').textContent);
  var C = {};
  D.cols.forEach(function (c, k) { C[c] = k; });
  var rows = D.rows.map(function (r, k) {
    return { k: k, cell: r[C.cell], index: r[C.index], seed: r[C.seed], params: r[C.params] || [], run: r[C.run],
      arch: r[C.arch], status: r[C.status], wall: r[C.wall_seconds], m: r[C.metrics] || [], config: D.configs[r[C.config]],
      command: r[C.command], error: r[C.error] };
  });
  var done = rows.filter(function (r) { return r.status === 'done'; });
  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var CONFIG = { displaylogo: false, responsive: false, modeBarButtonsToRemove: ['sendDataToCloud'] };

  function fmt(v) {
    if (v === null || v === undefined || typeof v !== 'number' || !isFinite(v)) return '\u2013';
    if (v === 0) return '0';
    var a = Math.abs(v);
    if (a >= 1e4 || a < 1e-3) return v.toExponential(3);
    return String(parseFloat(v.toPrecision(4)));
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var a in attrs || {}) e.setAttribute(a, attrs[a]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fail(where, e) {
    status.errors.push(where + ': ' + e);
    console.error('saelab sweep report: ' + where + ':', e);
  }

  // Axes: the grid and zip keys, the run (when cells have several) and the seed.
  var axes = D.keys.map(function (key, i) { return { name: key, of: function (r) { return r.params[i]; } }; });
  var runNames = uniq(rows.map(function (r) { return r.run; }).filter(Boolean));
  if (runNames.length > 1) axes.push({ name: 'run', of: function (r) { return r.run; } });
  axes.push({ name: 'seed', of: function (r) { return String(r.seed); } });
  axes.forEach(function (a) { a.values = orderValues(uniq(rows.map(a.of))); a.numeric = a.values.every(isNum); });
  function axis(name) { return axes.filter(function (a) { return a.name === name; })[0]; }

  function uniq(xs) {
    var seen = {}, out = [];
    xs.forEach(function (x) { if (x !== undefined && x !== null && !seen['$' + x]) { seen['$' + x] = true; out.push(x); } });
    return out;
  }
  function isNum(s) { return s !== '' && isFinite(Number(s)); }
  function orderValues(vs) {
    if (vs.length && vs.every(isNum)) return vs.slice().sort(function (a, b) { return Number(a) - Number(b); });
    return vs;
  }

  // The metrics any done run has.
  var metrics = D.metrics.map(function (m, i) { m.i = i; return m; }).filter(function (m) {
    return done.some(function (r) { return r.m[m.i] !== null && r.m[m.i] !== undefined; });
  });

  // ---- controls ----
  var ctl = {};
  function select(id, label, options, value, onchange) {
    var wrap = el('label', {}, label + ' ');
    var s = el('select', { id: id });
    options.forEach(function (o) { var op = el('option', { value: o[0] }, o[1]); s.appendChild(op); });
    s.value = value;
    s.addEventListener('change', onchange);
    wrap.appendChild(s);
    document.getElementById('controls').appendChild(wrap);
    ctl[id] = s;
    return s;
  }
  function axisOptions(none) {
    var o = none ? [['', none]] : [];
    return o.concat(axes.map(function (a) { return [a.name, a.name]; }));
  }
  function pickDefaults() {
    var varied = axes.filter(function (a) { return a.values.length > 1 && a.name !== 'seed'; });
    var x = varied.filter(function (a) { return a.numeric; })[0] || varied[0] || axes[axes.length - 1];
    var g = varied.filter(function (a) { return a !== x && !a.numeric; })[0] || varied.filter(function (a) { return a !== x; })[0];
    var m = metrics.filter(function (m) { return m.name === 'explained_variance'; })[0] || metrics[0];
    return { x: x.name, g: g ? g.name : '', m: m ? m.name : '' };
  }
  var def = pickDefaults();

  function buildControls() {
    select('metric', 'Metric', metrics.map(function (m) { return [m.name, m.label]; }), def.m, redraw);
    select('kind', 'Chart', [['lines', 'lines (mean \u00b1 1 sd)'], ['heatmap', 'heatmap (two keys)']], 'lines', function () {
      if (ctl.kind.value === 'heatmap' && !ctl.group.value) {
        var other = axes.filter(function (a) { return a.name !== ctl.xkey.value && a.values.length > 1; })[0];
        if (other) ctl.group.value = other.name;
      }
      redraw();
    });
    select('xkey', 'x axis', axisOptions(), def.x, redraw);
    select('group', 'Group / y axis', axisOptions('none'), def.g, redraw);
    select('facet', 'Facets', axisOptions('none'), '', redraw);
    var fw = el('span', { id: 'filters' });
    document.getElementById('controls').appendChild(fw);
  }

  // filters: a select per axis not picked, "all" or one value.
  var filterValue = {};
  function buildFilters(used) {
    var fw = document.getElementById('filters');
    fw.textContent = '';
    axes.forEach(function (a) {
      if (used.indexOf(a.name) >= 0 || a.values.length < 2) return;
      var wrap = el('label', {}, a.name + ' ');
      var s = el('select', { 'data-filter': a.name });
      s.appendChild(el('option', { value: '' }, 'all'));
      a.values.forEach(function (v) { s.appendChild(el('option', { value: v }, v)); });
      s.value = filterValue[a.name] || '';
      s.addEventListener('change', function () { filterValue[a.name] = s.value; redraw(); });
      wrap.appendChild(s);
      fw.appendChild(wrap);
    });
  }

  // ---- aggregation ----
  function stats(vs) {
    var n = vs.length, mean = 0, ss = 0;
    vs.forEach(function (v) { mean += v / n; });
    vs.forEach(function (v) { ss += (v - mean) * (v - mean); });
    return { mean: mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n: n };
  }
  function aggregate(metric, xa, ga, fa) {
    var used = [xa, ga, fa].filter(Boolean).map(function (a) { return a.name; });
    var cells = {};
    done.forEach(function (r) {
      var v = r.m[metric.i];
      if (v === null || v === undefined) return;
      for (var name in filterValue) {
        if (filterValue[name] && used.indexOf(name) < 0 && axis(name).of(r) !== filterValue[name]) return;
      }
      var key = [fa ? fa.of(r) : '', ga ? ga.of(r) : '', xa.of(r)].join('\u0000');
      (cells[key] = cells[key] || []).push(v);
    });
    return function (f, g, x) {
      var vs = cells[[f, g, x].join('\u0000')];
      return vs ? stats(vs) : null;
    };
  }

  // fitWidth is a figure's width: want pixels, narrowed to the box around div so that the page
  // never scrolls sideways (panels side by side shrink), but never below least.
  function fitWidth(div, want, least) {
    var box = div.parentElement, avail = box ? box.clientWidth - 2 : want;
    return Math.round(Math.max(least, Math.min(want, avail)));
  }
  function panelDomains(n, gap) {
    var out = [];
    for (var k = 0; k < n; k++) out.push([k / n + (k ? gap / 2 : 0), (k + 1) / n - (k < n - 1 ? gap / 2 : 0)]);
    return out;
  }
  function axisLayout(a, title) {
    var o = { title: { text: title }, zeroline: false, automargin: true };
    if (a.numeric) {
      var nums = a.values.map(Number);
      var lo = Math.min.apply(null, nums), hi = Math.max.apply(null, nums);
      if (lo > 0 && hi / lo >= 30) o.type = 'log';
    } else {
      o.type = 'category';
      o.categoryorder = 'array';
      o.categoryarray = a.values;
    }
    return o;
  }
  function xOf(a, v) { return a.numeric ? Number(v) : v; }
  function rgba(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + alpha + ')';
  }

  function linesFigure(metric, xa, ga, fa) {
    var at = aggregate(metric, xa, ga, fa);
    var facets = fa ? fa.values : [''], groups = ga ? ga.values : [''];
    var dom = panelDomains(facets.length, 0.06), data = [], layout = { height: 440, width: fitWidth(document.getElementById('sweep-chart'), Math.max(640, 420 * facets.length), 640),
      margin: { l: 70, r: 20, t: 40, b: 60 }, hovermode: 'closest', annotations: [], legend: { title: { text: ga ? ga.name : '' } } };
    facets.forEach(function (f, p) {
      var xk = p ? 'xaxis' + (p + 1) : 'xaxis', yk = p ? 'yaxis' + (p + 1) : 'yaxis';
      var xr = p ? 'x' + (p + 1) : 'x', yr = p ? 'y' + (p + 1) : 'y';
      layout[xk] = axisLayout(xa, xa.name);
      layout[xk].domain = dom[p];
      layout[xk].anchor = yr;
      layout[yk] = { title: { text: p ? '' : metric.label }, anchor: xr, zeroline: false };
      if (fa) layout.annotations.push({ text: fa.name + ' = ' + f, xref: 'paper', yref: 'paper', x: (dom[p][0] + dom[p][1]) / 2,
        y: 1, yanchor: 'bottom', showarrow: false });
      groups.forEach(function (g, gi) {
        var xs = [], mean = [], lo = [], hi = [], text = [];
        xa.values.forEach(function (x) {
          var s = at(f, g, x);
          if (!s) return;
          xs.push(xOf(xa, x)); mean.push(s.mean); lo.push(s.mean - s.sd); hi.push(s.mean + s.sd);
          text.push((ga ? ga.name + ' = ' + g + '<br>' : '') + xa.name + ' = ' + x + '<br>' + metric.label + ': ' + fmt(s.mean) +
            ' \u00b1 ' + fmt(s.sd) + ' (n = ' + s.n + ')');
        });
        if (!xs.length) return;
        var color = PALETTE[gi % PALETTE.length], name = ga ? String(g) : metric.label;
        data.push({ type: 'scatter', mode: 'lines', x: xs.concat(xs.slice().reverse()), y: hi.concat(lo.slice().reverse()),
          fill: 'toself', fillcolor: rgba(color, 0.18), line: { width: 0 }, hoverinfo: 'skip', showlegend: false,
          legendgroup: name, xaxis: xr, yaxis: yr, name: name + ' \u00b1 1 sd' });
        data.push({ type: 'scatter', mode: 'lines+markers', x: xs, y: mean, name: name, legendgroup: name, showlegend: p === 0,
          line: { color: color, width: 2 }, marker: { color: color, size: 6 }, text: text, hoverinfo: 'text', xaxis: xr, yaxis: yr });
      });
    });
    return { data: data, layout: layout };
  }

  function heatmapFigure(metric, xa, ya, fa) {
    var at = aggregate(metric, xa, ya, fa);
    var facets = fa ? fa.values : [''];
    var nx = xa.values.length, ny = ya.values.length;
    var cellPx = Math.max(14, Math.min(64, Math.floor(520 / Math.max(nx, ny))));
    var pw = cellPx * nx, ph = cellPx * ny, gapPx = 90;
    var ml = 110, mr = 120, mt = 40, mb = 90;
    var plotW = facets.length * pw + (facets.length - 1) * gapPx;
    var layout = { width: ml + plotW + mr, height: mt + ph + mb, margin: { l: ml, r: mr, t: mt, b: mb }, hovermode: 'closest',
      annotations: [], showlegend: false };
    var all = [];
    facets.forEach(function (f) { xa.values.forEach(function (x) { ya.values.forEach(function (y) { var s = at(f, y, x); if (s) all.push(s.mean); }); }); });
    var cmin = Math.min.apply(null, all), cmax = Math.max.apply(null, all), data = [];
    facets.forEach(function (f, p) {
      var x0 = p * (pw + gapPx) / plotW, x1 = (p * (pw + gapPx) + pw) / plotW;
      var xk = p ? 'xaxis' + (p + 1) : 'xaxis', yk = p ? 'yaxis' + (p + 1) : 'yaxis';
      var xr = p ? 'x' + (p + 1) : 'x', yr = p ? 'y' + (p + 1) : 'y';
      layout[xk] = { domain: [x0, x1], anchor: yr, type: 'category', categoryorder: 'array', categoryarray: xa.values,
        title: { text: xa.name }, range: [-0.5, nx - 0.5], showgrid: false, fixedrange: true };
      layout[yk] = { anchor: xr, type: 'category', categoryorder: 'array', categoryarray: ya.values, title: { text: p ? '' : ya.name },
        range: [-0.5, ny - 0.5], showgrid: false, fixedrange: true };
      if (fa) layout.annotations.push({ text: fa.name + ' = ' + f, xref: 'paper', yref: 'paper', x: (x0 + x1) / 2, y: 1,
        yanchor: 'bottom', showarrow: false });
      var xs = [], ys = [], cs = [], text = [], labels = [];
      xa.values.forEach(function (x) {
        ya.values.forEach(function (y) {
          var s = at(f, y, x);
          if (!s) return;
          xs.push(x); ys.push(y); cs.push(s.mean); labels.push(fmt(s.mean));
          text.push(xa.name + ' = ' + x + '<br>' + ya.name + ' = ' + y + '<br>' + metric.label + ': ' + fmt(s.mean) + ' \u00b1 ' + fmt(s.sd) + ' (n = ' + s.n + ')');
        });
      });
      data.push({ type: 'scatter', mode: nx * ny <= 144 ? 'markers+text' : 'markers', x: xs, y: ys, xaxis: xr, yaxis: yr,
        text: labels, hovertext: text, hoverinfo: 'text', textfont: { size: Math.max(8, Math.min(12, cellPx / 4)), color: '#fff' },
        marker: { symbol: 'square', size: cellPx - 1, color: cs, cmin: cmin, cmax: cmax, colorscale: 'Viridis',
          reversescale: !!metric.lower, showscale: p === 0, colorbar: { title: { text: metric.label }, thickness: 14 } } });
    });
    return { data: data, layout: layout };
  }

  function redraw() {
    try {
      var metric = metrics.filter(function (m) { return m.name === ctl.metric.value; })[0];
      var xa = axis(ctl.xkey.value), ga = ctl.group.value ? axis(ctl.group.value) : null, fa = ctl.facet.value ? axis(ctl.facet.value) : null;
      if (ga === xa) ga = null;
      if (fa === xa || fa === ga) fa = null;
      var kind = ctl.kind.value;
      if (kind === 'heatmap' && !ga) kind = 'lines';
      buildFilters([xa, ga, fa].filter(Boolean).map(function (a) { return a.name; }));
      var div = document.getElementById('sweep-chart');
      if (!metric) {
        div.textContent = 'No run has a metric to chart yet.';
        return Promise.resolve();
      }
      var fig = kind === 'heatmap' ? heatmapFigure(metric, xa, ga, fa) : linesFigure(metric, xa, ga, fa);
      fig.layout.title = { text: metric.label + (kind === 'heatmap' ? ' (mean)' : ' (mean \u00b1 1 sd)'), x: 0.01, xanchor: 'left' };
      status.chart = { kind: kind, metric: metric.name, x: xa.name, group: ga ? ga.name : '', facet: fa ? fa.name : '', traces: fig.data.length };
      status.redraws++;
      div.style.width = fig.layout.width + 'px';
      div.style.height = fig.layout.height + 'px';
      return Plotly.react(div, fig.data, fig.layout, CONFIG).catch(function (e) { fail('chart', e); });
    } catch (e) {
      fail('chart', e);
      return Promise.resolve();
    }
  }

  // ---- Pareto ----
  function drawPareto() {
    var div = document.getElementById('sweep-pareto');
    if (!D.pareto || !D.pareto.length) {
      div.textContent = 'No SAE run has L0 and explained variance or L_reconstruction (yet).';
      return Promise.resolve();
    }
    var n = D.pareto.length, dom = panelDomains(n, 0.1), data = [], archColor = {};
    var layout = { width: fitWidth(div, Math.max(640, 520 * n), 640), height: 460, margin: { l: 70, r: 20, t: 30, b: 60 }, hovermode: 'closest',
      legend: { title: { text: 'architecture' } } };
    D.pareto.forEach(function (p, k) {
      var xk = k ? 'xaxis' + (k + 1) : 'xaxis', yk = k ? 'yaxis' + (k + 1) : 'yaxis';
      var xr = k ? 'x' + (k + 1) : 'x', yr = k ? 'y' + (k + 1) : 'y';
      layout[xk] = { domain: dom[k], anchor: yr, title: { text: p.xLabel }, zeroline: false };
      layout[yk] = { anchor: xr, title: { text: p.yLabel + (p.maximizeY ? ' (higher is better)' : ' (lower is better)') }, zeroline: false };
      p.series.forEach(function (s) {
        if (!(s.arch in archColor)) archColor[s.arch] = PALETTE[Object.keys(archColor).length % PALETTE.length];
        var color = archColor[s.arch];
        var text = s.row.map(function (ri, j) {
          var r = rows[ri];
          return s.arch + ' \u00b7 ' + r.run + '<br>' + D.keys.map(function (key, i) { return key + ' = ' + r.params[i]; }).join('<br>') +
            '<br>' + p.xLabel + ' ' + fmt(s.x[j]) + ', ' + p.yLabel + ' ' + fmt(s.y[j]) + ' (mean of ' + s.n[j] + ')';
        });
        data.push({ type: 'scatter', mode: 'markers', x: s.x, y: s.y, customdata: s.row, text: text, hoverinfo: 'text',
          name: s.arch, legendgroup: s.arch, showlegend: k === 0, marker: { color: rgba(color, 0.45), size: 7 }, xaxis: xr, yaxis: yr });
        data.push({ type: 'scatter', mode: 'lines+markers', x: s.front.map(function (j) { return s.x[j]; }),
          y: s.front.map(function (j) { return s.y[j]; }), customdata: s.front.map(function (j) { return s.row[j]; }),
          text: s.front.map(function (j) { return text[j]; }), hoverinfo: 'text', name: s.arch + ' frontier', legendgroup: s.arch,
          showlegend: false, line: { color: color, width: 2 }, marker: { color: color, size: 9 }, xaxis: xr, yaxis: yr });
      });
    });
    div.style.width = layout.width + 'px';
    div.style.height = layout.height + 'px';
    return Plotly.newPlot(div, data, layout, CONFIG).then(function () {
      div.on('plotly_click', function (ev) {
        var pt = ev.points && ev.points[0];
        if (pt && pt.customdata !== undefined) showDetail(rows[pt.customdata]);
      });
    });
  }

  // ---- table and detail ----
  var MAX_TABLE = 5000;
  var tableCols = [{ h: 'cell', t: true, v: function (r) { return r.cell; } }, { h: 'seed', v: function (r) { return r.seed; } }]
    .concat(D.keys.map(function (key, i) { return { h: key, v: function (r) { var p = r.params[i]; return isNum(p) ? Number(p) : p; }, t: !axes[i].numeric }; }))
    .concat([{ h: 'run', t: true, v: function (r) { return r.run; } }, { h: 'status', t: true, v: function (r) { return r.status; } },
      { h: 'wall s', v: function (r) { return r.status === 'done' ? r.wall : null; } }])
    .concat(metrics.map(function (m) { return { h: m.name, v: function (r) { return r.m[m.i]; } }; }));
  var order = rows.slice(), sortBy = -1, sortDir = 1;

  function cmp(a, b) {
    var an = a === null || a === undefined || a === '', bn = b === null || b === undefined || b === '';
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  }
  function drawTable() {
    var t = document.getElementById('cells-table');
    t.textContent = '';
    var head = el('tr');
    tableCols.forEach(function (c, k) {
      var th = el('th', { 'data-col': k }, c.h);
      if (k === sortBy) th.className = sortDir > 0 ? 'asc' : 'desc';
      th.addEventListener('click', function () {
        sortDir = sortBy === k ? -sortDir : 1;
        sortBy = k;
        order.sort(function (a, b) { return sortDir * cmp(c.v(a), c.v(b)) || a.k - b.k; });
        drawTable();
      });
      head.appendChild(th);
    });
    var thead = el('thead');
    thead.appendChild(head);
    t.appendChild(thead);
    var body = el('tbody');
    order.slice(0, MAX_TABLE).forEach(function (r) {
      var tr = el('tr', { 'data-row': r.k });
      if (r.status === 'failed') tr.className = 'status-failed';
      tableCols.forEach(function (c) {
        var v = c.v(r);
        tr.appendChild(el('td', c.t ? { 'class': 't' } : {}, typeof v === 'number' ? (c.h === 'seed' ? String(v) : fmt(v)) : (v || '\u2013')));
      });
      tr.addEventListener('click', function () { showDetail(r); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    if (order.length > MAX_TABLE) {
      var cap = el('caption', {}, 'The first ' + MAX_TABLE + ' of ' + order.length + ' rows (sort to see others; saelab sweep export has them all).');
      t.insertBefore(cap, t.firstChild);
    }
  }

  function showDetail(r) {
    var d = document.getElementById('detail');
    d.textContent = '';
    d.style.display = 'block';
    d.appendChild(el('h3', {}, 'Cell ' + r.cell + (r.run ? ' \u00b7 run ' + r.run : '') + ' \u00b7 ' + r.status));
    var p = D.keys.map(function (key, i) { return key + ' = ' + r.params[i]; }).concat(['seed = ' + r.seed]).join(', ');
    d.appendChild(el('p', { 'class': 'sub' }, p));
    if (r.error) d.appendChild(el('p', { 'class': 'note' }, r.error));
    var same = rows.filter(function (o) { return o.cell === r.cell && o.status === 'done'; });
    if (same.length) {
      var t = el('table', { 'class': 'results' }), hr = el('tr');
      hr.appendChild(el('th', {}, 'metric'));
      same.forEach(function (o) { hr.appendChild(el('th', {}, o.run)); });
      t.appendChild(hr);
      metrics.forEach(function (m) {
        var tr = el('tr');
        tr.appendChild(el('td', {}, m.label));
        same.forEach(function (o) { tr.appendChild(el('td', {}, fmt(o.m[m.i]))); });
        t.appendChild(tr);
      });
      d.appendChild(t);
    }
    if (r.command) {
      d.appendChild(el('p', {}, 'Redraw this cell\u2019s run report:'));
      d.appendChild(el('code', { 'class': 'cmd' }, r.command));
    }
    if (r.config) {
      d.appendChild(el('p', {}, 'Resolved config:'));
      d.appendChild(el('pre', {}, r.config));
    }
    Array.prototype.forEach.call(document.querySelectorAll('#cells-table tr.sel'), function (tr) { tr.classList.remove('sel'); });
    var tr = document.querySelector('#cells-table tr[data-row="' + r.k + '"]');
    if (tr) tr.classList.add('sel');
    status.detail = r.cell;
  }

  async function start() {
    try { buildControls(); } catch (e) { fail('controls', e); }
    await redraw();
    try { await drawPareto(); } catch (e) { fail('pareto', e); }
    try { drawTable(); } catch (e) { fail('table', e); }
    status.done = true;
    document.body.setAttribute('data-rendered', status.errors.length ? 'error' : 'ok');
  }

  if (typeof Plotly === 'undefined') {
    console.error('saelab sweep report: plotly.js is missing');
  } else if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
