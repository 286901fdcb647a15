/**
 * Sends alerts and recoveries to the user's channels (webhooks, Slack, Teams, Discord), so a team
 * hears of an outage when no editor is open: the CLI's `watch` and the checking window both use
 * it. Each message is posted once per channel: a delivery that a receiver answered with 2xx is
 * never sent again, and one that failed on the way (no connection, a timeout, 408, 429 or 5xx) is
 * retried with exponential backoff (honouring Retry-After) for a bounded number of attempts. A
 * channel sends at most `maxPerMinute` messages a minute; the rest wait their turn in a bounded
 * queue, so an outage of fifty targets does not get the webhook blocked.
 *
 * A channel's URL is a secret (it is the credential of a Slack or Discord webhook): it is posted
 * to and to nothing else. Redirects are not followed, and it never appears in a message or a log
 * line, which name the channel only.
 *
 * Behind a proxy (the same settings the probes use), a message goes through it with undici's
 * ProxyAgent: a CONNECT tunnel, TLS to the receiver inside it, Proxy-Authorization to the proxy
 * only. The receiver's address never reaches the proxy but as the tunnel's host and port.
 */
import { type Dispatcher, request } from 'undici';
import { ProxyAgents } from '../probes/proxyAgents';
import { NO_PROXY, type ProxySettings } from '../probes/proxySettings';
import type { Disposable } from '../disposable';
import { classifyAddress } from '../probes/addressClass';
import type { MonitorEvent } from '../scheduler/monitorEvent';
import { type AlertChannelFormat, alertBody, type AlertMessage, alertMessageFrom } from './alertMessages';

export interface AlertChannel {
  /** Shown in messages about the channel; never its URL. */
  name: string;
  format: AlertChannelFormat;
  url: string;
  /** For `webhook`: the JSON body with `{{field}}` placeholders (alertMessages.ts). */
  template?: string;
}

export interface AlertDeliveryOptions {
  /** Attempts per message, the first included (default 5). */
  maxAttempts?: number;
  /** Wait before the first retry; doubled each time (default 1 s). */
  retryDelayMs?: number;
  /** Longest wait between two attempts, Retry-After included (default 60 s). */
  maxRetryDelayMs?: number;
  /** Per channel (default 20). */
  maxPerMinute?: number;
  /** A request that takes longer fails and is retried (default 10 s). */
  timeoutMs?: number;
  /** Messages waiting per channel; beyond, the oldest is dropped and reported (default 200). */
  maxQueued?: number;
  /** Told of every delivery that gave up, and of dropped messages: for the log and the user. */
  onProblem?: (problem: string) => void;
  /** Told of every message a receiver accepted. */
  onDelivered?: (channel: string, message: AlertMessage) => void;
  /** The proxy settings in force, read at each delivery (default: none). */
  proxy?: () => ProxySettings;
}

/** Ids kept per channel to refuse a second delivery of the same message. */
const DELIVERED_IDS_KEPT = 1_000;
const MINUTE_MS = 60_000;

