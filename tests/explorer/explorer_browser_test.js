// Drives Debian's chromium (headless, puppeteer-core) through the log
// explorer of a real vitrine-log (set up by explorer_browser_test.sh; see
// there for the entries). Every step asserts exact texts.
//
//   1. Straight from the log: before pinning nothing is verified; pinning
//      an impostor key with the log's name is refused by the signature;
//      pinned, the checkpoint, a digest search (typed, then a chosen file
//      hashed in the browser), the vendor history (two pages), an entry
//      with its supervisor and a release with its rebuild all say
//      "verified".
//   2. Through a proxy of this script that lies - one proof hash altered,
//      one byte of an entry altered, another entry sent for the index
//      asked - the page says "NOT verified: <reason>"; a signature line
//      added to the checkpoint is listed, and the checkpoint verified.
//   3. Over plain http to a host that is not localhost (no secure context,
//      no WebCrypto): NOT verified, and why.
//   4. The same page from the witness's mirror (vitrine-monitor): verified.
// Environment: LOG_URL, MIRROR_URL, LOG_VKEY, WITNESS_VKEY, IMPOSTOR_VKEY,
// BETA_FILE, BETA_SHA256, ACME_LAST_SHA256, SCREENSHOTS, BROWSER_DATA,
// CHROMIUM.
'use strict';
const http = require('http');
const puppeteer = require('puppeteer-core');

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};
const LOG_URL = env('LOG_URL');
const LOG_VKEY = env('LOG_VKEY').trim();
const ORIGIN = LOG_VKEY.split('+')[0];
const [WITNESS, WITNESS_ID] = env('WITNESS_VKEY').trim().split('+');
const ENTRIES = 24;
const INCLUSION_FAILS = 'NOT verified: the inclusion proof does not lead to the checkpoint\'s ' +
    'root (a wrong proof hash or wrong entry bytes)';

let checks = 0;
function expectEqual(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new Error(`${what}:\n  got  ${g}\n  want ${w}`);
  checks++;
}

// ---- a proxy in front of the log that can lie ------------------------

function flipByte(b64, at) {
  const bytes = Buffer.from(b64, 'base64');
  bytes[at % bytes.length] ^= 0x01;
  return bytes.toString('base64');
}

