/**
 * Debian's Chromium driven by playwright-core (never `playwright install`: it downloads browsers).
 * Flags keep it from reaching out on its own: no background networking, sync, QUIC or updates.
 */
import { mkdirSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
import { vscodeHostPaths } from './hostPaths';

export interface ChromiumOptions {
  /** A fresh profile directory for this browser. */
  profileDir: string;
  viewport?: { width: number; height: number };
}

export async function launchHeadlessChromium(options: ChromiumOptions): Promise<BrowserContext> {
  mkdirSync(options.profileDir, { recursive: true });
  return chromium.launchPersistentContext(options.profileDir, {
    executablePath: vscodeHostPaths().chromium,
    headless: true,
    viewport: options.viewport ?? { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
