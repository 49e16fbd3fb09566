import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { Problem } from './problem';
import { SECURITY_HEADERS } from './security-headers';

/** What Node's HTTP parser refused, in words a client can act on. */
function problemFor(code: string | undefined): Problem {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new Problem('headers-too-large', 'the request line and headers together must stay under 16 KB');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new Problem('request-timeout', 'the request did not arrive in time');
    case 'HPE_INVALID_URL':
      return new Problem('bad-request', 'the request target must start with "/" and contain only ASCII; percent-encode everything else');
    default:
      return new Problem('bad-request', 'the request is not valid HTTP/1.1 (its request line, headers or framing)');
  }
}

/**
 * The HTTP server's 'clientError' handler: requests Node refuses before express sees them (an
 * oversized header, raw non-ASCII bytes in the path, a target not starting with '/', bad framing)
 * get the same problem+json, request id and security headers as every other refusal, instead of
 * Node's empty 400/431. The connection is closed afterwards: its framing cannot be trusted.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex, log: Logger): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const problem = problemFor(err.code);
  log.info({ requestId, problem: problem.kind, reason: err.code }, 'request refused by the HTTP parser');
  const body = JSON.stringify(problem.toBody());
  const headers = {
    'Content-Type': 'application/problem+json',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Request-Id': requestId,
    ...SECURITY_HEADERS,
    Connection: 'close',
  };
  const head = [`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`);
}
