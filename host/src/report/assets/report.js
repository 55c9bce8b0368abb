// candlewick report: draws each chart of the page's data (the script tag #report-data, made by
// host/src/report/) with TradingView's Lightweight Charts, inlined before this script.
//
// A chart is drawn at load when it lies within 600 px of the first view, else when it scrolls that
// near (an IntersectionObserver). Each chart container gets, once drawn,
// data-drawn="1", data-markers (markers placed) and data-rect (its box in page pixels); the body
// gets data-charts, data-drawn, data-markers (totals) and data-errors (errors the page saw), which
// the browser test reads.
(function () {
  'use strict';
  const LW = window.LightweightCharts;
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const palette = ['#2962ff', '#ff6d00', '#00897b', '#8e24aa', '#c62828', '#6d4c41', '#00acc1', '#7cb342'];
  const totals = { drawn: 0, markers: 0 };

  function fmtTime(us) {
    const iso = new Date(Math.floor(us / 1000)).toISOString();
    const micros = ((us % 1000) + 1000) % 1000;
    return (micros ? iso.replace('Z', String(micros).padStart(3, '0') + 'Z') : iso.replace('.000Z', 'Z'));
  }

  function fmt(v) {
    if (v === null || v === undefined) return '–';
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e9 || a < 1e-4)) return v.toExponential(6);
    return String(Number(v.toPrecision(10)));
  }

  function escapeText(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  }

  // The index of the last element <= x in an ascending array, or -1.
  function floorIndex(array, x) {
    let lo = 0;
    let hi = array.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (array[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  function markerStyle(sign) {
    if (sign === 1) return { color: '#26a69a', shape: 'arrowUp', position: 'belowBar' };
    if (sign === -1) return { color: '#ef5350', shape: 'arrowDown', position: 'aboveBar' };
    if (sign === 0) return { color: '#9e9e9e', shape: 'circle', position: 'aboveBar' };
    return { color: '#2962ff', shape: 'circle', position: 'aboveBar' };
  }

  // The raw row under the pointer: the hovered bucket, then the pointer's place within it.
  function rawIndex(spec, chart, param) {
    const bucket = floorIndex(spec.t, param.time);
    if (bucket < 0) return -1;
    const first = spec.first[bucket];
    const end = bucket + 1 < spec.first.length ? spec.first[bucket + 1] : spec.raw_t.length;
    if (end - first <= 1 || !param.point) return first;
    const x0 = chart.timeScale().timeToCoordinate(param.time);
    const spacing = chart.timeScale().options().barSpacing;
    if (x0 === null || !spacing) return first;
    const fraction = Math.min(Math.max((param.point.x - x0) / spacing + 0.5, 0), 0.999999);
    return first + Math.floor(fraction * (end - first));
  }

  function tooltip(spec, chart, param) {
    const i = rawIndex(spec, chart, param);
    if (i < 0) return '';
    const ts = spec.raw_t[i];
    const rows = [];
    const bucket = floorIndex(spec.t, param.time);
    const end = bucket + 1 < spec.first.length ? spec.first[bucket + 1] : spec.raw_t.length;
    let head = '<b>' + fmtTime(ts) + '</b>';
    if (spec.step > 1) head += ' <span class="muted">(drawn: ' + (end - spec.first[bucket]) + ' bars from ' + fmtTime(spec.raw_t[spec.first[bucket]]) + ')</span>';
    rows.push(head);
    if (spec.candles) {
      const r = spec.candles.raw;
      rows.push('O ' + fmt(r[0][i]) + ' H ' + fmt(r[1][i]) + ' L ' + fmt(r[2][i]) + ' C ' + fmt(r[3][i]) + (r[4].length ? ' V ' + fmt(r[4][i]) : ''));
    }
    for (const s of spec.series) {
      // A series without times of its own is on the chart's axis.
      const times = s.raw_t.length ? s.raw_t : spec.raw_t;
      const j = s.raw_t.length ? floorIndex(times, ts) : i;
      const value = j >= 0 && times[j] === ts ? s.raw_v[j] : null;
      rows.push(escapeText(s.label) + ' ' + fmt(value));
    }
    for (const [label, values] of spec.hover) {
      const v = values[i];
      rows.push(escapeText(label) + ' ' + (label.endsWith('_ts') || label.endsWith('t1') ? (v === null ? '–' : fmtTime(v)) : fmt(v)));
    }
    for (const m of spec.markers) {
      if (m.t !== param.time) continue;
      const fields = m.fields.map(([k, v]) => escapeText(k) + '=' + (k === 't1' && v !== null ? fmtTime(v) : fmt(v))).join(' ');
      rows.push('<span class="event">' + escapeText(m.dataset) + ' at ' + fmtTime(m.ts) + ': ' + fields + '</span>');
    }
    return rows.join('<br>');
  }

  function draw(spec, element, group) {
    const holder = element.querySelector('.canvas');
    holder.style.height = 360 + 120 * spec.panes.length + 'px';
    const chart = LW.createChart(holder, {
      autoSize: true,
      layout: { background: { color: '#ffffff' }, textColor: '#333333', attributionLogo: true },
      grid: { vertLines: { color: '#f0f0f0' }, horzLines: { color: '#f0f0f0' } },
      // Down to a hundredth of a pixel a bar, so the whole series fits when the page opens.
      timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: 0.01 },
      crosshair: { mode: LW.CrosshairMode.Normal },
    });
    const t = spec.t;
    let host = null;
    if (spec.candles) {
      const c = spec.candles;
      host = chart.addSeries(LW.CandlestickSeries, {
        upColor: '#26a69a', downColor: '#ef5350', borderVisible: false,
        wickUpColor: '#26a69a', wickDownColor: '#ef5350',
      }, 0);
      host.setData(t.map((time, i) => ({ time, open: c.o[i], high: c.h[i], low: c.l[i], close: c.c[i] })));
      if (c.v) {
        const volume = chart.addSeries(LW.HistogramSeries, {
          priceScaleId: 'volume', priceFormat: { type: 'volume' }, color: 'rgba(120, 144, 156, 0.45)',
          lastValueVisible: false, priceLineVisible: false,
        }, 0);
        volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
        volume.setData(t.map((time, i) => ({ time, value: c.v[i] })));
      }
    }
    const guided = new Set();
    spec.series.forEach((s, k) => {
      const color = palette[k % palette.length];
      const options = { color, title: s.label, priceLineVisible: false, lastValueVisible: false };
      const series = s.histogram
        ? chart.addSeries(LW.HistogramSeries, options, s.pane)
        : chart.addSeries(LW.LineSeries, Object.assign({ lineWidth: 1, crosshairMarkerVisible: false }, options), s.pane);
      series.setData(t.map((time, i) => (s.v[i] === null ? { time } : { time, value: s.v[i] })));
      const pane = s.pane > 0 ? spec.panes[s.pane - 1] : null;
      if (pane && pane.rsi && !guided.has(s.pane)) {
        guided.add(s.pane);
        for (const price of [30, 70]) {
          series.createPriceLine({ price, color: '#9e9e9e', lineWidth: 1, lineStyle: LW.LineStyle.Dashed, axisLabelVisible: false });
        }
      }
      if (!host && s.pane === 0) host = series;
    });
    let placed = 0;
    if (spec.markers.length) {
      if (!host) {
        host = chart.addSeries(LW.LineSeries, {
          color: 'rgba(0, 0, 0, 0)', priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false,
        }, 0);
        host.setData(t.map((time) => ({ time, value: 0 })));
      }
      const markers = spec.markers
        .map((m) => Object.assign({ time: m.t }, markerStyle(m.sign)))
        .sort((a, b) => a.time - b.time);
      const plugin = LW.createSeriesMarkers(host, markers);
      placed = plugin.markers().length;
    }
    const panes = chart.panes();
    panes.forEach((pane, i) => pane.setStretchFactor(i === 0 ? 3 : 1));
    chart.timeScale().fitContent();
    const tip = element.querySelector('.tip');
    chart.subscribeCrosshairMove((param) => {
      if (!param.time || !param.point) {
        tip.style.display = 'none';
        return;
      }
      tip.innerHTML = tooltip(spec, chart, param);
      tip.style.display = 'block';
    });
    // The charts of one symbol show the same span of time.
    group.push(chart);
    chart.timeScale().subscribeVisibleTimeRangeChange((range) => {
      if (!range || group.syncing) return;
      group.syncing = true;
      for (const other of group) {
        if (other !== chart) {
          try {
            other.timeScale().setVisibleRange(range);
          } catch (err) {
            // A chart whose data does not reach this range keeps its own.
          }
        }
      }
      group.syncing = false;
    });
    const rect = holder.getBoundingClientRect();
    element.dataset.drawn = '1';
    element.dataset.markers = String(placed);
    element.dataset.rect = [rect.left + window.scrollX, rect.top + window.scrollY, rect.width, rect.height].map(Math.round).join(',');
    totals.drawn += 1;
    totals.markers += placed;
    document.body.dataset.drawn = String(totals.drawn);
    document.body.dataset.markers = String(totals.markers);
  }

  const elements = [];
  const groups = {};
  data.symbols.forEach((symbol) => {
    groups[symbol.symbol] = [];
    symbol.charts.forEach((spec) => {
      const element = document.getElementById('chart-' + spec.id);
      if (element) elements.push([spec, element, groups[symbol.symbol]]);
    });
  });
  document.body.dataset.charts = String(elements.length);
  document.body.dataset.drawn = '0';
  document.body.dataset.markers = '0';
  const pending = new Map(elements.map(([spec, element, group]) => [element, [spec, group]]));
  const drawOne = (element) => {
    const entry = pending.get(element);
    if (!entry) return;
    pending.delete(element);
    draw(entry[0], element, entry[1]);
  };
  // The charts within reach of the first view are drawn at once; the rest as they scroll near.
  const reach = 600;
  for (const [, element] of elements) {
    const box = element.getBoundingClientRect();
    if (box.top < window.innerHeight + reach && box.bottom > -reach) drawOne(element);
  }
  if ('IntersectionObserver' in window) {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          drawOne(entry.target);
        }
      }
    }, { rootMargin: reach + 'px 0px' });
    for (const element of pending.keys()) observer.observe(element);
  } else {
    for (const [, element] of elements) drawOne(element);
  }
})();
