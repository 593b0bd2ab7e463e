import jwt from 'jsonwebtoken';
import type { KeyObject } from 'node:crypto';
import type { Role } from '@gyroscops/context';
import type { AppConfig } from '../config/app-config';

export interface AccessTokenClaims {
  /** User id. */
  sub: string;
  /** Organization id. */
  org: string;
  roles: readonly Role[];
}

export type SigningKey = { algorithm: 'HS256'; secret: string } | { algorithm: 'RS256'; privateKey: string | KeyObject };

export interface SignTokenOptions {
  /** Lifetime in seconds (default 3600). Negative values make already-expired tokens, for tests. */
  expiresInSeconds?: number;
  /** Seconds from now before which the token is not valid (nbf). */
  notBeforeSeconds?: number;
  issuer?: string;
  audience?: string;
}

/** Signs an access token the service accepts. For tests, tooling and the development token. */
export function signAccessToken(claims: AccessTokenClaims, key: SigningKey, options: SignTokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload: jwt.JwtPayload = {
    sub: claims.sub,
    org: claims.org,
    roles: [...claims.roles],
    iat: now,
    exp: now + (options.expiresInSeconds ?? 3600),
  };
  if (options.notBeforeSeconds !== undefined) payload.nbf = now + options.notBeforeSeconds;
  if (options.issuer) payload.iss = options.issuer;
  if (options.audience) payload.aud = options.audience;
  const secretOrKey = key.algorithm === 'HS256' ? key.secret : key.privateKey;
  return jwt.sign(payload, secretOrKey, { algorithm: key.algorithm });
}

/**
 * Signs a token accepted by an app running with `config` (HS256 only: with RS256 the service never
 * holds the private key). Uses the configured issuer and audience.
 */
export function signTokenForConfig(config: AppConfig, claims: AccessTokenClaims, options: SignTokenOptions = {}): string {
  if (config.auth.key.algorithm !== 'HS256')
    throw new Error('signTokenForConfig needs an HS256 configuration; sign RS256 tokens with signAccessToken and the private key');
  return signAccessToken(claims, config.auth.key, { issuer: config.auth.issuer, audience: config.auth.audience, ...options });
}

export const DEVELOPMENT_TOKEN_CLAIMS: AccessTokenClaims = { sub: 'dev-user', org: 'dev-org', roles: ['admin', 'writer', 'reader'] };
const DEVELOPMENT_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/** A ready-to-use token for local development; null in production or when the service only holds a public key. */
export function createDevelopmentToken(config: AppConfig): string | null {
  if (config.isProduction || config.auth.key.algorithm !== 'HS256') return null;
  return signTokenForConfig(config, DEVELOPMENT_TOKEN_CLAIMS, { expiresInSeconds: DEVELOPMENT_TOKEN_LIFETIME_SECONDS });
}
