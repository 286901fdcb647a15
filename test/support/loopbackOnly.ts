/**
 * A safety net for tests about addresses the probe must refuse: while installed, every outgoing
 * TCP connection to an address outside loopback is recorded and fails at once instead of leaving
 * the machine. A probe that would have connected (the fix reverted, or a user target allowed
 * through) shows up in `attempts`, and no packet reaches a metadata service or a private network.
 */
import { isIP, Socket } from 'node:net';
import { classifyAddress } from '../../src/core/probes/addressClass';

export interface LoopbackOnly {
  /** `host:port` of every refused connection, in order. */
  attempts: string[];
  restore(): void;
}

export function allowLoopbackOnly(): LoopbackOnly {
  const original = Socket.prototype.connect;
  const attempts: string[] = [];
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]): Socket {
    // net.connect() passes its arguments on already normalised, as one array.
    const [first, second] = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
    const options = typeof first === 'object' && first !== null ? (first as { host?: string; port?: number; path?: string }) : undefined;
    const host = options ? options.host : typeof second === 'string' ? second : undefined;
    const port = options ? options.port : first;
    const isPipe = options?.path !== undefined || (typeof first === 'string' && isNaN(Number(first)));
    // A name would be resolved by the system; only an address known to be loopback may go out.
    const loopback = host === undefined || host === 'localhost' || (isIP(host) !== 0 && classifyAddress(host) === 'loopback');
    if (isPipe || loopback) return (original as (...a: unknown[]) => Socket).apply(this, args);
    attempts.push(`${host}:${String(port)}`);
    process.nextTick(() => this.destroy(Object.assign(new Error(`test refused a connection to ${host}`), { code: 'ECONNREFUSED' })));
    return this;
  } as typeof Socket.prototype.connect;
  return { attempts, restore: () => (Socket.prototype.connect = original) };
}
