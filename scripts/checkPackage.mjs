// Run by `npm run package` after vsce: the .vsix must hold exactly what the installed extension
// needs (nothing of the sources, tests, maps or the CLI's bundle), and the manifest what the
// Marketplace shows (repository, a 128 x 128 PNG icon, the gallery banner). Fails loudly otherwise.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const problems = [];

const allowed = [
  /^package\.json$/,
  /^package\.nls(\.[\w-]+)?\.json$/,
  /^l10n\/bundle\.l10n(\.[\w-]+)?\.json$/,
  /^README\.md$/,
  /^CHANGELOG\.md$/,
  /^LICENSE$/,
  /^NOTICE$/,
  /^media\/(icon\.png|pulse\.svg)$/,
  /^media\/walkthrough\/[\w-]+\.md$/,
  /^dist\/(extension\.js|bodyPatternWorker\.js|sql-wasm\.wasm|geo-whois-asn-country\.mmdb)$/,
  /^dist\/webview\/dashboard\.(js|css)$/,
];
const required = [
  'package.json',
  'package.nls.json',
  'l10n/bundle.l10n.json',
  'dist/extension.js',
  'dist/bodyPatternWorker.js',
  'dist/sql-wasm.wasm',
  'dist/webview/dashboard.js',
  'media/icon.png',
  'LICENSE',
  'NOTICE',
];
const files = execFileSync(join(root, 'node_modules', '.bin', 'vsce'), ['ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
  .trim()
  .split('\n');
for (const file of files)
  if (!allowed.some((pattern) => pattern.test(file))) problems.push(`the .vsix would hold ${file}, which the extension does not need`);
for (const file of required) if (!files.includes(file)) problems.push(`the .vsix would lack ${file}`);

if (typeof manifest.repository?.url !== 'string') problems.push('package.json has no repository.url');
if (!manifest.galleryBanner?.color) problems.push('package.json has no galleryBanner.color');
const icon = readFileSync(join(root, manifest.icon ?? 'missing'));
const isPng = icon.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
if (!isPng || icon.readUInt32BE(16) !== 128 || icon.readUInt32BE(20) !== 128) problems.push(`${manifest.icon} is not a 128 x 128 PNG`);

if (problems.length > 0) {
  console.error(`The package is not ready:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`The package holds ${files.length} files, all needed; the manifest has its repository, icon and banner.`);
