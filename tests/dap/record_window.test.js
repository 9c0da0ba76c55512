// A trace recorded with --record-last keeps only the end of the run: pwreplay dap starts at
// the window's first step, backward moves stop there with a message, and a step before it
// is refused with one clear message.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { describe, it, before, after, afterEach } = require('node:test');
const { PWVM, PWREPLAY, example, tempDir, removeDir, replayClient } = require('./harness');

// [promise] is refused with a message matching [pattern].
function refused(promise, pattern) {
  return assert.rejects(promise, error => {
    assert.match(error.message, pattern);
    return true;
  });
}

describe('a windowed trace', () => {
  let dir, trace, first, dc;
  before(() => {
    dir = tempDir('window');
    trace = path.join(dir, 'inventory.pwtrace');
    const rec = spawnSync(PWVM, ['run', example('inventory.pwa'), '--record', trace, '--record-last', '4000'], { encoding: 'utf8' });
    assert.equal(rec.status, 1, rec.stderr);  // the example fails, as it should
    const info = spawnSync(PWREPLAY, ['info', trace, '--json'], { encoding: 'utf8' });
    assert.equal(info.status, 0, info.stderr);
    first = JSON.parse(info.stdout).first_step;
    assert.ok(first > 0);
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  it('starts at the first step it keeps, and pw/step says where the window starts', { timeout: 20000 }, async () => {
    dc = replayClient();
    const stop = await dc.open({ trace });
    assert.equal(stop.step, first);
    assert.deepEqual(await dc.position(), { step: first, start: first, end: 10850, finished: true, live: false });
  });

  it('backward moves stop at the window start, saying so', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace, at: 'end' });
    const back = await dc.move('reverseContinue');
    assert.equal(back.step, first);
    assert.match(back.description, new RegExp(`^At step ${first}: the start of the recorded window; the trace keeps nothing earlier`));
    const again = await dc.move('stepBack');
    assert.equal(again.step, first);
    assert.match(again.description, /the start of the recorded window/);
  });

  it('a step before the window is refused in one message, and the session goes on', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace });
    const before = new RegExp(`step 5 is before the recorded window, which starts at step ${first}`);
    await refused(dc.customRequest('pw/goto', { step: 5 }), before);
    await refused(dc.customRequest('pw/watch', { expression: 'restocks', from: 5 }), before);
    await refused(dc.customRequest('pw/calls', { function: 'restock', from: 5 }), before);
    const watched = (await dc.customRequest('pw/watch', { expression: 'restocks' })).body;
    assert.ok(watched.changes.every(c => c.step > first), JSON.stringify(watched));
    await dc.assertAlive();
    await dc.stop();

    dc = replayClient();
    await dc.start();
    await dc.initializeRequest();
    await refused(dc.launchRequest({ trace, at: 5 }), before);
    await dc.assertAlive();
  });
});
