import type { SearchFieldDeclarations } from '@gyroscops/event-store';

/**
 * Event data fields the events index declares for aggregations (the rest of eventData is searchable through
 * flattened keyword leaves and full text). Domain events put money in `amountMinor` (integer minor units)
 * beside the decimal string `amount`, so sums are exact without scripts. Kept literal (`as const`) so that
 * `eventsIndexFields(SEARCH_FIELDS)` names exactly these fields and a query naming another fails to compile.
 */
export const SEARCH_FIELDS = {
  numeric: [
    { name: 'amountMinor', path: 'amountMinor', type: 'long' },
    { name: 'totalMinor', path: 'totalMinor', type: 'long' },
    { name: 'durationMs', path: 'durationMs', type: 'long' },
    { name: 'quantity', path: 'quantity', type: 'double' },
  ],
  keyword: [
    { name: 'currency', path: 'currency' },
    { name: 'status', path: 'status' },
    { name: 'stepKind', path: 'stepKind' },
    { name: 'invoiceId', path: 'invoiceId' },
    { name: 'period', path: 'period' },
  ],
} as const satisfies SearchFieldDeclarations;
