import { uuidFromName } from '@gyroscops/ddd';

const READABLE_ORG = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,150}$/;

/**
 * The id of the n-th (1-based) open invoice of an organization for a period and currency. Sagas that bill the
 * same organization, period and currency at once compute the same ids, so they converge on one invoice (the
 * store's optimistic concurrency serialises their lines) instead of opening one each. When the n-th is no
 * longer a draft (issued, paid or voided), the next one is the open invoice.
 */
export function openInvoiceId(organizationId: string, period: string, currency: string, n: number): string {
  const org = READABLE_ORG.test(organizationId) ? organizationId : uuidFromName('invoice-org', organizationId);
  return `inv:${org}:${period}:${currency}:${n}`;
}
