/**
 * Alert channels against real HTTP receivers on 127.0.0.1: each format's body, chat markup from
 * servers and names escaped, one delivery per alert and recovery, retries with backoff on
 * failures, no retry of a refusal, no redirect followed, the rate limit, a receiver that hangs.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { AlertDelivery, type AlertChannel, alertChannelUrlProblem } from '../../../src/core/alerts/alertDelivery';
import { templateProblem } from '../../../src/core/alerts/alertMessages';
import type { AlertEvent, RecoveredEvent } from '../../../src/core/scheduler/monitorEvent';
import { makeResult, makeTarget } from '../../unit/scheduler/fixtures';
import { squidUnavailable, startSquid } from '../../support/squidProxy';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A receiver that records every request and answers with what `answer` says for it (default 200). */
async function receiver(
  t: TestContext,
  answer: (request: Received, index: number, response: ServerResponse) => boolean | void = () => undefined,
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const entry = { path: request.url ?? '', headers: request.headers, body: JSON.parse(text) as unknown };
      received.push(entry);
      // `answer` returns true when it has answered (or left the request hanging) itself.
      if (answer(entry, received.length - 1, response) !== true) response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

const target = makeTarget('api', { name: 'API @everyone' });
const alert: AlertEvent = {
  type: 'alert',
  target,
  result: makeResult(target, 'DOWN', Date.UTC(2026, 11, 7, 9, 0, 0)),
  consecutiveFailures: 3,
};
const recovered: RecoveredEvent = {
  type: 'recovered',
  target,
  result: makeResult(target, 'UP', Date.UTC(2026, 11, 7, 9, 5, 0)),
  downtimeMs: 300_000,
};

/** Delivery with short waits, for tests; problems are collected. */
function delivery(
  t: TestContext,
  channels: AlertChannel[],
  problems: string[] = [],
  overrides: ConstructorParameters<typeof AlertDelivery>[1] = {},
): AlertDelivery {
  const instance = new AlertDelivery(channels, {
    retryDelayMs: 20,
    maxRetryDelayMs: 200,
    timeoutMs: 500,
    onProblem: (problem) => problems.push(problem),
    ...overrides,
  });
  t.after(() => instance.dispose());
  return instance;
}

test('each format gets the body its receivers accept, and every channel gets the alert and the recovery once', async (t) => {
  const hook = await receiver(t);
  const channels: AlertChannel[] = [
    { name: 'generic', format: 'webhook', url: `${hook.url}/generic` },
    {
      name: 'templated',
      format: 'webhook',
      url: `${hook.url}/templated`,
      template: '{"summary": "{{targetName}} is {{status}}", "failures": "{{consecutiveFailures}}", "when": "{{time}}"}',
    },
    { name: 'slack', format: 'slack', url: `${hook.url}/slack` },
    { name: 'teams', format: 'teams', url: `${hook.url}/teams` },
    { name: 'discord', format: 'discord', url: `${hook.url}/discord` },
  ];
  const sender = delivery(t, channels);
  sender.handle(alert);
  sender.handle(alert);
  sender.handle({ type: 'checkCompleted' } as never);
  sender.handle(recovered);
  await sender.idle();

  const byPath = (path: string): Received[] => hook.received.filter((entry) => entry.path === `/hook/${path}`);
  for (const channel of channels) assert.equal(byPath(channel.name).length, 2, `${channel.name}: one alert and one recovery`);
  const [generic] = byPath('generic');
  assert.deepEqual(generic!.body, {
    id: `api:alert:${alert.result.startedAt}`,
    event: 'alert',
    target: { id: 'api', name: 'API @everyone', url: target.url },
    status: 'DOWN',
    detail: 'Connection refused.',
    at: '2026-12-07T09:00:00.000Z',
    consecutiveFailures: 3,
    downtimeMs: null,
    text: `🔴 API @everyone is DOWN after 3 failed checks: Connection refused. (${target.url})`,
  });
  assert.equal(generic!.headers['content-type'], 'application/json');
  assert.equal(generic!.headers['idempotency-key'], `api:alert:${alert.result.startedAt}`, 'receivers can dedupe on the message id');
  assert.deepEqual(
    byPath('templated')[0]!.body,
    { summary: 'API @everyone is DOWN', failures: 3, when: '2026-12-07T09:00:00.000Z' },
    'a lone placeholder keeps its type',
  );
  assert.match((byPath('slack')[1]!.body as { text: string }).text, /^🟢 API @everyone is back after 5 min down/);
  const teams = byPath('teams')[0]!.body as { attachments: { contentType: string; content: { type: string; body: { text: string }[] } }[] };
  assert.equal(teams.attachments[0]!.contentType, 'application/vnd.microsoft.card.adaptive');
  assert.match(teams.attachments[0]!.content.body[0]!.text, /is DOWN/);
  assert.deepEqual(
    (byPath('discord')[0]!.body as { allowed_mentions: unknown }).allowed_mentions,
    { parse: [] },
    'no mention is ever pinged',
  );
});

test('a name and an answer full of chat markup reach Slack, Teams and Discord as plain words: no mention, no hidden link', async (t) => {
  const hook = await receiver(t);
  const markup =
    '[Open runbook](https://evil.test/) <!channel> <@U123> <https://evil.test|click here> <#C1> </cmd:1> @everyone @here & \\[x](https://evil.test/)';
  const hostile = makeTarget('hostile', { name: `API ${markup}` });
  const result = { ...makeResult(hostile, 'DOWN', Date.UTC(2026, 11, 7, 9, 0, 0)), message: `$.status is "${markup}", expected "ok"` };
  const sender = delivery(t, [
    { name: 'slack', format: 'slack', url: `${hook.url}/slack` },
    { name: 'teams', format: 'teams', url: `${hook.url}/teams` },
    { name: 'discord', format: 'discord', url: `${hook.url}/discord` },
  ]);
  sender.handle({ type: 'alert', target: hostile, result, consecutiveFailures: 3 });
  await sender.idle();
  const text = (path: string): string => {
    const body = hook.received.find((entry) => entry.path === `/hook/${path}`)!.body as {
      text?: string;
      content?: string;
      attachments?: { content: { body: { text: string }[] } }[];
    };
    return body.text ?? body.content ?? body.attachments![0]!.content.body[0]!.text;
  };
  const words = markup.match(/[A-Za-z]{2,}/g)!;

  // Slack: no <…> of any kind is left, every & starts an entity, and decoding gives the words back.
  const slack = text('slack');
  assert.doesNotMatch(slack, /[<>]|&(?!amp;|lt;|gt;)/, slack);
  assert.ok(slack.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').includes(markup), 'Slack shows what the server said');

  // Discord: every [ ] < > is escaped (an even run of backslashes before it would cancel the escape), no bare @everyone/@here.
  const discord = text('discord');
  assert.doesNotMatch(discord, /(^|[^\\])(\\\\)*[[\]<>]/, discord);
  assert.doesNotMatch(discord, /@(everyone|here)/, discord);
  for (const word of words) assert.ok(discord.includes(word), `Discord still shows "${word}"`);

  // Teams: no Markdown link and no autolink in the card's text.
  const teams = text('teams');
  assert.doesNotMatch(teams, /\[[^\]]*\]\(|<[a-z][a-z0-9+.-]*:/i, teams);
  for (const word of words) assert.ok(teams.includes(word), `Teams still shows "${word}"`);
});

test('a receiver that fails for a while gets the message once it recovers, retried with backoff and Retry-After', async (t) => {
  const hook = await receiver(t, (_request, index, response) => {
    if (index === 0) response.writeHead(503).end();
    else if (index === 1) response.writeHead(429, { 'retry-after': '0' }).end();
    else return undefined;
    return true;
  });
  const problems: string[] = [];
  const sender = delivery(t, [{ name: 'flaky', format: 'slack', url: hook.url }], problems);
  sender.handle(alert);
  await sender.idle();
  assert.equal(hook.received.length, 3, 'two failures, then delivered');
  assert.deepEqual(problems, []);
  sender.handle(alert);
  await sender.idle();
  assert.equal(hook.received.length, 3, 'a delivered alert is never sent again');
});

test('a refusal is not retried, a redirect is not followed, and a receiver that hangs is given up on after the attempts', async (t) => {
  const refusing = await receiver(t, (_request, _index, response) => {
    response.writeHead(404).end();
    return true;
  });
  const elsewhere = await receiver(t);
  const redirecting = await receiver(t, (_request, _index, response) => {
    response.writeHead(307, { location: elsewhere.url }).end();
    return true;
  });
  const hanging = await receiver(t, () => true);
  const problems: string[] = [];
  const sender = delivery(
    t,
    [
      { name: 'refusing', format: 'webhook', url: refusing.url },
      { name: 'redirecting', format: 'webhook', url: redirecting.url },
      { name: 'hanging', format: 'webhook', url: hanging.url },
    ],
    problems,
    { maxAttempts: 3, timeoutMs: 150 },
  );
  sender.handle(alert);
  await sender.idle();
  assert.equal(refusing.received.length, 1);
  assert.equal(redirecting.received.length, 1);
  assert.equal(elsewhere.received.length, 0, 'the channel address goes nowhere else');
  assert.equal(hanging.received.length, 3, 'a timeout is retried up to the attempts');
  assert.equal(problems.length, 3);
  assert.match(
    problems.find((problem) => problem.includes('"refusing"'))!,
    /answered 404/,
  );
  assert.match(
    problems.find((problem) => problem.includes('"redirecting"'))!,
    /redirect, not followed/,
  );
  assert.match(
    problems.find((problem) => problem.includes('"hanging"'))!,
    /after 3 attempt/,
  );
  for (const problem of problems) assert.ok(!problem.includes('/hook'), `a problem names the channel, not its address: ${problem}`);
});

test('a channel sends at most its rate a minute; the rest wait', async (t) => {
  const hook = await receiver(t);
  const sender = delivery(t, [{ name: 'limited', format: 'slack', url: hook.url }], [], { maxPerMinute: 3 });
  for (let n = 0; n < 5; n++) {
    const other = makeTarget(`t${n}`);
    sender.handle({ type: 'alert', target: other, result: makeResult(other, 'DOWN', 1000 + n), consecutiveFailures: 3 });
  }
  for (let attempt = 0; attempt < 50 && hook.received.length < 3; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(hook.received.length, 3, 'the fourth waits for the minute to pass');
});

test('a channel with a plain http address off this machine is not used, and the user is told', async (t) => {
  const hook = await receiver(t);
  const problems: string[] = [];
  const sender = new AlertDelivery(
    [
      { name: 'clear text', format: 'webhook', url: 'http://hooks.example.test/hook' },
      { name: 'local relay', format: 'webhook', url: hook.url },
    ],
    { onProblem: (problem) => problems.push(problem), retryDelayMs: 10 },
  );
  t.after(() => sender.dispose());
  assert.deepEqual(sender.channelNames, ['local relay']);
  assert.deepEqual(problems.length, 1);
  assert.match(problems[0]!, /^Alert channel "clear text" is not used: .*https:\/\//);
  assert.doesNotMatch(problems[0]!, /hooks\.example\.test/, 'the URL, a credential, is not in the message');
  sender.handle(alert);
  await sender.idle();
  assert.equal(hook.received.length, 1);
});

test('channel addresses and templates with mistakes get a clear message', () => {
  assert.equal(alertChannelUrlProblem('https://hooks.example.test/services/T000/B000/XXX'), undefined);
  assert.match(alertChannelUrlProblem('ftp://example.test/')!, /https:\/\//);
  assert.match(alertChannelUrlProblem('not a url')!, /not a URL/);
  // The URL is the channel's credential and the messages name the user's hosts: not in the clear.
  for (const url of ['http://hooks.example.test/hook', 'http://10.0.0.5/hook', 'http://[fd00::1]/', 'http://2130706433.example/']) {
    assert.match(alertChannelUrlProblem(url)!, /must start with https:\/\/ \(http:\/\/ only to this machine/, url);
  }
  for (const url of [
    'http://127.0.0.1:8080/hook',
    'http://localhost/relay',
    'http://relay.localhost/',
    'http://[::1]:9/',
    'http://2130706433/',
  ]) {
    assert.equal(alertChannelUrlProblem(url), undefined, url);
  }
  assert.equal(templateProblem('{"text": "{{text}}"}'), undefined);
  assert.match(templateProblem('{"text": "{{text}"')!, /not JSON/);
  assert.match(templateProblem('{"text": "{{password}}"}')!, /unknown fields: password/);
});

test(
  'behind a proxy, messages go through it with its credentials, which the receiver never sees',
  { skip: squidUnavailable() },
  async (t) => {
    const user = { name: 'alerts', password: 's3cret-proxy' };
    // Under .localhost, so plain http is allowed (alertChannelUrlProblem); the proxy alone resolves it.
    const squid = await startSquid({ hosts: { 'hooks.proxy-only.localhost': '127.0.0.1' }, user });
    t.after(() => squid.close());
    const hook = await receiver(t);
    // A name only the proxy can resolve: delivered only if the message went through it.
    const url = hook.url.replace('127.0.0.1', 'hooks.proxy-only.localhost');
    const problems: string[] = [];
    const server = { url: squid.url, credentials: { username: user.name, password: user.password } };
    const sender = delivery(t, [{ name: 'team', format: 'slack', url }], problems, {
      proxy: () => ({ http: server, https: server, strictSSL: true, noProxy: [] }),
    });
    sender.handle(alert);
    await sender.idle();
    assert.deepEqual(problems, []);
    assert.equal(hook.received.length, 1);
    assert.equal(hook.received[0]!.headers['proxy-authorization'], undefined, 'the proxy credentials stay with the proxy');

    // Wrong credentials: the proxy refuses, and the channel reports it.
    const refused = delivery(t, [{ name: 'team', format: 'slack', url }], problems, {
      maxAttempts: 2,
      proxy: () => ({ http: { ...server, credentials: { username: user.name, password: 'wrong' } }, strictSSL: true, noProxy: [] }),
    });
    refused.handle(recovered);
    await refused.idle();
    assert.equal(hook.received.length, 1);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /"team" did not take the recovery/);
  },
);
