// Browser test of the single-page client served by mission-control at GET /.
//
//   BASE_URL=http://127.0.0.1:8001 node --test e2e/browser.test.mjs      (or scripts/e2e.sh)
//
// It drives Debian's Chromium (/usr/bin/chromium) with playwright-core against a running server
// (it does not start one) and checks, as a person would: log in, page through the list, see the
// 422 messages next to the fields, create / edit / delete a planet, log out, and that the old
// token is refused afterwards. Screenshots go to target/e2e/ (logged-in.png, phone.png, and
// failure-*.png when a step fails).
//
// Then the CORS part: web/ is served from a second origin (http://localhost:3000 by a tiny node
// server started here) as /index.html?api=BASE_URL, and the same page logs in and creates a
// planet across origins. That works only when the server was started with
// CORS_ALLOWED_ORIGINS=http://localhost:3000.
//
// Environment: BASE_URL (http://127.0.0.1:8001), E2E_EMAIL (test@example.com), E2E_PASSWORD
// (password), E2E_CORS_PORT (3000), CHROMIUM_PATH (/usr/bin/chromium), E2E_TIMEOUT_MS (15000),
// TOKEN_CACHE_TTL_SECONDS (1: how long the server may still accept a revoked token).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BASE_URL, EMAIL, PASSWORD, TIMEOUT_MS, launchBrowser, outDir, repoRoot } from './settings.mjs';

const webDir = join(repoRoot, 'web');
const API = `${BASE_URL}/api/v1`;
const CORS_PORT = Number(process.env.E2E_CORS_PORT || 3000);
const CORS_ORIGIN = `http://localhost:${CORS_PORT}`;
const TOKEN_CACHE_TTL_MS = Number(process.env.TOKEN_CACHE_TTL_SECONDS ?? 1) * 1000;

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const TOKEN_RE = /^\d+\|\S+$/;

const unique = (prefix) => `${prefix} ${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cssString = (s) => JSON.stringify(String(s));

let browser;

// ------------------------------------------------------------------------------------ helpers

// A page that records what must never happen: CSP violations and uncaught script errors.
async function openPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  page.problems = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to (execute|apply|load|connect)/i.test(text)) {
      page.problems.push(`CSP violation: ${text}`);
    }
  });
  page.on('pageerror', (err) => page.problems.push(`uncaught error in the page: ${err.message}`));
  return page;
}

async function pageMessage(page) {
  try {
    const loc = page.locator('#message');
    if (!(await loc.isVisible())) return '(no #message shown)';
    const status = await loc.getAttribute('data-status');
    return `#message${status ? ` [status ${status}]` : ''}: "${(await loc.textContent()).trim()}"`;
  } catch (_) {
    return '(page not readable)';
  }
}

// Runs a wait and, when it times out, says what we were waiting for and what the page said.
async function expectOn(page, what, fn) {
  try {
    return await fn();
  } catch (err) {
    const first = String(err.message).split('\n')[0];
    throw new Error(`${what} — ${first}; the page shows ${await pageMessage(page)}`);
  }
}

async function waitForReady(page) {
  await expectOn(page, 'the client did not finish starting (body[data-ready])', () =>
    page.waitForSelector('body[data-ready="true"]', { state: 'attached' }),
  );
}

