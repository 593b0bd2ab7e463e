import { v5 as uuidv5 } from 'uuid';

const NAMESPACE = '6f1c1b8e-5d4e-4f0a-9c4b-2a7d0c3e9b11';

/**
 * A UUID (version 5) of a kind of id and a name, the same for the same inputs: command ids from idempotency keys,
 * event ids from command ids, readable ids from any string. Stored ids depend on it: its output never changes.
 */
export function uuidFromName(kind: string, name: string): string {
  return uuidv5(`${kind}\u0000${name}`, NAMESPACE);
}
