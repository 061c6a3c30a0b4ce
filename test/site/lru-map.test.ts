import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LruMap } from '../../src/lru-map.js';

describe('the bounded map behind the page starts and the rendered pages', () => {
  test('keeps at most its bound, dropping entries not read since they were last passed over', () => {
    const map = new LruMap<string, number>(3);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    assert.equal(map.get('a'), 1); // read: "a" gets a second chance
    map.set('d', 4);
    assert.equal(map.size, 3);
    assert.equal(map.get('b'), undefined, 'the oldest entry not read since goes first');
    assert.deepEqual(['a', 'c', 'd'].map((k) => map.get(k)), [1, 3, 4]);
  });

  test('setting a known key replaces its value without growing', () => {
    const map = new LruMap<string, number>(2);
    map.set('a', 1);
    map.set('a', 2);
    map.set('b', 3);
    assert.equal(map.size, 2);
    assert.equal(map.get('a'), 2);
  });

  test('when every entry was read, each loses its mark once and the oldest still goes', () => {
    const map = new LruMap<number, number>(3);
    for (const n of [1, 2, 3]) map.set(n, n);
    for (const n of [1, 2, 3]) map.get(n);
    map.set(4, 4);
    assert.equal(map.size, 3);
    assert.equal(map.get(1), undefined);
    assert.deepEqual([2, 3, 4].map((n) => map.get(n)), [2, 3, 4]);
  });
});
