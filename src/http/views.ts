// The EJS view engine, without EJS's per-include costs. EJS's own `include()` looks the file up
// on disk (fs.existsSync) on every call, cached template or not, and copies every local into a
// new object for each partial: with 24 cards a page that was a third of the page's CPU. Here a
// template is compiled once per file (when the view cache is on), an include's path is resolved
// once per (template, name), and a partial's locals are a new object whose prototype is its
// parent's, holding only what the include passes: O(1) instead of a copy of all the locals.
// The HTML is byte for byte what EJS renders: the same compiler, the same escaping.
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import ejs from 'ejs';

type Locals = Record<string, unknown>;
type Template = (locals: Locals) => string;
type Include = (this: Locals, name: string, data?: Locals) => string;
type Callback = (err: Error | null, html?: string) => void;

export interface ViewEngineOptions {
  /** Line numbers in template errors; off in production, where the bookkeeping costs time. */
  compileDebug: boolean;
}

export function ejsViewEngine({ compileDebug }: ViewEngineOptions) {
  const templates = new Map<string, Template>();
  const includers = new Map<string, Include>();

  function template(file: string, cache: boolean): Template {
    const cached = cache ? templates.get(file) : undefined;
    if (cached) return cached;
    // unsafePrototypeLocals: the locals passed in are used as they are (their prototype chain is
    // what makes a partial's locals cheap). Every chain ends in a null-prototype object made by
    // render() below, so Object.prototype (and any pollution of it) is never in scope.
    const options: ejs.Options & { unsafePrototypeLocals: boolean } = { filename: file, compileDebug, unsafePrototypeLocals: true };
    const compiled = ejs.compile(readFileSync(file, 'utf8'), options) as Template;
    if (cache) templates.set(file, compiled);
    return compiled;
  }

  /** The `include` a template in `file` sees: EJS's relative resolution, `.ejs` added when missing. */
  function includerFor(file: string, cache: boolean): Include {
    const known = cache ? includers.get(file) : undefined;
    if (known) return known;
    const paths = new Map<string, string>();
    // Called from inside the template's `with (locals)`, so `this` is the including template's locals.
    const include: Include = function (name, data) {
      let target = paths.get(name);
      if (target === undefined) {
        target = resolve(dirname(file), name);
        if (!extname(target)) target += '.ejs';
        paths.set(name, target);
      }
      const locals = Object.create(this) as Locals;
      if (data) Object.assign(locals, data);
      locals.include = includerFor(target, cache);
      return template(target, cache)(locals);
    };
    if (cache) includers.set(file, include);
    return include;
  }

  /** Express's engine signature. Express passes one merged copy of app, response and render locals. */
  return function render(file: string, options: object, callback: Callback): void {
    const cache = (options as { cache?: boolean }).cache === true;
    let html: string;
    try {
      const locals = Object.assign(Object.create(null) as Locals, options);
      locals.include = includerFor(file, cache);
      html = template(file, cache)(locals);
    } catch (err) {
      callback(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    callback(null, html);
  };
}
