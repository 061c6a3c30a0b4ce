// A strict check of Kubernetes objects: kubernetes-models validates types and required fields, but
// lets unknown or misspelled keys through (the API schemas allow them); this walks each object
// along the models' own TypeScript interfaces and names every key the API does not have.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

type Interfaces = Map<string, Map<string, string>>;

function* dts(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* dts(path);
    else if (name.endsWith('.d.ts')) yield path;
  }
}

export function loadInterfaces(roots: string[]): Interfaces {
  const out: Interfaces = new Map();
  for (const root of roots) {
    for (const file of dts(root)) {
      const text = readFileSync(file, 'utf8');
      const found = new Map<string, Map<string, string>>();
      for (const m of text.matchAll(/export interface (\w+)(?: extends [^{]+)? \{\n([\s\S]*?)\n\}/g)) {
        const props = new Map<string, string>();
        for (const p of m[2]!.matchAll(/^ {4}"([^"]+)"\??: (.*?);?$/gm)) props.set(p[1]!, p[2]!);
        found.set(m[1]!, props);
      }
      // Each interface is declared under a short name and referred to by its long alias
      // (`export type { IDeploymentSpec as IIoK8sApiAppsV1DeploymentSpec }`): keep both.
      const aliases = [...text.matchAll(/(\w+) as (I\w+)/g)].map((a) => [a[1]!, a[2]!] as const);
      const here = relative(root, dirname(file)); // e.g. autoscaling/v2: top-level kinds are looked up as autoscaling/v2/IHorizontalPodAutoscaler
      for (const [name, props] of found) {
        out.set(`${here}/${name}`, props);
        for (const key of [name, ...aliases.filter(([n]) => n === name).map(([, alias]) => alias)]) {
          if (!out.has(key) || props.size > out.get(key)!.size) out.set(key, props);
        }
      }
    }
  }
  return out;
}

/** Paths of keys that the interface (and the ones it refers to) does not declare. */
export function unknownKeys(interfaces: Interfaces, type: string, value: unknown, path = '', depth = Infinity): string[] {
  const props = interfaces.get(type);
  if (!props || depth <= 0 || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownKeys(interfaces, type, v, `${path}[${i}]`, depth));
  const found: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const t = props.get(key);
    if (t === undefined) {
      found.push(`${path}.${key}`);
      continue;
    }
    const ref = /^(?:Array<)?(I\w+)>?(?:\[\])?$/.exec(t)?.[1];
    if (ref) found.push(...unknownKeys(interfaces, ref, v, `${path}.${key}`, depth - 1));
  }
  return found;
}
