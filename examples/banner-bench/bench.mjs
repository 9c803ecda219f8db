// Our banner beside vanilla-cookieconsent (npm) in headless Chromium, on the
// same demo page: time from navigation until the accept button is visible
// and would receive a click, main-thread time, and bytes transferred.
//
//   npm install --prefix examples/banner-bench
//   node examples/banner-bench/bench.mjs [--runs 15] [--server target/release/consent-server]
//
// Each run is a first visit in a fresh browser context (empty cache and
// cookies). The two pages alternate so that drift affects both alike.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(option('--runs', '15'));
const serverBinary = option('--server', join(root, 'target', 'release', 'consent-server'));

// The accept button of each banner, once shown.
const OURS = '#nx-consent .nx-layer:not([hidden]) button[data-a=accept]';
const PEER = '#cc-main .cm__btn[data-role="all"]';

const ours = await startConsentServer();
const peer = await startPeerPage(ours.origin);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const results = { ours: [], peer: [] };
  for (let i = 0; i < runs; i++) {
    results.ours.push(await visit(`${ours.origin}/examples/www/`, OURS, /\/(v1\/sites\/www\/loader\.js|banner\/)/));
    results.peer.push(await visit(`${peer.origin}/`, PEER, /\/vendor\//));
  }
  report(results);
} finally {
  await browser.close();
  peer.server.close();
  ours.child.kill('SIGKILL');
  rmSync(ours.dir, { recursive: true, force: true });
}

/** One first visit: navigation → accept button visible and hit-testable. */
async function visit(url, selector, cmpResources) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
  await page.addInitScript(watchFor, selector);
  await page.goto(url, { waitUntil: 'load' });
  // Polled from outside: waitForFunction would need eval, which the CSP forbids.
  let readyMs;
  for (let waited = 0; !readyMs; waited += 50) {
    if (waited > 20000) throw new Error(`${url}: the banner never became clickable`);
    await page.waitForTimeout(50);
    readyMs = await page.evaluate(() => window.__bannerReady);
  }
  await page.waitForTimeout(300); // let the banner's own work finish
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  const bytes = await page.evaluate((pattern) => performance.getEntriesByType('resource')
    .filter((e) => new RegExp(pattern).test(e.name))
    .reduce((sum, e) => sum + e.encodedBodySize, 0), cmpResources.source);
  await context.close();
  return {
    readyMs,
    taskMs: metric('TaskDuration') * 1000,
    scriptMs: metric('ScriptDuration') * 1000,
    bytes,
  };
}

/** Runs in the page before any of its scripts: notes when the button is usable. */
function watchFor(selector) {
  const check = () => {
    if (window.__bannerReady) return;
    const el = document.querySelector(selector);
    if (el && el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (r.width > 0 && r.height > 0 && hit && (hit === el || el.contains(hit))
        && getComputedStyle(el).opacity === '1' && fullyOpaque(el)) {
        window.__bannerReady = performance.now();
        return;
      }
    }
    requestAnimationFrame(check);
  };
  const fullyOpaque = (el) => {
    for (let e = el; e; e = e.parentElement) {
      if (getComputedStyle(e).opacity !== '1') return false;
    }
    return true;
  };
  requestAnimationFrame(check);
}

function report(results) {
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const p90 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(s.length * 0.9) - 1)]; };
  const row = (name, rs) => {
    const f = (key) => `${median(rs.map((r) => r[key])).toFixed(1)} / ${p90(rs.map((r) => r[key])).toFixed(1)}`;
    return `| ${name} | ${f('readyMs')} | ${f('taskMs')} | ${f('scriptMs')} | ${median(rs.map((r) => r.bytes))} |`;
  };
  const files = [
    ['cookieconsent.umd.js', readFileSync(join(here, 'node_modules/vanilla-cookieconsent/dist/cookieconsent.umd.js'))],
    ['cookieconsent.css', readFileSync(join(here, 'node_modules/vanilla-cookieconsent/dist/cookieconsent.css'))],
    ['init.js (its configuration)', Buffer.from(peerInit())],
  ];
  console.log(`# banner benchmark: ${runs} first visits each, headless Chromium, median / p90\n`);
  console.log('| banner | visible and clickable ms | main-thread task ms | script ms | CMP bytes transferred |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(row('nexxt-consent (wasm)', results.ours));
  console.log(row('vanilla-cookieconsent 3.1.0', results.peer));
  console.log('\nvanilla-cookieconsent files, gzip -9:');
  for (const [name, bytes] of files) console.log(`  ${name}: ${bytes.length} raw, ${gzipSync(bytes, { level: 9 }).length} gzip`);
}

