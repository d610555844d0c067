import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encrypts the few provider secrets a session keeps (its refresh token, its ID token hint), so that
 * whoever reads Redis learns nothing usable from them.
 */
export interface Sealer {
  /** Ciphertext of `plaintext`, bound to `context`: it opens only with the same context. */
  seal(plaintext: string, context: string): string;
  /** The plaintext, or null for anything that was not sealed with this key and context. */
  open(sealed: string, context: string): string | null;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random 96-bit IV per message; the context is the additional authenticated
 * data, so a sealed value copied into another session's record does not open there. Format:
 * `v1.<base64url(iv ‖ tag ‖ ciphertext)>`.
 */
export function aesGcmSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte key');
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
    },
    open(sealed, context) {
      const [version, body, ...rest] = sealed.split('.');
      if (version !== VERSION || body === undefined || rest.length > 0) return null;
      const bytes = Buffer.from(body, 'base64url');
      if (bytes.length < IV_BYTES + TAG_BYTES) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}