async function login(page) {
  await expectOn(page, 'the login form is not shown', () => page.locator('#login-form').waitFor({ state: 'visible' }));
  await page.fill('#login-email', EMAIL);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await expectOn(page, `logging in as ${EMAIL} did not show the current user`, () =>
    page.waitForFunction(
      (email) => document.querySelector('#current-user')?.dataset.email === email,
      EMAIL,
      { timeout: TIMEOUT_MS },
    ),
  );
  assert.match(await page.textContent('#current-user'), new RegExp(EMAIL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.ok(await page.locator('#login-section').isHidden(), 'the login form is still shown after logging in');
  assert.ok(await page.locator('#planet-form').isVisible(), 'the planet form is not shown after logging in');
  const token = await page.evaluate(() => localStorage.getItem('mc_token'));
  assert.match(token || '', TOKEN_RE, `localStorage mc_token does not look like a Sanctum token: ${token}`);
  return token;
}

function rowByName(page, name) {
  return page.locator(`#planets-table tbody tr[data-planet-name=${cssString(name)}]`);
}

function rowById(page, id) {
  return page.locator(`#planets-table tbody tr[data-planet-id=${cssString(id)}]`);
}

// Clicks Next until the last page (the newest planets are there: the list is ordered by id).
async function gotoLastPage(page) {
  for (let i = 0; i < 200 && (await page.locator('#next-page').isEnabled()); i++) {
    const before = await page.textContent('#page-info');
    await page.click('#next-page');
    await page.waitForFunction((b) => document.querySelector('#page-info').textContent !== b, before);
  }
}

async function expectMessageStatus(page, status, what) {
  await expectOn(page, `${what}: expected #message with data-status="${status}"`, () =>
    page.locator(`#message[data-status="${status}"]`).waitFor({ state: 'visible' }),
  );
}

async function createPlanetViaForm(page, planet) {
  await page.fill('#planet-name', planet.name);
  await page.fill('#planet-description', planet.description ?? '');
  await page.fill('#planet-diameter', planet.diameter_km == null ? '' : String(planet.diameter_km));
  await page.setChecked('#planet-habitable', Boolean(planet.is_habitable));
  await page.click('#planet-submit');
  const row = rowByName(page, planet.name);
  await expectOn(page, `the new planet "${planet.name}" is not listed`, () => row.waitFor({ state: 'visible' }));
  await expectMessageStatus(page, 201, 'creating a planet');
  const id = await row.getAttribute('data-planet-id');
  assert.match(id || '', /^\d+$/, 'the planet row has no numeric data-planet-id');
  return id;
}

async function deletePlanetViaUi(page, id) {
  page.once('dialog', (dialog) => dialog.accept());
  await rowById(page, id).locator('button[data-action="delete"]').click();
  await expectOn(page, `planet ${id} is still listed after Delete`, () =>
    rowById(page, id).waitFor({ state: 'detached' }),
  );
  await expectMessageStatus(page, 204, 'deleting a planet');
}

async function apiStatus(path, init = {}) {
  const res = await fetch(`${API}${path}`, { ...init, headers: { Accept: 'application/json', ...(init.headers || {}) } });
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (_) {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

// Calls the API from inside the page (same origin as the page, or CORS), as the client would.
async function fetchFromPage(page, url, init) {
  return page.evaluate(
    async ({ url, init }) => {
      const res = await fetch(url, init);
      return { status: res.status, body: await res.text() };
    },
    { url, init },
  );
}

async function screenshot(page, file, fullPage = true) {
  await mkdir(outDir, { recursive: true });
  await page.screenshot({ path: join(outDir, file), fullPage });
}

// A sequence of dependent steps: after the first failure the rest are skipped (with the reason),
// and a screenshot of the page at the failure is saved.
function steps(getPage) {
  let failed = null;
  return (name, fn) =>
    it(name, { timeout: TIMEOUT_MS * 4 }, async (t) => {
      if (failed) {
        t.skip(`an earlier step failed: ${failed}`);
        return;
      }
      try {
        await fn(t);
      } catch (err) {
        failed = name;
        const page = getPage();
        if (page) {
          const slug = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
          await screenshot(page, `failure-${slug}.png`).catch(() => {});
        }
        throw err;
      }
    });
}

// ------------------------------------------------------------------------------------ static server

const CONTENT_TYPES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

// Serves web/ as the binary does (/, /index.html, /assets/app.js, /assets/app.css), under the same
// Content-Security-Policy, with connect-src allowing the API's origin.
function startStaticServer(port, apiOrigin) {
  const files = { '/': 'index.html', '/index.html': 'index.html', '/assets/app.js': 'app.js', '/assets/app.css': 'app.css' };
  const csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    `connect-src 'self' ${apiOrigin}`;
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = files[path];
    if (req.method !== 'GET' || !file) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"message":"Not Found."}');
      return;
    }
    try {
      const body = await readFile(join(webDir, file));
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[file],
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    }
  });
  // `localhost` may resolve to ::1 or 127.0.0.1: listen on both when IPv6 exists.
  const listen = (host) =>
    new Promise((ok, fail) => {
      server.once('error', fail);
      server.listen({ port, host, ipv6Only: false }, () => {
        server.off('error', fail);
        ok(server);
      });
    });
  return listen('::').catch((err) => {
    if (err.code === 'EADDRINUSE') {
      throw new Error(`port ${port} is taken: cannot serve web/ as ${CORS_ORIGIN} (set E2E_CORS_PORT)`);
    }
    return listen('127.0.0.1');
  });
}

// ------------------------------------------------------------------------------------ the test

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
});

