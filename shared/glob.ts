/**
 * Globs for metric names, keys and sources (the page's `?metrics=`, the
 * dashboards file's `metric`, `source` and `hide`). Metric filters from the URL (`?metrics=host.cpu.*,!host.cpu.core*`):
 * a comma list of globs where `*` matches any run of characters (dots too)
 * and `?` one character. A pattern starting with `!` excludes. A name passes
 * when it matches at least one include (or there are none) and no exclude.
 */
export type Matcher = (name: string) => boolean;

/** `*` any run of characters (dots too), `?` one character, everything else literal. */
export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) {
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else src += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}

export function compileGlobs(patterns: readonly string[]): Matcher {
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const raw of patterns) {
    const p = raw.trim();
    if (!p || p === '!') continue;
    if (p.startsWith('!')) exclude.push(globToRegExp(p.slice(1)));
    else include.push(globToRegExp(p));
  }
  return (name) =>
    (include.length === 0 || include.some((r) => r.test(name))) && !exclude.some((r) => r.test(name));
}
