import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');
/** Screenshots of every view, kept as test artefacts (outside git). */
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'explorer');

/**
 * CHROMIUM_PATH, else a system Chromium (Debian's `chromium`), else the headless Chromium that the `@sparticuz/chromium`
 * dev dependency carries in its npm package, unpacked once into the temporary directory: `npm ci && npm test` needs
 * no browser installed beforehand, and nothing is fetched from outside the npm registry.
 */
export async function chromiumPath(): Promise<string> {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (found) return found;
  // Loaded only here: it unpacks its fonts and libraries when imported on some systems.
  const { default: packaged } = await import('@sparticuz/chromium');
  return packaged.executablePath();
}

/** Builds the explorer into dist/explorer, what the app under test serves at /explorer. */
export function buildExplorer(): void {
  const r = spawnSync(process.execPath, [join(ROOT, 'explorer', 'build.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`explorer build failed:\n${r.stdout}\n${r.stderr}`);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    // Root in CI: Chromium's sandbox needs an unprivileged user. The page under test is our own.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--font-render-hinting=none'],
  });
}

/** A page of its own context (its own sessionStorage, so its own token), failing the test on any page error. */
export async function newPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  // bypassCSP only so that axe-core can be injected; the app itself runs under the service's real CSP headers.
  // The locale a browser always has: with LANG=C, Chromium's default locale is "en-US@posix", which some builds' Intl
  // refuses ("Invalid language tag"), failing the page whatever the machine's locale; this keeps the runs alike.
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, bypassCSP: true, locale: 'en-US' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  journal(page);
  return { page, errors };
}

const journals = new WeakMap<Page, string[]>();

/** Keeps what a page met that a failing test should tell: answers >= 400, failed requests, console errors. */
function journal(page: Page): void {
  const lines: string[] = [];
  journals.set(page, lines);
  const note = (line: string) => {
    lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (lines.length > 30) lines.shift();
  };
  page.on('response', (r) => r.status() >= 400 && note(`${r.status()} ${r.request().method()} ${r.url()}`));
  page.on('requestfailed', (r) => note(`failed ${r.method()} ${r.url()}: ${r.failure()?.errorText ?? '?'}`));
  page.on('console', (m) => m.type() === 'error' && note(`console: ${m.text()}`));
  page.on('crash', () => note('the page crashed'));
}

/** Where a page is and what it shows and met, for the message of a test that failed on it. */
export async function pageState(page: Page): Promise<string> {
  if (page.isClosed()) return 'closed';
  const alerts = await page
    .locator('[role=alert]')
    .allInnerTexts()
    .catch((e: unknown) => [`(unreadable: ${(e as Error).message})`]);
  const heading = await page
    .locator('h1')
    .first()
    .innerText({ timeout: 1000 })
    .catch(() => '(none)');
  return [
    `at ${page.url()}, heading ${JSON.stringify(heading)}, alerts ${JSON.stringify(alerts)}`,
    ...(journals.get(page) ?? []).map((l) => `  ${l}`),
  ].join('\n');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A/AA rules and best practices). */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
