import type { IncomingMessage, ServerResponse } from 'node:http';
import { isUtf8 } from 'node:buffer';

/**
 * Checks on the raw bytes of a JSON body, run by body-parser (its `verify` hook) after the body is
 * read and decompressed but before it is parsed. Everything downstream (validation, the
 * idempotency fingerprint's canonical JSON) recurses over the value, so depth is bounded here,
 * before any of it runs. Each refusal carries a `type` api/errors.ts maps to a 4xx problem.
 */
class BodyRefused extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Whether JSON text nests objects and arrays deeper than maxDepth (stops at the first level too
 * many). Works on bytes: in UTF-8 the structural characters never occur inside a multi-byte
 * sequence, so no decoding is needed.
 */
export function jsonDepthExceeds(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i += 1;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (OPEN.has(b)) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (CLOSE.has(b)) {
      depth -= 1;
    }
  }
  return false;
}

/** A body of only a byte-order mark (and whitespace) is not "no body": the client sent something. */
function onlyByteOrderMark(bytes: Uint8Array): boolean {
  if (bytes.length < 3 || bytes[0] !== 0xef || bytes[1] !== 0xbb || bytes[2] !== 0xbf) return false;
  for (let i = 3; i < bytes.length; i += 1) if (!WHITESPACE.has(bytes[i])) return false;
  return true;
}

export function verifyJsonBody(maxDepth: number) {
  return (_req: IncomingMessage, _res: ServerResponse, bytes: Buffer, encoding: string | null): void => {
    // JSON on the wire is UTF-8 (RFC 8259 §8.1); other charsets would bypass the checks below.
    if (encoding !== null && encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') {
      throw new BodyRefused('charset.unsupported', `charset ${encoding} is not supported`);
    }
    if (!isUtf8(bytes)) throw new BodyRefused('body.not-utf8', 'the body is not valid UTF-8');
    if (onlyByteOrderMark(bytes)) throw new BodyRefused('body.bom-only', 'the body is only a byte-order mark');
    if (jsonDepthExceeds(bytes, maxDepth)) {
      throw new BodyRefused('body.too-deep', `the body nests objects and arrays more than ${maxDepth} levels deep`);
    }
  };
}
