import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listSuggestions, suggestionFileKind, type SuggestedTarget } from '../../../src/core/suggestions/suggestedTarget';
import { SuggestionScanner } from '../../../src/core/suggestions/suggestionScanner';

const root = mkdtempSync(join(tmpdir(), 'nm-suggestions-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Writes `files` (path relative to a fresh folder → text) and returns the folder. */
function workspace(name: string, files: Record<string, string>): string {
  const folder = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

async function scan(folder: string, paths: string[], options?: ConstructorParameters<typeof SuggestionScanner>[0]) {
  const scanner = new SuggestionScanner(options);
  await scanner.scan(paths.map((path) => join(folder, path)));
  return { scanner, found: (path: string): readonly SuggestedTarget[] => scanner.byFile.get(join(folder, path)) ?? [] };
}

const HTTP_FILE = `@host = localhost:3000
@base = http://{{host}}

### Health, with a comment
# @name health
GET {{base}}/health HTTP/1.1
Accept: application/json
Authorization: Bearer {{API_TOKEN}}
X-Trace: {{$guid}}
X-Client: {{CLIENT_ID}}
Host: evil.example

###
// a bare URL is a GET
http://127.0.0.1:8080/ready

### A write is not a check
POST {{base}}/orders
Content-Type: application/json

{"item": 1}

###
HEAD {{base}}/items
    ?page=1
    &size=10
Cookie: session=abc
X-Api-Key: {{$dotenv API_TOKEN}}
X-Stolen: \${secret:github}

###
GET http://{{unknownHost}}/x

###
GET {{BASE_URL}}/from-env

###
GET {{SECRET_HOST}}/nope
`;

test('a .http file: GET and HEAD requests with variables from the file and the .env beside it; credentials become secret references', async () => {
  const folder = workspace('http', {
    'api/requests.http': HTTP_FILE,
    'api/.env': 'API_TOKEN=tok-123-very-secret\nCLIENT_ID=client-42\nBASE_URL=http://localhost:4000\nSECRET_HOST=http://localhost:5000\n',
  });
  const { found } = await scan(folder, ['api/requests.http']);
  const suggestions = found('api/requests.http');
  assert.deepEqual(
    suggestions.map((suggestion) => [suggestion.line, suggestion.label]),
    [
      [6, 'GET http://localhost:3000/health'],
      [15, 'GET http://127.0.0.1:8080/ready'],
      [24, 'HEAD http://localhost:3000/items?page=1&size=10'],
      [35, 'GET http://localhost:4000/from-env'],
    ],
  );
  const [health, , items] = suggestions;
  // Host is never copied; a header that needs a value we do not have is left out; the token is a reference.
  assert.deepEqual(health!.entry, {
    url: 'http://localhost:3000/health',
    name: 'health',
    headers: { Accept: 'application/json', Authorization: 'Bearer ${secret:API_TOKEN}', 'X-Client': '${secret:CLIENT_ID}' },
  });
  assert.deepEqual(health!.secrets, [
    { name: 'API_TOKEN', header: 'Authorization' },
    { name: 'CLIENT_ID', header: 'X-Client' },
  ]);
  assert.deepEqual(items!.entry, {
    url: 'http://localhost:3000/items?page=1&size=10',
    method: 'HEAD',
    headers: { Cookie: '${secret:localhost-3000-Cookie}', 'X-Api-Key': '${secret:API_TOKEN}' },
  });
  // No value from the .env and no credential from the file is anywhere in what would be saved.
  const saved = JSON.stringify(suggestions.map((suggestion) => suggestion.entry));
  assert.ok(
    !saved.includes('tok-123') && !saved.includes('client-42') && !saved.includes('session=abc') && !saved.includes('github'),
    saved,
  );
});

test('variables that multiply at every level are given up, not expanded without end', async () => {
  const levels = Array.from({ length: 8 }, (_, n) => `@v${n} = ${`{{v${n + 1}}}`.repeat(50)}`).join('\n');
  const folder = workspace('blowup', {
    'bomb.http': `${levels}\n@v8 = x\n@host = localhost\n\nGET http://{{host}}/{{v0}}\n\n###\nGET http://{{host}}/ok\n`,
  });
  const { found } = await scan(folder, ['bomb.http']);
  assert.deepEqual(
    found('bomb.http').map((suggestion) => suggestion.label),
    ['GET http://localhost/ok'],
  );
});

test('docker compose: published TCP ports as addresses, the scheme from the container port, variables from .env', async () => {
  const folder = workspace('compose', {
    'docker-compose.yml': `services:
  web:
    image: nginx
    ports:
      - "8080:80"
      - "127.0.0.1:8443:443"
      - "\${ADMIN_PORT:-9000}:9000"
      - "9999:9999/udp"
      - "3000"
  db:
    image: postgres
    ports:
      - target: 5432
        published: \${DB_PORT}
        host_ip: 127.0.0.1
  cache:
    ports: ["\${MISSING}:6379"]
`,
    '.env': 'DB_PORT=15432\n',
    'other/compose.yaml': 'services: [not, a, map',
  });
  const { found } = await scan(folder, ['docker-compose.yml', 'other/compose.yaml']);
  assert.deepEqual(
    found('docker-compose.yml').map((suggestion) => suggestion.label),
    ['web: http://localhost:8080/', 'web: https://127.0.0.1:8443/', 'web: http://localhost:9000/', 'db: tcp://127.0.0.1:15432'],
  );
  assert.deepEqual(found('docker-compose.yml')[0]!.entry, { url: 'http://localhost:8080/', name: 'web (8080)' });
  assert.deepEqual(found('other/compose.yaml'), []);
});

test('launch.json with comments: URL fields, serverReadyAction with a port known before launch, nothing with ${…} variables', async () => {
  const folder = workspace('launch', {
    '.vscode/launch.json': `{
  // comments and trailing commas, as VS Code writes it
  "configurations": [
    { "name": "Chrome", "type": "chrome", "url": "http://localhost:5173/app", "webRoot": "\${workspaceFolder}", },
    { "name": "Server", "type": "node", "env": { "PORT": "4100" },
      "serverReadyAction": { "action": "openExternally", "pattern": "listening on ([0-9]+)" } },
    { "name": "Unknown port", "serverReadyAction": { "uriFormat": "http://localhost:%s" } },
    { "name": "Vars", "url": "http://\${env:HOST}/x", "tokenUrl": "https://auth.example.com/token" },
  ],
}`,
  });
  const { found } = await scan(folder, ['.vscode/launch.json']);
  assert.deepEqual(
    found('.vscode/launch.json').map((suggestion) => [suggestion.line, suggestion.label]),
    [
      [4, 'Chrome: http://localhost:5173/app'],
      [6, 'Server: http://localhost:4100/'],
    ],
  );
});

test('.env: *_URL values that are addresses; none whose name says credential, none with a credential in the URL', async () => {
  const folder = workspace('env', {
    '.env': [
      'API_URL=http://localhost:3000/api # the dev API',
      'export PUBLIC_URL="https://example.test/"',
      "REDIS_URL='tcp://127.0.0.1:6379'",
      'DATABASE_URL=postgres://user:pw@localhost/db',
      'SLACK_WEBHOOK_URL=https://hooks.slack.example/services/T/B/X',
      'AUTH_URL=https://auth.example.test',
      'CALLBACK_URL=https://app.example.test/cb?token=abc',
      'LOGIN_URL=https://user:pw@example.test/',
      'NOT_A_LINK=http://localhost:1',
    ].join('\n'),
  });
  const { found } = await scan(folder, ['.env']);
  assert.deepEqual(
    found('.env').map((suggestion) => suggestion.entry.url),
    ['http://localhost:3000/api', 'https://example.test/', 'tcp://127.0.0.1:6379'],
  );
});

test('at most maxBytes of a file are read: a .http file keeps its whole lines, a YAML file over the limit is not read', async () => {
  const filler = `# ${'x'.repeat(200)}\n`.repeat(40);
  const folder = workspace('bounded', {
    'big.http': `GET http://localhost:1/first\n\n###\n${filler}###\nGET http://localhost:1/late\n`,
    'compose.yaml': `services:\n  web:\n    ports: ["8080:80"]\n${filler}`,
  });
  const { found } = await scan(folder, ['big.http', 'compose.yaml'], { maxBytesPerFile: 4096 });
  assert.deepEqual(
    found('big.http').map((suggestion) => suggestion.label),
    ['GET http://localhost:1/first'],
  );
  assert.deepEqual(found('compose.yaml'), []);
  const { found: whole } = await scan(folder, ['big.http', 'compose.yaml']);
  assert.equal(whole('big.http').length, 2);
  assert.equal(whole('compose.yaml').length, 1);
});

test('one scan reads at most maxBytesPerScan in all: the files past it are left unread and say nothing', async () => {
  const folder = workspace('scan-budget', {
    'a.http': `GET http://localhost:1/a\n${'# filler\n'.repeat(200)}`,
    'b.http': 'GET http://localhost:1/b\n',
    'c.http': 'GET http://localhost:1/c\n',
  });
  const scanner = new SuggestionScanner({ maxBytesPerScan: 1000, concurrency: 1 });
  const { unread } = await scanner.scan(['a.http', 'b.http', 'c.http'].map((name) => join(folder, name)));
  assert.equal(unread, 2);
  assert.deepEqual([...scanner.byFile.keys()], [join(folder, 'a.http')]);
});

test('a changed .env makes the .http and compose files beside it read again; a file gone is forgotten', async () => {
  const folder = workspace('rescan', {
    'a.http': 'GET {{BASE}}/health\n',
    '.env': 'BASE=http://localhost:7001\n',
    'sub/b.http': 'GET {{BASE}}/health\n',
  });
  const { scanner, found } = await scan(folder, ['a.http', '.env', 'sub/b.http']);
  assert.equal(found('a.http')[0]?.key, 'http://localhost:7001/health');
  writeFileSync(join(folder, '.env'), 'BASE=http://localhost:7002\n');
  const affected = scanner.affectedBy(join(folder, '.env'));
  assert.deepEqual(affected.sort(), [join(folder, '.env'), join(folder, 'a.http')].sort());
  await scanner.scan(affected);
  assert.equal(found('a.http')[0]?.key, 'http://localhost:7002/health');
  rmSync(join(folder, 'a.http'));
  await scanner.scan([join(folder, 'a.http')]);
  assert.equal(scanner.byFile.has(join(folder, 'a.http')), false);
});

test('the list shows each address once, none a target watches, at most max, in file and line order', () => {
  const make = (file: string, line: number, key: string): SuggestedTarget => ({
    file,
    line,
    kind: 'http',
    label: key,
    entry: { url: key },
    key,
    secrets: [],
  });
  const byFile = new Map([
    ['/w/b.http', [make('/w/b.http', 1, 'http://b/'), make('/w/b.http', 2, 'http://a/')]],
    ['/w/a.http', [make('/w/a.http', 1, 'http://a/'), make('/w/a.http', 3, 'http://watched/'), make('/w/a.http', 4, 'http://c/')]],
  ]);
  const list = listSuggestions(byFile, (key) => key === 'http://watched/', 2);
  assert.deepEqual(
    list.shown.map((suggestion) => `${suggestion.file}:${suggestion.line}`),
    ['/w/a.http:1', '/w/a.http:4'],
  );
  assert.equal(list.leftOut, 1);
});

test('which files are read, from their names', () => {
  assert.equal(suggestionFileKind('/w/api/x.HTTP'), 'http');
  assert.equal(suggestionFileKind('/w/x.rest'), 'http');
  assert.equal(suggestionFileKind('/w/docker-compose.override.yml'), 'compose');
  assert.equal(suggestionFileKind('/w/compose.yaml'), 'compose');
  assert.equal(suggestionFileKind('/w/.vscode/launch.json'), 'launch');
  assert.equal(suggestionFileKind('/w/launch.json'), undefined);
  assert.equal(suggestionFileKind('/w/.env.local'), 'env');
  assert.equal(suggestionFileKind('/w/config.yml'), undefined);
});
