// Browser test of Swagger UI at GET /docs, against a running server (scripts/e2e.sh runs it).
//
//   BASE_URL=http://127.0.0.1:8001 node --test e2e/docs.test.mjs
//
// Checks, in Debian's Chromium with the server's own headers (nosniff): the page loads its
// scripts and styles from the server only (any request to another host fails the test), renders
// /openapi.json, and the Authorize button's OAuth2 password flow logs in through /api/v1/login;
// then executing GET /api/v1/user (Try it out is on) answers 200 with the bearer token Swagger UI got.
//
// Environment: BASE_URL (http://127.0.0.1:8001), E2E_EMAIL (test@example.com), E2E_PASSWORD
// (password), CHROMIUM_PATH (/usr/bin/chromium), E2E_TIMEOUT_MS (15000).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BASE_URL, EMAIL, PASSWORD, TIMEOUT_MS, launchBrowser, outDir } from './settings.mjs';

describe(`Swagger UI at ${BASE_URL}/docs`, () => {
  let browser;
  let page;
  const foreign = [];
  const problems = [];

  before(async () => {
    await mkdir(outDir, { recursive: true });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    const origin = new URL(BASE_URL).origin;
    // Anything but this server (and inline data) is refused and recorded.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    page.on('pageerror', (err) => problems.push(`uncaught error: ${err.message}`));
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Refused to|MIME type|Content Security Policy/i.test(text)) problems.push(text);
    });
  });

  after(async () => {
    await browser?.close();
  });

  it('renders the document from /openapi.json with every asset from this server', async () => {
    const response = await page.goto(`${BASE_URL}/docs`);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['x-content-type-options'], 'nosniff');
    await page.locator('.swagger-ui .info .title').waitFor();
    assert.match(await page.locator('.swagger-ui .info .title').innerText(), /mission-control/);
    await page.locator('.opblock-summary-path[data-path="/api/v1/login"]').first().waitFor();
    await page.locator('.opblock-summary-path[data-path="/oauth/introspect"]').first().waitFor();
    assert.deepEqual(foreign, [], 'requests to other hosts');
  });

  it('authorizes with the OAuth2 password flow through /api/v1/login', async () => {
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    const oauth = dialog.locator('.auth-container', { has: page.locator('#oauth_username') });
    await oauth.locator('#oauth_username').fill(EMAIL);
    await oauth.locator('#oauth_password').fill(PASSWORD);
    const [tokenResponse] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/login')),
      oauth.locator('button.authorize').click(),
    ]);
    assert.equal(tokenResponse.status(), 200, await tokenResponse.text());
    // Swagger UI says "Authorized" and offers a logout button once it holds the token.
    await dialog.locator('h6', { hasText: 'Authorized' }).waitFor();
    await dialog.locator('button[aria-label="Remove authorization"]').waitFor();
    await dialog.locator('button.close-modal').click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('calls GET /api/v1/user with the token it got (Try it out)', async () => {
    const op = page.locator('#operations-auth-currentUserV1');
    await op.locator('.opblock-summary').click();
    // tryItOutEnabled is on: the Execute button is there without "Try it out".
    await op.locator('button.execute').waitFor();
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/user')),
      op.locator('button.execute').click(),
    ]);
    assert.equal(response.status(), 200, await response.text());
    const sent = response.request().headers().authorization || '';
    assert.match(sent, /^Bearer \d+\|\S+$/);
    assert.equal((await response.json()).email, EMAIL);
    await page.screenshot({ path: join(outDir, 'docs.png') });
    assert.deepEqual(foreign, [], 'requests to other hosts');
    assert.deepEqual(problems, [], 'script errors or refused assets');
  });
});
