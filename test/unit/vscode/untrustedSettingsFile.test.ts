/**
 * The Restricted Mode listing reads a repository's `.vscode/settings.json` itself. A repository
 * can make that a symlink to `/dev/zero`, or the folder can hold a FIFO there: neither may hang
 * the window or fill its memory. Real files, a real FIFO and the real `/dev/zero`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MAX_UNTRUSTED_SETTINGS_BYTES, readUntrustedSettingsFile } from '../../../src/vscode/config/untrustedSettingsFile';
import { linkToDevZero, makeFifo, releaseFifoReaders, SPECIAL_FILES_SUPPORTED } from '../../support/specialFiles';

describe("a repository's settings file read in Restricted Mode", () => {
  const root = mkdtempSync(join(tmpdir(), 'nm-untrusted-settings-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  function settingsPathIn(name: string): string {
    const folder = join(root, name, '.vscode');
    mkdirSync(folder, { recursive: true });
    return join(folder, 'settings.json');
  }

  test('a regular settings file, comments and all, is read', async () => {
    const path = settingsPathIn('plain');
    writeFileSync(path, '{\n  // the team\'s API\n  "networkMonitor.targets": ["https://api.example.test/"],\n}\n');
    assert.deepEqual(await readUntrustedSettingsFile(path), { 'networkMonitor.targets': ['https://api.example.test/'] });
  });

  test('a file over the limit is not read', async () => {
    const path = settingsPathIn('large');
    writeFileSync(path, `{"networkMonitor.targets": [], "padding": "${'x'.repeat(MAX_UNTRUSTED_SETTINGS_BYTES)}"}`);
    assert.equal(await readUntrustedSettingsFile(path), undefined);
  });

  test(
    'a symlink to /dev/zero, /dev/zero itself and a FIFO list nothing, without hanging',
    { skip: !SPECIAL_FILES_SUPPORTED, timeout: 60_000 },
    async () => {
      const fifo = makeFifo(settingsPathIn('fifo'));
      try {
        assert.equal(await readUntrustedSettingsFile(linkToDevZero(settingsPathIn('zero'))), undefined);
        assert.equal(await readUntrustedSettingsFile('/dev/zero'), undefined);
        assert.equal(await readUntrustedSettingsFile(fifo), undefined);
      } finally {
        releaseFifoReaders(fifo);
      }
    },
  );
});
