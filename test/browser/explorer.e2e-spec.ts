import type { Browser, Page } from 'playwright-core';
import { createDemoData, type DemoData } from '../../explorer/demo/demo-data';
import { refreshAll, startTestApp, type TestApp } from '../support/e2e-app';
import { buildExplorer, launchBrowser, newPage, pageState, screenshot, seriousA11yViolations, type AxeViolation } from './browser';

interface TreeNodeDto {
  event: { eventId: string; eventType: string };
  causedBy: string | null;
  children: string[];
}

/**
 * The event explorer (/explorer) in the system Chromium against the whole service on a real Elasticsearch: two
 * organizations filled with the demo data through the API, the page driven as a person would, and what it shows
 * compared with what the API answers to the same token.
 */
describe('The event explorer in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let acme: DemoData;
  let globex: DemoData;
  const pages: Page[] = [];
  const errors: string[] = [];
  const acmeToken = () => t.token('acme', ['reader', 'writer'], 'alice');
  const acmeAuth = () => ({ Authorization: `Bearer ${acmeToken()}` });

  beforeAll(async () => {
    buildExplorer();
    t = await startTestApp('explorer');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    [acme, globex, browser] = await Promise.all([
      createDemoData({ baseUrl: base, token: t.token('acme', ['writer', 'reader'], 'alice'), tag: 'acme' }),
      createDemoData({ baseUrl: base, token: t.token('globex', ['writer', 'reader'], 'bob'), tag: 'globex' }),
      launchBrowser(),
    ]);
    await refreshAll(t);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    // An uncaught error in the page fails the test that caused it.
    expect(errors.splice(0)).toEqual([]);
  });

  /** A test whose failure message also says where each page it opened stands (URL, heading, alerts, failed requests). */
  const it = (name: string, fn: () => Promise<void>, timeout?: number) =>
    global.it(
      name,
      async () => {
        const opened = pages.length;
        const before = new Set(browser.contexts().flatMap((c) => c.pages()));
        try {
          await fn();
        } catch (e) {
          const mine = [...pages.slice(opened), ...browser.contexts().flatMap((c) => c.pages())].filter((p) => !before.has(p));
          const states = await Promise.all([...new Set(mine)].map(pageState));
          if (e instanceof Error && states.length > 0) {
            // Jest prints the stack, written when the error was made: both get the pages' state.
            const told = `\n\nPages of this test:\n${states.join('\n')}`;
            e.message += told;
            e.stack = `${e.stack ?? ''}${told}`;
          }
          throw e;
        }
      },
      timeout,
    );

  async function signedIn(token: string): Promise<Page> {
    const { page, errors: pageErrors } = await newPage(browser);
    pageErrors.push = (...e: string[]) => errors.push(...e);
    pages.push(page);
    await page.goto(`${base}/explorer/`);
    await page.locator('#token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid=caller]').waitFor();
    return page;
  }

  const go = async (page: Page, hash: string) => {
    await page.goto(`${base}/explorer/#/${hash}`);
  };

  it('serves the page publicly, with its bundles, and refuses a bad token on the sign-in page', async () => {
    const index = await t.http().get('/explorer/').expect(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    const script = /src="\.\/(app-[A-Z0-9]+\.js)"/.exec(index.text)?.[1];
    expect(script).toBeDefined();
    await t
      .http()
      .get(`/explorer/${script}`)
      .expect(200)
      .expect('content-type', /javascript/);
    await t.http().get('/explorer').expect(302).expect('location', '/explorer/');
    // Not in development: no one-click development token.
    await t.http().get('/explorer/dev-token').expect(404);

    const { page, errors: pageErrors } = await newPage(browser);
    pageErrors.push = (...e: string[]) => errors.push(...e);
    await page.goto(`${base}/explorer/`);
    await page.locator('#token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.locator('.error[role=alert]'), /That token was refused \(Unauthorized/);
    await screenshot(page, '0-sign-in');
    await page.context().close();
  });

  it('search finds a seeded event and opens its stream at that version', async () => {
    const page = await signedIn(acmeToken());
    await go(page, 'search');
    await page.locator('#f-q').fill('duplicate charge');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    // Both organizations have that refund; the caller sees its own, with the exact total.
    await expectText(page.getByTestId('search-total'), '1 event match');
    const rows = page.locator('[data-testid=search-results] tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().innerText()).toMatch(/PaymentRefunded\s+Payment acme-pay-4\s+2\s+\d+\s+alice\s+acme/);

    await go(page, 'search');
    await expectText(page.getByTestId('search-total'), /^\d+ events match$/);
    await screenshot(page, '1-search');

    await go(page, 'search?q=duplicate%20charge');
    await expectText(page.getByTestId('search-total'), '1 event match');
    await page.getByRole('link', { name: 'PaymentRefunded' }).click();
    await page.waitForURL(/#\/stream\/acme-pay-4\?version=2$/);
    await expectText(page.locator('[data-testid=stream-events] li[aria-current=true]'), /v2\s+PaymentRefunded/);
    await expectText(page.getByTestId('event-detail'), /duplicate charge/);
  });

  it('the replay slider shows the state the API returns at each version', async () => {
    const page = await signedIn(acmeToken());
    const check = async (path: string, id: string, versions: number[]) => {
      await go(page, `stream/${encodeURIComponent(id)}`);
      const slider = page.locator('#replay-version');
      await slider.waitFor();
      for (const v of versions) {
        await slider.fill(String(v));
        await page.waitForFunction((want) => {
          const pre = document.querySelector('[data-testid=replay-state]');
          return pre?.getAttribute('data-version') === want && pre.getAttribute('aria-busy') === 'false';
        }, String(v));
        const shown = JSON.parse(await page.getByTestId('replay-state').innerText()) as unknown;
        const api = await t
          .http()
          .get(`${path}/${encodeURIComponent(id)}/replay`)
          .query({ version: v })
          .set(acmeAuth())
          .expect(200);
        expect(shown).toEqual(api.body);
        expect(await page.locator('[data-testid=replay-version]').innerText()).toMatch(new RegExp(`^v${v} / `));
      }
    };
    await check('/v1/payments', acme.refundedPaymentId, [1, 2, 3]);
    await check('/v1/workflows', acme.failedWorkflowId, [3, 4, 7]);
    await check('/v1/invoices', acme.voidedInvoiceId, [2, 5]);

    await go(page, `stream/${acme.refundedPaymentId}?version=2`);
    await page.waitForFunction(() => document.querySelector('[data-testid=replay-state]')?.getAttribute('data-version') === '2');
    const diff = await page.getByTestId('payload-diff').innerText();
    expect(diff).toMatch(/changed\s+status\s+"completed"\s+"partially_refunded"/);
    await screenshot(page, '2-stream');
  });

  it('the correlation tree has the nodes and edges of the saga chain', async () => {
    const page = await signedIn(acmeToken());
    await go(page, `correlation/${acme.correlationId}`);
    await page.locator('[data-testid=causation-tree] li').first().waitFor();
    const shown = await page.$$eval('[data-testid=causation-tree] li', (lis) =>
      lis.map((li) => ({
        id: (li as HTMLElement).dataset.eventId,
        type: (li as HTMLElement).dataset.eventType,
        causedBy: (li as HTMLElement).dataset.causedBy || null,
        // The tree is drawn by nesting: an effect sits inside its cause.
        nestedIn: (li.parentElement?.closest('li') as HTMLElement | null)?.dataset.eventId ?? null,
      })),
    );
    const api = (await t.http().get(`/v1/analytics/correlations/${acme.correlationId}`).set(acmeAuth()).expect(200)).body as {
      nodes: TreeNodeDto[];
    };
    const byId = new Map(api.nodes.map((n) => [n.event.eventId, n]));
    expect(shown.map((n) => n.id).sort()).toEqual([...byId.keys()].sort());
    for (const n of shown) {
      expect(n.causedBy).toBe(byId.get(n.id as string)?.causedBy);
      expect(n.nestedIn).toBe(n.causedBy);
    }
    const typeOf = (id: string | null) => shown.find((n) => n.id === id)?.type;
    const edges = shown.filter((n) => n.causedBy).map((n) => `${typeOf(n.causedBy)} → ${n.type}`);
    expect(edges.sort()).toEqual(
      [
        'WorkflowStepCompleted → InvoiceCreated',
        'WorkflowStepCompleted → InvoiceLineAdded',
        'PaymentProcessed → InvoicePaymentApplied',
        'InvoicePaymentApplied → WorkflowResumed',
      ].sort(),
    );
    expect(shown.map((n) => n.type).sort()).toEqual(
      [
        'WorkflowStarted',
        'WorkflowStepCompleted',
        'InvoiceCreated',
        'InvoiceLineAdded',
        'InvoiceIssued',
        'PaymentProcessed',
        'InvoicePaymentApplied',
        'WorkflowResumed',
        'WorkflowStepCompleted',
        'WorkflowCompleted',
      ].sort(),
    );
    await expectText(page.getByTestId('corr-summary'), /^10 events across 3 aggregate types/);
    await screenshot(page, '3-correlation');
  });

  it("a chart's data equals the analytics endpoint's, in the time zone chosen", async () => {
    const page = await signedIn(acmeToken());
    await go(page, 'analytics');
    await page.locator('#a-interval').selectOption('hour');
    await page.locator('#a-tz').selectOption('Asia/Tokyo');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/interval=hour/);
    const chartData = async (testId: string) => {
      const el = page.getByTestId(testId);
      await el.waitFor();
      return JSON.parse((await el.getAttribute('data-chart')) as string) as { labels: string[]; series: Record<string, number[]> };
    };
    const q = { interval: 'hour', timeZone: 'Asia/Tokyo' };

    const trends = (await t.http().get('/v1/analytics/events/trends').query(q).set(acmeAuth()).expect(200)).body as {
      trends: Record<string, number>;
    };
    const chart = await chartData('chart-trends');
    expect(chart.labels).toEqual(Object.keys(trends.trends));
    expect(chart.labels[0]).toMatch(/\+09:00$/);
    expect(chart.series.events).toEqual(Object.values(trends.trends));

    const volume = (await t.http().get('/v1/analytics/payments/volume').query(q).set(acmeAuth()).expect(200)).body as {
      currencies: Record<string, { series: Record<string, { volumeMinor: number }> }>;
    };
    const volumeChart = await chartData('chart-payment-volume');
    for (const [currency, v] of Object.entries(volume.currencies)) {
      expect(volumeChart.labels).toEqual(Object.keys(v.series));
      expect(volumeChart.series[currency]).toEqual(Object.values(v.series).map((b) => b.volumeMinor));
    }
    expect(Object.keys(volumeChart.series).sort()).toEqual(['EUR', 'USD']);

    const stats = (await t.http().get('/v1/analytics/events/statistics').query({ timeZone: 'Asia/Tokyo' }).set(acmeAuth()).expect(200))
      .body as { total: number; byOrganization: Record<string, number>; byUser: Record<string, number> };
    expect(JSON.parse((await page.getByTestId('bars-by-organization').getAttribute('data-chart')) as string)).toEqual(stats.byOrganization);
    expect(JSON.parse((await page.getByTestId('bars-by-user').getAttribute('data-chart')) as string)).toEqual(stats.byUser);
    expect(await page.getByTestId('statistics-total').innerText()).toBe(stats.total.toLocaleString('en-US'));

    const steps = (await t.http().get('/v1/analytics/workflows/steps').query({ timeZone: 'Asia/Tokyo' }).set(acmeAuth()).expect(200))
      .body as { stepKinds: Record<string, { failureRate: number | null }> };
    expect(JSON.parse((await page.getByTestId('bars-failure-rate').getAttribute('data-chart')) as string)).toEqual(
      Object.fromEntries(Object.entries(steps.stepKinds).map(([k, s]) => [k, s.failureRate ?? 0])),
    );
    await expectText(page.getByTestId('panel-billing-totals'), /acme\s+\d{4}-\d{2}\s+USD\s+104\.00 \(1\)\s+104\.00 \(1\)\s+0\.00/);
    await screenshot(page, '4-analytics');
  });

  it("another organization's events never appear", async () => {
    const page = await signedIn(acmeToken());
    // Everything the caller can see, and a forged organization filter (admins only; ignored for others).
    const queries: Record<string, string>[] = [{}, { organizationId: 'globex' }, { q: 'globex' }];
    for (const query of queries) {
      await go(page, `search?${new URLSearchParams(query).toString()}`);
      // The total that answers this query, not the previous one still shown for a moment after the hash changes.
      await expectText(page.locator(`[data-testid=search-total][data-filters='${JSON.stringify(query)}']`), /match$/);
      const api = await t
        .http()
        .get('/v1/events')
        .query({ size: 1000, ...query })
        .set(acmeAuth())
        .expect(200);
      expect(await page.getByTestId('search-total').innerText()).toBe(
        `${api.body.total} ${api.body.total === 1 ? 'event' : 'events'} match`,
      );
      const orgs = await page.$$eval('[data-testid=search-results] tbody tr td:nth-child(7)', (tds) => tds.map((td) => td.textContent));
      expect(new Set(orgs)).toEqual(api.body.total ? new Set(['acme']) : new Set());
      expect(await page.locator('main').innerText()).not.toMatch(/globex/i);
    }
    // The organization filter is offered to admins only.
    expect(await page.locator('#f-organizationId').count()).toBe(0);

    await go(page, `stream/${globex.refundedPaymentId}`);
    await expectText(page.locator('.error[role=alert]'), /^StreamNotFound/);
    expect(await page.getByTestId('stream-events').count()).toBe(0);

    await go(page, `correlation/${globex.correlationId}`);
    await expectText(page.locator('.error[role=alert]'), /^ANALYTICS\.CORRELATION_NOT_FOUND/);
    expect(await page.getByTestId('causation-tree').count()).toBe(0);

    await go(page, 'analytics');
    await page.getByTestId('bars-by-organization').waitFor();
    expect(Object.keys(JSON.parse((await page.getByTestId('bars-by-organization').getAttribute('data-chart')) as string))).toEqual([
      'acme',
    ]);
    await page.getByTestId('billing-table').waitFor();
    expect(await page.locator('main').innerText()).not.toMatch(/globex/i);

    await go(page, 'operations');
    await page.getByTestId('ops-forbidden').waitFor();
  });

  it('operations shows every projection and saga with its position and lag to an admin', async () => {
    const admin = t.token('ops', ['admin', 'reader']);
    const page = await signedIn(admin);
    await go(page, 'operations');
    await page.locator('[data-testid=ops-table] tbody tr').first().waitFor();
    const api = (
      await t
        .http()
        .get('/v1/projections')
        .set({ Authorization: `Bearer ${admin}` })
        .expect(200)
    ).body as { name: string; kind: string }[];
    const names = await page.$$eval('[data-testid=ops-table] tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.name));
    expect(names.sort()).toEqual(api.map((p) => p.name).sort());
    expect(await page.getByRole('button', { name: /^Rebuild payments$/ }).count()).toBe(1);
  });

  it("operations shows the organization's consumer groups with their lag and parked events, or says there are none", async () => {
    const docs = (await t.http().get('/docs-json').expect(200)).body as { paths: Record<string, unknown> };
    const page = await signedIn(acmeToken());
    if (!('/v1/consumer-groups' in docs.paths)) {
      await go(page, 'operations');
      await expectText(page.getByTestId('groups-unavailable'), /no consumer groups/);
      return;
    }
    // A group of Payment events; one delivery refused and parked at once.
    await t
      .http()
      .put('/v1/consumer-groups/acme-export')
      .set(acmeAuth())
      .send({ filter: { aggregateType: 'Payment' } })
      .expect(201);
    let parkedId: string | undefined;
    for (let i = 0; i < 50 && !parkedId; i++) {
      const fetched = await t
        .http()
        .post('/v1/consumer-groups/acme-export/fetch')
        .set(acmeAuth())
        .send({ consumer: 'c1', max: 1, waitMs: 2000 });
      expect(fetched.status).toBe(200);
      const delivery = (fetched.body.deliveries as { deliveryId: string; event: { eventId: string } }[])[0];
      if (!delivery) continue;
      await t
        .http()
        .post('/v1/consumer-groups/acme-export/nack')
        .set(acmeAuth())
        .send({ deliveryIds: [delivery.deliveryId], consumer: 'c1', reason: 'schema v2 unknown', park: true })
        .expect(200);
      parkedId = delivery.event.eventId;
    }
    expect(parkedId).toBeDefined();
    const api = (await t.http().get('/v1/consumer-groups').set(acmeAuth()).expect(200)).body as {
      groups: { name: string; position: number; lag: number; parkedCount: number }[];
    };
    expect(api.groups.map((g) => g.name)).toEqual(['acme-export']);

    await go(page, 'operations');
    const row = page.locator('[data-testid=groups-table] tbody tr[data-name=acme-export]');
    await row.waitFor();
    await expectText(page.getByTestId('parked-group'), /acme-export\s+PaymentProcessed[\s\S]*schema v2 unknown/);
    expect(await page.locator('[data-testid=groups-table] tbody tr').count()).toBe(1);
    // Readers see their groups; the projections and sagas stay for admins.
    await page.getByTestId('ops-forbidden').waitFor();
    // Replay and skip are for admins: a reader gets none.
    expect(await page.getByRole('button', { name: /^Replay/ }).count()).toBe(0);

    const admin = await signedIn(t.token('acme', ['admin', 'reader', 'writer'], 'alice'));
    await go(admin, 'operations');
    await admin.locator('[data-testid=ops-table] tbody tr').first().waitFor();
    await expectText(admin.getByTestId('parked-group'), /schema v2 unknown/);
    await screenshot(admin, '5-operations');
    await admin.getByRole('button', { name: 'Skip PaymentProcessed for acme-export' }).click();
    await expectText(admin.locator('.notice[role=status]'), /Skip of PaymentProcessed for acme-export: done/);
    await admin.getByTestId('parked-group').waitFor({ state: 'detached' });
    const after = (await t.http().get('/v1/consumer-groups/acme-export/parked').set(acmeAuth()).expect(200)).body as { parked: unknown[] };
    expect(after.parked).toEqual([]);
  });

  it('the live tail follows the log stream, or says it is not available', async () => {
    const page = await signedIn(acmeToken());
    await go(page, 'live');
    const docs = (await t.http().get('/docs-json').expect(200)).body as { paths: Record<string, unknown> };
    if (!('/v1/log/stream' in docs.paths)) {
      await expectText(page.getByTestId('live-unavailable'), /Not available/);
    } else {
      await expectText(page.getByTestId('live-state'), 'live');
      const r = await t
        .http()
        .post('/v1/payments')
        .set(acmeAuth())
        .send({ paymentId: 'acme-live-1', amount: '5.00', currency: 'EUR' })
        .expect(201);
      expect(r.body.paymentId).toBe('acme-live-1');
      await expectText(page.getByTestId('live-events'), /PaymentProcessed\s+acme-live-1/);
    }
    await screenshot(page, '6-live-tail');
  });

  it('has no serious accessibility violation on any view (axe-core)', async () => {
    const found: Record<string, AxeViolation[]> = {};
    const { page: anonymous } = await newPage(browser);
    await anonymous.goto(`${base}/explorer/`);
    await anonymous.locator('#token').waitFor();
    found['sign-in'] = await seriousA11yViolations(anonymous);
    await anonymous.context().close();

    const page = await signedIn(t.token('acme', ['admin', 'reader'], 'alice'));
    const views: [string, string][] = [
      ['search', '[data-testid=search-results] tbody tr'],
      [`stream/${acme.refundedPaymentId}?version=2`, '[data-testid=replay-state]'],
      [`correlation/${acme.correlationId}`, '[data-testid=causation-tree] li'],
      ['analytics', '[data-testid=chart-trends] canvas'],
      ['operations', '[data-testid=ops-table] tbody tr'],
      ['live', 'main h1'],
    ];
    for (const [hash, ready] of views) {
      await go(page, hash);
      await page.locator(ready).first().waitFor();
      found[hash] = await seriousA11yViolations(page);
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  });
});

/** Waits (5 s) until the element's text matches. */
async function expectText(locator: ReturnType<Page['locator']>, want: string | RegExp): Promise<void> {
  const deadline = Date.now() + 5000;
  let last = '';
  for (;;) {
    last = (
      await locator
        .first()
        .innerText({ timeout: Math.max(1, deadline - Date.now()) })
        .catch(() => '')
    ).trim();
    if (typeof want === 'string' ? last === want : want.test(last)) return;
    if (Date.now() > deadline) throw new Error(`expected ${String(want)}, the page shows ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
