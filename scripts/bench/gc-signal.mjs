// Preloaded by bench-fanout into every server it measures (node --expose-gc
// --import this): on SIGUSR2 the process collects its garbage twice, so the RSS
// read a moment later is what its live objects hold, not what garbage the
// last major GC has not yet reached. The same for every target; nothing of the
// servers' own code is changed.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
});
