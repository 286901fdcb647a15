/**
 * Records the labelled phase-fault set (bench/anomaly/phaseFaults/): the product's own prober
 * checks real services on 127.0.0.1 (a DNS server for the name, an HTTPS server behind it), and a
 * fault is injected in one phase at a time over a labelled span of checks:
 *
 *   dns        the local DNS server answers late (the name has a TTL of 0, so every check looks it up);
 *   tls        the server's SNI callback answers late, so the ServerHello comes late;
 *   firstByte  the server waits longer before its response headers;
 *   transfer   the server waits longer between the first and the last part of the body.
 *
 * The server's own time goes down by as much as the fault adds (a faster first byte while DNS,
 * TLS or the transfer is slow; a faster transfer while the first byte is slow), so the total stays
 * within its usual noise: the set is about what the total alone cannot see.
 *
 * Not recorded: a connect fault. On loopback the kernel completes the TCP handshake before the
 * server calls accept(), so a delayed accept lands in the TLS phase, not in connect; the only
 * user-space way to slow connect (a full accept queue) costs a whole SYN retransmit (1 s), which
 * no server time can hide.
 *
 * Run: `node --import tsx bench/anomaly/recordPhaseFaults.ts` (about two minutes; loopback only).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { createSeededRandom } from '../../src/core/anomaly/seededRandom';
import { Prober } from '../../src/core/probes/prober';
import { resolveTarget } from '../../src/core/targets/target';
import { createSelfSigned } from '../../test/support/certificates';
import { startDnsServer } from '../../test/support/dnsServer';
import { PHASE_FAULT_KINDS, PHASE_FAULT_PLAN, PHASE_FAULTS_FOLDER, type PhaseFaultKind } from './phaseFaultSet';

const HOST = 'svc.phases.test';
/** The server's usual wait before the headers, and between the two parts of the body, in ms. */
const FIRST_BYTE_MS = 40;
const TRANSFER_MS = 16;
/** What a fault adds to its phase (and takes off the server's own time), in ms. */
const FAULT_MS = 12;
/** Spread of the server's own times: log-normal, as real servers are. */
const SERVER_SIGMA = 0.12;

const random = createSeededRandom(2026);
function jitter(ms: number): number {
  const u = Math.max(random(), 1e-12);
  const gaussian = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return ms * Math.exp(SERVER_SIGMA * gaussian);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** What the services do for the check being made. */
const injected = { dns: 0, tls: 0, firstByte: 0, transfer: 0 };

async function main(): Promise<void> {
  const credentials = createSelfSigned([HOST]);
  const context = createSecureContext({ key: credentials.key, cert: credentials.cert });
  const dns = await startDnsServer({ [HOST]: { a: ['127.0.0.1'], ttl: 0 } });
  const server = createServer(
    {
      key: credentials.key,
      cert: credentials.cert,
      // The handshake waits here before the ServerHello: the TLS phase's fault.
      SNICallback: (_name, done) => void sleep(injected.tls).then(() => done(null, context)),
    },
    (request: IncomingMessage, response: ServerResponse) => {
      request.resume();
      void (async () => {
        await sleep(jitter(FIRST_BYTE_MS) + injected.firstByte);
        response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
        response.write('first part\n');
        await sleep(jitter(TRANSFER_MS) + injected.transfer);
        response.end('last part\n');
      })();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const resolved = resolveTarget({ url: `https://${HOST}:${port}/`, tlsVerify: false, timeout: 5000 });
  if (!resolved.ok) throw new Error(resolved.error);
  const target = resolved.value;
  const prober = new Prober({ dns: { servers: [dns.address] } });

  const folder = PHASE_FAULTS_FOLDER;
  mkdirSync(folder, { recursive: true });
  try {
    // The first checks pay for cold code paths; they are not part of the set.
    for (let i = 0; i < 5; i++) await prober.check(target);
    for (const kind of PHASE_FAULT_KINDS) {
      const rows = ['check,label,dns,connect,tls,firstByte,transfer,total'];
      for (let i = 0; i < PHASE_FAULT_PLAN.checks; i++) {
        const faulty = i >= PHASE_FAULT_PLAN.faultFrom && i < PHASE_FAULT_PLAN.faultTo;
        setFault(faulty ? kind : null, dns);
        const result = await prober.check(target);
        if (result.status === 'DOWN') throw new Error(`check ${i} of ${kind} failed: ${result.message}`);
        const p = result.phases;
        const cells = [p.dns, p.connect, p.tls, p.firstByte, p.transfer, result.totalMs].map((ms) => ms.toFixed(3));
        rows.push([String(i), faulty ? kind : '', ...cells].join(','));
      }
      writeFileSync(join(folder, `${kind}.csv`), `${rows.join('\n')}\n`);
      console.log(`${kind}: ${PHASE_FAULT_PLAN.checks} checks recorded`);
    }
  } finally {
    await dns.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Slows `kind`'s phase by FAULT_MS and the server's own time by as much (none: the usual service). */
function setFault(kind: PhaseFaultKind | null, dns: { delayMs: number }): void {
  injected.dns = injected.tls = injected.firstByte = injected.transfer = 0;
  if (kind === null) {
    dns.delayMs = 0;
    return;
  }
  injected[kind] = FAULT_MS;
  dns.delayMs = injected.dns;
  // The total stays where it was: the transfer hides a slower first byte, the first byte the rest.
  if (kind === 'firstByte') injected.transfer = -FAULT_MS;
  else injected.firstByte = -FAULT_MS;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
