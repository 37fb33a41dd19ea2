/**
 * bench-text-bands: what a page's text layer costs the browser by the shape of
 * its canvases, apart from Vigil (the question behind web/live-text.ts's bands).
 *
 *   npx tsx scripts/bench-text-bands.ts [--rounds 3] [--seconds 20] [--modes a,b,…] [--gc]
 *
 * A 1920x1080 headless Chromium page (/usr/bin/chromium) of 50 canvases of
 * 229x42 px, each a 60-point line stroked again every second (as the bare-uPlot
 * floor of bench-page draws), and 100 strings a second (a value and a figure a
 * tile, fonts set by kind, each cleared and drawn) into text canvases laid out
 * as the bench's kiosk: `none` (no text), `full` (one canvas over the grid),
 * `bands` (one per row of values and one per row of footers) or `tiles` (one
 * per tile). Prints main-thread busy (CDP TaskDuration) in ms per second for
 * each, rounds alternating, and the medians.
 *
 * Other shapes, tried and kept so they can be tried again (`--modes a,b,…`):
 *   `rows`      one canvas per row of tiles, values to footers (7, not 14);
 *   `rows2`     one per two rows of tiles;
 *   `tight`     the bands cut to the digits' height (fewer pixels);
 *   `merged`    no text canvas: each sparkline's canvas covers its tile's
 *               rows and gets the tile's text from an OffscreenCanvas kept
 *               per tile (drawImage every frame);
 *   `mergedfill` the same, every string drawn again every frame (the
 *               sparkline's clear wipes them);
 *   `worker`    the bands handed to a Worker (transferControlToOffscreen),
 *               the main thread posting the strings;
 *   `atlas`     the bands, each string drawn glyph by glyph (drawImage)
 *               from an ImageBitmap of its font's characters;
 *   `mergedkeep` each sparkline's canvas covers its tile's rows, a frame
 *               clears only the plot's rows and draws the changed strings
 *               in place (text with no canvas of its own, drawn once);
 *   `bandsrect` the bands with a fillRect where each string was (no text);
 *   `bandsfont1` the bands in one font (no ctx.font switch);
 *   `bandschars` the bands, each string drawn a character at a time;
 *   `touch`     the bands' canvases, one pixel of each cleared a frame and
 *               no string drawn: what a text canvas costs for being changed;
 *   `one`       no canvas per sparkline: one canvas over the grid, each plot's
 *               rect cleared and stroked, then the changed strings cleared
 *               and drawn (`onenotext`: the plots alone; `onefull`: the whole
 *               canvas cleared and every string drawn each frame);
 *   `onecopy`   as `one`, each plot stroked in a canvas in no document (a
 *               uPlot made without a target) and copied in with drawImage;
 *   `sparkone`  the bands for the text, the plots in one canvas cleared whole;
 *   `<mode>-wrf` any of them with every canvas's context made with
 *               willReadFrequently (software, never composited as a texture);
 *   `<mode>-desync` any of them with `desynchronized: true` contexts (the
 *               low-latency canvas, drawn past the compositor where it can).
 *               2026-12-05: `bands-desync` 4.83 ms/s against `bands` 6.78 and
 *               `none` 4.91 (3 rounds of 20 s); on the real page the main
 *               thread did not gain and the GPU process's VizCompositorThread
 *               doubled (docs/page.md): this busy figure is the main thread's
 *               alone, so a shape that moves work elsewhere reads as free.
 * 2026-12-05, later (5 rounds of 20 s, medians): none 5.00, bands 6.73, one 5.91,
 * rows 7.03 ms/s; in another run onecopy 7.1-7.3 against one 5.6-5.9: one
 * canvas for plots and text costs about half of what the bands add over the
 * plots' own canvases, and a plot drawn elsewhere and copied in costs what that
 * saves. The kiosk now paints its live plots into the text layer (docs/page.md).
 * What they came to on 2026-12-04 (docs/page.md, "Where the time goes"): none
 * under `bands` by more than the noise, `worker` included (8.33 against
 * 7.82 ms/s, medians of 3 rounds of 15 s whose ranges overlap). On
 * 2026-12-05: `atlas` 9.52 against `bands` 6.20 (3 rounds of 15 s), a
 * drawImage a glyph costing more than a fillText a string; `mergedkeep` 7.17
 * against 6.62 (4 rounds); `touch` 0.74 ms/s over `none`, `bands` 1.68: about
 * half of what the text costs is its canvases being changed at all.
 */
