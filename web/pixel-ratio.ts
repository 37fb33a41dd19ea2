/**
 * Caps the pixel ratio uPlot draws at. uPlot 1.6 has no option for it: it
 * reads the global `devicePixelRatio` when its module is evaluated (and on
 * dppx changes), so this must run before uPlot's module is evaluated:
 * web/startup.ts calls it and is main.tsx's first import. A DPR-2 TV otherwise
 * costs about four times the canvas work for no visible gain on a sparkline.
 * CSS layout and text are not affected (they use the real ratio).
 */
export function capPixelRatio(cap: number, win: Window & typeof globalThis = window): void {
  let owner: object | null = win;
  let desc: PropertyDescriptor | undefined;
  while (owner && !(desc = Object.getOwnPropertyDescriptor(owner, 'devicePixelRatio'))) owner = Object.getPrototypeOf(owner);
  const get = desc?.get;
  const fixed = typeof desc?.value === 'number' ? (desc.value as number) : 1;
  const read = get ? () => get.call(win) as number : () => fixed;
  Object.defineProperty(win, 'devicePixelRatio', { configurable: true, get: () => Math.min(read(), cap) });
}
