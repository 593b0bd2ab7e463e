import type { ErrorBody } from './types';

/** An answer of the API other than 2xx, in its error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type QueryValue = string | number | boolean | undefined | null;

/**
 * The query of an endpoint, keyed by its query DTO (`QueryOf<SearchEventsQuery>`): a parameter the API renames or
 * drops fails `npm run typecheck` here instead of being silently ignored by the page.
 */
export type QueryOf<Dto> = { [K in keyof Dto]?: QueryValue };

/** Query string of the defined, non-empty values. */
export function queryString(params: Record<string, QueryValue>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Calls the service's own REST API with the pasted token: the explorer sees exactly what the token's caller may see,
 * organization and roles included, because the API decides.
 */
export class Api {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void = () => undefined,
  ) {}

  get<T>(path: string, params: Record<string, QueryValue> = {}, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path + queryString(params), undefined, signal);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    const text = await res.text();
    const json: unknown = text ? safeJson(text) : undefined;
    if (!res.ok) {
      if (res.status === 401) this.onUnauthorized();
      const e = (json ?? {}) as Partial<ErrorBody>;
      throw new ApiError(res.status, e.error ?? `HTTP ${res.status}`, e.message ?? res.statusText, e.details);
    }
    return json as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: 'InvalidResponse', message: text.slice(0, 200) };
  }
}

/** What to show for a failed call. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}
