import { createHash, createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { invalidArgument } from '../../errdefs/index.js';

/** A token signing/verification key: ES256/ES384 (EC P-256/P-384) or RS256 (RSA). */
export interface TokenKeys {
  alg: 'ES256' | 'ES384' | 'RS256';
  /** Present when the file held a private key: this registry may issue tokens. */
  privateKey?: KeyObject;
  publicKey: KeyObject;
  /** A stable key ID (the JWS `kid`): base64url of the SPKI's sha256, first 32 characters. */
  kid: string;
}

function algFor(key: KeyObject, file: string): TokenKeys['alg'] {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
  }
  throw invalidArgument(`${file}: token keys must be RSA or EC P-256/P-384 (got ${key.asymmetricKeyType})`);
}

/**
 * Loads a PEM key file: a private key (PKCS#8, SEC1 or PKCS#1) lets the registry issue and
 * verify tokens; a public key or certificate only verifies tokens issued elsewhere.
 */
export async function loadTokenKeys(file: string): Promise<TokenKeys> {
  const pem = await fs.readFile(file, 'utf8');
  let privateKey: KeyObject | undefined;
  let publicKey: KeyObject;
  if (pem.includes('PRIVATE KEY')) {
    privateKey = createPrivateKey(pem);
    publicKey = createPublicKey(privateKey);
  } else if (pem.includes('BEGIN CERTIFICATE')) {
    publicKey = new X509Certificate(pem).publicKey;
  } else if (pem.includes('PUBLIC KEY')) {
    publicKey = createPublicKey(pem);
  } else {
    throw invalidArgument(`${file}: no PEM private key, public key or certificate found`);
  }
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const kid = createHash('sha256').update(der).digest('base64url').slice(0, 32);
  return { alg: algFor(publicKey, file), privateKey, publicKey, kid };
}