// Returns a started proxy to LOG_URL; `lie(path, json)` may rewrite JSON
// answers of the API, `rewrite(path)` the path asked of the log.
function startProxy({lie = null, rewrite = (p) => p} = {}) {
  const target = new URL(LOG_URL);
  const server = http.createServer((req, res) => {
    const upstream = http.request({
      host: target.hostname, port: target.port, method: req.method,
      path: rewrite(req.url), headers: {accept: req.headers.accept || '*/*'},
    }, (up) => {
      const chunks = [];
      up.on('data', (c) => chunks.push(c));
      up.on('end', () => {
        let body = Buffer.concat(chunks);
        const headers = {...up.headers};
        if (lie && up.statusCode === 200 && req.url.startsWith('/api/v1/')) {
          body = Buffer.from(JSON.stringify(lie(req.url, JSON.parse(body.toString()))));
          delete headers.etag;
        }
        headers['content-length'] = String(body.length);
        res.writeHead(up.statusCode, headers);
        res.end(body);
      });
    });
    upstream.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    upstream.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Waits (30 s at most) until `base`/api/v1/log serves a checkpoint of all
// entries cosigned by the witness.
async function witnessed(base) {
  for (let i = 0; i < 300; i++) {
    try {
      const log = await (await fetch(`${base}/api/v1/log`)).json();
      const lines = log.checkpoint.split('\n');
      if (lines[1] === String(ENTRIES) && log.checkpoint.includes(`\n\u2014 ${WITNESS} `)) return;
    } catch (e) {
      // Not yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base} served no witnessed checkpoint of ${ENTRIES} entries in 30 s`);
}

// ---- the page ------------------------------------------------------------

// Navigates to `url` and waits until the view has rendered.
async function open(page, url) {
  await page.goto(url, {waitUntil: 'domcontentloaded'});
  await settled(page);
}

async function settled(page) {
  await page.waitForSelector('#view[data-state="done"]', {timeout: 20000});
}

function renders(page) {
  return page.$eval('#view', (v) => Number(v.dataset.render));
}

// Runs `action` and waits until the page has rendered again since.
async function rerendered(page, action) {
  const before = await renders(page);
  await action();
  await page.waitForFunction((b) => {
    const v = document.querySelector('#view');
    return Number(v.dataset.render) > b && v.dataset.state === 'done';
  }, {timeout: 20000}, before);
}

function route(page, hash) {
  return rerendered(page, () => page.evaluate((h) => { location.hash = h; }, hash));
}

// The view's verdicts, in order: [index or null, text].
function verdicts(page) {
  return page.$$eval('#view .verdict', (els) => els.map((e) => [
    e.dataset.index === undefined ? null : Number(e.dataset.index), e.textContent]));
}

function text(page, selector) {
  return page.$eval(selector, (e) => e.textContent);
}

async function field(page, name) {
  return page.$eval(`#view > .card.entry [data-field="${name}"]`, (e) => e.textContent);
}

async function pin(page, vkey) {
  await page.$eval('#log-key', (e) => { e.value = ''; });
  await page.type('#log-key', vkey);
  await rerendered(page, () => page.click('#pin-key'));
}

async function search(page, query) {
  await page.$eval('#search', (e) => { e.value = ''; });
  await page.type('#search', query);
  await rerendered(page, () => page.keyboard.press('Enter'));
}

async function shot(page, name) {
  await page.screenshot({path: `${env('SCREENSHOTS')}/${name}.png`, fullPage: true});
}

async function newPage(browser) {
  // A fresh context per case: its own localStorage and HTTP cache.
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({width: 1000, height: 800});
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // The CSP would report inline code here: none may run.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  return {page, errors};
}

// ---- the cases -------------------------------------------------------------

const range = (from, to) => Array.from({length: from - to + 1}, (_, i) => from - i);
const allVerified = (indexes) => indexes.map((i) => [i, 'verified']);

async function direct(browser) {
  const {page, errors} = await newPage(browser);
  await open(page, `${LOG_URL}/`);
  expectEqual(await page.$eval('#log-key', (e) => e.value), LOG_VKEY, 'key pre-filled');
  expectEqual(await text(page, '#key-status'),
              'Supplied by this server, NOT pinned. Compare it with the log key its operator ' +
              'publishes, then pin it: until then nothing here is verified.', 'unpinned status');
  expectEqual(await verdicts(page), [[null, 'NOT verified: the log key is not pinned (see "Log key" above)']],
              'checkpoint before pinning');
  await shot(page, 'explorer-unpinned');
  await route(page, '#/entry/22');
  expectEqual(await verdicts(page), [[22, 'NOT verified: the log key is not pinned (see "Log key" above)']],
              'entry before pinning');

  // A key with the log's name but not the log's.
  await pin(page, env('IMPOSTOR_VKEY'));
  const impostorId = env('IMPOSTOR_VKEY').split('+')[1];
  expectEqual(await verdicts(page), [[22, 'NOT verified: the checkpoint does not verify: no ' +
      `signature by the pinned key ${ORIGIN}+${impostorId}`]], 'impostor key');

  await pin(page, LOG_VKEY);
  expectEqual(await text(page, '#key-status'),
              `Pinned in this browser for ${ORIGIN}: every check uses this key.`, 'pinned status');
  expectEqual(await verdicts(page), [[22, 'verified']], 'entry 22');
  expectEqual(await field(page, 'Vendor'), 'example.com/acme', 'vendor');
  expectEqual(await field(page, 'Artifact'), 'acme-tool', 'artifact');
  expectEqual(await field(page, 'Version'), '1.0.21', 'version');
  expectEqual(await field(page, 'SHA-256'), env('ACME_LAST_SHA256'), 'digest');
  expectEqual(await field(page, 'Source'), '(none given)', 'source');
  expectEqual(await field(page, 'Supervisors'), 'example.org/supervisor', 'supervisors');
  expectEqual(await page.$$eval('#rebuilds .card', (e) => e.length), 0, 'no rebuilds of acme');
  expectEqual(await text(page, '#rebuilds p'), 'None logged yet.', 'no rebuilds text');
  await shot(page, 'explorer-entry');

  // The checkpoint.
  await route(page, '#/');
  expectEqual(await verdicts(page), [[null, 'verified']], 'checkpoint');
  expectEqual(await page.$$eval('#checkpoint td', (t) => t.slice(0, 2).map((e) => e.textContent)),
              [ORIGIN, String(ENTRIES)], 'checkpoint origin and size');
  const witnesses = await page.$$eval('#witnesses tr', (rows) => rows.slice(1).map(
      (r) => Array.from(r.children, (td) => td.textContent)));
  expectEqual(witnesses.length, 1, 'one witness');
  expectEqual(witnesses[0].slice(0, 2), [WITNESS, WITNESS_ID], 'witness name and key ID');
  expectEqual(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/.test(witnesses[0][2]), true,
              `witness time ${witnesses[0][2]}`);
  await shot(page, 'explorer-checkpoint');

  // By digest, typed: beta's release and its rebuild.
  await search(page, env('BETA_SHA256').toUpperCase());
  expectEqual(await page.evaluate(() => location.hash), `#/sha256/${env('BETA_SHA256')}`, 'digest route');
  expectEqual(await verdicts(page), allVerified([0, 23]), 'digest search');
  expectEqual(await page.$$eval('#view [data-field="Kind"]', (e) => e.map((x) => x.textContent)),
              ['release', 'rebuild'], 'kinds found');
  await shot(page, 'explorer-digest');

  // By digest, from a file hashed in the browser.
  await route(page, '#/');
  const input = await page.$('#file');
  await rerendered(page, () => input.uploadFile(env('BETA_FILE')));
  expectEqual(await page.evaluate(() => location.hash), `#/sha256/${env('BETA_SHA256')}`,
              'file route');
  expectEqual(await verdicts(page), allVerified([0, 23]), 'file search');

  // The release with its rebuild statement.
  await route(page, '#/entry/0');
  expectEqual(await verdicts(page), allVerified([0, 23]), 'release 0 and its rebuild');
  expectEqual(await field(page, 'Source'), 'https://git.example.com/beta/app@v2.0.0', 'beta source');
  expectEqual(await text(page, '#rebuilds .card [data-field="Rebuilder"]'), 'rebuild.example.org',
              'rebuilder');
  expectEqual(await text(page, '#rebuilds .card p.ok'), 'The rebuild got the release\'s digest.',
              'rebuild matches');
  await shot(page, 'explorer-release-rebuild');

  // By vendor: newest first, 20 a page, then the rest.
  await search(page, 'example.com/acme');
  expectEqual(await verdicts(page), allVerified(range(22, 3)), 'vendor page 1');
  await shot(page, 'explorer-vendor');
  await rerendered(page, () => page.click('#older'));
  expectEqual(await page.evaluate(() => location.hash), '#/vendor/example.com%2Facme/before/3',
              'older route');
  expectEqual(await verdicts(page), allVerified([2, 1]), 'vendor page 2');
  expectEqual(await page.$('#older'), null, 'no third page');

  // By index, typed.
  await search(page, '5');
  expectEqual(await verdicts(page), allVerified([5]), 'index search');
  expectEqual(await field(page, 'Version'), '1.0.4', 'entry 5 version');
  expectEqual(errors, [], 'page errors');
}

async function lying(browser, name, proxyOptions, hash, want, screenshot, more) {
  const proxy = await startProxy(proxyOptions);
  const {page, errors} = await newPage(browser);
  await open(page, `http://127.0.0.1:${proxy.address().port}/`);
  await pin(page, LOG_VKEY);
  await route(page, hash);
  expectEqual(await verdicts(page), want, name);
  if (more) await more(page);
  expectEqual(errors, [], `${name}: page errors`);
  if (screenshot) await shot(page, screenshot);
  await page.browserContext().close();
  proxy.close();
}

async function mirror(browser) {
  const {page, errors} = await newPage(browser);
  await open(page, `${env('MIRROR_URL')}/`);
  await pin(page, LOG_VKEY);
  expectEqual(await verdicts(page), [[null, 'verified']], 'mirror checkpoint');
  await route(page, `#/sha256/${env('BETA_SHA256')}`);
  expectEqual(await verdicts(page), allVerified([0, 23]), 'mirror digest search');
  await route(page, '#/entry/22');
  expectEqual(await verdicts(page), allVerified([22]), 'mirror entry');
  expectEqual(errors, [], 'mirror page errors');
  await page.browserContext().close();
}

async function insecure(browser) {
  // explorer.test is mapped to 127.0.0.1 by a command-line flag: plain
  // http to a name that is not localhost is no secure context.
  const proxy = await startProxy();
  const {page} = await newPage(browser);
  await open(page, `http://explorer.test:${proxy.address().port}/#/entry/1`);
  expectEqual(await page.evaluate(() => window.isSecureContext), false, 'insecure context');
  expectEqual(await verdicts(page), [[1, 'NOT verified: WebCrypto is unavailable (open the page ' +
      'over https or from localhost: browsers offer it only in secure contexts)']], 'no WebCrypto');
  await page.browserContext().close();
  proxy.close();
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: env('CHROMIUM'),
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', `--user-data-dir=${env('BROWSER_DATA')}`,
      '--host-resolver-rules=MAP explorer.test 127.0.0.1',
    ],
  });
  try {
    await witnessed(LOG_URL);
    await witnessed(env('MIRROR_URL'));
    await direct(browser);
    // One proof hash altered.
    await lying(browser, 'altered proof hash', {
      lie: (path, json) => {
        if (path.startsWith('/api/v1/proof?')) json.hashes[0] = flipByte(json.hashes[0], 3);
        return json;
      },
    }, '#/entry/22', [[22, INCLUSION_FAILS]], 'explorer-not-verified');
    // One byte of the entry altered ("1.0.21" becomes "1.0.20").
    await lying(browser, 'altered entry byte', {
      lie: (path, json) => {
        const alter = (e) => {
          const bytes = Buffer.from(e.entry, 'base64');
          const at = bytes.indexOf('version 1.0.21\n') + 'version 1.0.2'.length;
          if (at >= 'version 1.0.2'.length) bytes[at] = '0'.charCodeAt(0);
          e.entry = bytes.toString('base64');
        };
        if (path.startsWith('/api/v1/entries/')) alter(json);
        if (Array.isArray(json.entries)) json.entries.forEach(alter);
        return json;
      },
    }, '#/vendor/example.com%2Facme', [[22, INCLUSION_FAILS], ...allVerified(range(21, 3))], null);
    // A signature line added to the checkpoint, 72 bytes (read as a
    // cosignature) whose time is beyond any Date: the log's signature
    // still verifies, and the extra line is listed, not believed.
    await lying(browser, 'extra signature line', {
      lie: (path, json) => {
        if (path === '/api/v1/log') {
          json.checkpoint += `\u2014 bogus.example/w ${Buffer.alloc(76, 0xff).toString('base64')}\n`;
        }
        return json;
      },
    }, '#/', [[null, 'verified']], null, async (page) => {
      const rows = await page.$$eval('#witnesses tr', (trs) => trs.slice(1).map(
          (tr) => Array.from(tr.children, (td) => td.textContent)));
      expectEqual(rows.length, 2, 'witness rows with the extra line');
      expectEqual(rows[1], ['bogus.example/w', 'ffffffff',
                            '18446744073709552000 (out of range)'], 'the extra line');
    });
    // Entry 21 sent when 22 is asked for.
    await lying(browser, 'another index', {
      rewrite: (p) => p.replace(/^\/api\/v1\/entries\/22$/, '/api/v1/entries/21'),
    }, '#/entry/22', [[21, 'NOT verified: the server sent entry 21 for index 22']], null);
    await insecure(browser);
    await mirror(browser);
  } finally {
    await browser.close();
  }
  console.log(`PASS: ${checks} checks of the log explorer in ${env('CHROMIUM')}`);
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
