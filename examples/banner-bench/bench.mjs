// Our banner beside vanilla-cookieconsent, Klaro and tarteaucitron (npm) in headless
// Chromium, on the same demo page body: time from navigation until the accept
// button is visible and would receive a click (median, p90, slowest), how long
// after the page's own first paint that is, the worst cumulative layout shift,
// main-thread time, and bytes transferred. The same page with no banner at all
// is the floor: no banner can be visible before the page can.
//
//   npm install --prefix examples/banner-bench
//   node examples/banner-bench/bench.mjs [--runs 30] [--server target/release/consent-server]
//
// Each run is a first visit in a fresh browser context (empty cache and
// cookies). The pages take turns so that drift affects all alike. On a
// 2-core machine a median of fewer than about 30 loads moves by ±10 ms
// from run to run.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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
const runs = Number(option('--runs', '30'));
const serverBinary = option('--server', join(root, 'target', 'release', 'consent-server'));

// The accept button of each banner, once shown.
const OURS = '#nx-consent .nx-layer:not([hidden]) button[data-a=accept]';
const PEERS = {
  vanilla: { name: 'vanilla-cookieconsent 3.1.0', accept: '#cc-main .cm__btn[data-role="all"]' },
  klaro: { name: 'klaro 0.7.22', accept: '.klaro .cookie-notice .cm-btn-success' },
  // Lean: its own services for the page's four categories instead of the
  // 35 KB services file, and its files loaded by the page (useExternalJs).
  tarteaucitron: { name: 'tarteaucitron 1.34.0 (lean)', accept: '#tarteaucitronPersonalize2' },
  // The floor: the page's own text, visible and hit-testable.
  none: { name: 'no banner (the page alone)', accept: 'main h2' },
};

const tarteaucitron = join(here, 'node_modules/tarteaucitronjs');
const TARTEAUCITRON_FILES = ['tarteaucitron.min.js', 'lang/tarteaucitron.nl.min.js', 'css/tarteaucitron.min.css'];

const ours = await startConsentServer();
const peers = {};
for (const kind of Object.keys(PEERS)) peers[kind] = await startPeerPage(ours.origin, kind);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const results = { ours: [] };
  for (let i = 0; i < runs; i++) {
    results.ours.push(await visit(`${ours.origin}/examples/www/`, OURS, /\/(v1\/sites\/www\/(loader\.js|banner\.json)|banner\/)/));
    for (const [kind, peer] of Object.entries(peers)) {
      (results[kind] = results[kind] || []).push(await visit(`${peer.origin}/`, PEERS[kind].accept, /\/(vendor\/|init\.js)/));
    }
  }
  report(results);
} finally {
  await browser.close();
  for (const peer of Object.values(peers)) peer.server.close();
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
  const cls = await page.evaluate(() => window.__cls);
  // The page's own first paint: the floor no banner can beat.
  const fcpMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0);
  await context.close();
  return {
    readyMs,
    fcpMs,
    cls,
    taskMs: metric('TaskDuration') * 1000,
    scriptMs: metric('ScriptDuration') * 1000,
    bytes,
  };
}

