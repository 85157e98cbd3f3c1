// `image explain --html`: the page opened in headless Chromium (Debian's
// chromium, driven by playwright-core) shows the layer stack, the treemap and
// the waste list; checked element by element, not pixel by pixel.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator } from 'playwright-core';
import { TestEnv } from '../helpers';
import { archiveOf, KNOWN } from '../explain-kit';
import { humanSize } from '../../src/util/units';
import type { ExplainReport } from '../../src/explain/types';

const CHROMIUM = '/usr/bin/chromium';

let env: TestEnv;
let browser: BrowserContext;
let profile: string;
before(async () => {
  env = new TestEnv();
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await browser?.close();
  fs.rmSync(profile, { recursive: true, force: true });
  env.cleanup();
});

/** The element a click at the middle of `l` would reach is `l` or inside it: shown, not covered. */
async function reachable(l: Locator): Promise<boolean> {
  await l.scrollIntoViewIfNeeded();
  const box = await l.boundingBox();
  if (!box || box.width < 1 || box.height < 1) return false;
  // runs in the page (the DOM's types are not part of this Node.js build)
  return l.evaluate(
    (el: { contains(n: unknown): boolean }, [x, y]) => {
      const page = globalThis as unknown as { document: { elementFromPoint(x: number, y: number): unknown } };
      const hit = page.document.elementFromPoint(x, y);
      return !!hit && el.contains(hit);
    },
    [box.x + box.width / 2, box.y + box.height / 2],
  );
}

test('the page shows the layer stack, the largest directories and the waste list', async () => {
  await env.ok(['load', '-i', archiveOf(env, 'known', 'known:1', KNOWN)]);
  const file = path.join(env.dir, 'known.html');
  await env.ok(['image', 'explain', '--html', file, 'known:1']);
  const report = JSON.parse(await env.ok(['image', 'explain', '--format', 'json', 'known:1'])) as ExplainReport;

  const page = await browser.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  assert.deepEqual(requests, [`file://${file}`], 'self-contained: nothing else is fetched');
  assert.equal(await page.title(), `Why is known:1 ${humanSize(report.size)}? · stowage image explain`);
  assert.equal(await page.locator('#wasted .v').textContent(), humanSize(report.wastedBytes));
  assert.equal(await page.locator('#efficiency .v').textContent(), `${(report.efficiency * 100).toFixed(1)}%`);

  // the layer stack, top first, each layer shown with its bar
  const layers = page.locator('#layers li.layer');
  assert.equal(await layers.count(), 4);
  assert.deepEqual(await layers.evaluateAll((els) => els.map((e) => e.getAttribute('data-layer'))), [
    '4',
    '3',
    '2',
    '1',
  ]);
  for (let i = 0; i < 4; i++) assert.ok(await reachable(layers.nth(i)), `layer ${4 - i} is visible`);
  const big = page.locator('#layers li.layer[data-layer="2"]');
  assert.match((await big.textContent()) ?? '', /10\.49MB hidden by later layers/);
  const hiddenBar = (await big.locator('.bar .hidden').boundingBox())!;
  const barWidth = (await big.locator('.bar').boundingBox())!.width;
  assert.ok(
    hiddenBar.width > barWidth * 0.95,
    `layer 2's bar is almost all hidden bytes (${hiddenBar.width} of ${barWidth})`,
  );
  assert.equal(
    (await page.locator('#layers li.layer[data-layer="1"] .bar .hidden').boundingBox())?.width ?? 0,
    0,
    'layer 1 hides nothing',
  );

  // the treemap: a cell per directory a container sees (and per file inside those big enough to show them)
  const cells = page.locator('#treemap g.cell');
  assert.deepEqual((await cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-path')))).sort(), [
    '/app',
    '/app/f',
    '/bin',
    '/bin/tool',
    '/etc',
  ]);
  assert.ok(await reachable(page.locator('#treemap')), 'the treemap is visible');
  const area = async (p: string) => {
    const b = (await page.locator(`#treemap g.cell[data-path="${p}"] rect`).boundingBox())!;
    return b.width * b.height;
  };
  assert.ok(
    (await area('/bin')) > (await area('/app')) && (await area('/app')) > (await area('/etc')),
    'areas follow sizes',
  );

  // the waste list: the deleted file first, then the overwritten one
  const rows = page.locator('#waste tr.waste-row');
  assert.equal(await rows.count(), 2);
  assert.match((await rows.nth(0).textContent()) ?? '', /^10\.49MB\/data\/biglayer 2: 10\.49MB, deleted in layer 3$/);
  assert.match(
    (await rows.nth(1).textContent()) ?? '',
    /^8\.192kB\/app\/f.*overwritten in layer 3.*overwritten in layer 4.*seen: layer 4's copy$/,
  );
  for (let i = 0; i < 2; i++) assert.ok(await reachable(rows.nth(i)), `waste row ${i + 1} is visible`);

  assert.ok(
    await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth'),
    'nothing runs off the page sideways',
  );
  const shot = await page.screenshot({ fullPage: true, path: path.join(env.dir, 'known.png') });
  assert.deepEqual([...shot.subarray(1, 4)], [...Buffer.from('PNG')]);
  await page.close();
});

test('an image that wastes nothing says so', async () => {
  await env.baseImage();
  const file = path.join(env.dir, 'busybox.html');
  await env.ok(['image', 'explain', '--html', file, 'busybox']);
  const page = await browser.newPage();
  await page.goto(`file://${file}`);
  assert.equal(await page.locator('#layers li.layer').count(), 1);
  assert.ok(await reachable(page.locator('#no-waste')));
  assert.equal(await page.locator('#waste').count(), 0);
  assert.ok(
    (await page.locator('#treemap g.cell[data-path="/bin/busybox"]').count()) === 1,
    'the busybox binary has its cell',
  );
  await page.close();
});
