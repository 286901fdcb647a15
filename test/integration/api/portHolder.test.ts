/**
 * Telling a sibling window from another program on the API port, over real loopback sockets: a
 * real ApiServer proves it holds the token; "squatters" (plain servers recording every byte they
 * receive) that echo, lie, relay, hang or flood are all "not a sibling", and none of them ever
 * receives the token or an Authorization header. Rotating the token of a running server refuses
 * the old one at once.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createApiDataSource } from '../../../src/core/api/apiDataSource';
import { ApiServer } from '../../../src/core/api/apiServer';
import { identityProof } from '../../../src/core/api/identityChallenge';
import { createApiToken } from '../../../src/core/api/requestGuards';
import { askPortHolder } from '../../../src/core/api/portHolder';
import { call } from './apiTestSupport';

type SquatterMode = 'echo' | 'garbage' | 'fake-proof' | 'hang' | 'huge' | 'relay' | 'error-status';

/** A program holding a port: records the raw bytes of every request and answers as `mode` says. */
class Squatter {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly received: Buffer[],
    private readonly sockets: Set<Socket>,
  ) {}

  static async start(mode: SquatterMode, relayTo?: number): Promise<Squatter> {
    const received: Buffer[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      let head = Buffer.alloc(0);
      let answered = false;
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        head = Buffer.concat([head, chunk]);
        if (answered || !head.includes('\r\n\r\n')) return;
        answered = true;
        void answer(socket, mode, head.toString('latin1'), relayTo);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return new Squatter(server, typeof address === 'object' && address ? address.port : 0, received, sockets);
  }

  /** Everything every request carried: request line, headers and body. */
  get text(): string {
    return Buffer.concat(this.received).toString('latin1');
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function respond(socket: Socket, status: string, contentType: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

async function answer(socket: Socket, mode: SquatterMode, head: string, relayTo: number | undefined): Promise<void> {
  const path = head.split(' ')[1] ?? '/';
  switch (mode) {
    case 'echo':
      // Reflects the whole request back, as JSON with a "proof" made of what it was sent.
      respond(socket, '200 OK', 'application/json', JSON.stringify({ service: 'network-monitor', proof: head, echo: head }));
      return;
    case 'garbage':
      respond(socket, '200 OK', 'application/json', '<html>not json at all</html>');
      return;
    case 'fake-proof':
      respond(socket, '200 OK', 'application/json', JSON.stringify({ service: 'network-monitor', proof: 'ab'.repeat(32) }));
      return;
    case 'error-status':
      respond(socket, '401 Unauthorized', 'application/json', JSON.stringify({ error: 'unauthorized' }));
      return;
    case 'hang':
      return; // Keeps the connection open and never answers.
    case 'huge': {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = `{"service":"network-monitor","proof":"${'a'.repeat(64 * 1024)}`;
      // At most 64 chunks (4 MiB), stopping as soon as the client hangs up.
      for (let i = 0; i < 64 && !socket.destroyed; i++) {
        socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      socket.end('0\r\n\r\n');
      return;
    }
    case 'relay': {
      // Forwards the question to a real window listening on another port and hands back its answer.
      const body = await new Promise<string>((resolve, reject) => {
        const forwarded = request(
          { host: '127.0.0.1', port: relayTo, path, headers: { host: `127.0.0.1:${relayTo}` }, agent: false },
          (response) => {
            let text = '';
            response.on('data', (data: Buffer) => (text += data.toString('utf8')));
            response.on('end', () => resolve(text));
          },
        );
        forwarded.on('error', reject);
        forwarded.end();
      });
      respond(socket, '200 OK', 'application/json', body);
      return;
    }
  }
}

describe('recognising a sibling window on the API port', () => {
  const token = createApiToken();
  const source = createApiDataSource({ store: undefined, getTargets: () => [], isWriter: () => true });
  let sibling: ApiServer;
  let siblingPort: number;
  const squatters: Squatter[] = [];

  async function squatter(mode: SquatterMode): Promise<Squatter> {
    const started = await Squatter.start(mode, siblingPort);
    squatters.push(started);
    return started;
  }

  /** The squatter received at least one request and nothing of the token or any credentials. */
  function assertNothingLeaked(held: Squatter): void {
    assert.match(held.text, /^GET \/api\/identify\?nonce=[0-9a-f]{64} HTTP\/1\.1\r\n/, 'the squatter was asked');
    assert.doesNotMatch(held.text, /authorization|cookie/i, 'credentials were sent to the squatter');
    assert.ok(!held.text.includes(token), 'the token reached the squatter');
  }

  /** Probes a squatter of this kind, checks it learnt nothing, and returns why it was refused. */
  async function refusalBy(mode: SquatterMode, timeoutMs?: number): Promise<string | undefined> {
    const held = await squatter(mode);
    const result = await askPortHolder({ port: held.port, token, timeoutMs });
    assertNothingLeaked(held);
    return result.sibling ? undefined : result.reason;
  }

  before(async () => {
    sibling = new ApiServer({ port: 0, token, allowUnauthenticatedMetrics: false, source });
    ({ port: siblingPort } = await sibling.start());
  });

  after(async () => {
    for (const held of squatters) await held.close();
    await sibling.dispose();
  });

  it('accepts a real window that holds the same token', async () => {
    assert.deepEqual(await askPortHolder({ port: siblingPort, token }), { sibling: true });
  });

  it('refuses a real Network Monitor API with another token (the CLI, another profile)', async () => {
    const result = await askPortHolder({ port: siblingPort, token: createApiToken() });
    assert.equal(result.sibling, false);
    assert.equal(!result.sibling && result.reason, 'wrong-proof');
  });

  it('refuses a program that echoes the request back, which learns no token', async () => {
    assert.equal(await refusalBy('echo'), 'wrong-proof');
  });

  it('refuses a program that claims to be Network Monitor with a made-up proof', async () => {
    assert.equal(await refusalBy('fake-proof'), 'wrong-proof');
  });

  it('refuses a program that relays the question to a real window on another port', async () => {
    assert.equal(await refusalBy('relay'), 'wrong-proof');
  });

  it('refuses answers that are not JSON, not 200, or never come', async () => {
    assert.equal(await refusalBy('garbage'), 'not-json');
    assert.equal(await refusalBy('error-status'), 'http-status');
    assert.equal(await refusalBy('hang', 300), 'timeout');
  });

  it('stops reading a huge answer at the cap', async () => {
    assert.equal(await refusalBy('huge'), 'too-large');
  });

  it('says no answer when nothing listens', async () => {
    const held = await squatter('hang');
    const port = held.port;
    await held.close();
    squatters.splice(squatters.indexOf(held), 1);
    assert.equal(((r) => !r.sibling && r.reason)(await askPortHolder({ port, token })), 'no-answer');
  });
});

describe('rotating the token of a running API', () => {
  it('refuses the old token at once and accepts the new one, on the same port', async () => {
    const source = createApiDataSource({ store: undefined, getTargets: () => [], isWriter: () => true });
    const oldToken = createApiToken();
    const server = new ApiServer({ port: 0, token: oldToken, allowUnauthenticatedMetrics: false, source });
    const { port } = await server.start();
    try {
      assert.equal((await call(port, { path: '/api/health', token: oldToken })).status, 200);
      const newToken = createApiToken();
      server.setToken(newToken);
      assert.equal(server.port, port);
      assert.equal((await call(port, { path: '/api/health', token: oldToken })).status, 401);
      assert.equal((await call(port, { path: '/api/health', token: newToken })).status, 200);
      // Siblings recognise it with the new token only.
      assert.deepEqual(await askPortHolder({ port, token: newToken }), { sibling: true });
      assert.equal(((r) => !r.sibling && r.reason)(await askPortHolder({ port, token: oldToken })), 'wrong-proof');
      const nonce = 'cd'.repeat(32);
      const identity = (await call(port, { path: `/api/identify?nonce=${nonce}` })).json() as { proof: string };
      assert.equal(identity.proof, identityProof(newToken, port, nonce));
    } finally {
      await server.dispose();
    }
  });
});
