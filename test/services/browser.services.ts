// The whole split shop in real Chromium, through the nginx generated from k8s/base/ingress.yaml (TLS,
// /auth, /book and /order rewritten to three service processes): sell, find, fill a cart from two
// sellers, give an address, pay, see it as buyer and seller, log out everywhere. Every page is
// checked with axe, and any console error, failed asset or CSP violation fails the test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { jpeg } from '../helpers/books.js';
import { CHROMIUM } from '../e2e/harness.js';
import { shopInChromium } from './browser-journey.js';
import { startTopology, type Topology } from './topology.js';

let t: Topology;
let browser: Browser;
let coverPath: string;
before(async () => {
  t = await startTopology();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  coverPath = join(mkdtempSync(join(tmpdir(), 'bookstore-services-e2e-')), 'cover.jpg');
  writeFileSync(coverPath, await jpeg());
});
after(async () => {
  await browser?.close();
  await t?.close();
});

describe('the split shop in Chromium, through the Ingress', () => {
  test('sell, find, cart from two sellers, address, pay, see it as buyer and seller, log out everywhere', async () => {
    await shopInChromium(t.base, browser, coverPath);
  });
});
