// Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core against the app on 127.0.0.1
// with a fresh database. Every page is checked for console errors, CSP violations and axe-core
// serious/critical violations; screenshots go to test-results/screenshots (git-ignored).
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createLogger } from '../../src/logger.js';
import { startOrderJobs } from '../../src/orders/orders.jobs.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SIZES = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
export type SizeName = keyof typeof SIZES;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const screenshotDir = join(process.cwd(), 'test-results', 'screenshots');

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
}

export interface Site {
  t: TestApp;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/** The app on a free port with a fresh database, its periodic jobs running, and a browser. */
export async function startSite(env: Record<string, string> = {}): Promise<Site> {
  const t = await startTestApp({ LOG_LEVEL: 'warn', ...env });
  const jobs = startOrderJobs({ pool: t.pool, config: t.config, logger: createLogger('warn'), catalog: t.ports.catalog });
  const server: Server = createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return {
    t,
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    async close() {
      await browser.close();
      await jobs.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}

/** A browser tab that records every console error, page error and CSP violation. */
export class Tab {
  private readonly recorded: { text: string; url: string }[] = [];
  /** Pages the app answered with a 4xx on purpose (a form re-rendered with 422, a 409 page). */
  private readonly refusedDocuments = new Set<string>();
  private constructor(
    readonly page: Page,
    readonly context: BrowserContext,
    readonly size: SizeName,
    private readonly baseUrl: string,
    readonly javaScriptEnabled: boolean,
  ) {
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.recorded.push({ text: `console error on ${page.url()}: ${msg.text()}`, url: msg.location().url });
    });
    page.on('pageerror', (err) => this.recorded.push({ text: `page error on ${page.url()}: ${err.message}`, url: '' }));
    page.on('response', (res) => {
      if (res.request().isNavigationRequest() && res.status() >= 400 && res.status() < 500) this.refusedDocuments.add(res.url());
    });
  }

  /**
   * Everything that went wrong so far. Chromium logs "Failed to load resource" for a page whose
   * status is 4xx; for a document the app refused on purpose that is the expected answer, not an
   * error, but the same message for a script, style or image still counts.
   */
  get problems(): string[] {
    return this.recorded
      .filter((p) => !(p.text.includes('Failed to load resource: the server responded with a status of 4') && this.refusedDocuments.has(p.url)))
      .map((p) => p.text);
  }

  /**
   * A fresh context at the given size. It reads English unless told otherwise: the locale is also
   * the Accept-Language header Chromium sends (es-CO for the Spanish journey). javaScriptEnabled:
   * false proves a page works with HTML alone (the language switch). The site is any one with a
   * browser: the monolith's (startSite), or a topology's behind its TLS front (ignoreHTTPSErrors for
   * its self-signed certificate, as only a test may).
   */
  static async open(
    site: Pick<Site, 'browser' | 'baseUrl'>,
    size: SizeName,
    options: { locale?: string; javaScriptEnabled?: boolean; ignoreHTTPSErrors?: boolean } = {},
  ): Promise<Tab> {
    const context = await site.browser.newContext({
      viewport: SIZES[size],
      baseURL: site.baseUrl,
      locale: options.locale ?? 'en-US',
      javaScriptEnabled: options.javaScriptEnabled ?? true,
      ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
    });
    // Report CSP violations as console errors too (Chromium also logs them itself).
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return new Tab(page, context, size, site.baseUrl, options.javaScriptEnabled ?? true);
  }

  /** Presses Tab until the element has focus: proves it can be reached by keyboard. */
  async tabTo(locator: ReturnType<Page['locator']>, maxPresses = 80): Promise<void> {
    for (let i = 0; i < maxPresses; i++) {
      if (await locator.evaluate((el) => el === document.activeElement)) return;
      await this.page.keyboard.press('Tab');
    }
    throw new Error(`could not reach ${locator.toString()} with the Tab key`);
  }

  async goto(path: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}${path}`);
  }

  /**
   * axe-core in the page: returns the serious and critical violations. It needs the page's
   * JavaScript (timers): in a context without it, axe never finishes, so that fails at once.
   */
  async accessibilityProblems(): Promise<string[]> {
    if (!this.javaScriptEnabled) throw new Error('axe needs JavaScript: check this page in a context with JavaScript enabled');
    await this.page.evaluate(axeSource);
    const violations = await this.page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const result = await axe.run(document, { resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
    });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')} on ${this.page.url()}`);
  }

  /** Checks the current page (axe) and saves its screenshot under the given name. */
  async check(name: string): Promise<void> {
    for (const text of await this.accessibilityProblems()) this.recorded.push({ text, url: '' });
    const dir = join(screenshotDir, this.size);
    mkdirSync(dir, { recursive: true });
    await this.page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
