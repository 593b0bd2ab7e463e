import { useEffect, useState } from 'preact/hooks';

/** Hash routes (`#/stream/<id>?version=3`): the server serves one page and needs no fallback route. */
export interface Route {
  view: string;
  /** Decoded path segments after the view. */
  args: string[];
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const [view = '', ...args] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { view: view || 'search', args, params: new URLSearchParams(query) };
}

export function href(view: string, args: string[] = [], params: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return `#/${[view, ...args.map(encodeURIComponent)].join('/')}${qs ? `?${qs}` : ''}`;
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