import { parseArgs } from 'node:util';
import { launchBrowser } from '../tests/helpers/browser.js';
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '20' }, modes: { type: 'string', default: 'none,full,bands,tiles' }, gc: { type: 'boolean', default: false } } });
const b = await launchBrowser('/usr/bin/chromium', { viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
const html = `<!doctype html><html><body style="margin:0;background:#111"><div id=g style="position:relative;width:1920px;height:1015px;margin-top:65px"></div></body></html>`;
const setup = (mode: string) => `(() => {
  const g = document.getElementById('g'); g.innerHTML = '';
  const cols = 8, rows = 7, tw = 239, th = 145;
  const sparks = [];
  const opts = '${mode}'.endsWith('-wrf') ? { willReadFrequently: true } : '${mode}'.endsWith('-desync') ? { desynchronized: true } : {};
  for (let i = 0; i < 50; i++) { const c = document.createElement('canvas'); c.width = 229; c.height = 42; c.style.cssText = 'position:absolute;left:' + ((i % cols) * tw + 5) + 'px;top:' + (Math.floor(i / cols) * th + 70) + 'px'; g.appendChild(c); sparks.push(c.getContext('2d', opts)); }
  // Every sparkline stroked again (a 60-point line, as the floor's uPlot draws one), frame k.
  let one = null;
  if ('${mode}' === 'sparkone') { for (const x of sparks) x.canvas.remove(); const c = document.createElement('canvas'); c.width = 1920; c.height = 1015; c.style.cssText = 'position:absolute;left:0;top:0'; g.appendChild(c); one = c.getContext('2d'); }
  const drawSparks = (k) => {
    if (one) { one.clearRect(0, 0, 1920, 1015); one.strokeStyle = '#4cc9f0'; one.lineWidth = 2; for (let i = 0; i < 50; i++) { const ox = (i % cols) * tw + 5, oy = Math.floor(i / cols) * th + 70; one.beginPath(); for (let j = 0; j < 60; j++) one.lineTo(ox + j * 229 / 59, oy + 21 + 15 * Math.sin((j + k + i) / 7)); one.stroke(); } return; }
    for (let i = 0; i < 50; i++) {
      const s = sparks[i]; s.clearRect(0, 0, 229, 42); s.strokeStyle = '#4cc9f0'; s.lineWidth = 2; s.beginPath();
      for (let j = 0; j < 60; j++) s.lineTo(j * 229 / 59, 21 + 15 * Math.sin((j + k + i) / 7)); s.stroke();
    }
  };
  const layers = []; // {ctx, ox, oy}
  const mk = (x, y, w, h) => { const c = document.createElement('canvas'); c.width = w; c.height = h; c.style.cssText = 'position:absolute;left:' + x + 'px;top:' + y + 'px;pointer-events:none'; g.appendChild(c); const o = { ctx: c.getContext('2d', opts), x, y, w, h }; layers.push(o); return o; };
  const mode = '${mode}'.replace(/-(wrf|desync)$/, '');
  if (mode === 'full') mk(0, 0, 1920, 1015);
  else if (mode === 'bands' || mode === 'sparkone') for (let r = 0; r < rows; r++) { mk(0, r * th + 10, 1920, 60); mk(0, r * th + 113, 1920, 18); }
  else if (mode === 'bandsrect' || mode === 'bandsfont1' || mode === 'bandschars') for (let r = 0; r < rows; r++) { mk(0, r * th + 10, 1920, 60); mk(0, r * th + 113, 1920, 18); }
  else if (mode === 'touch') for (let r = 0; r < rows; r++) { mk(0, r * th + 10, 1920, 60); mk(0, r * th + 113, 1920, 18); }
  else if (mode === 'rows') for (let r = 0; r < rows; r++) mk(0, r * th + 10, 1920, 121);
  else if (mode === 'rows2') for (let r = 0; r < rows; r += 2) mk(0, r * th + 10, 1920, Math.min(2, rows - r) * th - 24);
  else if (mode === 'tight') for (let r = 0; r < rows; r++) { mk(0, r * th + 30, 1920, 36); mk(0, r * th + 115, 1920, 14); }
  else if (mode === 'tiles') for (let i = 0; i < 50; i++) mk((i % cols) * tw + 16, Math.floor(i / cols) * th + 10, 197, 121);
  if (mode === 'one' || mode === 'onenotext' || mode === 'onefull' || mode === 'onecopy') {
    // One canvas over the grid for everything: a frame clears and strokes each plot's rect, then clears and draws each changed string.
    g.innerHTML = '';
    const c = document.createElement('canvas'); c.width = 1920; c.height = 1015; c.style.cssText = 'position:absolute;left:0;top:0'; g.appendChild(c);
    const s = c.getContext('2d', opts); s.fillStyle = '#eee';
    // onecopy: each sparkline drawn in a canvas of its own that is in no document (as a uPlot made without a target), then copied in.
    const off = []; for (let i = 0; i < 50; i++) { const o = document.createElement('canvas'); o.width = 229; o.height = 42; off.push(o.getContext('2d')); }
    let k = 0, font = '';
    const frame = () => {
      k++;
      s.strokeStyle = '#4cc9f0'; s.lineWidth = 2;
      if (mode === 'onefull') s.clearRect(0, 0, 1920, 1015);
      for (let i = 0; i < 50; i++) {
        const ox = (i % cols) * tw + 5, oy = Math.floor(i / cols) * th + 70;
        if (mode !== 'onefull') s.clearRect(ox, oy, 229, 42);
        if (mode === 'onecopy') { const o = off[i]; o.clearRect(0, 0, 229, 42); o.strokeStyle = '#4cc9f0'; o.lineWidth = 2; o.beginPath(); for (let j = 0; j < 60; j++) o.lineTo(j * 229 / 59, 21 + 15 * Math.sin((j + k + i) / 7)); o.stroke(); s.drawImage(o.canvas, ox, oy); continue; }
        s.beginPath();
        for (let j = 0; j < 60; j++) s.lineTo(ox + j * 229 / 59, oy + 21 + 15 * Math.sin((j + k + i) / 7)); s.stroke();
      }
      if (mode === 'onenotext') return;
      if (mode === 'onefull') {
        for (const [dy, f, n] of [[62, '700 30px DejaVu Sans', 2], [127, '11px DejaVu Sans', 4]]) {
          s.font = f;
          for (let i = 0; i < 50; i++) for (let q = 0; q < n; q++) s.fillText(q ? 'avg ' + ((k % 97) + i + q).toFixed(2) : (50 + 30 * Math.sin(k + i)).toFixed(1), (i % cols) * tw + 16 + q * 50, Math.floor(i / cols) * th + dy);
        }
        return;
      }
      for (const [dy, f, text] of [[62, '700 30px DejaVu Sans', (i) => (50 + 30 * Math.sin(k + i)).toFixed(1)], [127, '11px DejaVu Sans', (i) => 'avg ' + ((k % 97) + i).toFixed(2)]]) {
        if (font !== f) (s.font = f), (font = f);
        for (let i = 0; i < 50; i++) {
          const x = (i % cols) * tw + 16 + (dy > 100 ? 80 : 0), y = Math.floor(i / cols) * th + dy;
          s.clearRect(x - 2, y - (dy > 100 ? 12 : 30), 120, dy > 100 ? 16 : 36); s.fillText(text(i), x, y);
        }
      }
    };
    window.tick = () => requestAnimationFrame(frame);
    clearInterval(window.iv); window.iv = setInterval(window.tick, 1000);
    return;
  }
  if (mode === 'merged' || mode === 'mergedfill') {
    // The sparkline's canvas covers the tile's live rows; the text is a per-tile offscreen bitmap (merged) or drawn anew (mergedfill).
    g.innerHTML = '';
    sparks.length = 0;
    const caches = [];
    for (let i = 0; i < 50; i++) { const c = document.createElement('canvas'); c.width = 229; c.height = 121; c.style.cssText = 'position:absolute;left:' + ((i % cols) * tw + 5) + 'px;top:' + (Math.floor(i / cols) * th + 10) + 'px'; g.appendChild(c); const ctx = c.getContext('2d'); sparks.push(ctx);
      const oc = new OffscreenCanvas(229, 121); const o = oc.getContext('2d'); o.fillStyle = '#eee'; caches.push({ oc, o }); }
    let k = 0;
    const val = (i) => (50 + 30 * Math.sin(k + i)).toFixed(1), fig = (i) => 'avg ' + ((k % 97) + i).toFixed(2);
    const frame = () => {
      k++;
      for (let i = 0; i < 50; i++) {
        const s = sparks[i]; s.clearRect(0, 0, 229, 121);
        if (mode === 'merged') { const { oc, o } = caches[i];
          o.font = '700 30px DejaVu Sans'; o.clearRect(9, 22, 120, 36); o.fillText(val(i), 11, 52);
          o.font = '11px DejaVu Sans'; o.clearRect(89, 105, 120, 16); o.fillText(fig(i), 91, 117);
          s.drawImage(oc, 0, 0);
        } else { s.fillStyle = '#eee'; s.font = '700 30px DejaVu Sans'; s.fillText(val(i), 11, 52); s.font = '11px DejaVu Sans';
          for (let f = 0; f < 5; f++) s.fillText(fig(i + f), 10 + f * 40, 117); s.fillText('now', 190, 52); }
        s.strokeStyle = '#4cc9f0'; s.lineWidth = 2; s.beginPath();
        for (let j = 0; j < 60; j++) s.lineTo(j * 229 / 59, 81 + 15 * Math.sin((j + k + i) / 7)); s.stroke();
      }
    };
    window.tick = () => requestAnimationFrame(frame);
    clearInterval(window.iv); window.iv = setInterval(window.tick, 1000);
    return;
  }
  if (mode === 'mergedkeep') {
    // Each sparkline's canvas covers its tile's live rows: a frame clears and strokes only the plot's rows, and clears and draws the strings that changed in place.
    g.innerHTML = '';
    sparks.length = 0;
    for (let i = 0; i < 50; i++) { const c = document.createElement('canvas'); c.width = 229; c.height = 121; c.style.cssText = 'position:absolute;left:' + ((i % cols) * tw + 5) + 'px;top:' + (Math.floor(i / cols) * th + 10) + 'px'; g.appendChild(c); const ctx = c.getContext('2d'); ctx.fillStyle = '#eee'; sparks.push(ctx); }
    let k = 0;
    const frame = () => {
      k++;
      for (let i = 0; i < 50; i++) {
        const s = sparks[i]; s.clearRect(0, 60, 229, 42);
        s.strokeStyle = '#4cc9f0'; s.lineWidth = 2; s.beginPath();
        for (let j = 0; j < 60; j++) s.lineTo(j * 229 / 59, 81 + 15 * Math.sin((j + k + i) / 7)); s.stroke();
      }
      for (const [dy, font, text] of [[52, '700 30px DejaVu Sans', (i) => (50 + 30 * Math.sin(k + i)).toFixed(1)], [117, '11px DejaVu Sans', (i) => 'avg ' + ((k % 97) + i).toFixed(2)]]) {
        for (let i = 0; i < 50; i++) { const c = sparks[i]; c.font = font; c.clearRect(9 + (dy > 100 ? 80 : 0), dy - (dy > 100 ? 12 : 30), 120, dy > 100 ? 16 : 36); c.fillText(text(i), 11 + (dy > 100 ? 80 : 0), dy); }
      }
    };
    window.tick = () => requestAnimationFrame(frame);
    clearInterval(window.iv); window.iv = setInterval(window.tick, 1000);
    return;
  }
  if (mode === 'worker') {
    // The bands' canvases handed to a worker (transferControlToOffscreen): the main thread posts the strings.
    const src = 'let L; onmessage = (e) => { if (e.data.bands) { L = e.data.bands.map((b) => ({ ...b, ctx: b.c.getContext("2d") })); return; } for (const [b, font, x, y, cx, cy, cw, ch, text] of e.data.ops) { const l = L[b], c = l.ctx; if (l.font !== font) (c.font = font), (l.font = font), (c.fillStyle = "#eee"); c.clearRect(cx, cy, cw, ch); c.fillText(text, x, y); } };';
    window.w?.terminate(); const w = (window.w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' }))));
    const bands = [];
    for (let r = 0; r < rows; r++) for (const [y, h] of [[r * th + 10, 60], [r * th + 113, 18]]) { const c = document.createElement('canvas'); c.width = 1920; c.height = h; c.style.cssText = 'position:absolute;left:0;top:' + y + 'px;pointer-events:none'; g.appendChild(c); bands.push({ c: c.transferControlToOffscreen(), y, h }); }
    w.postMessage({ bands: bands.map((b) => ({ c: b.c, y: b.y, h: b.h })) }, bands.map((b) => b.c));
    let k = 0;
    const frame = () => {
      k++;
      drawSparks(k);
      const ops = [];
      for (const [dy, font, text] of [[62, '700 30px DejaVu Sans', (i) => (50 + 30 * Math.sin(k + i)).toFixed(1)], [127, '11px DejaVu Sans', (i) => 'avg ' + ((k % 97) + i).toFixed(2)]]) {
        for (let i = 0; i < 50; i++) {
          const x = (i % cols) * tw + 16 + (dy > 100 ? 80 : 0), y = Math.floor(i / cols) * th + dy;
          const r = Math.floor(i / cols), b = 2 * r + (dy > 100 ? 1 : 0), by = bands[b].y;
          ops.push([b, font, x, y - by, x - 2, y - by - (dy > 100 ? 12 : 30), 120, dy > 100 ? 16 : 36, text(i)]);
        }
      }
      w.postMessage({ ops });
    };
    window.tick = () => requestAnimationFrame(frame);
    clearInterval(window.iv); window.iv = setInterval(window.tick, 1000);
    return;
  }
  const findL = (x, y) => layers.find((l) => x >= l.x && x < l.x + l.w && y >= l.y && y < l.y + l.h);
  if (mode === 'atlas') return (async () => {
    // The bands, each string drawn glyph by glyph from an ImageBitmap of its font's characters (drawn once with fillText).
    for (let r = 0; r < rows; r++) { mk(0, r * th + 10, 1920, 60); mk(0, r * th + 113, 1920, 18); }
    const atlas = async (font, h, base) => {
      const chars = '0123456789.-avg ', c = new OffscreenCanvas(64 * chars.length, h), o = c.getContext('2d');
      o.font = font; o.fillStyle = '#eee'; const w = {}, x = {};
      for (let i = 0; i < chars.length; i++) { o.fillText(chars[i], i * 64, base); w[chars[i]] = o.measureText(chars[i]).width; x[chars[i]] = i * 64; }
      return { bmp: await createImageBitmap(c), w, x, h, base };
    };
    const A = { big: await atlas('700 30px DejaVu Sans', 36, 30), small: await atlas('11px DejaVu Sans', 16, 12) };
    let k = 0;
    window.tick = () => requestAnimationFrame(() => {
      k++;
      drawSparks(k);
      for (const [dy, a, text] of [[62, A.big, (i) => (50 + 30 * Math.sin(k + i)).toFixed(1)], [127, A.small, (i) => 'avg ' + ((k % 97) + i).toFixed(2)]]) {
        for (let i = 0; i < 50; i++) {
          const x = (i % cols) * tw + 16 + (dy > 100 ? 80 : 0), y = Math.floor(i / cols) * th + dy;
          const l = findL(x, y - 5); if (!l) continue; const c = l.ctx;
          c.clearRect(x - l.x - 2, y - l.y - (dy > 100 ? 12 : 30), 120, dy > 100 ? 16 : 36);
          const s = text(i); let px = Math.round(x - l.x); const top = y - l.y - a.base;
          for (let j = 0; j < s.length; j++) { const ch = s[j], cw = Math.ceil(a.w[ch]); c.drawImage(a.bmp, a.x[ch], 0, cw + 1, a.h, px, top, cw + 1, a.h); px += a.w[ch]; }
        }
      }
    });
    clearInterval(window.iv); window.iv = setInterval(window.tick, 1000);
  })();
  const find = (x, y) => layers.find((l) => x >= l.x && x < l.x + l.w && y >= l.y && y < l.y + l.h);
  for (const l of layers) { l.ctx.font = '700 30px DejaVu Sans'; l.ctx.fillStyle = '#eee'; }
  let k = 0;
  const frame = () => {
    k++;
    drawSparks(k);
    if (mode === 'none') return;
    if (mode === 'touch') { for (const l of layers) l.ctx.clearRect(0, 0, 1, 1); return; }
    // As the page's flush: by kind (values, then figures), the font set when it differs, a clear and a fill per string.
    for (const [dy, font, text] of [[62, '700 30px DejaVu Sans', (i) => (50 + 30 * Math.sin(k + i)).toFixed(1)], [127, '11px DejaVu Sans', (i) => 'avg ' + ((k % 97) + i).toFixed(2)]]) {
      for (let i = 0; i < 50; i++) {
        const x = (i % cols) * tw + 16 + (dy > 100 ? 80 : 0), y = Math.floor(i / cols) * th + dy;
        const l = find(x, y - 5); if (!l) continue; const c = l.ctx;
        if (mode !== 'bandsfont1' && l.font !== font) (c.font = font), (l.font = font);
        c.clearRect(x - l.x - 2, y - l.y - (dy > 100 ? 12 : 30), 120, dy > 100 ? 16 : 36);
        if (mode === 'bandsrect') c.fillRect(x - l.x, y - l.y - 20, text(i).length * 12, 20);
        else if (mode === 'bandschars') { const t = text(i); let px = x - l.x; const wk = ((window.W ??= {})[font] ??= {}); for (let j = 0; j < t.length; j++) { const ch = t[j]; const w = (wk[ch] ??= c.measureText(ch).width); c.fillText(ch, px, y - l.y); px += w; } }
        else c.fillText(text(i), x - l.x, y - l.y);
      }
    }
  };
  window.tick = () => requestAnimationFrame(frame);
  clearInterval(window.iv); window.iv = setInterval(window.tick, 1000);
})()`;
const page = await b.context.newPage();
await page.setContent(html);
const cdp = await b.context.newCDPSession(page);
await cdp.send('Performance.enable');
const busy = async () => { const { metrics } = await cdp.send('Performance.getMetrics'); return metrics.find((m) => m.name === 'TaskDuration')!.value; };
/**
 * --gc: traces the round and reports its major GCs with V8's reason and the
 * global (V8 + embedder) consumed size before and after each.
 */
async function traceGc(): Promise<() => Promise<string>> {
  const evs: Array<{ name: string; args?: { value?: unknown } }> = [];
  const onData = (e: { value: typeof evs }) => void evs.push(...e.value);
  cdp.on('Tracing.dataCollected', onData as never);
  const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { recordMode: 'recordContinuously', includedCategories: ['v8', 'disabled-by-default-v8.gc'] } } as never);
  return async () => {
    await cdp.send('Tracing.end');
    await done;
    cdp.off('Tracing.dataCollected', onData as never);
    const reasons = evs.filter((e) => e.name === 'V8.GCIncrementalMarkingStart').map((e) => (e.args?.value as { reason?: string; gc_reason?: string }).reason ?? (e.args?.value as { gc_reason?: string }).gc_reason);
    type Nvp = { gc: string; start_global_consumed_size: number; end_global_consumed_size: number };
    const mc = evs.filter((e) => e.name === 'V8.GCTraceGCNVP').map((e) => JSON.parse(String(e.args?.value)) as Nvp).filter((v) => v.gc === 'mc');
    return `major GCs ${mc.length} (${reasons.join('; ') || '-'}); global MB ${mc.map((v) => `${(v.start_global_consumed_size / 1e6).toFixed(1)}->${(v.end_global_consumed_size / 1e6).toFixed(1)}`).join(' ') || '-'}`;
  };
}
const modes = args.modes.split(',');
const res: Record<string, number[]> = {};
for (let r = 0; r < Number(args.rounds); r++) for (const m of modes) {
  await page.evaluate(setup(m)); await page.waitForTimeout(3000);
  const gc = args.gc ? await traceGc() : null;
  const t0 = await busy(); const w0 = Date.now(); await page.waitForTimeout(Number(args.seconds) * 1000); const t1 = await busy();
  if (gc) console.log(m, 'round', r, await gc());
  (res[m] ??= []).push((1000 * (t1 - t0)) / ((Date.now() - w0) / 1000));
  console.log(m, 'round', r, ((1000 * (t1 - t0)) / ((Date.now() - w0) / 1000)).toFixed(2), 'ms/s');
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`bench-text-bands ${new Date().toISOString()}: busy ms/s, ${args.rounds} rounds of ${args.seconds} s`);
console.log('layer   median  rounds  over none');
for (const m of modes) console.log(`${m.padEnd(6)} ${med(res[m]).toFixed(2).padStart(7)}  ${res[m].map((x) => x.toFixed(2)).join(' ')}  ${res.none ? (med(res[m]) - med(res.none)).toFixed(2) : '-'}`);
await b.close(); process.exit(0);
