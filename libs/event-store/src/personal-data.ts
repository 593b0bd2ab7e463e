import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { InvalidEventError } from './event-store.errors';
import type { JsonObject, PersonalData, SealedPersonalData, StoredEvent } from './event-store.port';

/**
 * Crypto-shredding (GDPR erasure): an event's personal section is encrypted with a key of its data subject's own
 * (AES-256-GCM). Erasing the subject deletes the key: its events stay (the log is append-only and gap-safe), but
 * their personal sections can never be read again. Nothing personal is indexed for search, so nothing personal
 * can be found either, before or after erasure.
 */

/** Where subjects' keys live: one key per subject, created on first use, deleted by erasure. */
export interface SubjectKeyStore {
  /** The subject's key, created if it has none yet. */
  keyFor(subjectId: string): Promise<Buffer>;
  /** Keys of these subjects; erased (or never created) ones are absent. */
  keysOf(subjectIds: string[]): Promise<Map<string, Buffer>>;
  /** Deletes the subject's key; false when it had none. */
  erase(subjectId: string): Promise<boolean>;
}

const isPlainObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A data subject's id: what `personal.subjectId` and erasure accept. */
export const SUBJECT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,255}$/;
const SUBJECT_ID = SUBJECT_ID_PATTERN;

export function newSubjectKey(): Buffer {
  return randomBytes(32);
}

/** A subject id safe to record where personal data may not go (the erasure record, the search index). */
export function subjectHash(subjectId: string): string {
  return createHash('sha256').update(`gyroscops-subject\u0000${subjectId}`).digest('hex');
}

export function validatePersonal(personal: unknown, at: string): asserts personal is PersonalData {
  if (!isPlainObject(personal)) throw new InvalidEventError('invalid events', [{ field: at, message: 'must be an object' }]);
  if (typeof personal.subjectId !== 'string' || !SUBJECT_ID.test(personal.subjectId)) {
    throw new InvalidEventError('invalid events', [
      { field: `${at}.subjectId`, message: 'must be 1-256 characters of letters, digits and . _ : @ + -, starting with a letter or digit' },
    ]);
  }
  if (!isPlainObject(personal.data)) throw new InvalidEventError('invalid events', [{ field: `${at}.data`, message: 'must be an object' }]);
}

export function seal(subjectId: string, data: JsonObject, key: Buffer): SealedPersonalData {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  // The subject id is authenticated with the data: a sealed section cannot be moved to another subject.
  cipher.setAAD(Buffer.from(subjectId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
  return {
    subjectId,
    subjectHash: subjectHash(subjectId),
    alg: 'A256GCM',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

export function open(sealed: SealedPersonalData, key: Buffer | undefined): PersonalData {
  if (!key) return { subjectId: sealed.subjectId, data: null, erased: true };
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(sealed.subjectId, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  return { subjectId: sealed.subjectId, data: JSON.parse(plain) as JsonObject, erased: false };
}

/** True for a stored event's personal section that is still sealed (as it is stored). */
function isSealed(p: unknown): p is SealedPersonalData {
  return isPlainObject(p) && p.alg === 'A256GCM' && typeof p.ciphertext === 'string';
}

/** Events as readers see them: personal sections opened with their subjects' keys, erased ones marked. One key read per call. */
export async function openEvents(events: StoredEvent[], keys: SubjectKeyStore): Promise<StoredEvent[]> {
  const subjects = [...new Set(events.flatMap((e) => (isSealed(e.personal) ? [e.personal.subjectId] : [])))];
  if (subjects.length === 0) return events;
  const found = await keys.keysOf(subjects);
  return events.map((e) => (isSealed(e.personal) ? { ...e, personal: open(e.personal, found.get(e.personal.subjectId)) } : e));
}

/** Seals the personal sections of an append, each with its subject's key. */
export async function sealEvents<E extends { personal?: PersonalData | SealedPersonalData }>(
  events: E[],
  keys: SubjectKeyStore,
): Promise<E[]> {
  if (!events.some((e) => e.personal !== undefined)) return events;
  const out: E[] = [];
  for (const e of events) {
    const p = e.personal;
    if (p === undefined || isSealed(p)) {
      out.push(e);
      continue;
    }
    const key = await keys.keyFor(p.subjectId);
    out.push({ ...e, personal: seal(p.subjectId, p.data as JsonObject, key) });
  }
  return out;
}

/** In-process key store (the in-memory adapter, tests). */
export class InMemorySubjectKeys implements SubjectKeyStore {
  private readonly keys = new Map<string, Buffer>();

  async keyFor(subjectId: string): Promise<Buffer> {
    let key = this.keys.get(subjectId);
    if (!key) this.keys.set(subjectId, (key = newSubjectKey()));
    return key;
  }

  async keysOf(subjectIds: string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const id of subjectIds) {
      const key = this.keys.get(id);
      if (key) out.set(id, key);
    }
    return out;
  }

  async erase(subjectId: string): Promise<boolean> {
    return this.keys.delete(subjectId);
  }
}