describe(`single-page client at ${BASE_URL}/`, () => {
  let context;
  let page;
  let planetId;
  let planetName;
  const step = steps(() => page);

  before(async () => {
    context = await browser.newContext({ viewport: DESKTOP });
    page = await openPage(context);
  });

  after(async () => {
    if (context) await context.close();
  });

  step('the server answers /health', async () => {
    let res;
    try {
      res = await fetch(`${BASE_URL}/health`);
    } catch (err) {
      throw new Error(`cannot reach ${BASE_URL}/health (${err.cause?.code || err.message}): start the server first`);
    }
    assert.equal(res.status, 200, `${BASE_URL}/health answered ${res.status}`);
  });

  step('GET / shows the client with the login form and the public planet list', async (t) => {
    const response = await page.goto(`${BASE_URL}/`);
    assert.equal(response.status(), 200, `GET / answered ${response.status()}`);
    assert.match(response.headers()['content-type'] || '', /text\/html/, 'GET / is not text/html');
    if (!response.headers()['content-security-policy']) t.diagnostic('note: GET / has no Content-Security-Policy header');
    await waitForReady(page);
    assert.ok(await page.locator('#login-form').isVisible(), 'the login form is not shown to a visitor');
    assert.ok(await page.locator('#planet-form').isHidden(), 'the planet form is shown before logging in');
    await expectOn(page, 'no planets are listed (was the server started with --seed?)', () =>
      page.locator('#planets-table tbody tr').first().waitFor({ state: 'visible' }),
    );
    assert.match(await page.textContent('#page-info'), /^page \d+ of \d+$/);
    assert.equal(
      await page.locator('#planets-table tbody button[data-action]').count(),
      0,
      'edit/delete buttons are shown to a visitor',
    );
  });

  step('logs in with email and password', async () => {
    await login(page);
    await page.locator('#planets-table tbody tr').first().waitFor({ state: 'visible' });
    await screenshot(page, 'logged-in.png');
  });

  step('pages through the planets (prev / next, "page X of Y")', async () => {
    await page.selectOption('#per-page', '5');
    await expectOn(page, 'per page 5 did not give at least two pages', () =>
      page.waitForFunction(() => /^page 1 of ([2-9]|\d{2,})$/.test(document.querySelector('#page-info').textContent)),
    );
    assert.ok(await page.locator('#prev-page').isDisabled(), 'Previous is enabled on page 1');
    assert.ok((await page.locator('#planets-table tbody tr').count()) <= 5, 'more than per_page rows shown');
    const firstOnPage1 = await page.locator('#planets-table tbody tr').first().getAttribute('data-planet-id');
    await page.click('#next-page');
    await expectOn(page, 'Next did not go to page 2', () =>
      page.waitForFunction(() => /^page 2 of \d+$/.test(document.querySelector('#page-info').textContent)),
    );
    const firstOnPage2 = await page.locator('#planets-table tbody tr').first().getAttribute('data-planet-id');
    assert.ok(Number(firstOnPage2) > Number(firstOnPage1), 'page 2 does not continue page 1 in id order');
    await page.click('#prev-page');
    await expectOn(page, 'Previous did not go back to page 1', () =>
      page.waitForFunction(() => /^page 1 of \d+$/.test(document.querySelector('#page-info').textContent)),
    );
  });

  step('shows the 422 message and the errors next to the fields', async () => {
    await page.fill('#planet-name', '   ');
    await page.fill('#planet-diameter', 'not a number');
    await page.click('#planet-submit');
    await expectMessageStatus(page, 422, 'submitting an invalid planet');
    const nameError = page.locator('#planet-name-error');
    const diameterError = page.locator('#planet-diameter-error');
    await expectOn(page, 'no error next to the name field', () => nameError.waitFor({ state: 'visible' }));
    assert.match(await nameError.textContent(), /name/i);
    assert.ok(await diameterError.isVisible(), 'no error next to the diameter field');
    assert.match(await diameterError.textContent(), /diameter/i);
    assert.equal(await page.getAttribute('#planet-name', 'aria-invalid'), 'true');
    assert.ok((await page.textContent('#message')).trim().length > 0, 'the 422 message is empty');
  });

  step('creates a planet and sees it listed', async () => {
    planetName = unique('E2E Planet');
    planetId = await createPlanetViaForm(page, {
      name: planetName,
      description: 'Made by the browser test.',
      diameter_km: 4242,
      is_habitable: true,
    });
    const row = rowById(page, planetId);
    assert.equal(await row.locator('td[data-col="diameter"]').getAttribute('data-value'), '4242');
    assert.equal(await row.locator('td[data-col="habitable"]').getAttribute('data-value'), 'true');
    assert.ok(await page.locator('#planet-name-error').isHidden(), 'the old name error is still shown');
    const { status, body } = await apiStatus(`/planets/${planetId}`);
    assert.equal(status, 200);
    assert.equal(body.name, planetName);
    assert.equal(body.diameter_km, 4242);
    assert.equal(body.is_habitable, true);
  });

  step('edits the planet', async () => {
    await rowById(page, planetId).locator('button[data-action="edit"]').click();
    assert.equal(await page.inputValue('#planet-name'), planetName, 'the form was not filled with the planet');
    assert.equal(await page.getAttribute('#planet-form', 'data-mode'), 'edit');
    const newName = `${planetName} (edited)`;
    await page.fill('#planet-name', newName);
    await page.fill('#planet-diameter', '5151');
    await page.setChecked('#planet-habitable', false);
    await page.click('#planet-submit');
    await expectMessageStatus(page, 200, 'saving the edited planet');
    await expectOn(page, 'the edited name is not shown in the list', () => rowByName(page, newName).waitFor({ state: 'visible' }));
    const row = rowById(page, planetId);
    assert.equal(await row.locator('td[data-col="diameter"]').getAttribute('data-value'), '5151');
    assert.equal(await row.locator('td[data-col="habitable"]').getAttribute('data-value'), 'false');
    assert.equal(await page.getAttribute('#planet-form', 'data-mode'), 'create', 'the form stayed in edit mode');
    const { body } = await apiStatus(`/planets/${planetId}`);
    assert.equal(body.name, newName);
    assert.equal(body.description, 'Made by the browser test.', 'PATCH lost the description');
    planetName = newName;
  });

  step('shows the 403 message for a token without the ability', async () => {
    // A second token of the same user that may only create planets (login with "abilities").
    const limited = await apiStatus('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD, device_name: 'e2e-limited', abilities: ['planets:create'] }),
    });
    assert.equal(limited.status, 200, `login with abilities answered ${limited.status}: ${JSON.stringify(limited.body)}`);
    assert.deepEqual(limited.body.abilities, ['planets:create']);
    const fullToken = await page.evaluate(() => localStorage.getItem('mc_token'));
    try {
      await page.evaluate((t) => localStorage.setItem('mc_token', t), limited.body.token);
      await page.reload();
      await waitForReady(page);
      await expectOn(page, 'the limited token did not show the current user', () =>
        page.locator('#current-user[data-email]').waitFor({ state: 'visible' }),
      );
      await expectOn(page, `planet ${planetId} is not listed after reload`, () =>
        page.waitForFunction(() => document.querySelectorAll('#planets-table tbody tr').length > 0),
      );
      await gotoLastPage(page); // the reload started on page 1; the new planet is on the last one
      page.once('dialog', (dialog) => dialog.accept());
      await rowById(page, planetId).locator('button[data-action="delete"]').click();
      await expectMessageStatus(page, 403, 'deleting with a token that lacks planets:delete');
      assert.equal((await page.textContent('#message')).trim(), 'Invalid ability provided.');
      assert.ok(await rowById(page, planetId).isVisible(), 'the planet row vanished after a 403');
      assert.match(await page.evaluate(() => localStorage.getItem('mc_token')), TOKEN_RE, 'a 403 must not end the session');
    } finally {
      await apiStatus('/logout', { method: 'POST', headers: { Authorization: `Bearer ${limited.body.token}` } });
      await page.evaluate((t) => localStorage.setItem('mc_token', t), fullToken);
      await page.reload();
      await waitForReady(page);
    }
    await gotoLastPage(page);
    await expectOn(page, `planet ${planetId} is not listed with the full token`, () => rowById(page, planetId).waitFor({ state: 'visible' }));
  });

  step('fits a phone screen (390x844)', async () => {
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than a phone screen`);
    assert.ok(await rowById(page, planetId).isVisible(), 'the planet row is not visible on a phone');
    await screenshot(page, 'phone.png');
    await page.setViewportSize(DESKTOP);
  });

  step('deletes the planet', async () => {
    await deletePlanetViaUi(page, planetId);
    const { status } = await apiStatus(`/planets/${planetId}`);
    assert.equal(status, 404, `the deleted planet still answers ${status}`);
  });

  step('logs out, and the old token is refused afterwards', async (t) => {
    const oldToken = await page.evaluate(() => localStorage.getItem('mc_token'));
    assert.match(oldToken || '', TOKEN_RE);
    await page.click('#logout');
    await expectOn(page, 'the login form did not come back after Log out', () =>
      page.locator('#login-form').waitFor({ state: 'visible' }),
    );
    assert.match(await page.textContent('#message'), /logged out/i);
    assert.equal(await page.evaluate(() => localStorage.getItem('mc_token')), null, 'mc_token is still stored');
    assert.ok(await page.locator('#session').isHidden(), 'the current user is still shown');

    // A revoked token may be served from the server's token cache for TOKEN_CACHE_TTL_SECONDS.
    const deadline = Date.now() + TOKEN_CACHE_TTL_MS + 1500;
    let result;
    for (;;) {
      result = await fetchFromPage(page, `${API}/user`, { headers: { Authorization: `Bearer ${oldToken}`, Accept: 'application/json' } });
      if (result.status !== 200 || Date.now() > deadline) break;
      await sleep(250);
    }
    assert.equal(result.status, 401, `GET /api/v1/user with the logged-out token answered ${result.status}: ${result.body}`);
    assert.equal(JSON.parse(result.body).message, 'Unauthenticated.');
    const create = await fetchFromPage(page, `${API}/planets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${oldToken}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ name: unique('E2E refused') }),
    });
    assert.equal(create.status, 401, `POST /api/v1/planets with the logged-out token answered ${create.status}`);
    t.diagnostic('old token refused with 401 after logout');
  });

  step('a 401 on a protected call sends the user back to the login form', async () => {
    await page.evaluate(() => localStorage.setItem('mc_token', '999999999|not-a-real-token'));
    await page.reload();
    await waitForReady(page);
    await expectMessageStatus(page, 401, 'starting with a bad token');
    assert.match(await page.textContent('#message'), /Unauthenticated\./);
    assert.ok(await page.locator('#login-form').isVisible(), 'the login form is not shown after a 401');
    assert.equal(await page.evaluate(() => localStorage.getItem('mc_token')), null, 'the bad token was kept');
  });

  step('no CSP violations or script errors', async () => {
    assert.deepEqual(page.problems, []);
  });
});

