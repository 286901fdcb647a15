// A throwaway HTTPS server on 127.0.0.1 with a self-signed certificate made by openssl, and a
// fetch that trusts exactly that certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import type { GeoFetch } from '../../../src/core/geo/onlineGeoLookup';

export interface LocalHttpsServer {
  url: string;
  fetch: GeoFetch;
  requests: string[];
  close(): Promise<void>;
}

export async function startLocalHttpsServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<LocalHttpsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'geo-https-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const key = readFileSync(join(dir, 'key.pem'));
    const cert = readFileSync(join(dir, 'cert.pem'));
    const requests: string[] = [];
    const server: Server = createServer({ key, cert }, (request, response) => {
      requests.push(request.url ?? '');
      handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const agent = new Agent({ connect: { ca: cert } });
    return {
      url: `https://127.0.0.1:${port}/`,
      requests,
      fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: agent }),
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await agent.close();
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
