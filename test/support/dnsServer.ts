/**
 * A small authoritative DNS server on 127.0.0.1 (UDP) for the tests: answers A and AAAA from a
 * table with a TTL, NXDOMAIN for unknown names, and counts the queries it gets so a test can see
 * whether a resolver cached an answer. Optionally delays its answers or stays silent.
 */
import { createSocket } from 'node:dgram';
import { isIPv4 } from 'node:net';

export interface DnsRecords {
  [name: string]: { a?: string[]; aaaa?: string[]; ttl?: number };
}

export interface TestDnsServer {
  /** `127.0.0.1:port`, for `DnsResolver({ servers: [...] })`. */
  address: string;
  queries: Map<string, number>;
  /** Milliseconds to wait before answering; `Infinity` never answers. */
  delayMs: number;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

export async function startDnsServer(records: DnsRecords): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const timers = new Set<NodeJS.Timeout>();
  const server: TestDnsServer = {
    address: '',
    queries: new Map(),
    delayMs: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        socket.close(() => resolve());
      }),
  };

  socket.on('message', (message, remote) => {
    const question = parseQuestion(message);
    if (!question) return;
    server.queries.set(question.name, (server.queries.get(question.name) ?? 0) + 1);
    const reply = buildReply(message, question, records[question.name]);
    if (server.delayMs === Infinity) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      socket.send(reply, remote.port, remote.address);
    }, server.delayMs);
    timers.add(timer);
  });

  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  server.address = `127.0.0.1:${socket.address().port}`;
  return server;
}

interface Question {
  name: string;
  type: number;
  /** Offset just past the question section. */
  end: number;
}

function parseQuestion(message: Buffer): Question | undefined {
  if (message.length < 12 || message.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  while (offset < message.length) {
    const length = message[offset]!;
    offset++;
    if (length === 0) break;
    labels.push(message.subarray(offset, offset + length).toString('ascii'));
    offset += length;
  }
  if (offset + 4 > message.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: message.readUInt16BE(offset), end: offset + 4 };
}

function buildReply(query: Buffer, question: Question, entry: DnsRecords[string] | undefined): Buffer {
  const addresses = entry ? (question.type === TYPE_A ? (entry.a ?? []) : question.type === TYPE_AAAA ? (entry.aaaa ?? []) : []) : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR=1, opcode 0, AA=1, RD copied, RA=1; RCODE 3 (NXDOMAIN) for an unknown name.
  const rd = query[2]! & 0x01;
  header[2] = 0x84 | rd;
  header[3] = 0x80 | (entry ? 0 : 3);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((address) => {
    const data = question.type === TYPE_A ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // pointer to the name in the question
    record.writeUInt16BE(question.type, 2);
    record.writeUInt16BE(1, 4);
    record.writeUInt32BE(entry?.ttl ?? 300, 6);
    record.writeUInt16BE(data.length, 10);
    return Buffer.concat([record, data]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

function ipv6Bytes(address: string): Buffer {
  if (isIPv4(address)) throw new Error(`${address} is not IPv6`);
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}