class ChannelQueue {
  private readonly queue: AlertMessage[] = [];
  private readonly delivered = new Set<string>();
  private readonly sentAt: number[] = [];
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly channel: AlertChannel,
    private readonly options: Required<Omit<AlertDeliveryOptions, 'onProblem' | 'onDelivered'>> &
      Pick<AlertDeliveryOptions, 'onProblem' | 'onDelivered'>,
    private readonly dispatcherFor: (url: string) => Dispatcher | undefined,
  ) {}

  enqueue(message: AlertMessage): void {
    if (this.stopped || this.delivered.has(message.id) || this.queue.some((queued) => queued.id === message.id)) return;
    this.queue.push(message);
    if (this.queue.length > this.options.maxQueued) {
      const dropped = this.queue.shift()!;
      this.options.onProblem?.(
        `Alert channel "${this.channel.name}" has more than ${this.options.maxQueued} messages waiting; the oldest (${dropped.kind} of ${dropped.targetName}) was dropped.`,
      );
    }
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once every queued message was delivered or given up on. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.wake?.();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      await this.waitForRateLimit();
      const message = this.queue.shift();
      if (!message || this.stopped) return;
      this.sentAt.push(Date.now());
      if (await this.deliver(message)) {
        this.delivered.add(message.id);
        if (this.delivered.size > DELIVERED_IDS_KEPT) this.delivered.delete(this.delivered.values().next().value!);
        this.options.onDelivered?.(this.channel.name, message);
      }
    }
  }

  private async waitForRateLimit(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.sentAt.length > 0 && now - this.sentAt[0]! >= MINUTE_MS) this.sentAt.shift();
      if (this.sentAt.length < this.options.maxPerMinute || this.stopped) return;
      await this.sleep(MINUTE_MS - (now - this.sentAt[0]!));
    }
  }

  /** Posts `message` until it is accepted, refused for good or out of attempts. */
  private async deliver(message: AlertMessage): Promise<boolean> {
    const body = JSON.stringify(alertBody(this.channel.format, message, this.channel.template));
    let delayMs = this.options.retryDelayMs;
    for (let attempt = 1; attempt <= this.options.maxAttempts && !this.stopped; attempt++) {
      const outcome = await this.post(body, message.id);
      if (outcome.ok) return true;
      if (!outcome.retry || attempt === this.options.maxAttempts) {
        const what = message.kind === 'alert' ? `the alert for ${message.targetName}` : `the recovery of ${message.targetName}`;
        this.options.onProblem?.(
          `Alert channel "${this.channel.name}" did not take ${what} after ${attempt} attempt(s): ${outcome.reason}`,
        );
        return false;
      }
      await this.sleep(Math.min(this.options.maxRetryDelayMs, Math.max(delayMs, outcome.retryAfterMs ?? 0)));
      delayMs *= 2;
    }
    return false;
  }

  private async post(
    body: string,
    id: string,
  ): Promise<{ ok: true } | { ok: false; retry: boolean; reason: string; retryAfterMs?: number }> {
    try {
      const response = await request(this.channel.url, {
        dispatcher: this.dispatcherFor(this.channel.url),
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'network-monitor', 'idempotency-key': id },
        body,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      // The answer is not needed; reading it frees the connection.
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { ok: true };
      if (status >= 300 && status < 400)
        return {
          ok: false,
          retry: false,
          reason: `it answered ${status} (a redirect, not followed: the channel's address is sent nowhere else). Check the address.`,
        };
      const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      if (status === 408 || status === 429 || status >= 500)
        return { ok: false, retry: true, reason: `it answered ${status}.`, retryAfterMs };
      return { ok: false, retry: false, reason: `it answered ${status}. Check the channel's address and format.` };
    } catch (error) {
      return { ok: false, retry: true, reason: `${(error as Error).message}.` };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * A channel's URL must be https: the URL is the channel's credential, and the messages name the
 * user's hosts and their failures, so neither may cross a network in the clear. Plain http is
 * allowed to this machine only (a local relay, a test receiver).
 */
export function alertChannelUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'The alert channel address is not a URL.';
  }
  if (parsed.protocol === 'https:') return undefined;
  // localhost and its subdomains are this machine (RFC 6761), as the probes' resolver has it too.
  const onThisMachine = /(^|\.)localhost$/.test(parsed.hostname) || classifyAddress(parsed.hostname) === 'loopback';
  if (parsed.protocol === 'http:' && onThisMachine) return undefined;
  return 'The alert channel address must start with https:// (http:// only to this machine, such as http://127.0.0.1 for a local relay).';
}

export class AlertDelivery implements Disposable {
  private queues: ChannelQueue[] = [];
  private readonly options: ConstructorParameters<typeof ChannelQueue>[1];
  private readonly proxyAgents: ProxyAgents;

  constructor(channels: readonly AlertChannel[], options: AlertDeliveryOptions = {}) {
    this.options = {
      maxAttempts: options.maxAttempts ?? 5,
      retryDelayMs: options.retryDelayMs ?? 1_000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 60_000,
      maxPerMinute: options.maxPerMinute ?? 20,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxQueued: options.maxQueued ?? 200,
      onProblem: options.onProblem,
      onDelivered: options.onDelivered,
      proxy: options.proxy ?? (() => NO_PROXY),
    };
    this.proxyAgents = new ProxyAgents(this.options.proxy);
    this.setChannels(channels);
  }

  /** Replaces the channels (settings changed); a channel kept by name and URL keeps its queue and memory. */
  setChannels(channels: readonly AlertChannel[]): void {
    const next: ChannelQueue[] = [];
    for (const channel of channels) {
      // Checked here too, for a channel stored before the rule was as strict, or given by a caller.
      const problem = alertChannelUrlProblem(channel.url);
      if (problem !== undefined) {
        this.options.onProblem?.(`Alert channel "${channel.name}" is not used: ${problem}`);
        continue;
      }
      const existing = this.queues.find(
        (queue) =>
          queue.channel.name === channel.name &&
          queue.channel.url === channel.url &&
          queue.channel.format === channel.format &&
          queue.channel.template === channel.template,
      );
      next.push(existing ?? new ChannelQueue(channel, this.options, (url) => this.proxyAgents.dispatcherFor(url)));
    }
    for (const queue of this.queues) if (!next.includes(queue)) queue.stop();
    this.queues = next;
  }

  get channelCount(): number {
    return this.queues.length;
  }

  get channelNames(): string[] {
    return this.queues.map((queue) => queue.channel.name);
  }

  /** Hands alerts and recoveries to every channel; other events are ignored. */
  handle(event: MonitorEvent): void {
    if (event.type !== 'alert' && event.type !== 'recovered') return;
    const message = alertMessageFrom(event);
    for (const queue of this.queues) queue.enqueue(message);
  }

  /** Sends `message` to every channel (a test message from the settings, say). */
  send(message: AlertMessage): void {
    for (const queue of this.queues) queue.enqueue(message);
  }

  /** Resolves when nothing is waiting or being retried. */
  async idle(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.idle()));
  }

  dispose(): void {
    for (const queue of this.queues) queue.stop();
    this.queues = [];
    this.proxyAgents.dispose();
  }
}
