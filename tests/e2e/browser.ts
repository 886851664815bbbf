// Debian's chromium driven by playwright-core, headless, the same way for every UI test.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

export async function newPage(browser: Browser, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme, acceptDownloads: true });
  return context.newPage();
}

/** Goes to a hash route and waits until the screen has rendered something besides "Loading…". */
export async function visit(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    window.location.hash = h;
  }, hash);
  await page.waitForFunction(() => !document.querySelector('.loading') && !!document.querySelector('.page'));
}

export async function screenshot(page: Page, name: string, dir = SCREENSHOTS): Promise<void> {
  mkdirSync(dir, { recursive: true });
  // The clock ticks and the live dots pulse: let the frame settle before the shot.
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** `NAME-light` and `NAME-dark` screenshots of the page as it stands; the page is left light. */
export async function screenshotThemes(page: Page, name: string, dir = SCREENSHOTS): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, `${name}-light`, dir);
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, `${name}-dark`, dir);
  await page.emulateMedia({ colorScheme: 'light' });
}
