// Going to a step in the past and in the future: pw/goto by step, gotoTargets + goto by
// line; checked with pw/step and the stack.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { describe, it, before, after, afterEach } = require('node:test');
const { example, tempDir, removeDir, record, replayClient, liveClient } = require('./harness');

const PROGRAM = example('factorial.pwa');
const source = { path: PROGRAM };

// The steps where a breakpoint at [line] stops, from step 0 to the end of the run.
async function lineHits(dc, line) {
  await dc.setBreakpointsRequest({ source, breakpoints: [{ line }] });
  await dc.move('pw/goto', { step: 0 });
  const hits = [];
  for (;;) {
    const stop = await dc.move('continue');
    if (stop.reason !== 'breakpoint') break;
    hits.push(stop.step);
  }
  await dc.setBreakpointsRequest({ source, breakpoints: [] });
  return hits;
}

describe('goto', () => {
  let dir, trace, dc, recorded;
  before(() => {
    dir = tempDir('goto');
    trace = record(PROGRAM, path.join(dir, 'factorial.pwtrace'));
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    if (recorded) await recorded.stop();
    dc = recorded = undefined;
  });

  it('pw/goto to a step in the future and in the past, and back: the same stack each time (pwreplay dap)', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace });
    const ahead = await dc.move('pw/goto', { step: 500 });
    assert.equal(ahead.reason, 'goto');
    assert.equal(ahead.step, 500);
    assert.equal((await dc.position()).step, 500);
    const at500 = await dc.frames();
    assert.ok(at500.length > 2);
    assert.match(at500[0].name, /^fact\(n=\d+\)$/);
    assert.equal(at500[at500.length - 1].name, 'main()');

    const behind = await dc.move('pw/goto', { step: 100 });
    assert.equal(behind.reason, 'goto');
    assert.equal((await dc.position()).step, 100);
    assert.notDeepEqual(await dc.frames(), at500);

    await dc.move('pw/goto', { step: 500 });
    assert.equal((await dc.position()).step, 500);
    assert.deepEqual(await dc.frames(), at500);

    // The end, as a step number given as text.
    const end = (await dc.position()).end;
    const last = await dc.move('pw/goto', { step: String(end) });
    assert.equal(last.step, end);
    assert.equal((await dc.position()).step, end);
  });

  it('gotoTargets + goto: 2*line runs to the next time the line runs, 2*line+1 back to the last time it ran; other breakpoints are passed', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace });
    const hits = await lineHits(dc, 44);
    assert.equal(hits.length, 20);  // one print per factorial

    const targets = (await dc.gotoTargetsRequest({ source, line: 44 })).body.targets;
    assert.deepEqual(targets.map(t => [t.id, t.line]), [[88, 44], [89, 44]]);

    await dc.setBreakpointsRequest({ source, breakpoints: [{ line: 15 }] });  // in fact: must not stop a goto
    await dc.move('pw/goto', { step: 500 });
    const forward = await dc.move('goto', { targetId: 88 });
    assert.equal(forward.reason, 'goto');
    assert.equal(forward.step, hits.find(h => h > 500));
    assert.equal((await dc.top()).line, 44);
    assert.equal((await dc.position()).step, forward.step);

    const backward = await dc.move('goto', { targetId: 89 });
    assert.equal(backward.reason, 'goto');
    assert.equal(backward.step, hits.filter(h => h < forward.step).pop());
    assert.equal((await dc.top()).line, 44);
    assert.equal((await dc.frames()).length, 1);
  });

  it('on a live run: pw/goto runs the program forward into the future, and back; the stacks match the recording (pwvm dap)', { timeout: 20000 }, async () => {
    recorded = replayClient();
    await recorded.open({ trace });
    await recorded.move('pw/goto', { step: 1500 });
    const recordedAt1500 = await recorded.frames();
    const recordedHits = await lineHits(recorded, 44);
    await recorded.stop();

    dc = liveClient();
    await dc.open({ program: PROGRAM });
    const ahead = await dc.move('pw/goto', { step: 1500 });
    assert.equal(ahead.reason, 'goto');
    assert.deepEqual(await dc.position(), { step: 1500, start: 0, end: 1500, finished: false, live: true });
    assert.deepEqual(await dc.frames(), recordedAt1500);

    await dc.move('pw/goto', { step: 40 });
    assert.deepEqual(await dc.position(), { step: 40, start: 0, end: 1500, finished: false, live: true });
    const forward = await dc.move('goto', { targetId: 88 });
    assert.equal(forward.step, recordedHits.find(h => h > 40));
    await dc.move('pw/goto', { step: 1500 });
    const next = await dc.move('goto', { targetId: 88 });  // past the furthest point reached
    assert.equal(next.step, recordedHits.find(h => h > 1500));
    assert.ok((await dc.position()).end >= next.step);
    const back = await dc.move('goto', { targetId: 89 });
    assert.equal(back.step, recordedHits.filter(h => h < next.step).pop());
  });
});
