import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '../config/load-config';
import { createDevelopmentToken, signTokenForConfig } from './dev-token';
import { JwtVerifier } from './jwt-verifier';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

describe('the development token', () => {
  it('is an admin, writer and reader of dev-org, accepted by the running configuration', () => {
    const config = loadConfig({});
    const token = createDevelopmentToken(config);
    expect(token).not.toBeNull();
    expect(new JwtVerifier(config.auth).verify(token!)).toEqual({
      userId: 'dev-user',
      organizationId: 'dev-org',
      roles: ['admin', 'writer', 'reader'],
    });
  });

  it('is never made in production', () => {
    expect(createDevelopmentToken(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }))).toBeNull();
  });

  it('cannot be made when the service only holds an RS256 public key', () => {
    const { publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    expect(createDevelopmentToken(loadConfig({ AUTH_JWT_PUBLIC_KEY: publicKey }))).toBeNull();
  });
});

describe('signTokenForConfig', () => {
  it('signs with the configured issuer and audience', () => {
    const config = loadConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://issuer.example', AUTH_JWT_AUDIENCE: 'gyroscops' });
    const token = signTokenForConfig(config, { sub: 'u', org: 'o', roles: ['reader'] });
    expect(new JwtVerifier(config.auth).verify(token)).toEqual({ userId: 'u', organizationId: 'o', roles: ['reader'] });
  });
});
