/**
 * The platform's message encryption (docs/elasticio-platform.md §4.3), written from the description:
 * AES-256-CBC, key = SHA-256(password), IV = the UTF-8 bytes of a 16-character string,
 * plaintext = JSON. Protocol 1 (the default, and what these tests use) puts the base64 text of
 * the ciphertext on the wire.
 */
import { createCipheriv, createDecipheriv, createHash } from 'crypto';

export interface MessageCipher {
  /** Payload → protocol-1 message content (base64 text as bytes). */
  encrypt(payload: unknown): Buffer;
  /** Protocol-1 content (base64 text) → payload. */
  decrypt(content: Buffer | string): unknown;
}

export function messageCipher(password: string, iv: string): MessageCipher {
  const key = createHash('sha256').update(password, 'utf8').digest();
  const ivBytes = Buffer.from(iv, 'utf8');
  if (ivBytes.length !== 16) {
    throw new Error(`the message IV must be 16 bytes, got ${ivBytes.length}`);
  }
  return {
    encrypt(payload) {
      const cipher = createCipheriv('aes-256-cbc', key, ivBytes);
      const bytes = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
      return Buffer.from(bytes.toString('base64'), 'utf8');
    },
    decrypt(content) {
      const decipher = createDecipheriv('aes-256-cbc', key, ivBytes);
      const bytes = Buffer.from(content.toString(), 'base64');
      const text = Buffer.concat([decipher.update(bytes), decipher.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    },
  };
}