describe(`the same client on a second origin (${CORS_ORIGIN}) calling ${BASE_URL} through CORS`, () => {
  let server;
  let context;
  let page;
  const step = steps(() => page);

  before(async () => {
    server = await startStaticServer(CORS_PORT, new URL(BASE_URL).origin);
    context = await browser.newContext({ viewport: DESKTOP });
    page = await openPage(context);
  });

  after(async () => {
    if (context) await context.close();
    if (server) await new Promise((r) => server.close(r));
  });

  step(`the API allows the origin ${CORS_ORIGIN} in a preflight`, async () => {
    let res;
    try {
      res = await fetch(`${API}/planets`, {
        method: 'OPTIONS',
        headers: {
          Origin: CORS_ORIGIN,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type',
        },
      });
    } catch (err) {
      throw new Error(`cannot reach ${API}/planets: ${err.message}`);
    }
    const allowed = res.headers.get('access-control-allow-origin');
    assert.ok(
      res.status >= 200 && res.status < 300 && (allowed === CORS_ORIGIN || allowed === '*'),
      `preflight from ${CORS_ORIGIN} answered ${res.status} with Access-Control-Allow-Origin=${allowed}; ` +
        `start the server with CORS_ALLOWED_ORIGINS=${CORS_ORIGIN}`,
    );
    const headers = (res.headers.get('access-control-allow-headers') || '').toLowerCase();
    assert.ok(
      headers === '*' || (headers.includes('authorization') && headers.includes('content-type')),
      `preflight does not allow Authorization and Content-Type (Access-Control-Allow-Headers=${headers})`,
    );
  });

  step('logs in and creates a planet from the second origin', async () => {
    const response = await page.goto(`${CORS_ORIGIN}/index.html?api=${encodeURIComponent(BASE_URL)}`);
    assert.equal(response.status(), 200);
    await waitForReady(page);
    assert.equal(await page.textContent('#api-base'), BASE_URL, 'the page did not take ?api=');
    await expectOn(page, 'the public planet list did not load across origins', () =>
      page.locator('#planets-table tbody tr').first().waitFor({ state: 'visible' }),
    );
    await login(page);
    const name = unique('E2E CORS Planet');
    const id = await createPlanetViaForm(page, { name, description: null, diameter_km: 777, is_habitable: false });
    const { status, body } = await apiStatus(`/planets/${id}`);
    assert.equal(status, 200);
    assert.equal(body.name, name);
    await deletePlanetViaUi(page, id);
    await page.click('#logout');
    await expectOn(page, 'logging out across origins failed', () => page.locator('#login-form').waitFor({ state: 'visible' }));
    assert.match(await page.textContent('#message'), /logged out/i);
  });

  step('no CSP violations or script errors', async () => {
    assert.deepEqual(page.problems, []);
  });
});
