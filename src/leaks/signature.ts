// Signature check for secret-scanning reports, as GitHub's partner program signs
// them: ECDSA P-256 with SHA-256 over the raw request body, the key named by
// Github-Public-Key-Identifier and the base64 DER signature in
// Github-Public-Key-Signature, checked against the keys in the config.
import { verify } from 'node:crypto';
import type { ScannerKey } from '../config.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function isValidScannerSignature(keys: ScannerKey[], keyId: unknown, signature: unknown, rawBody: Buffer): boolean {
  if (typeof keyId !== 'string' || typeof signature !== 'string' || !BASE64.test(signature) || signature.length > 1024) return false;
  const key = keys.find((k) => k.id === keyId);
  if (!key) return false;
  try {
    return verify('sha256', rawBody, { key: key.key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    // A signature that is not valid DER is a bad signature, not a server error.
    return false;
  }
}
