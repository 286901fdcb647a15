/**
 * The translation files stay in step with the code: every %key% of the manifest has an English
 * text in package.nls.json, every string the extension and the dashboard pass to l10n.t is in
 * l10n/bundle.l10n.json (regenerate with `npm run l10n`), and each translation only translates
 * keys that exist, keeping their {0} placeholders.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const json = (path: string): Record<string, string> => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, string>;
const placeholders = (text: string): string[] => (text.match(/\{\d+\}/g) ?? []).sort();

test('every manifest text comes from package.nls.json, and the translations translate only its keys', () => {
  const manifest = readFileSync(join(root, 'package.json'), 'utf8');
  const english = json('package.nls.json');
  const used = [...manifest.matchAll(/"%([\w.-]+)%"/g)].map((match) => match[1]!);
  assert.ok(used.length > 50, `only ${used.length} manifest texts go through package.nls.json`);
  for (const key of used) assert.ok(key in english, `package.json uses %${key}%, which package.nls.json lacks`);
  for (const file of readdirSync(root).filter((name) => /^package\.nls\.[\w-]+\.json$/.test(name))) {
    for (const [key, text] of Object.entries(json(file))) {
      assert.ok(key in english, `${file} translates ${key}, which package.nls.json does not have`);
      assert.deepEqual(placeholders(text), placeholders(english[key]!), `${file}: ${key} keeps its placeholders`);
    }
  }
});

test('l10n/bundle.l10n.json holds every string of the code, and its translations keep their placeholders', () => {
  const out = mkdtempSync(join(tmpdir(), 'nm-l10n-'));
  try {
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js'),
        'export',
        '-o',
        out,
        join(root, 'src'),
        join(root, 'webview-ui', 'src'),
      ],
      { stdio: 'pipe' },
    );
    const fresh = JSON.parse(readFileSync(join(out, 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    const committed = json('l10n/bundle.l10n.json');
    assert.deepEqual(Object.keys(committed).sort(), Object.keys(fresh).sort(), 'l10n/bundle.l10n.json is out of date: run npm run l10n');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const english = json('l10n/bundle.l10n.json');
  for (const file of readdirSync(join(root, 'l10n')).filter((name) => name !== 'bundle.l10n.json')) {
    for (const [key, text] of Object.entries(json(join('l10n', file)))) {
      assert.ok(key in english, `${file} translates "${key}", which the code no longer says`);
      assert.deepEqual(placeholders(text), placeholders(key), `${file}: "${key}" keeps its placeholders`);
    }
  }
});

// German is the second language the extension ships complete: a text added in English without its
// German translation would show up in English in an otherwise German editor.
test('German translates every runtime and manifest text', () => {
  const gaps = [
    ['l10n/bundle.l10n.json', 'l10n/bundle.l10n.de.json'],
    ['package.nls.json', 'package.nls.de.json'],
  ].flatMap(([englishFile, germanFile]) => {
    const german = json(germanFile!);
    return Object.keys(json(englishFile!))
      .filter((key) => !(key in german))
      .map((key) => `${germanFile} lacks "${key}"`);
  });
  assert.deepEqual(gaps, [], `German translations missing:\n${gaps.join('\n')}`);
});
