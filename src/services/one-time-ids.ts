/**
 * Remembers ids (service tokens' `jti`) until they expire, so a second use of one is refused.
 *
 * Bounded memory: entries go in insertion order, which is also expiry order closely enough (every
 * service token lives as long, SERVICE_TOKEN_TTL_SECONDS), so expired ones are dropped from the
 * front on each use; past `maxEntries` the oldest are forgotten early, and a replay of one of those
 * would pass until its token expires. (LruMap does not fit: it keeps the recently read, not the
 * unexpired, and never lets memory shrink back.)
 */
export class OneTimeIds {
  /** id → when it may be forgotten (epoch seconds). */
  private readonly until = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly nowSeconds = () => Math.floor(Date.now() / 1000),
  ) {
    if (!(maxEntries >= 1)) throw new RangeError('OneTimeIds holds at least one id');
  }

  get size(): number {
    return this.until.size;
  }

  /** true the first time `id` is seen; false when it was seen before and has not expired yet. */
  firstUse(id: string, forgetAt: number): boolean {
    const now = this.nowSeconds();
    for (const [old, at] of this.until) {
      if (at > now && this.until.size < this.maxEntries) break;
      this.until.delete(old);
    }
    if (this.until.has(id)) return false;
    this.until.set(id, forgetAt);
    return true;
  }
}
