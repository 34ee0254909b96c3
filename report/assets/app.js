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

  // inflate decodes base64(gzip(bytes)).
  async function inflate(b64) {
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  // decodeFrames reads a pack of animation frames (see framepack.go): a header (frames, meta
  // bytes, values), LEB128 varints (per cell its point count and index gaps; the red pairs;
  // the loss colours), then the values as zigzag uint32s in four byte planes. Each frame
  // becomes {p: per cell [gaps..., xs..., ys...], r: [cell, latent, ...], l: per cell colours}.
  function decodeFrames(buf, cells) {
    var dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    var n = dv.getUint32(0, true), nMeta = dv.getUint32(4, true), nVals = dv.getUint32(8, true);
    var m = 12, p0 = 12 + nMeta, p1 = p0 + nVals, p2 = p1 + nVals, p3 = p2 + nVals, vk = 0;
    function uv() {
      var v = 0, mul = 1, b;
      do { b = buf[m++]; v += (b & 127) * mul; mul *= 128; } while (b & 128);
      return v;
    }
    var frames = [];
    for (var t = 0; t < n; t++) {
      var fr = { p: [] }, c, k, q;
      for (c = 0; c < cells.length; c++) {
        var cnt = uv(), pts = new Int32Array(3 * cnt);
        for (q = 0; q < cnt; q++) pts[q] = uv();
        for (q = cnt; q < 3 * cnt; q++, vk++) {
          var u = buf[p0 + vk] | buf[p1 + vk] << 8 | buf[p2 + vk] << 16 | buf[p3 + vk] << 24;
          pts[q] = (u >>> 1) ^ -(u & 1);
        }
        fr.p.push(pts);
      }
      var nRed = uv();
      if (nRed) {
        fr.r = [];
        for (k = 0; k < 2 * nRed; k++) fr.r.push(uv());
      }
      if (uv() === 1) {
        fr.l = [];
        for (c = 0; c < cells.length; c++) {
          if (cells[c].w) { fr.l.push(null); continue; }
          var l = new Uint8Array(fr.p[c].length / 3);
          for (q = 0; q < l.length; q++) l[q] = uv();
          fr.l.push(l);
        }
      }
      frames.push(fr);
    }
    return frames;
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
    var first = frame(0, decodeFrames(await inflate(a.first), a.cells)[0]);
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
      var packed = decodeFrames(await inflate(a.packed), a.cells); // frames 1, 2, ...
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

  // setupPicker wires a frac_active plot's instance buttons (see pickerSpec in fracactive.go):
  // each shows or hides its instance's traces; "best 4" (or "first 4"), "all" and "none" set
  // them all. Before the plot is drawn, drawing reads the buttons (pickerVisibility).
  function setupPicker(p) {
    var div = document.getElementById(p.dataset.fig);
    var btns = Array.prototype.slice.call(p.querySelectorAll('button[data-first]'));
    var first = btns.map(function (b) { return b.getAttribute('aria-pressed') === 'true'; });
    function apply() {
      if (!div.data) return;
      var idx = [], vis = [];
      btns.forEach(function (b) {
        var on = b.getAttribute('aria-pressed') === 'true';
        for (var k = +b.dataset.first, end = k + (+b.dataset.count); k < end; k++) {
          if (div.data[k].visible !== on) { idx.push(k); vis.push(on); }
        }
      });
      if (idx.length) Plotly.restyle(div, { visible: vis }, idx);
    }
    p.addEventListener('click', function (ev) {
      var b = ev.target.closest('button');
      if (!b) return;
      if (b.dataset.set) {
        btns.forEach(function (x, k) {
          x.setAttribute('aria-pressed', String(b.dataset.set === 'all' || (b.dataset.set === 'default' && first[k])));
        });
      } else {
        b.setAttribute('aria-pressed', String(b.getAttribute('aria-pressed') !== 'true'));
      }
      apply();
    });
  }

  // pickerVisibility sets the visibility of a figure's traces from its picker's buttons.
  function pickerVisibility(id, data) {
    var p = document.querySelector('.picker[data-fig="' + id + '"]');
    if (!p) return;
    p.querySelectorAll('button[data-first]').forEach(function (b) {
      var on = b.getAttribute('aria-pressed') === 'true';
      for (var k = +b.dataset.first, end = k + (+b.dataset.count); k < end; k++) data[k].visible = on;
    });
  }

  // draw draws one figure; for an animation it returns the function that registers its other
  // frames.
  async function draw(div) {
    var id = div.dataset.fig, t0 = performance.now(), later = null;
    performance.mark('saelab:start:' + id); // for profiling tools
    try {
      var s = readSpec(id);
      if (s.kind === 'anim') {
        later = await renderAnim(div, s);
      } else {
        if (s.sharedX) s.data.forEach(function (tr) { if (tr.x === undefined) tr.x = s.sharedX; });
        pickerVisibility(id, s.data);
        await Plotly.newPlot(div, s.data, s.layout, s.config);
        if (s.grid) gridHover(div, s.grid.cells, s.grid.trace, false);
      }
      status.rendered++;
      status.ms[id] = Math.round(performance.now() - t0);
      performance.mark('saelab:end:' + id);
    } catch (e) {
      status.errors.push(id + ': ' + e);
      div.textContent = 'This figure failed to render: ' + e;
      div.className += ' failed';
      console.error('saelab report: figure ' + id + ':', e);
    }
    return later;
  }

  function nextTask() { return new Promise(function (r) { setTimeout(r, 0); }); }
  function nextPaint() { return new Promise(function (r) { requestAnimationFrame(function () { setTimeout(r, 0); }); }); }

  // renderAll draws the figures on the first screen, lets the browser show them, then draws
  // the others in the background, those the reader scrolls towards first (an
  // IntersectionObserver moves them to the front of the queue). Between figures it yields
  // (every sliceMs of work) so that scrolling and clicks are served while the page fills in.
  // Last come the animations' other frames, which only Play and the slider need.
  async function renderAll() {
    document.querySelectorAll('.picker[data-fig]').forEach(setupPicker);
    var divs = Array.prototype.slice.call(document.querySelectorAll('div.plot[data-fig]')), later = [];
    var onScreen = function (d) { var r = d.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; };
    var pending = divs.filter(function (d) { return !onScreen(d); }), soon = [];
    for (var k = 0; k < divs.length; k++) {
      if (pending.indexOf(divs[k]) < 0) later.push(await draw(divs[k]));
    }
    status.firstScreenMs = Math.round(performance.now());
    await nextPaint();
    var io = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting && soon.indexOf(e.target) < 0) soon.push(e.target); });
    }, { rootMargin: '50% 0px' });
    if (io) pending.forEach(function (d) { io.observe(d); });
    var sliceMs = 50, slice = performance.now();
    while (pending.length) {
      var div = null;
      while (soon.length && !div) {
        var d = soon.shift();
        if (pending.indexOf(d) >= 0) div = d;
      }
      div = div || pending[0];
      pending.splice(pending.indexOf(div), 1);
      if (io) io.unobserve(div);
      later.push(await draw(div));
      if (performance.now() - slice > sliceMs) {
        await nextTask();
        slice = performance.now();
      }
    }
    if (io) io.disconnect();
    status.drawnMs = Math.round(performance.now()); // every figure is on screen
    for (k = 0; k < later.length; k++) {
      if (!later[k]) continue;
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