async function startConsentServer() {
  const dir = mkdtempSync(join(tmpdir(), 'banner-bench-'));
  const child = spawn(serverBinary, ['serve', '--bind', '127.0.0.1:0', '--data-dir', dir,
    '--checkpoint-interval', '0', '--write-rate-limit', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.on('error', (e) => { console.error(`cannot start ${serverBinary}: ${e.message} (cargo build --release first)`); process.exit(2); });
  const address = await new Promise((resolve, reject) => {
    let log = '';
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/address=([0-9.:]+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`consent-server exited:\n${log}`)));
  });
  child.stderr.resume();
  return { child, dir, origin: `http://${address}` };
}

/** The same demo page with vanilla-cookieconsent in place of our loader,
 * deferred as its documentation says (it needs <body>). */
async function startPeerPage(oursOrigin) {
  const vendor = join(here, 'node_modules/vanilla-cookieconsent/dist');
  const demo = readFileSync(join(root, 'examples/www/index.html'), 'utf8')
    .replace(/\{\{lang\}\}/g, 'nl')
    .replace(/<script src="\/v1\/sites\/www\/loader\.js"[^>]*><\/script>/,
      '<link rel="stylesheet" href="/vendor/cookieconsent.css">\n<script defer src="/vendor/cookieconsent.umd.js"></script>\n<script defer src="/init.js"></script>')
    .replace(/ nonce="\{\{nonce\}\}"/g, '')
    .replace(/href="\/examples\/demo\.css"/, `href="${oursOrigin}/examples/demo.css"`)
    .replace(/data-consent-category=/g, 'data-category=');
  const files = {
    '/': ['text/html; charset=utf-8', Buffer.from(demo)],
    '/init.js': ['text/javascript', Buffer.from(peerInit())],
    '/vendor/cookieconsent.umd.js': ['text/javascript', readFileSync(join(vendor, 'cookieconsent.umd.js'))],
    '/vendor/cookieconsent.css': ['text/css', readFileSync(join(vendor, 'cookieconsent.css'))],
  };
  const server = createServer((req, res) => {
    const path = req.url.split('?')[0];
    const file = files[path];
    if (!file) { res.writeHead(404); res.end(); return; }
    // Compressed like ours (gzip), so bytes compare.
    const gzip = /gzip/.test(req.headers['accept-encoding'] ?? '');
    res.writeHead(200, { 'Content-Type': file[0], ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(gzip ? gzipSync(file[1]) : file[1]);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** vanilla-cookieconsent configured with our categories and texts. */
function peerInit() {
  const policy = readFileSync(join(root, 'policies/sites/www.toml'), 'utf8');
  const categories = [...policy.matchAll(/^\[\[categories\]\]\s*\nid\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
  const config = {
    // Its default hides the banner from automated browsers, this one included.
    hideFromBots: false,
    categories: Object.fromEntries(categories.map((c) => [c, c === 'necessary' ? { enabled: true, readOnly: true } : {}])),
    language: {
      default: 'nl',
      translations: {
        nl: {
          consentModal: {
            title: 'Cookies op nexxtjourneys.com',
            description: 'Wij gebruiken cookies voor statistieken, om de site te verbeteren, voor advertenties en voor de chat. Kies zelf wat u toestaat.',
            acceptAllBtn: 'Alles accepteren',
            acceptNecessaryBtn: 'Alles weigeren',
            showPreferencesBtn: 'Instellingen',
          },
          preferencesModal: {
            title: 'Cookie-instellingen',
            acceptAllBtn: 'Alles accepteren',
            acceptNecessaryBtn: 'Alles weigeren',
            savePreferencesBtn: 'Opslaan',
            sections: categories.map((c) => ({ title: c, description: c, linkedCategory: c })),
          },
        },
      },
    },
  };
  return `CookieConsent.run(${JSON.stringify(config)});\n`;
}
