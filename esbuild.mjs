// Two bundles: the extension (and the CLI) for Node as CommonJS with `vscode` external, and the
// dashboard for the browser as an ES module. `--watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * Files the bundle reads at run time: sql.js's WebAssembly, and the offline IP-to-country database
 * (CC BY 4.0, NRO data via ip-location-db; see NOTICE).
 */
function copyRuntimeFiles() {
  mkdirSync('dist', { recursive: true });
  cpSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
  cpSync('node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb', 'dist/geo-whois-asn-country.mmdb');
}

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // sqlJsLoader's require.resolve('sql.js') only runs from the sources (tests, tsx); the bundles
  // always pass the path of dist/sql-wasm.wasm.
  logOverride: { 'require-resolve-not-external': 'silent' },
};

const extensionContext = await esbuild.context({
  ...common,
  // The body pattern worker (src/core/probes/bodyPatterns.ts) runs from its own file beside them.
  entryPoints: { extension: 'src/extension.ts', cli: 'src/cli.ts', bodyPatternWorker: 'src/core/probes/bodyPatternWorker.ts' },
  outdir: 'dist',
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  // jsonc-parser's main file is a UMD wrapper whose inner require() calls a bundler cannot follow;
  // its ES module build bundles as usual.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
});

const webviewContext = await esbuild.context({
  ...common,
  entryPoints: { dashboard: 'webview-ui/src/main.ts' },
  outdir: 'dist/webview',
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  loader: { '.css': 'css' },
});

copyRuntimeFiles();
if (watch) {
  await Promise.all([extensionContext.watch(), webviewContext.watch()]);
} else {
  await Promise.all([extensionContext.rebuild(), webviewContext.rebuild()]);
  await Promise.all([extensionContext.dispose(), webviewContext.dispose()]);
}
