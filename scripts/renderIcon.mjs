// Renders media/icon.svg to media/icon.png (128 x 128, transparent corners), the Marketplace icon,
// with the headless Chromium the UI walks use. Run after changing the SVG:
//   node scripts/renderIcon.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const media = join(import.meta.dirname, '..', 'media');
const svg = readFileSync(join(media, 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: join(media, 'icon.png'), omitBackground: true });
} finally {
  await browser.close();
}
