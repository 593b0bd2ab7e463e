import { createHmac, generateKeyPairSync } from 'node:crypto';
import type { AuthConfig } from '../config/app-config';
import { signAccessToken, type AccessTokenClaims } from './dev-token';
import { bearerTokenOf, JwtVerifier, TokenRejectedError } from './jwt-verifier';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const CLAIMS: AccessTokenClaims = { sub: 'user-1', org: 'org-1', roles: ['writer'] };
const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

const hs256: AuthConfig = { key: { algorithm: 'HS256', secret: SECRET }, usingDevelopmentSecret: false };
const rs256: AuthConfig = { key: { algorithm: 'RS256', publicKey }, usingDevelopmentSecret: false };

const b64url = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Hand-made token with any header and HMAC key, to forge what a library would refuse to sign. */
function forge(header: object, payload: object, hmacKey?: string): string {
  const unsigned = `${b64url(header)}.${b64url(payload)}`;
  const signature = hmacKey === undefined ? '' : b64url(createHmac('sha256', hmacKey).update(unsigned).digest());
  return `${unsigned}.${signature}`;
}

function rejection(verifier: JwtVerifier, token: string): string {
  try {
    verifier.verify(token);
  } catch (error) {
    if (error instanceof TokenRejectedError) return error.message;
    throw error;
  }
  throw new Error('expected the token to be rejected');
}

