// The dashboard in Debian's chromium, against `kisflow-demo serve --ui` consuming a real Redis
// stream, with schedules in a real PostgreSQL. Run by scripts/test_browser.sh.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { TOKEN, groups, redis, sleep, startAll, until } from './harness.mjs';

const SHOTS = path.resolve(import.meta.dirname, '../../docs/dashboard');
const row = (id) => JSON.stringify({ stu_id: id, score_1: 90, score_2: 80, score_3: 70 });

let env;
let browser;
let page; // holds the token cookie
let rowsAdded = 0;

async function addRows(n) {
  for (let i = 0; i < n; i += 1) {
    rowsAdded += 1;
    await redis(env.redisPort, 'XADD', 'scores', '*', 'data', row(100 + (rowsAdded % 100)));
  }
}

const number = async (locator) => Number((await locator.textContent()).trim());

/** With SCREENSHOTS=1, the page as it is now into docs/dashboard (the README shows them). */
async function shot(name) {
  if (process.env.SCREENSHOTS !== '1') return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

describe('dashboard', () => {
  before(async () => {
    env = await startAll();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.goto(`${env.base}/login`);
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-save').click();
    await page.getByTestId('notice').waitFor();
  });

  after(async () => {
    await browser?.close();
    await env?.stop();
  });

  test('the flows page lists every flow with its status', async () => {
    await page.goto(`${env.base}/flows`);
    await assert.doesNotReject(page.getByTestId('flow-row-CalStuAvgScore').waitFor());
    assert.equal(await page.getByTestId('flow-status-CalStuAvgScore').textContent(), 'running');
    assert.equal(await page.getByTestId('flow-status-AvgScores').textContent(), 'idle');
    await shot('flows');
  });

  test('the flow graph draws its functions, modes and typed edges', async () => {
    await page.goto(`${env.base}/flows/CalStuAvgScore`);
    const graph = page.getByTestId('flow-graph');
    await graph.waitFor();
    const nodes = await graph.locator('g[data-testid^="node-"]').evaluateAll((gs) => gs.map((g) => [g.dataset.testid, g.dataset.mode]));
    assert.deepEqual(nodes, [
      ['node-VerifyStu', 'Verify'], ['node-AvgStuScore', 'Calculate'], ['node-PrintStuAvgScore', 'Expand'],
    ]);
    const edges = await graph.locator('g[data-testid^="edge-"]').evaluateAll((gs) => gs.map((g) => [g.dataset.testid, g.dataset.rows]));
    assert.equal(edges.length, 2);
    assert.equal(edges[0][0], 'edge-VerifyStu-AvgStuScore');
    assert.match(edges[0][1], /StuScore$/);
    assert.equal(edges[1][0], 'edge-AvgStuScore-PrintStuAvgScore');
    assert.match(edges[1][1], /StuAvg$/);
    assert.equal(await page.getByTestId('edge-label-VerifyStu-AvgStuScore').locator('xpath=.').evaluate((t) => t.lastChild.textContent), 'StuScore');
  });

  test('a branching flow forks after its trunk, each branch on a row of its own', async () => {
    // VerifyStu -> AvgStuScore -> [PrintStuAvgScore, TopStudents -> PrintHonourRoll], in YAML.
    await page.goto(`${env.base}/flows/ScoreReport`);
    const graph = page.getByTestId('flow-graph');
    await graph.waitFor();
    const edges = await graph.locator('g[data-testid^="edge-"]').evaluateAll((gs) => gs.map((g) => g.dataset.testid));
    assert.deepEqual(edges.sort(), [
      'edge-AvgStuScore-PrintStuAvgScore', 'edge-AvgStuScore-TopStudents',
      'edge-TopStudents-PrintHonourRoll', 'edge-VerifyStu-AvgStuScore',
    ]);
    const box = async (name) => graph.getByTestId(`node-${name}`).locator('rect').boundingBox();
    const [trunk, fork, first, second, sink] = await Promise.all(
      ['VerifyStu', 'AvgStuScore', 'PrintStuAvgScore', 'TopStudents', 'PrintHonourRoll'].map(box),
    );
    assert.ok(fork.x > trunk.x && fork.y === trunk.y, 'the trunk is one row');
    assert.equal(first.y, fork.y, 'the first branch continues the trunk\'s row');
    assert.ok(second.y > first.y, 'the second branch has a row of its own');
    assert.equal(second.x, first.x, 'both branches start one column after the fork');
    assert.ok(sink.x > second.x && sink.y === second.y);
    await shot('branches');
  });

  test('rows in and out per function rise live on the graph, without a reload', async () => {
    await page.goto(`${env.base}/flows/CalStuAvgScore`);
    const rowsIn = page.getByTestId('fn-in-VerifyStu');
    const before = await number(rowsIn);
    await addRows(20);
    await until('VerifyStu rows in rise by 20', async () => (await number(page.getByTestId('fn-in-VerifyStu'))) >= before + 20);
    assert.ok((await number(page.getByTestId('fn-out-AvgStuScore'))) >= 20);
    assert.notEqual(await page.getByTestId('fn-p99-VerifyStu').textContent(), '–');
    await shot('flow');
  });

  test('source rates move while rows flow', async () => {
    await page.goto(`${env.base}/sources`);
    const acked = await number(page.getByTestId('acked-CalStuAvgScore'));
    const feeding = (async () => {
      for (let i = 0; i < 15; i += 1) {
        await addRows(5);
        await sleep(100);
      }
    })();
    await until('the received rate is above 0', async () => Number(await page.getByTestId('received-rate-CalStuAvgScore').textContent()) > 0);
    await until('the acked rate is above 0', async () => Number(await page.getByTestId('acked-rate-CalStuAvgScore').textContent()) > 0);
    await feeding;
    await until('the acked count rises live', async () => (await number(page.getByTestId('acked-CalStuAvgScore'))) >= acked + 75);
    assert.equal(await page.getByTestId('lag-messages-CalStuAvgScore').count(), 1);
    await shot('sources');
  });

  test('a mutating action without the token is refused, and audited', async () => {
    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    await other.goto(`${env.base}/sources`);
    const response = other.waitForResponse((r) => r.url().endsWith('/sources/CalStuAvgScore/pause'));
    await other.getByTestId('pause-CalStuAvgScore').click();
    assert.equal((await response).status(), 403);
    assert.match(await other.getByTestId('notice').textContent(), /refused: this action needs the dashboard's token/);
    await stranger.close();
    await page.goto(`${env.base}/sources`);
    assert.equal(await page.getByTestId('source-status-CalStuAvgScore').textContent(), 'running');
    await page.goto(`${env.base}/audit`);
    assert.match(await page.getByTestId('audit').textContent(), /anonymous from 127\.0\.0\.1:\d+pause source of flow `CalStuAvgScore`refused: no valid token/);
  });

  test('pause stops acks on Redis; resume drains what came meanwhile', async () => {
    await page.goto(`${env.base}/sources`);
    await page.getByTestId('pause-CalStuAvgScore').click();
    assert.match(await page.getByTestId('notice').textContent(), /paused `CalStuAvgScore`/);
    assert.equal(await page.getByTestId('source-status-CalStuAvgScore').textContent(), 'paused');
    await sleep(1000); // batches in flight finish and are acked within a second
    const [held] = await groups(env.redisPort, 'scores');
    await addRows(10);
    await sleep(1500);
    const [still] = await groups(env.redisPort, 'scores');
    assert.equal(still['entries-read'], held['entries-read'], 'a paused source reads nothing');
    assert.equal(still.pending, 0, 'nothing is left unacked, and nothing new was delivered');
    assert.equal(still.lag, held.lag + 10, 'the new rows wait in the stream');
    await until('the lag shows on the page', async () => Number(await page.getByTestId('lag-messages-CalStuAvgScore').textContent()) >= 10);
    await page.getByTestId('resume-CalStuAvgScore').click();
    await until('resume drains the stream', async () => {
      const [now] = await groups(env.redisPort, 'scores');
      return now.lag === 0 && now.pending === 0 && now['entries-read'] === held['entries-read'] + 10;
    });
    assert.equal(await page.getByTestId('source-status-CalStuAvgScore').textContent(), 'running');
  });

  test('a poison row appears in the dead letters with its payload and error chain', async () => {
    await redis(env.redisPort, 'XADD', 'scores', '*', 'data', 'poison{');
    await until('the letter is listed', async () => {
      await page.goto(`${env.base}/letters?flow=CalStuAvgScore`);
      return (await page.getByTestId('letter').count()) === 1;
    });
    await shot('letters');
    await page.getByTestId('letter-link').click();
    assert.equal(await page.getByTestId('letter-payload').textContent(), 'poison{');
    assert.equal(await page.getByTestId('letter-kind').textContent(), 'Decode');
    assert.match(await page.getByTestId('letter-error').textContent(), /CalStuAvgScore/);
    await shot('letter');
  });

  test('filters narrow the dead letters', async () => {
    await page.goto(`${env.base}/letters?flow=CalStuAvgScore&kind=Handler`);
    assert.equal(await page.getByTestId('letter').count(), 0);
    await page.goto(`${env.base}/letters?flow=CalStuAvgScore&kind=decode&q=poison`);
    assert.equal(await page.getByTestId('letter').count(), 1);
  });

  test('replaying a selection asks for confirmation, shows the result and clears the letter', async () => {
    await page.goto(`${env.base}/letters?flow=CalStuAvgScore`);
    const id = (await page.getByTestId('letter-link').textContent()).trim();
    const before = await redis(env.redisPort, 'XLEN', 'scores');
    await page.getByTestId(`select-${id}`).check();
    await page.getByTestId('replay-selected').click();
    assert.match(await page.getByTestId('replay-result').textContent(), /^Would replay 1 to `scores`, 0 kept/);
    assert.equal(await redis(env.redisPort, 'XLEN', 'scores'), before, 'the dry run changes nothing');
    await page.getByTestId('replay-confirm').click();
    assert.match(await page.getByTestId('replay-result').textContent(), /^Replayed 1 to `scores`, 0 kept/);
    assert.equal(await redis(env.redisPort, 'XLEN', 'scores'), before + 1, 'the row is back in the stream');
    // Still poison, it comes back once more as a new letter that remembers the replay.
    await until('the replayed row is dead-lettered again', async () => {
      await page.goto(`${env.base}/letters?flow=CalStuAvgScore`);
      const ids = await page.getByTestId('letter-link').allTextContents();
      return ids.length === 1 && ids[0].trim() !== id;
    });
    assert.match(await page.getByTestId('letter').textContent(), /Decode\s*1\s*1/);
  });

  test('a schedule trigger adds a run to the grid, which turns green', async () => {
    await page.goto(`${env.base}/schedules`);
    const grid = page.getByTestId('grid-averages');
    await grid.waitFor({ state: 'attached' });
    const runs = await grid.getByTestId('run').count();
    await page.getByTestId('trigger-averages').click();
    assert.match(await page.getByTestId('notice').textContent(), /triggered `averages`: run \d+/);
    await until('the run is in the grid and succeeded', async () => {
      const cells = page.getByTestId('grid-averages').getByTestId('run');
      return (await cells.count()) === runs + 1 && (await cells.last().getAttribute('data-status')) === 'succeeded';
    }, 15000);
    await shot('schedules');
    await page.getByTestId('grid-averages').getByTestId('run').last().click();
    assert.equal(await page.getByTestId('run-status').textContent(), 'succeeded');
    assert.match(await page.getByTestId('run-log').textContent(), /"fired":"manual"/);
  });

  test('a schedule pauses and resumes', async () => {
    await page.goto(`${env.base}/schedules`);
    await page.getByTestId('pause-averages').click();
    assert.equal(await page.getByTestId('schedule-status-averages').textContent(), 'paused');
    await page.getByTestId('resume-averages').click();
    assert.equal(await page.getByTestId('schedule-status-averages').textContent(), 'active');
  });

  test('the config page shows the YAML and a problem at file:line:column', async () => {
    const broken = path.join(env.conf, 'func-Broken.yml');
    writeFileSync(broken, 'kistype: func\nfname: Broken\nfmode: Sideways\n');
    try {
      await page.goto(`${env.base}/config`);
      assert.match(await page.getByTestId('file-flow-CalStuAvgScore.yml').textContent(), /stream: scores/);
      const problems = await page.getByTestId('problem').allTextContents();
      assert.ok(problems.some((p) => /func-Broken\.yml:3:\d+: /.test(p)), problems.join('\n'));
      await shot('config');
    } finally {
      rmSync(broken);
    }
    await page.goto(`${env.base}/config`);
    await page.getByTestId('config-ok').waitFor();
  });

  test('pages read without JavaScript, and every action is in the audit log and file', async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false });
    const reader = await plain.newPage();
    await reader.goto(`${env.base}/sources`);
    assert.ok(Number(await reader.getByTestId('acked-CalStuAvgScore').textContent()) > 0);
    await reader.goto(`${env.base}/flows/CalStuAvgScore`);
    assert.equal(await reader.locator('g[data-testid^="node-"]').count(), 3);
    await plain.close();
    await page.goto(`${env.base}/audit`);
    const entries = await page.getByTestId('audit-entry').allTextContents();
    for (const what of ['pause source of flow `CalStuAvgScore`', 'resume source of flow `CalStuAvgScore`', 'replay 1 dead letters', 'trigger schedule `averages`']) {
      assert.ok(entries.some((e) => e.includes('token holder from') && e.includes(what)), `${what} in ${entries.join('\n')}`);
    }
    await shot('audit');
    const file = readFileSync(env.audit, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(file.some((e) => e.what.startsWith('trigger schedule') && e.who.startsWith('token holder')));
    assert.ok(file.some((e) => e.outcome === 'refused: no valid token'));
  });
});
