/**
 * Asks whoever holds the API port whether it is another window of this extension, without
 * sending it the token: a fresh nonce goes to GET /api/identify, and only an answer carrying the
 * right proof (identityChallenge.ts) counts. Anything else (no answer, a slow or huge answer,
 * not JSON, a wrong proof) means another program holds the port. No Authorization header, cookie
 * or token ever leaves this function.
 */
import { request } from 'node:http';
import { createIdentifyNonce, IDENTIFY_PATH, IDENTIFY_SERVICE, proofMatches } from './identityChallenge';

export type PortHolderAnswer =
  | { sibling: true }
  | {
      sibling: false;
      /**
       * `wrong-proof`: a well-formed Network Monitor answer with another token (the CLI, another
       * profile, or a window still serving the token just replaced); the rest: not our API at all.
       */
      reason: 'no-answer' | 'timeout' | 'http-status' | 'too-large' | 'not-json' | 'not-network-monitor' | 'wrong-proof';
      /** One sentence for the log. */
      detail: string;
    };

export interface AskPortHolderOptions {
  port: number;
  /** The shared token: only used to check the proof, never sent. */
  token: string;
  /** The whole exchange, connect to last byte (default 2 s). */
  timeoutMs?: number;
  /** The most of the answer read (default 4 KiB); a real answer is about 100 bytes. */
  maxBodyBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_MAX_BODY_BYTES = 4 * 1024;

/** Never rejects: every failure is a `sibling: false` answer with a reason. */
export function askPortHolder(options: AskPortHolderOptions): Promise<PortHolderAnswer> {
  const { port, token } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const nonce = createIdentifyNonce();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PortHolderAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outgoing.destroy();
      resolve(result);
    };
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: 'GET',
        path: `${IDENTIFY_PATH}?nonce=${nonce}`,
        // Only what the API's guards need; no agent, so no pooled connection carries anything else.
        headers: { host: `127.0.0.1:${port}`, accept: 'application/json' },
        setHost: false,
        agent: false,
      },
      (response) => {
        if (response.statusCode !== 200) {
          finish({ sibling: false, reason: 'http-status', detail: `It answered HTTP ${response.statusCode ?? '?'} to ${IDENTIFY_PATH}.` });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBodyBytes) {
            finish({ sibling: false, reason: 'too-large', detail: `Its answer to ${IDENTIFY_PATH} is larger than ${maxBodyBytes} bytes.` });
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', () => finish({ sibling: false, reason: 'no-answer', detail: 'The connection broke during its answer.' }));
        response.on('end', () => finish(judge(Buffer.concat(chunks).toString('utf8'), token, port, nonce)));
      },
    );
    const timer = setTimeout(
      () => finish({ sibling: false, reason: 'timeout', detail: `It did not answer ${IDENTIFY_PATH} within ${timeoutMs} ms.` }),
      timeoutMs,
    );
    outgoing.on('error', (error) => finish({ sibling: false, reason: 'no-answer', detail: `It gave no answer (${error.message}).` }));
    outgoing.end();
  });
}

function judge(text: string, token: string, port: number, nonce: string): PortHolderAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { sibling: false, reason: 'not-json', detail: `Its answer to ${IDENTIFY_PATH} is not JSON.` };
  }
  const { service, proof } = (typeof body === 'object' && body !== null ? body : {}) as { service?: unknown; proof?: unknown };
  if (service !== IDENTIFY_SERVICE || typeof proof !== 'string') {
    return { sibling: false, reason: 'not-network-monitor', detail: `Its answer to ${IDENTIFY_PATH} is not a Network Monitor identity.` };
  }
  if (!proofMatches(proof, token, port, nonce)) {
    return {
      sibling: false,
      reason: 'wrong-proof',
      detail: "It answers like a Network Monitor API but cannot prove it holds this editor's token.",
    };
  }
  return { sibling: true };
}
