import { useEffect, useState } from 'preact/hooks';

interface OpenApiDocument {
  paths?: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: { enum?: unknown[] } }[] }>>;
}

let cached: Promise<OpenApiDocument> | null = null;

/**
 * The service's OpenAPI document (/docs-json, public): which optional APIs (the log stream, consumer groups,
 * parked-event actions) this service offers, and the values a query parameter accepts.
 */
function openApiDocument(): Promise<OpenApiDocument> {
  cached ??= fetch('/docs-json')
    .then((r) => (r.ok ? (r.json() as Promise<OpenApiDocument>) : {}))
    .catch(() => ({}));
  return cached;
}

/** Paths of the document, with `{param}` written `:param`. */
export function useOpenApiPaths(): string[] | null {
  const [paths, setPaths] = useState<string[] | null>(null);
  useEffect(() => {
    void openApiDocument().then((d) => setPaths(Object.keys(d.paths ?? {}).map((p) => p.replace(/\{[^}]+\}/g, ':param'))));
  }, []);
  return paths;
}

/** The enum of a GET operation's query parameter, or null when the document has none. */
export function useQueryEnum(path: string, name: string): string[] | null {
  const [values, setValues] = useState<string[] | null>(null);
  useEffect(() => {
    void openApiDocument().then((d) => {
      const p = d.paths?.[path]?.get?.parameters?.find((x) => x.name === name && x.in === 'query');
      setValues(p?.schema?.enum ? p.schema.enum.map(String) : null);
    });
  }, [path, name]);
  return values;
}
