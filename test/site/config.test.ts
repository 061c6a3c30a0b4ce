import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

const production = { NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32), JWT_SECRET: 'j'.repeat(32) };

describe('configuration', () => {
  test('defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.env, 'development');
    assert.equal(config.databaseUrl, 'mysql://root@127.0.0.1:3306/bookstore');
    assert.equal(config.trustProxy, false);
    assert.equal(config.host, null, 'every interface unless HOST names one');
    assert.equal(config.migrateOnStart, false);
    assert.equal(config.purchaseTtlMinutes, 30);
    assert.equal(config.loginAccountMaxFailures, 100, 'at most 100 failed logins an hour per account (ASVS 2.2.1)');
    assert.equal(config.loginAccountWindowSeconds, 3600);
    assert.ok(config.sessionSecret.length >= 32, 'a random secret outside production');
  });

  test('parses every documented variable', () => {
    const config = loadConfig({ ...production, PORT: '8080', DATABASE_URL: 'mysql://app:pw@db:3306/shop', UPLOAD_DIR: '/data/uploads', TRUST_PROXY: '1', MIGRATE_ON_START: 'true' });
    assert.equal(config.port, 8080);
    assert.equal(config.isProduction, true);
    assert.equal(config.databaseUrl, 'mysql://app:pw@db:3306/shop');
    assert.equal(config.uploadDir, '/data/uploads');
    assert.equal(config.trustProxy, 1);
    assert.equal(config.migrateOnStart, true);
    assert.equal(loadConfig({ HOST: '127.0.0.1' }).host, '127.0.0.1');
    assert.equal(loadConfig({ HOST: '::' }).host, '::');
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy, ['loopback', '10.0.0.0/8']);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['missing SESSION_SECRET in production', { ...production, SESSION_SECRET: '' }, /^Invalid configuration: SESSION_SECRET is required in production/],
    ['short SESSION_SECRET', { SESSION_SECRET: 'short' }, /^Invalid configuration: SESSION_SECRET must be at least 32 characters$/],
    ['missing JWT_SECRET in production', { ...production, JWT_SECRET: '' }, /^Invalid configuration: JWT_SECRET /],
    ['PORT not a number', { PORT: 'eighty' }, /^Invalid configuration: PORT /],
    ['PORT out of range', { PORT: '70000' }, /^Invalid configuration: PORT /],
    ['DATABASE_URL not mysql', { DATABASE_URL: 'postgres://x/y' }, /^Invalid configuration: DATABASE_URL /],
    ['DATABASE_URL without database', { DATABASE_URL: 'mysql://root@127.0.0.1:3306' }, /^Invalid configuration: DATABASE_URL /],
    ['NODE_ENV unknown', { NODE_ENV: 'staging' }, /^Invalid configuration: NODE_ENV /],
    ['HOST not an address', { HOST: 'shop.example.com' }, /^Invalid configuration: HOST must be an IP address/],
    ['TRUST_PROXY true', { TRUST_PROXY: 'true' }, /^Invalid configuration: TRUST_PROXY /],
    ['MIGRATE_ON_START not boolean', { MIGRATE_ON_START: 'maybe' }, /^Invalid configuration: MIGRATE_ON_START must be true or false$/],
  ];
  for (const [label, env, message] of bad) {
    test(`refuses ${label} with one line naming the variable`, () => {
      assert.throws(() => loadConfig(env), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, message);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    });
  }
});
