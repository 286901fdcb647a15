/**
 * What an alert channel sends: one message per alert (a target is down after the failure
 * threshold) and per recovery, and the JSON body each kind of receiver accepts: a generic webhook
 * (our own fields, or the user's template), Slack and Discord incoming webhooks, and Microsoft
 * Teams workflows (an Adaptive Card). Everything in a message may come from a server's answer or
 * a workspace's settings, so it is only ever placed as JSON string values, and each chat's markup
 * is escaped in it: no mention (`<!channel>`, `<@U…>`, `@everyone`), no link with a label that
 * hides where it goes (`<https://…|label>`, `[label](https://…)`), whatever a server answered or a
 * target is called. Discord is also told not to turn any of it into mentions.
 */
import { neutraliseLinks } from '../../shared/untrustedText';
import type { AlertEvent, RecoveredEvent } from '../scheduler/monitorEvent';

export const ALERT_CHANNEL_FORMATS = ['webhook', 'slack', 'teams', 'discord'] as const;
export type AlertChannelFormat = (typeof ALERT_CHANNEL_FORMATS)[number];

export interface AlertMessage {
  /** The same for every delivery of one alert or recovery, to every channel: receivers may dedupe on it. */
  id: string;
  kind: 'alert' | 'recovered';
  targetId: string;
  targetName: string;
  /** The target's address as the user wrote it (secrets in headers never appear here). */
  url: string;
  status: 'DOWN' | 'UP' | 'DEGRADED';
  /** What the check found, in one sentence. */
  detail: string;
  /** When the check that raised it started (epoch ms). */
  at: number;
  consecutiveFailures: number | null;
  downtimeMs: number | null;
  /** The line a person reads, as the editor shows it. */
  text: string;
}

/** Discord refuses content over 2,000 characters; Slack and Teams cut long texts anyway. */
const MAX_TEXT = 1_900;

export function alertMessageFrom(event: AlertEvent | RecoveredEvent): AlertMessage {
  const { target, result } = event;
  const base = { targetId: target.id, targetName: target.name, url: target.url, at: result.startedAt, detail: result.message };
  if (event.type === 'alert') {
    return {
      ...base,
      id: `${target.id}:alert:${result.startedAt}`,
      kind: 'alert',
      status: 'DOWN',
      consecutiveFailures: event.consecutiveFailures,
      downtimeMs: null,
      text: clip(`🔴 ${target.name} is DOWN after ${event.consecutiveFailures} failed checks: ${result.message} (${target.url})`),
    };
  }
  return {
    ...base,
    id: `${target.id}:recovered:${result.startedAt}`,
    kind: 'recovered',
    status: result.status === 'DEGRADED' ? 'DEGRADED' : 'UP',
    consecutiveFailures: null,
    downtimeMs: event.downtimeMs,
    text: clip(
      `🟢 ${target.name} is back ${result.status === 'DEGRADED' ? '(degraded) ' : ''}after ${formatDowntime(event.downtimeMs)} down: ${result.message} (${target.url})`,
    ),
  };
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function formatDowntime(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${(minutes / 60).toFixed(1)} h`;
}

/** The fields a generic webhook's template may use, as `{{name}}` inside its string values. */
export const TEMPLATE_FIELDS = [
  'id',
  'kind',
  'targetId',
  'targetName',
  'url',
  'status',
  'detail',
  'at',
  'time',
  'consecutiveFailures',
  'downtimeMs',
  'text',
] as const;

/**
 * Checks a generic webhook's body template: JSON whose string values may hold `{{field}}`
 * placeholders. Returns the message to show the user when it is not usable.
 */
export function templateProblem(template: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(template);
  } catch (error) {
    return `The webhook body template is not JSON: ${(error as Error).message}`;
  }
  const unknown = new Set<string>();
  walkStrings(parsed, (value) => {
    for (const [, name] of value.matchAll(/\{\{\s*(\w+)\s*\}\}/g))
      if (!(TEMPLATE_FIELDS as readonly string[]).includes(name!)) unknown.add(name!);
    return value;
  });
  if (unknown.size > 0)
    return `The webhook body template uses unknown fields: ${[...unknown].join(', ')}. Known fields: ${TEMPLATE_FIELDS.join(', ')}.`;
  return undefined;
}

/** The JSON body a channel of `format` sends for `message`. */
export function alertBody(format: AlertChannelFormat, message: AlertMessage, template?: string): unknown {
  switch (format) {
    case 'slack':
      return { text: clip(slackText(message.text)) };
    case 'discord':
      // No @everyone, @here, role or user mention, whatever a target's name or a server's answer holds.
      return { content: clip(discordText(message.text)), allowed_mentions: { parse: [] } };
    case 'teams':
      return {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              // A TextBlock's Markdown has links but no escape character: the look-alikes of neutraliseLinks.
              body: [{ type: 'TextBlock', text: neutraliseLinks(message.text), wrap: true }],
            },
          },
        ],
      };
    case 'webhook':
      return template === undefined ? defaultWebhookBody(message) : fillTemplate(template, message);
  }
}

/**
 * Slack's mrkdwn: `&`, `<` and `>` are its control characters (`<!channel>`, `<@U123>`,
 * `<https://…|label>`), and Slack asks for exactly these three to be sent as HTML entities.
 */
export function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Discord's Markdown: a backslash before punctuation shows it as it is, so `[label](https://…)`
 * is no masked link and `<@123>`, `<#123>`, `</command:123>` are no mention; `@everyone` and
 * `@here` get a zero-width space after the `@`, as Discord's own clients do, so they do not even
 * look like a mention. Backslashes are escaped first, so a server cannot undo an escape.
 */
export function discordText(text: string): string {
  return text.replace(/[\\[\]<>]/g, '\\$&').replace(/@(everyone|here)\b/gi, '@\u200b$1');
}

function defaultWebhookBody(message: AlertMessage): unknown {
  return {
    id: message.id,
    event: message.kind,
    target: { id: message.targetId, name: message.targetName, url: message.url },
    status: message.status,
    detail: message.detail,
    at: new Date(message.at).toISOString(),
    consecutiveFailures: message.consecutiveFailures,
    downtimeMs: message.downtimeMs,
    text: message.text,
  };
}

/**
 * Fills the placeholders of a (valid) template. A string that is exactly one placeholder takes
 * the field's own JSON type (a number stays a number); elsewhere fields are inserted as text.
 */
function fillTemplate(template: string, message: AlertMessage): unknown {
  const fields: Record<string, string | number | null> = { ...message, time: new Date(message.at).toISOString() };
  return walkStrings(JSON.parse(template), (value) => {
    const whole = /^\{\{\s*(\w+)\s*\}\}$/.exec(value);
    if (whole && whole[1]! in fields) return fields[whole[1]!] ?? null;
    return value.replace(/\{\{\s*(\w+)\s*\}\}/g, (placeholder, name: string) =>
      name in fields ? String(fields[name] ?? '') : placeholder,
    );
  });
}

function walkStrings(value: unknown, replace: (text: string) => unknown): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((item) => walkStrings(item, replace));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walkStrings(item, replace)]));
  }
  return value;
}
