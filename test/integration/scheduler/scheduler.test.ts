/**
 * The scheduler with the real probe against real web sites on 127.0.0.1 that go down, fail, stall
 * and come back, at short intervals (the product's 1 s minimum is lowered for the test).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runCheck } from '../../../src/core/probes/prober';
import type { MonitorEvent } from '../../../src/core/scheduler/monitorEvent';
import { type RunCheck, Scheduler, type SchedulerOptions } from '../../../src/core/scheduler/scheduler';
import { resolveTarget, type Target } from '../../../src/core/targets/target';
import { LoopbackSite, sleep, waitFor } from './loopbackSite';

const realCheck: RunCheck = (target, signal) => runCheck(target, { signal });

function siteTarget(site: LoopbackSite, path: string, intervalMs: number, timeoutMs = 2_000): Target {
  const resolved = resolveTarget({ url: site.url(path), id: path.slice(1).replace(/\//g, '-') || 'root', timeout: timeoutMs });
  if (!resolved.ok) throw new Error(resolved.error);
  return { ...resolved.value, intervalMs };
}

function ofType<T extends MonitorEvent['type']>(events: MonitorEvent[], type: T, targetId?: string): Extract<MonitorEvent, { type: T }>[] {
  return events.filter(
    (event): event is Extract<MonitorEvent, { type: T }> =>
      event.type === type && (targetId === undefined || event.target?.id === targetId),
  );
}

describe('Scheduler against real loopback sites', () => {
  let site: LoopbackSite;
  let scheduler: Scheduler | undefined;
  let events: MonitorEvent[];

  function startScheduler(targets: Target[], options: Partial<SchedulerOptions> = {}): Scheduler {
    scheduler = new Scheduler({ runCheck: realCheck, minIntervalMs: 10, retries: 0, retryDelayMs: 20, ...options });
    scheduler.onEvent((event) => events.push(event));
    scheduler.setTargets(targets);
    scheduler.start();
    return scheduler;
  }

  beforeEach(async () => {
    site = await LoopbackSite.start();
    events = [];
  });
  afterEach(async () => {
    scheduler?.dispose();
    scheduler = undefined;
    await site.close();
  });

  it('spreads the first checks of many targets over their interval instead of firing them together', async () => {
    const targets = Array.from({ length: 12 }, (_, i) => siteTarget(site, `/spread${i}`, 1_000));
    const startedAt = Date.now();
    startScheduler(targets);
    await waitFor('a first check of every target', () =>
      targets.every((target) => site.requestsTo(new URL(target.url).pathname).length > 0),
    );
    const firstArrivals = targets.map((target) => site.requestsTo(new URL(target.url).pathname)[0]!.at - startedAt);
    const span = Math.max(...firstArrivals) - Math.min(...firstArrivals);
    // All at once would be a span of a few milliseconds; spread by id it covers most of the second.
    assert.ok(span > 400, `first checks arrived within ${span} ms: ${firstArrivals.sort((a, b) => a - b).join(', ')}`);
    assert.ok(Math.max(...firstArrivals) < 1_000 + 500, 'every target had its first check within its first interval');
  });

  it('never serves more checks at once than the concurrency cap, and reaches it', async () => {
    site.behaviour = () => ({ status: 200, delayMs: 150 });
    const targets = Array.from({ length: 12 }, (_, i) => siteTarget(site, `/capped${i}`, 5_000));
    startScheduler(targets, { concurrency: 3, staggerFirstChecks: false });
    await waitFor('one check of each target', () => ofType(events, 'checkCompleted').length >= 12, 10_000);
    assert.equal(site.maxInFlight, 3);
    assert.ok(ofType(events, 'checkCompleted').every((event) => event.result.status === 'UP'));
  });

  it('retries a failed check before it counts, so one bad answer is not an outage', async () => {
    site.behaviour = (path, seen) => ({ status: path === '/blip' && seen === 0 ? 500 : 200 });
    const target = siteTarget(site, '/blip', 10_000);
    startScheduler([target], { retries: 1, retryDelayMs: 50, staggerFirstChecks: false });
    await waitFor('the first counted check', () => ofType(events, 'checkCompleted').length === 1);
    const [retrying] = ofType(events, 'checkRetrying');
    assert.equal(retrying?.result.reason, 'HTTP_STATUS');
    const [completed] = ofType(events, 'checkCompleted');
    assert.equal(completed?.result.status, 'UP');
    assert.equal(completed?.attempts, 2);
    assert.equal(site.requestsTo('/blip').length, 2);
    assert.deepEqual(
      ofType(events, 'stateChanged').map((event) => `${event.from}>${event.to}`),
      ['UNKNOWN>UP'],
    );
  });

  it('alerts exactly once when a site goes down, and reports one recovery when it comes back', async () => {
    const target = siteTarget(site, '/app', 60);
    startScheduler([target], { alertThreshold: 3, staggerFirstChecks: false });
    await waitFor('the site to be seen up', () => scheduler!.state(target.id)?.status === 'UP');

    await site.down();
    await waitFor('an alert', () => ofType(events, 'alert').length > 0);
    const failuresAtAlert = ofType(events, 'alert')[0]!.consecutiveFailures;
    await waitFor(
      'three more failed checks after the alert',
      () => (scheduler!.state(target.id)?.consecutiveFailures ?? 0) >= failuresAtAlert + 3,
    );
    assert.equal(ofType(events, 'alert').length, 1, 'no repeated alert while it stays down');

    await site.up();
    await waitFor('the recovery', () => ofType(events, 'recovered').length > 0);
    await sleep(200);
    assert.equal(failuresAtAlert, 3);
    assert.equal(ofType(events, 'alert').length, 1);
    assert.equal(ofType(events, 'recovered').length, 1);
    assert.ok(ofType(events, 'recovered')[0]!.downtimeMs > 0);
    const downChecks = ofType(events, 'checkCompleted').filter((event) => event.result.status === 'DOWN');
    assert.ok(downChecks.length >= 6);
    assert.ok(
      downChecks.every((event) => event.result.reason === 'CONNECTION_REFUSED'),
      downChecks.map((event) => event.result.message).join('; '),
    );
    assert.deepEqual(
      ofType(events, 'stateChanged').map((event) => `${event.from}>${event.to}`),
      ['UNKNOWN>UP', 'UP>DOWN', 'DOWN>UP'],
    );
  });

  it('raises a new alert for a new outage', async () => {
    const target = siteTarget(site, '/twice', 50);
    startScheduler([target], { alertThreshold: 2, staggerFirstChecks: false });
    for (let outage = 1; outage <= 2; outage++) {
      await waitFor('the site to be seen up', () => scheduler!.state(target.id)?.status === 'UP');
      await site.down();
      await waitFor(`alert ${outage}`, () => ofType(events, 'alert').length === outage);
      await site.up();
      await waitFor(`recovery ${outage}`, () => ofType(events, 'recovered').length === outage);
    }
    assert.equal(ofType(events, 'alert').length, 2);
  });

  it('reports a flapping site once and holds back its alert storm until it settles', async () => {
    let flaky = true;
    site.behaviour = (_path, seen) => ({ status: flaky && seen % 2 === 1 ? 500 : 200 });
    const target = siteTarget(site, '/flaky', 40);
    startScheduler([target], { alertThreshold: 1, flapThreshold: 4, flapWindowMs: 800, staggerFirstChecks: false });
    await waitFor('the flapping event', () => ofType(events, 'flapping').length > 0);
    const flappingAt = events.indexOf(ofType(events, 'flapping')[0]!);
    await waitFor('eight more state changes while flapping', () => ofType(events.slice(flappingAt), 'stateChanged').length >= 8);
    flaky = false;
    await waitFor('the flapping to settle', () => ofType(events, 'flappingSettled').length > 0, 5_000);

    assert.equal(ofType(events, 'flapping').length, 1);
    const duringFlapping = events.slice(flappingAt, events.indexOf(ofType(events, 'flappingSettled')[0]!));
    assert.deepEqual(
      duringFlapping.filter((event) => event.type === 'alert' || event.type === 'recovered'),
      [],
    );
    assert.equal(ofType(events, 'flappingSettled')[0]!.status, 'UP');
    // Before the fourth change made it flapping, alerts and recoveries were normal: two at most.
    assert.ok(ofType(events, 'alert').length <= 2);
    assert.equal(scheduler!.state(target.id)?.alerting, false, 'settling up closed the outage');
  });

  it('sends no check to a paused target and resumes it on request', async () => {
    const paused = siteTarget(site, '/paused', 40);
    const other = siteTarget(site, '/other', 40);
    startScheduler([paused, other], { staggerFirstChecks: false });
    await waitFor('a check of both', () => site.requestsTo('/paused').length > 0 && site.requestsTo('/other').length > 0);
    scheduler!.pause(paused.id);
    await sleep(50);
    const whilePaused = site.requestsTo('/paused').length;
    const otherBefore = site.requestsTo('/other').length;
    await waitFor('five more checks of the other target', () => site.requestsTo('/other').length >= otherBefore + 5);
    assert.equal(site.requestsTo('/paused').length, whilePaused);
    assert.equal(scheduler!.state(paused.id)?.status, 'PAUSED');

    scheduler!.resume(paused.id);
    await waitFor('checks after resuming', () => site.requestsTo('/paused').length >= whilePaused + 2);
    assert.equal(scheduler!.state(paused.id)?.status, 'UP');
  });

  it('after dispose leaves no timer, no socket and no check running, and starts none', async () => {
    // Warm the probe once so anything it keeps for the process is in the baseline.
    await realCheck(siteTarget(site, '/warm', 1_000), new AbortController().signal);
    await sleep(100);
    const baseline = countResources();

    site.behaviour = (path) => (path.startsWith('/hang') ? 'hang' : path === '/fail' ? { status: 500 } : { status: 200 });
    const targets = [
      ...Array.from({ length: 5 }, (_, i) => siteTarget(site, `/hang${i}`, 50, 10_000)),
      siteTarget(site, '/fail', 50),
      siteTarget(site, '/fine', 50),
    ];
    startScheduler(targets, { retries: 3, retryDelayMs: 5_000, staggerFirstChecks: false });
    await waitFor('the hanging checks to reach the site', () => site.inFlight === 5);
    await waitFor('a retry to be waiting', () => ofType(events, 'checkRetrying').length > 0);
    assert.ok(countResources().Timeout > baseline.Timeout);

    scheduler!.dispose();
    const eventsAtDispose = events.length;
    const requestsAtDispose = site.requests.length;
    await waitFor('the site to see every connection closed', () => site.openConnections === 0);
    await waitFor('timers and sockets back to the baseline', () => {
      const now = countResources();
      return now.Timeout <= baseline.Timeout && now.TCPSocketWrap <= baseline.TCPSocketWrap;
    });
    await sleep(300);
    assert.equal(site.requests.length, requestsAtDispose, 'no check started after dispose');
    assert.equal(events.length, eventsAtDispose, 'no event after dispose');
    assert.equal(await scheduler!.checkNow('fine'), undefined);
  });
});

function countResources(): { Timeout: number; TCPSocketWrap: number } {
  const resources = process.getActiveResourcesInfo();
  return {
    Timeout: resources.filter((name) => name === 'Timeout').length,
    TCPSocketWrap: resources.filter((name) => name === 'TCPSocketWrap').length,
  };
}
