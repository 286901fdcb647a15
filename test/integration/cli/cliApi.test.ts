/** The CLI's API start-up: a 0600 token file made once and reused, how-to lines, clear port errors. */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createApiDataSource } from '../../../src/core/api/apiDataSource';
import { ApiPortInUseError } from '../../../src/core/api/apiErrors';
import { API_TOKEN_FILE, startApiForCli } from '../../../src/cli/cliApi';
import { call, tempDirectory } from '../api/apiTestSupport';

const source = createApiDataSource({ store: undefined, getTargets: () => [], isWriter: () => true });

describe('startApiForCli', () => {
  const directory = tempDirectory();
  after(() => directory.remove());

  it('makes a token file only the user can read, prints how to call the API, and reuses the token', async () => {
    const dataDirectory = join(directory.path, 'data');
    const lines: string[] = [];
    const first = await startApiForCli({ port: 0, dataDirectory, source, print: (line) => lines.push(line) });
    const tokenFile = join(dataDirectory, API_TOKEN_FILE);
    try {
      assert.equal(first.tokenFile, tokenFile);
      assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
      assert.equal(readFileSync(tokenFile, 'utf8').trim(), first.token);
      assert.match(
        lines.join('\n'),
        new RegExp(`curl -H "Authorization: Bearer \\$\\(cat '${tokenFile}'\\)" http://127\\.0\\.0\\.1:${first.port}/api/status`),
      );
      assert.match(lines[0]!, /token created in/);
      assert.equal((await call(first.port, { path: '/api/health', token: first.token })).status, 200);
      assert.equal((await call(first.port, { path: '/api/health' })).status, 401);
    } finally {
      await first.dispose();
    }

    chmodSync(tokenFile, 0o644);
    lines.length = 0;
    const second = await startApiForCli({ port: 0, dataDirectory, source, print: (line) => lines.push(line) });
    try {
      assert.equal(second.token, first.token, 'the token survives a restart, so scrapers keep working');
      assert.equal(statSync(tokenFile).mode & 0o777, 0o600, 'a token file others could read is narrowed');
      assert.match(lines.join('\n'), /readable by other users; it is now readable by you only/);
      assert.match(lines.join('\n'), /token read from/);

      await assert.rejects(
        startApiForCli({ port: second.port, dataDirectory, source, print: () => undefined }),
        (error: unknown) => error instanceof ApiPortInUseError && error.port === second.port,
      );
    } finally {
      await second.dispose();
    }
  });

  it('refuses a token file that holds no token, saying how to fix it', async () => {
    const tokenFile = join(directory.path, 'broken-token');
    writeFileSync(tokenFile, 'not a token\n', { mode: 0o600 });
    await assert.rejects(
      startApiForCli({ port: 0, dataDirectory: directory.path, tokenFile, source, print: () => undefined }),
      /does not hold a token .* Delete it and a new token is made on the next start/,
    );
  });
});
