/**
 * Loads sql.js and its WebAssembly once per process, on first use (never at import time, so
 * activating the extension costs nothing until the store opens).
 */
import { dirname, join } from 'node:path';
import type { SqlJsStatic } from 'sql.js';

const loaded = new Map<string, Promise<SqlJsStatic>>();

/** Where the WASM is when running from the sources (tests, benches, the CLI under tsx). */
export function defaultWasmPath(): string {
  return join(dirname(require.resolve('sql.js')), 'sql-wasm.wasm');
}

export function loadSqlJs(wasmPath: string = defaultWasmPath()): Promise<SqlJsStatic> {
  let pending = loaded.get(wasmPath);
  if (!pending) {
    pending = (async () => {
      const module = (await import('sql.js')) as unknown as { default?: InitSqlJs } & InitSqlJs;
      const init = module.default ?? module;
      return init({ locateFile: () => wasmPath });
    })();
    // A failed load (missing file) may succeed later, once the file is there.
    pending.catch(() => loaded.delete(wasmPath));
    loaded.set(wasmPath, pending);
  }
  return pending;
}

type InitSqlJs = (config: { locateFile: (file: string) => string }) => Promise<SqlJsStatic>;
