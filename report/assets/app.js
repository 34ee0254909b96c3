// saelab report: renders the figures described by the JSON specs embedded in
// this page with the inlined plotly.js. It loads nothing from the network.
(function () {
  'use strict';

  var status = { done: false, rendered: 0, errors: [], ms: {}, phases: {}, startMs: Math.round(performance.now()), firstScreenMs: 0, drawnMs: 0, totalMs: 0 };
  window.saelabReport = status;

  // plotly.js rejects an animation's promise, with no reason, when another
  // animation (Pause, the slider) interrupts it; its buttons leave that
  // rejection unhandled. It is not an error.
  window.addEventListener('unhandledrejection', function (e) {
    if (e.reason === undefined) e.preventDefault();
  });

  function readSpec(id) {
    return JSON.parse(document.getElementById('spec-' + id).textContent);
  }

  // inflate decodes base64(gzip(JSON)).
  async function inflate(b64) {
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return JSON.parse(await new Response(stream).text());
  }

  // Cell grids (see cellGrid in grid.go) put every cell in one axis pair: a
  // value v of a cell sits at its centre + v/M. A marker's customdata is
  // cell*65536 + index; the tooltip maps it back to the cell's own values.
  var CELL = 65536;

  var tip = null;
  function showTip(ev, html) {
    if (!tip) {
      tip = document.createElement('div');
      tip.className = 'tip';
      document.body.appendChild(tip);
    }
    tip.innerHTML = html;
    tip.style.display = 'block';
    var e = ev.event || {};
    tip.style.left = ((e.clientX || 0) + 14) + 'px';
    tip.style.top = ((e.clientY || 0) + 14) + 'px';
  }
  function hideTip() { if (tip) tip.style.display = 'none'; }

  // gridHover shows "x: ..., y: ..." (4 decimals) for a hovered marker and, if
  // link is set, enlarges (1.5x) and reddens every point with the same index
  // and instance in the rows of the same kind (spec 7.2).
  function gridHover(div, cells, mt, link) {
    var saved = null;
    function restore() {
      if (!saved) return;
      var s = saved; saved = null;
      Plotly.restyle(div, { 'marker.color': [s.color], 'marker.size': [s.size] }, [mt]);
    }
    div.on('plotly_hover', function (ev) {
      var pt = ev.points && ev.points[0];
      if (!pt || pt.curveNumber !== mt) return;
      var id = pt.customdata, cell = cells[Math.floor(id / CELL)], j = id % CELL;
      var x = (pt.x - cell.cx) * cell.m, y = (pt.y - cell.cy) * cell.m;
      showTip(ev, cell.name.replace('%d', j) + '<br>x: ' + x.toFixed(4) + '<br>y: ' + y.toFixed(4));
      if (!link) return;
      restore();
      var d = div.data[mt], n = d.x.length, cd = d.customdata, hit = 0;
      var color = Array.isArray(d.marker.color) ? d.marker.color.slice() : new Array(n).fill(d.marker.color);
      var size = Array.isArray(d.marker.size) ? d.marker.size.slice() : new Array(n).fill(d.marker.size);
      for (var q = 0; q < n; q++) {
        var c = cells[Math.floor(cd[q] / CELL)];
        if (cd[q] % CELL === j && c.inst === cell.inst && c.w === cell.w) {
          color[q] = 'red'; size[q] = 1.5 * c.ms; hit++;
        }
      }
      if (!hit) return;
      saved = { color: d.marker.color, size: d.marker.size };
      Plotly.restyle(div, { 'marker.color': [color], 'marker.size': [size] }, [mt]);
    });
    div.on('plotly_unhover', function () { hideTip(); restore(); });
    div.on('plotly_animating', function () { saved = null; hideTip(); });
  }

  // expand turns one packed animation frame into the data of the traces:
  // one black-lines trace per line width, the red lines, the markers. A
  // point beyond +-M is cut at the cell's frame.
  function expand(a, fr) {
    var scale = a.scale, red = {}, nl = a.lineWidths.length, k;
    var r = fr.r || [], plain = !r.length && !fr.l;
    for (k = 0; k < r.length; k += 2) {
      (red[r[k]] = red[r[k]] || {})[r[k + 1]] = true;
    }
    var lines = [];
    for (k = 0; k <= nl; k++) lines.push({ x: [], y: [] }); // the last one is red
    var mx = [], my = [], cd = [], col = plain ? 'black' : [], size = [];
    a.cells.forEach(function (c, ci) {
      // Columnar: n index gaps, then n xs, then n ys (see animFrame in animation.go).
      var p = fr.p[ci], rc = red[ci], lc = fr.l ? fr.l[ci] : null, n = p.length / 3, j = -1;
      for (var q = 0; q < n; q++) {
        j += p[q] + 1;
        var ux = p[n + q] / scale / c.m, uy = p[2 * n + q] / scale / c.m;
        var out = Math.max(Math.abs(ux), Math.abs(uy));
        if (out > 1) { ux /= out; uy /= out; }
        var X = c.cx + ux, Y = c.cy + uy, isRed = !!(rc && rc[j]);
        var L = lines[isRed ? nl : c.lg];
        L.x.push(c.cx, X, null); L.y.push(c.cy, Y, null);
        if (out > 1) continue;
        mx.push(X); my.push(Y); cd.push(ci * CELL + j); size.push(c.ms);
        if (!plain) col.push(isRed ? 'red' : lc ? 'rgb(' + Math.round(255 * lc[q] / 100) + ',0,0)' : 'black');
      }
    });
    lines.push({ x: mx, y: my, customdata: cd, marker: { color: col, size: size } });
    return lines;
  }

  function initialTraces(a, d0) {
    var nl = a.lineWidths.length, maxW = Math.max.apply(null, a.lineWidths), tr = [];
    for (var k = 0; k <= nl; k++) {
      tr.push(Object.assign({ type: 'scatter', mode: 'lines', hoverinfo: 'skip', showlegend: false,
        line: { color: k < nl ? 'black' : 'red', width: k < nl ? a.lineWidths[k] : maxW } }, d0[k]));
    }
    tr.push(Object.assign({ type: 'scatter', mode: 'markers', showlegend: false, hoverinfo: 'none' }, d0[nl + 1]));
    tr.push(a.labels); // static: not in the frames
    return tr;
  }

  // renderAnim draws the first frame and returns a function that registers
  // the other frames (inflating them first), which renderAll calls once
  // every figure is on screen.
  async function renderAnim(div, s) {
    if (typeof DecompressionStream === 'undefined') {
      throw new Error('this browser has no DecompressionStream; open the report in a current browser');
    }
    var ph = status.phases[div.dataset.fig] = {}, t0 = performance.now();
    var a = s.anim;
    var traceIdx = [];
    for (var t = 0; t < a.lineWidths.length + 2; t++) traceIdx.push(t);
    function frame(k, fr) {
      return { name: a.names[k], data: expand(a, fr), traces: traceIdx };
    }
    var first = frame(0, a.first);
    await Plotly.newPlot(div, initialTraces(a, first.data), s.layout, s.config);
    await Plotly.addFrames(div, [first]);
    ph.firstFrame = Math.round(performance.now() - t0);
    // "{title}, step {steps[t]} / {steps[last]}" follows the frame. Frames
    // animate without a full redraw, which leaves the title alone, so set it.
    var titleOf = {};
    a.names.forEach(function (n, k) { titleOf[n] = a.titles[k]; });
    div.on('plotly_animatingframe', function (ev) {
      var title = titleOf[ev.name];
      if (title === undefined) return;
      div.layout.title.text = title;
      if (div._fullLayout && div._fullLayout.title) div._fullLayout.title.text = title;
      var el = div.querySelector('.g-gtitle .gtitle');
      if (el) el.textContent = title;
    });
    gridHover(div, a.cells, a.lineWidths.length + 1, true);
    return async function () {
      var t1 = performance.now();
      var packed = (await inflate(a.packed)).frames; // frames 1, 2, ...
      ph.inflate = Math.round(performance.now() - t1);
      for (var k = 0; k < packed.length; k += 8) {
        var chunk = [];
        for (var q = k; q < Math.min(k + 8, packed.length); q++) chunk.push(frame(q + 1, packed[q]));
        await Plotly.addFrames(div, chunk);
        await new Promise(function (r) { setTimeout(r, 0); });
      }
      packed = null;
      ph.otherFrames = Math.round(performance.now() - t1);
    };
  }

  async function renderAll() {
    var divs = document.querySelectorAll('div.plot[data-fig]'), later = [];
    // The figures on the first screen (their divs have their final size already): drawn
    // first, then shown before the rest is drawn in one go (each intermediate repaint
    // would lay out and paint the growing page again).
    var firstScreen = 0;
    while (firstScreen < divs.length && divs[firstScreen].getBoundingClientRect().top < window.innerHeight) firstScreen++;
    for (var k = 0; k < divs.length; k++) {
      var div = divs[k], t0 = performance.now();
      performance.mark('saelab:start:' + div.dataset.fig); // for profiling tools
      try {
        var s = readSpec(div.dataset.fig);
        if (s.kind === 'anim') {
          later.push(await renderAnim(div, s));
        } else {
          if (s.sharedX) s.data.forEach(function (tr) { if (tr.x === undefined) tr.x = s.sharedX; });
          await Plotly.newPlot(div, s.data, s.layout, s.config);
          if (s.grid) gridHover(div, s.grid.cells, s.grid.trace, false);
        }
        status.rendered++;
        status.ms[div.dataset.fig] = Math.round(performance.now() - t0);
        performance.mark('saelab:end:' + div.dataset.fig);
      } catch (e) {
        status.errors.push(div.dataset.fig + ': ' + e);
        div.textContent = 'This figure failed to render: ' + e;
        div.className += ' failed';
        console.error('saelab report: figure ' + div.dataset.fig + ':', e);
      }
      if (k === Math.max(1, firstScreen) - 1) {
        status.firstScreenMs = Math.round(performance.now());
        await new Promise(function (r) { setTimeout(r, 0); });
      }
    }
    status.drawnMs = Math.round(performance.now()); // every figure is on screen
    for (k = 0; k < later.length; k++) {
      try {
        await later[k]();
      } catch (e) {
        status.errors.push('animation frames: ' + e);
        console.error('saelab report: animation frames:', e);
      }
    }
    status.totalMs = Math.round(performance.now());
    status.done = true;
    document.body.setAttribute('data-rendered', status.errors.length ? 'error' : 'ok');
  }

  if (typeof Plotly === 'undefined') {
    console.error('saelab report: plotly.js is missing');
  } else if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', renderAll);
  } else {
    renderAll();
  }
})();
