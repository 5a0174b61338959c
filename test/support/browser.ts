import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium, headless; never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * Chromium for the calling block, launched before its tests and closed after, and a fresh page for each
 * test, closed after it; `use` receives each page before the block's own hooks run.
 */
export function useBrowserPage(use: (page: Page) => void): void {
  let browser: Browser | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    page = await browser!.newPage();
    use(page);
  });
  afterEach(async () => {
    await page?.close();
  });
}

/** Collects what goes wrong on the page as it happens: its uncaught errors and, with `consoleErrors`, the console's errors too. */
export function pageErrors(page: Page, options: { consoleErrors?: boolean } = {}): string[] {
  const errors: string[] = [];
  if (options.consoleErrors) {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  }
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
