/**
 * A Map bounded to `maxEntries` that lets the least recently used entries go first, by "second
 * chance": reading an entry only marks it used, and past the bound the oldest entries are looked
 * at in order, an unused one dropped and a used one kept (moved to the end, its mark cleared).
 *
 * Reading does not move the entry (a delete and a set on every hit): a long-lived Map rebuilt on
 * every request kept each request's values reachable from the old generation, so V8 promoted them
 * and the heap grew by megabytes a second under load (BENCHMARKS.md, memory).
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, { value: V; used: boolean }>();

  constructor(private readonly maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError('an LruMap holds at least one entry');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(key: K, value: V): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.value = value;
      entry.used = true;
      return;
    }
    this.entries.set(key, { value, used: false });
    // One pass at most: it clears every mark it meets (and passes over the entry just added), so
    // the next unmarked entry is dropped.
    while (this.entries.size > this.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      if (entry.used || oldest === key) {
        entry.used = false;
        this.entries.set(oldest, entry);
      }
    }
  }
}
