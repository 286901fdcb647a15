/**
 * A local HTTP endpoint in its own process, so the server's CPU never counts in the client's
 * figures. Prints its port on stdout. GET /?delay=MS answers after MS milliseconds and reports the
 * time it spent on each request that named a delay (from the request to the last byte handed to
 * the kernel) at GET /server-times, since it cannot know that time before answering.
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

const serverTimes: number[] = [];
const body = Buffer.from(JSON.stringify({ status: 'ok', service: 'bench' }));

const server = createServer((request, response) => {
  const arrived = performance.now();
  if (request.url === '/server-times') {
    response.end(JSON.stringify(serverTimes.splice(0)));
    return;
  }
  const delayParameter = new URL(request.url ?? '/', 'http://x').searchParams.get('delay');
  const delay = Number(delayParameter ?? '0');
  const answer = (): void => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    response.end(body, () => {
      // Only the timing runs ask for a delay (0 included); the throughput loops would fill the list.
      if (delayParameter !== null) serverTimes.push(performance.now() - arrived);
    });
  };
  if (delay > 0) setTimeout(answer, delay);
  else answer();
});
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('disconnect', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
