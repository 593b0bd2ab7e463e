import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ROLES, type Role } from '@gyroscops/context';
import type { AuthConfig } from '../config/app-config';

/** The authenticated caller, as read from a verified token. */
export interface Caller {
  readonly userId: string;
  readonly organizationId: string;
  readonly roles: readonly Role[];
}

/** A token was presented but cannot be trusted; the message is safe to return to the client. */
export class TokenRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRejectedError';
  }
}

export const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_CLAIM_LENGTH = 256;
/** Verified tokens remembered (a client sends its token with every request); the oldest is forgotten first. */
const VERIFIED_CACHE_SIZE = 10_000;

interface Verified {
  caller: Caller;
  /** exp and nbf of the token, in seconds: the only checks whose outcome changes with time. */
  exp: number;
  nbf: number | undefined;
}

/**
 * Verifies bearer tokens. The accepted algorithm is pinned to the configured key: HS256 for a secret,
 * RS256 for a public key, so `none` and HS/RS confusion are refused whatever the token's header says.
 */
export class JwtVerifier {
  private readonly algorithm: 'HS256' | 'RS256';
  private readonly key: KeyObject;
  private readonly verified = new Map<string, Verified>();

  constructor(private readonly config: AuthConfig) {
    this.algorithm = config.key.algorithm;
    // A KeyObject built once: given a string, jsonwebtoken re-derives it on every verify (first trying it as a
    // public key, which throws), the service's largest CPU cost per request under load.
    this.key =
      config.key.algorithm === 'HS256' ? createSecretKey(Buffer.from(config.key.secret, 'utf8')) : createPublicKey(config.key.publicKey);
  }

  /**
   * The caller a token names. A token verified before is not verified again while its time window still holds: its
   * signature, algorithm, issuer, audience and claims cannot have changed (the key is the whole token), only the
   * clock, so exp and nbf are checked again on every use, with the same tolerance. Refusals are never remembered.
   */
  verify(token: string): Caller {
    const known = this.verified.get(token);
    if (known) {
      const now = Math.floor(Date.now() / 1000);
      if (now < known.exp + CLOCK_TOLERANCE_SECONDS && (known.nbf === undefined || now >= known.nbf - CLOCK_TOLERANCE_SECONDS))
        return known.caller;
      this.verified.delete(token);
    }
    const { caller, exp, nbf } = this.verifyFully(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { caller, exp, nbf });
    return caller;
  }

  private verifyFully(token: string): Verified {
    const header = jwt.decode(token, { complete: true })?.header;
    if (!header) throw new TokenRejectedError('Malformed token');
    if (header.alg !== this.algorithm)
      throw new TokenRejectedError(`Token algorithm ${header.alg} is not accepted; expected ${this.algorithm}`);

    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: [this.algorithm],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        issuer: this.config.issuer,
        audience: this.config.audience,
      });
    } catch (error) {
      throw new TokenRejectedError(rejectionMessage(error));
    }
    if (typeof payload === 'string') throw new TokenRejectedError('Token payload must be a JSON object');
    if (typeof payload.exp !== 'number') throw new TokenRejectedError('Token has no expiry (exp)');

    const { sub } = payload;
    const org: unknown = payload['org'];
    const roles: unknown = payload['roles'];
    if (!isClaimString(sub)) throw new TokenRejectedError('Token has no valid subject (sub)');
    if (!isClaimString(org)) throw new TokenRejectedError('Token has no valid organization (org)');
    if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string'))) {
      throw new TokenRejectedError('Token roles must be an array of strings');
    }
    // Unknown roles are ignored rather than refused, so an identity provider may carry others.
    const known = ((roles as string[] | undefined) ?? []).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
    return {
      caller: { userId: sub, organizationId: org, roles: [...new Set(known)] },
      exp: payload.exp,
      nbf: typeof payload.nbf === 'number' ? payload.nbf : undefined,
    };
  }
}

function isClaimString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CLAIM_LENGTH;
}

function rejectionMessage(error: unknown): string {
  if (error instanceof jwt.TokenExpiredError) return 'Token expired';
  if (error instanceof jwt.NotBeforeError) return 'Token not yet valid (nbf)';
  if (error instanceof jwt.JsonWebTokenError) {
    if (error.message === 'invalid signature') return 'Invalid token signature';
    if (error.message.startsWith('jwt audience invalid')) return 'Token audience is not accepted';
    if (error.message.startsWith('jwt issuer invalid')) return 'Token issuer is not accepted';
    return `Invalid token: ${error.message}`;
  }
  return 'Invalid token';
}

/**
 * The token of an `Authorization: Bearer <token>` header; null when the header is absent.
 * Throws TokenRejectedError when the header is present but not a bearer token.
 */
export function bearerTokenOf(authorization: string | string[] | undefined): string | null {
  if (authorization === undefined) return null;
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = /^Bearer[ ]+([A-Za-z0-9_.~+/=-]+)\s*$/i.exec(value ?? '');
  if (!match) throw new TokenRejectedError('Authorization header must be "Bearer <token>"');
  return match[1];
}
