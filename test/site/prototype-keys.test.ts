// A user's text that names a member of Object.prototype (`constructor`, `__proto__`, `toString`...)
// is only ever a string: the translation catalogs and the status labels look up their own keys only.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import { LANGUAGES } from '../../src/i18n/i18n.js';
import { ordersLocals } from '../../src/orders/orders.view.js';

const KEYS = Object.getOwnPropertyNames(Object.prototype);

describe('own keys only', () => {
  test('t() gives back any key of Object.prototype unchanged, in both languages', () => {
    for (const lang of ['es', 'en'] as const) {
      for (const key of KEYS) assert.equal(LANGUAGES[lang].t(key), key, `${lang}: ${key}`);
    }
    assert.equal(LANGUAGES.es.t('Paid'), 'Pagado', 'real texts still translate');
  });

  test('a status label for any key of Object.prototype is that key', () => {
    const res = { locals: { language: LANGUAGES.en } } as unknown as Response;
    ordersLocals({} as Request, res, () => undefined);
    const label = res.locals.statusLabel as (s: string) => string;
    for (const key of KEYS) assert.equal(label(key), key, key);
    assert.equal(label('pending_payment'), 'Awaiting payment');
  });
});
