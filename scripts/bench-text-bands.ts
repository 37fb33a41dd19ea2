/**
 * bench-text-bands: what a page's text layer costs the browser by the shape of
 * its canvases, apart from Vigil (the question behind web/live-text.ts's bands).
 *
 *   npx tsx scripts/bench-text-bands.ts [--rounds 3] [--seconds 20]
 *
 * A 1920x1080 headless Chromium page (/usr/bin/chromium) of 50 canvases of
 * 229x42 px, each a 60-point line stroked again every second (as the bare-uPlot
 * floor of bench-page draws), and 100 strings a second (a value and a figure a
 * tile, fonts set by kind, each cleared and drawn) into text canvases laid out
 * as the bench's kiosk: `none` (no text), `full` (one canvas over the grid),
 * `bands` (one per row of values and one per row of footers) or `tiles` (one
 * per tile). Prints main-thread busy (CDP TaskDuration) in ms per second for
 * each, rounds alternating, and the medians.
 */
import { parseArgs } from 'node:util';
import { launchBrowser } from '../tests/helpers/browser.js';
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '20' }, modes: { type: 'string', default: 'none,full,bands,tiles' } } });
const b = await launchBrowser('/usr/bin/chromium', { viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 });
const html = `<!doctype html><html><body style="margin:0;background:#111"><div id=g style="position:relative;width:1920px;height:1015px;margin-top:65px"></div></body></html>`;
const setup = (mode: string) => `(() => {
  const g = document.getElementById('g'); g.innerHTML = '';
  const cols = 8, rows = 7, tw = 239, th = 145;
  const sparks = [];
  for (let i = 0; i < 50; i++) { const c = document.createElement('canvas'); c.width = 229; c.height = 42; c.style.cssText = 'position:absolute;left:' + ((i % cols) * tw + 5) + 'px;top:' + (Math.floor(i / cols) * th + 70) + 'px'; g.appendChild(c); sparks.push(c.getContext('2d')); }
  const layers = []; // {ctx, ox, oy}
  const mk = (x, y, w, h) => { const c = document.createElement('canvas'); c.width = w; c.height = h; c.style.cssText = 'position:absolute;left:' + x + 'px;top:' + y + 'px;pointer-events:none'; g.appendChild(c); const o = { ctx: c.getContext('2d'), x, y, w, h }; layers.push(o); return o; };
  const mode = '${mode}';
  if (mode === 'full') mk(0, 0, 1920, 1015);
  else if (mode === 'bands') for (let r = 0; r < rows; r++) { mk(0, r * th + 10, 1920, 60); mk(0, r * th + 113, 1920, 18); }
  else if (mode === 'tiles') for (let i = 0; i < 50; i++) mk((i % cols) * tw + 16, Math.floor(i / cols) * th + 10, 197, 121);
  const find = (x, y) => layers.find((l) => x >= l.x && x < l.x + l.w && y >= l.y && y < l.y + l.h);
  for (const l of layers) { l.ctx.font = '700 30px DejaVu Sans'; l.ctx.fillStyle = '#eee'; }
  let k = 0;
  const frame = () => {
    k++;
    for (let i = 0; i < 50; i++) {
      const s = sparks[i]; s.clearRect(0, 0, 229, 42); s.strokeStyle = '#4cc9f0'; s.lineWidth = 2; s.beginPath();
      for (let j = 0; j < 60; j++) s.lineTo(j * 229 / 59, 21 + 15 * Math.sin((j + k + i) / 7)); s.stroke();
    }
    if (mode === 'none') return;
    // As the page's flush: by kind (values, then figures), the font set when it differs, a clear and a fill per string.
    for (const [dy, font, text] of [[62, '700 30px DejaVu Sans', (i) => (50 + 30 * Math.sin(k + i)).toFixed(1)], [127, '11px DejaVu Sans', (i) => 'avg ' + ((k % 97) + i).toFixed(2)]]) {
      for (let i = 0; i < 50; i++) {
        const x = (i % cols) * tw + 16 + (dy > 100 ? 80 : 0), y = Math.floor(i / cols) * th + dy;
        const l = find(x, y - 5); if (!l) continue; const c = l.ctx;
        if (l.font !== font) (c.font = font), (l.font = font);
        c.clearRect(x - l.x - 2, y - l.y - (dy > 100 ? 12 : 30), 120, dy > 100 ? 16 : 36); c.fillText(text(i), x - l.x, y - l.y);
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
const modes = args.modes.split(',');
const res: Record<string, number[]> = {};
for (let r = 0; r < Number(args.rounds); r++) for (const m of modes) {
  await page.evaluate(setup(m)); await page.waitForTimeout(3000);
  const t0 = await busy(); const w0 = Date.now(); await page.waitForTimeout(Number(args.seconds) * 1000); const t1 = await busy();
  (res[m] ??= []).push((1000 * (t1 - t0)) / ((Date.now() - w0) / 1000));
  console.log(m, 'round', r, ((1000 * (t1 - t0)) / ((Date.now() - w0) / 1000)).toFixed(2), 'ms/s');
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`bench-text-bands ${new Date().toISOString()}: busy ms/s, ${args.rounds} rounds of ${args.seconds} s`);
console.log('layer   median  rounds  over none');
for (const m of modes) console.log(`${m.padEnd(6)} ${med(res[m]).toFixed(2).padStart(7)}  ${res[m].map((x) => x.toFixed(2)).join(' ')}  ${res.none ? (med(res[m]) - med(res.none)).toFixed(2) : '-'}`);
await b.close(); process.exit(0);