describe('JwtVerifier', () => {
  describe('with an HS256 secret', () => {
    const verifier = new JwtVerifier(hs256);

    it('accepts a valid token and reads sub, org and roles', () => {
      const token = signAccessToken({ sub: 'user-1', org: 'org-1', roles: ['reader', 'admin'] }, { algorithm: 'HS256', secret: SECRET });
      expect(verifier.verify(token)).toEqual({ userId: 'user-1', organizationId: 'org-1', roles: ['reader', 'admin'] });
    });

    it('ignores unknown roles', () => {
      const token = forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'u', org: 'o', roles: ['reader', 'root'], exp: now() + 60 }, SECRET);
      expect(verifier.verify(token).roles).toEqual(['reader']);
    });

    it('refuses an unsigned token (alg none)', () => {
      const token = forge({ alg: 'none', typ: 'JWT' }, { sub: 'u', org: 'o', roles: ['admin'], exp: now() + 60 });
      expect(rejection(verifier, token)).toBe('Token algorithm none is not accepted; expected HS256');
    });

    it('refuses a token signed with another secret', () => {
      const token = signAccessToken(CLAIMS, { algorithm: 'HS256', secret: 'another-secret-that-is-long-enough-000000' });
      expect(rejection(verifier, token)).toBe('Invalid token signature');
    });

    it('refuses an RS256 token', () => {
      const token = signAccessToken(CLAIMS, { algorithm: 'RS256', privateKey });
      expect(rejection(verifier, token)).toBe('Token algorithm RS256 is not accepted; expected HS256');
    });

    it('refuses a token expired for longer than the 30 s clock tolerance', () => {
      const token = signAccessToken(CLAIMS, { algorithm: 'HS256', secret: SECRET }, { expiresInSeconds: -31 });
      expect(rejection(verifier, token)).toBe('Token expired');
    });

    it('accepts a token expired within the clock tolerance', () => {
      const token = signAccessToken(CLAIMS, { algorithm: 'HS256', secret: SECRET }, { expiresInSeconds: -10 });
      expect(verifier.verify(token).userId).toBe('user-1');
    });

    describe('when a token it verified before comes again', () => {
      afterEach(() => jest.restoreAllMocks());

      it('refuses it once it has expired beyond the tolerance, as a first verification would', () => {
        const fresh = new JwtVerifier(hs256);
        const token = signAccessToken(CLAIMS, { algorithm: 'HS256', secret: SECRET }, { expiresInSeconds: 60 });
        expect(fresh.verify(token).userId).toBe('user-1');
        const t = Date.now();
        jest.spyOn(Date, 'now').mockReturnValue(t + 89_000);
        expect(fresh.verify(token).userId).toBe('user-1');
        jest.spyOn(Date, 'now').mockReturnValue(t + 92_000);
        expect(rejection(fresh, token)).toBe('Token expired');
      });

      it('still refuses a token whose signature is altered', () => {
        const fresh = new JwtVerifier(hs256);
        const token = signAccessToken(CLAIMS, { algorithm: 'HS256', secret: SECRET });
        fresh.verify(token);
        expect(rejection(fresh, `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`)).toMatch(/Invalid token/);
      });
    });

    it('refuses a token not valid yet (nbf beyond the tolerance)', () => {
      const token = signAccessToken(CLAIMS, { algorithm: 'HS256', secret: SECRET }, { notBeforeSeconds: 120 });
      expect(rejection(verifier, token)).toBe('Token not yet valid (nbf)');
    });

    it('refuses a token without expiry', () => {
      const token = forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'u', org: 'o', roles: [] }, SECRET);
      expect(rejection(verifier, token)).toBe('Token has no expiry (exp)');
    });

    it('refuses a token without subject or organization, or with malformed roles', () => {
      const sign = (payload: object) => forge({ alg: 'HS256', typ: 'JWT' }, { exp: now() + 60, ...payload }, SECRET);
      expect(rejection(verifier, sign({ org: 'o' }))).toBe('Token has no valid subject (sub)');
      expect(rejection(verifier, sign({ sub: 'u' }))).toBe('Token has no valid organization (org)');
      expect(rejection(verifier, sign({ sub: 'u', org: 'o', roles: 'admin' }))).toBe('Token roles must be an array of strings');
    });

    it('refuses garbage', () => {
      expect(rejection(verifier, 'not-a-token')).toBe('Malformed token');
    });
  });

  describe('with an RS256 public key', () => {
    const verifier = new JwtVerifier(rs256);

    it('accepts a token signed with the private key', () => {
      const token = signAccessToken(CLAIMS, { algorithm: 'RS256', privateKey });
      expect(verifier.verify(token)).toEqual({ userId: 'user-1', organizationId: 'org-1', roles: ['writer'] });
    });

    it('refuses an HS256 token whose HMAC key is the public key (algorithm confusion)', () => {
      const token = forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'u', org: 'o', roles: ['admin'], exp: now() + 60 }, publicKey);
      expect(rejection(verifier, token)).toBe('Token algorithm HS256 is not accepted; expected RS256');
    });

    it('refuses an unsigned token (alg none)', () => {
      const token = forge({ alg: 'none' }, { sub: 'u', org: 'o', roles: ['admin'], exp: now() + 60 });
      expect(rejection(verifier, token)).toBe('Token algorithm none is not accepted; expected RS256');
    });

    it('refuses a token signed by another key pair', () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = signAccessToken(CLAIMS, { algorithm: 'RS256', privateKey: other.privateKey });
      expect(rejection(verifier, token)).toBe('Invalid token signature');
    });
  });

  describe('with an issuer and an audience configured', () => {
    const verifier = new JwtVerifier({ ...hs256, issuer: 'https://issuer.example', audience: 'gyroscops' });
    const key = { algorithm: 'HS256', secret: SECRET } as const;

    it('accepts tokens with both', () => {
      const token = signAccessToken(CLAIMS, key, { issuer: 'https://issuer.example', audience: 'gyroscops' });
      expect(verifier.verify(token).userId).toBe('user-1');
    });

    it('refuses another issuer or audience', () => {
      expect(rejection(verifier, signAccessToken(CLAIMS, key, { issuer: 'https://evil.example', audience: 'gyroscops' }))).toBe(
        'Token issuer is not accepted',
      );
      expect(rejection(verifier, signAccessToken(CLAIMS, key, { issuer: 'https://issuer.example', audience: 'other' }))).toBe(
        'Token audience is not accepted',
      );
    });
  });
});

describe('bearerTokenOf', () => {
  it('reads the token of a Bearer header, whatever the scheme case', () => {
    expect(bearerTokenOf('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerTokenOf('bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('is null without a header', () => {
    expect(bearerTokenOf(undefined)).toBeNull();
  });

  it('refuses other schemes and empty tokens', () => {
    expect(() => bearerTokenOf('Basic dXNlcjpwYXNz')).toThrow(TokenRejectedError);
    expect(() => bearerTokenOf('Bearer ')).toThrow('Authorization header must be "Bearer <token>"');
  });
});
