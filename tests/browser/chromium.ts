// Starting the machine's Chromium (Debian's `chromium` package) through
// playwright-core: `npx playwright install` cannot download browsers here,
// and CI installs the Debian package (.ci/run). A failure to start is an
// error naming what to install: the browser tests never pass by skipping.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where Debian installs it; VIGIL_CHROMIUM overrides. */
export const CHROMIUM_PATH = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (its own --user-data-dir), removed on close. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'vigil-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: ARGS, viewport: { width: 1280, height: 800 }, timeout: 60_000 });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(
      `The browser tests need Chromium and could not start it at ${CHROMIUM_PATH}: ${(error as Error).message.split('\n')[0]}\n` +
        'Install it with `apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this on CI), or point VIGIL_CHROMIUM at a Chromium binary.',
    );
  }
}