/** Runs in the page before any of its scripts: notes when the button is usable. */
function watchFor(selector) {
  window.__cls = 0;
  new PerformanceObserver((list) => list.getEntries().forEach((e) => { if (!e.hadRecentInput) window.__cls += e.value; }))
    .observe({ type: 'layout-shift', buffered: true });
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
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
  const p90 = (xs) => sorted(xs)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.9) - 1)];
  const row = (name, rs) => {
    const f = (key) => `${median(rs.map((r) => r[key])).toFixed(1)} / ${p90(rs.map((r) => r[key])).toFixed(1)}`;
    const slowest = Math.max(...rs.map((r) => r.readyMs)).toFixed(1);
    // Per load, then the median: the page's first paint moves with the machine.
    const gap = median(rs.map((r) => r.readyMs - r.fcpMs)).toFixed(1);
    const cls = Math.max(...rs.map((r) => r.cls)).toFixed(3);
    return `| ${name} | ${f('readyMs')} | ${slowest} | ${f('fcpMs')} | ${gap} | ${cls} | ${f('taskMs')} | ${f('scriptMs')} | ${median(rs.map((r) => r.bytes))} |`;
  };
  console.log(`# banner benchmark: ${runs} first visits each, headless Chromium, median / p90\n`);
  console.log('| banner | visible and clickable ms | slowest ms | page first paint ms | visible − first paint ms | worst CLS | main-thread task ms | script ms | CMP bytes transferred |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(row('nexxt-consent (wasm)', results.ours));
  for (const kind of Object.keys(PEERS)) console.log(row(PEERS[kind].name, results[kind]));
  const files = [
    ['vanilla-cookieconsent: cookieconsent.umd.js', readFileSync(join(here, 'node_modules/vanilla-cookieconsent/dist/cookieconsent.umd.js'))],
    ['vanilla-cookieconsent: cookieconsent.css', readFileSync(join(here, 'node_modules/vanilla-cookieconsent/dist/cookieconsent.css'))],
    ['vanilla-cookieconsent: init.js (its configuration)', Buffer.from(peerInit('vanilla'))],
    ['klaro: klaro.js (CSS included)', readFileSync(join(here, 'node_modules/klaro/dist/klaro.js'))],
    ['klaro: init.js (its configuration)', Buffer.from(peerInit('klaro'))],
    ...TARTEAUCITRON_FILES.map((f) => [`tarteaucitron: ${f}`, readFileSync(join(tarteaucitron, f))]),
    ['tarteaucitron: init.js (its configuration and services)', Buffer.from(peerInit('tarteaucitron'))],
  ];
  console.log('\npeer files, gzip -9:');
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

/** The same demo page with a peer in place of our loader: deferred, as
 * its documentation says (it needs <body>), its tags marked its way; or,
 * for `none`, with nothing in its place (the floor). */
async function startPeerPage(oursOrigin, kind) {
  const head = {
    vanilla: '<link rel="stylesheet" href="/vendor/cookieconsent.css">\n<script defer src="/vendor/cookieconsent.umd.js"></script>\n<script defer src="/init.js"></script>',
    klaro: '<script src="/init.js"></script>\n<script defer src="/vendor/klaro.js"></script>',
    tarteaucitron: '<link rel="stylesheet" href="/vendor/tarteaucitron/css/tarteaucitron.min.css">\n' +
      '<script>var tarteaucitronForceLanguage = "nl";</script>\n' +
      '<script src="/vendor/tarteaucitron/tarteaucitron.min.js"></script>\n' +
      '<script src="/vendor/tarteaucitron/lang/tarteaucitron.nl.min.js"></script>\n<script src="/init.js"></script>',
    none: '',
  }[kind];
  let demo = readFileSync(join(root, 'examples/www/index.html'), 'utf8')
    .replace(/\{\{lang\}\}/g, 'nl')
    .replace(/<script src="\/v1\/sites\/www\/loader\.js"[^>]*><\/script>/, head)
    .replace(/ nonce="\{\{nonce\}\}"/g, '')
    .replace(/href="\/examples\/demo\.css"/, `href="${oursOrigin}/examples/demo.css"`);
  if (kind === 'vanilla') demo = demo.replace(/data-consent-category=/g, 'data-category=');
  if (kind === 'klaro') {
    demo = demo.replace(/<script type="text\/plain" data-consent-category="(\w+)" src="([^"]+)">/g,
      '<script type="text/plain" data-type="text/javascript" data-name="$1" data-src="$2">');
  }
  // tarteaucitron: the inert tags stay as they are; its services load them.
  const vanilla = join(here, 'node_modules/vanilla-cookieconsent/dist');
  const files = {
    '/': ['text/html; charset=utf-8', Buffer.from(demo)],
    ...(kind === 'none' ? {} : { '/init.js': ['text/javascript', Buffer.from(peerInit(kind))] }),
    // The page's own scripts (the tag stand-ins), same-origin as on ours.
    ...Object.fromEntries(readdirSync(join(root, 'examples/stubs')).map((f) =>
      [`/examples/stubs/${f}`, [f.endsWith('.html') ? 'text/html' : 'text/javascript', readFileSync(join(root, 'examples/stubs', f))]])),
    ...{
      vanilla: {
        '/vendor/cookieconsent.umd.js': ['text/javascript', readFileSync(join(vanilla, 'cookieconsent.umd.js'))],
        '/vendor/cookieconsent.css': ['text/css', readFileSync(join(vanilla, 'cookieconsent.css'))],
      },
      klaro: {
        '/vendor/klaro.js': ['text/javascript', readFileSync(join(here, 'node_modules/klaro/dist/klaro.js'))],
      },
      tarteaucitron: Object.fromEntries(TARTEAUCITRON_FILES.map((f) =>
        [`/vendor/tarteaucitron/${f}`, [f.endsWith('.css') ? 'text/css' : 'text/javascript', readFileSync(join(tarteaucitron, f))]])),
    }[kind],
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

/** The peer configured with our categories and Dutch texts. */
function peerInit(kind) {
  const policy = readFileSync(join(root, 'policies/sites/www.toml'), 'utf8');
  const categories = [...policy.matchAll(/^\[\[categories\]\]\s*\nid\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
  if (kind === 'tarteaucitron') {
    const optional = categories.filter((c) => c !== 'necessary');
    const init = { orientation: 'bottom', showAlertSmall: false, cookieslist: false, AcceptAllCta: true,
      DenyAllCta: true, highPrivacy: true, useExternalCss: true, useExternalJs: true, mandatory: true };
    return `tarteaucitron.init(${JSON.stringify(init)});\n` +
      `${JSON.stringify(optional)}.forEach(function (c) {\n` +
      '  tarteaucitron.services[c] = { key: c, type: "other", name: c, uri: "", needConsent: true, cookies: [],\n' +
      '    js: function () { document.querySelectorAll(\'script[type="text/plain"][data-consent-category="\' + c + \'"]\').forEach(function (el) { tarteaucitron.addScript(el.src); }); } };\n' +
      '  (tarteaucitron.job = tarteaucitron.job || []).push(c);\n});\n';
  }
  if (kind === 'klaro') {
    const klaro = {
      lang: 'nl', acceptAll: true, hideDeclineAll: false,
      translations: { nl: { consentNotice: { description: 'Wij gebruiken cookies voor statistieken, om de site te verbeteren, voor advertenties en voor de chat. Kies zelf wat u toestaat.' } } },
      services: categories.filter((c) => c !== 'necessary').map((c) => ({ name: c, title: c, purposes: [c] })),
    };
    return `var klaroConfig = ${JSON.stringify(klaro)};\n`;
  }
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
