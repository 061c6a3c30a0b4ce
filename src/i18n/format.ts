// Message templates: "{name}" placeholders filled from params. English templates are the catalog keys.
export type Params = Record<string, string | number>;

// A template split once into [text, name, text, name, …, text]: a page fills the same few dozen
// templates for every card, and a regex replace with a callback per call was a tenth of its render.
// The templates are the catalog's and the code's own, so the cache stays small; it is bounded anyway,
// should a caller ever pass text of its own.
const MAX_CACHED = 2000;
const split = new Map<string, string[]>();

function partsOf(template: string): string[] {
  let parts = split.get(template);
  if (!parts) {
    parts = template.split(/\{(\w+)\}/);
    if (split.size < MAX_CACHED) split.set(template, parts);
  }
  return parts;
}

export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  const parts = partsOf(template);
  if (parts.length === 1) return template;
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    out += (Object.hasOwn(params, name) ? String(params[name]) : `{${name}}`) + parts[i + 1]!;
  }
  return out;
}

/**
 * A formatter of whole numbers (cents, counts) that remembers its answers: Intl's format costs
 * microseconds a call and a catalog page asks for the same few prices again and again. Bounded: the
 * memory is cleared when it holds MAX_CACHED answers.
 */
export function remembered(format: (n: number) => string): (n: number) => string {
  const answers = new Map<number, string>();
  return (n) => {
    let s = answers.get(n);
    if (s === undefined) {
      s = format(n);
      if (answers.size >= MAX_CACHED) answers.clear();
      answers.set(n, s);
    }
    return s;
  };
}
