// The EJS view engine, without EJS's per-request costs. EJS's own `include()` looks the file up on
// disk (fs.existsSync) on every call, cached template or not, and copies every local into a new
// object for each partial; its templates read every name through `with (locals)`, which V8 cannot
// optimise. With 24 cards a page, that was most of the page's CPU. Here:
// - a template is compiled once per file (when the view cache is on), without `with`: the names it
//   uses are known when it is compiled and read from its locals once, at its start (EJS's
//   `destructuredLocals`);
// - an include's path is resolved once per (template, name);
// - a partial's locals hold just the names its template reads, looked up in what the include
//   passed, then in what its parents had (the scope EJS would have copied whole).
// The HTML is byte for byte what EJS renders (test/site/view-engine.test.ts compares every page).
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import ejs from 'ejs';

type Locals = Record<string, unknown>;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const SPECIAL = /[&<>'"]/;
const SPECIALS = /[&<>'"]/g;

/**
 * EJS's escaping, entity for entity, without its cost on clean text: most values on a page (ids,
 * prices, URLs, most titles) have nothing to escape, and a test is much cheaper than a replace
 * with a callback.
 */
export function escapeHtml(value: unknown): string {
  if (value === undefined || value === null) return '';
  // Templates print strings and numbers; anything else is printed as EJS would, through String().
  const text = typeof value === 'string' ? value : `${value as string | number}`;
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ENTITIES[c]!) : text;
}
type Callback = (err: Error | null, html?: string) => void;

interface Compiled {
  render: (locals: Locals) => string;
  /** The names the template reads, `include` excepted. */
  names: string[];
}

/** What a template can see: the locals passed to it, then its includer's scope. */
interface Scope {
  vars: Locals;
  parent: Scope | undefined;
}

// Names a template may use that are not locals: the language's words and the globals.
const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else export extends false finally for function if import in ' +
    'instanceof new null return super switch this throw true try typeof var void while with yield let static await async of ' +
    'undefined NaN Infinity arguments eval get set escapeFn rethrow __output __append __line __lines __filename __locals locals include').split(' '),
);
const GLOBALS = new Set(Object.getOwnPropertyNames(globalThis));

/**
 * The locals a template reads: every identifier in its code that is no property name, no keyword
 * or global, and not declared by the template itself. A name too many costs one lookup; a missing
 * one would read as undefined, which the page tests would show.
 */
export function templateLocals(text: string): string[] {
  const code = [...text.matchAll(/<%(?!#)[_=-]?([\s\S]*?)[_-]?%>/g)]
    .map((m) => m[1]!)
    .join('\n')
    .replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, "''");
  const declared = new Set<string>();
  for (const m of code.matchAll(/\b(?:const|let|var|function)\s+([A-Za-z_$][\w$]*)/g)) declared.add(m[1]!);
  for (const m of code.matchAll(/\b(?:const|let|var)\s*[{[]([^}\]]*)[}\]]/g)) {
    for (const name of m[1]!.matchAll(/[A-Za-z_$][\w$]*/g)) declared.add(name[0]);
  }
  for (const m of code.matchAll(/\(\s*([A-Za-z_$][\w$]*)\s*\)\s*=>|\b([A-Za-z_$][\w$]*)\s*=>/g)) declared.add((m[1] ?? m[2])!);
  const names = new Set<string>();
  // Not after a single "." (a property), but after "..." (a spread) it is a name.
  for (const m of code.matchAll(/(?<![\w$]|(?<!\.\.)\.)[A-Za-z_$][\w$]*/g)) {
    const name = m[0];
    if (!RESERVED.has(name) && !GLOBALS.has(name) && !declared.has(name)) names.add(name);
  }
  return [...names].sort();
}

export function ejsViewEngine() {
  const templates = new Map<string, Compiled>();
  const targets = new Map<string, Map<string, string>>();

  function template(file: string, cache: boolean): Compiled {
    const cached = cache ? templates.get(file) : undefined;
    if (cached) return cached;
    const text = readFileSync(file, 'utf8');
    const names = templateLocals(text);
    // compileDebug stays on: errors name the template line, and it wraps the code in a block, where
    // the destructured `include` (ours) may shadow the parameter of that name (EJS's own).
    // unsafePrototypeLocals: EJS takes the locals object as it is instead of copying it again. It
    // only ever reads the names listed, and each is an own property of the object made below, so
    // nothing is looked up on Object.prototype.
    const options: ejs.Options & { unsafePrototypeLocals: boolean } = {
      filename: file,
      compileDebug: true,
      _with: false,
      destructuredLocals: [...names, 'include'],
      unsafePrototypeLocals: true,
      escape: escapeHtml,
    };
    const compiled: Compiled = { render: ejs.compile(text, options) as Compiled['render'], names };
    if (cache) templates.set(file, compiled);
    return compiled;
  }

  /** EJS's resolution: relative to the including file, `.ejs` added when the name has no extension. */
  function target(from: string, name: string): string {
    let known = targets.get(from);
    if (!known) targets.set(from, (known = new Map<string, string>()));
    let path = known.get(name);
    if (path === undefined) {
      path = resolve(dirname(from), name);
      if (!extname(path)) path += '.ejs';
      known.set(name, path);
    }
    return path;
  }

  function run(file: string, scope: Scope, cache: boolean): string {
    const { render, names } = template(file, cache);
    const locals: Locals = {};
    for (const name of names) {
      let s = scope as Scope | undefined;
      while (s && !Object.hasOwn(s.vars, name)) s = s.parent;
      locals[name] = s?.vars[name];
    }
    locals.include = (name: string, data?: Locals) => run(target(file, name), data ? { vars: data, parent: scope } : scope, cache);
    return render(locals);
  }

  /** Express's engine signature. Express passes one merged copy of app, response and render locals. */
  return function renderFile(file: string, options: object, callback: Callback): void {
    const cache = (options as { cache?: boolean }).cache === true;
    let html: string;
    try {
      html = run(file, { vars: options as Locals, parent: undefined }, cache);
    } catch (err) {
      callback(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    callback(null, html);
  };
}
