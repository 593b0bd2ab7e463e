/** A flat diff of two JSON payloads: one entry per leaf path that was added, removed or changed. */
export interface DiffEntry {
  path: string;
  kind: 'added' | 'removed' | 'changed' | 'same';
  before?: string;
  after?: string;
}

function flatten(value: unknown, path: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) out.set(path || '(root)', Array.isArray(value) ? '[]' : '{}');
    for (const [k, v] of entries) flatten(v, Array.isArray(value) ? `${path}[${k}]` : path ? `${path}.${k}` : k, out);
    return;
  }
  out.set(path || '(root)', JSON.stringify(value));
}

export function diffJson(before: unknown, after: unknown): DiffEntry[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  if (before !== undefined) flatten(before, '', a);
  flatten(after, '', b);
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  return paths.map((path): DiffEntry => {
    const x = a.get(path);
    const y = b.get(path);
    if (x === undefined) return { path, kind: 'added', after: y };
    if (y === undefined) return { path, kind: 'removed', before: x };
    return x === y ? { path, kind: 'same', before: x, after: y } : { path, kind: 'changed', before: x, after: y };
  });
}
