import { schemathesisSummary } from './schemathesis-runner';

// Schemathesis closes its report as pytest does (`==== 1 warning in 224.36s ====`). CI's log reader takes a line of
// that shape for pytest's closing line, which counts no test run: the whole `npm test` was classed as running no test.
const REPORT = [
  'Schemathesis v4.32.0',
  '━━━━━━━━━━━━━━━━━━━━━',
  '================================= SUMMARY ==================================',
  '',
  'API Operations:',
  '  Selected: 70/70',
  '  Tested: 70',
  '',
  'Test cases:',
  '  8976 generated, 8976 passed, 106 skipped',
  '',
  'Seed: 20261130',
  '',
  '============================= 1 warning in 224.36s =============================',
  '',
].join('\n');

describe('The Schemathesis summary the contract test prints', () => {
  it('keeps the report after SUMMARY, without its pytest-shaped banner lines', () => {
    const printed = schemathesisSummary(REPORT);
    expect(printed).toContain('Selected: 70/70');
    expect(printed).toContain('8976 generated, 8976 passed, 106 skipped');
    expect(printed).not.toContain('SUMMARY');
    for (const line of printed.split('\n')) {
      expect(line).not.toMatch(/^=+ .* =+$/);
      expect(line).not.toMatch(/\bin [\d.]+s\b/);
    }
    expect(printed).toContain('Schemathesis closed with: 1 warning, 224.36 s');
  });

  it('prints the end of the output when there is no SUMMARY section', () => {
    const printed = schemathesisSummary(`boom\n${'x'.repeat(5000)}\n==== 2 errors in 1.00s ====\n`);
    expect(printed.length).toBeLessThanOrEqual(4100);
    expect(printed).toContain('Schemathesis closed with: 2 errors, 1.00 s');
    expect(printed).not.toMatch(/^=+ /m);
  });
});
