// What both browser tests share: where the server and the browser are, the demo login,
// where screenshots go, and how Chromium is launched.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const outDir = join(repoRoot, 'target', 'e2e');

export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8001').replace(/\/+$/, '');
export const EMAIL = process.env.E2E_EMAIL || 'test@example.com';
export const PASSWORD = process.env.E2E_PASSWORD || 'password';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS || 15000);

// These flags matter on a closed network: no background fetches, no QUIC, no sandbox (root).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser() {
  try {
    return await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  } catch (err) {
    throw new Error(
      `Could not launch Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH): ${err.message}`,
    );
  }
}
