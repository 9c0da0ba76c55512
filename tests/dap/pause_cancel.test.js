// pause and cancel reach a long move while it runs: the adapter reads requests on a thread of
// its own. The programs are written here: a counted loop of 10^8 steps and a loop that never
// ends.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, it, before, after, afterEach } = require('node:test');
const { tempDir, removeDir, record, replayClient, liveClient, delay, checkedStop } = require('./harness');

const LONG = `; 10^8 steps: a counted loop of two instructions
func main()
  local i, limit
  push 1
  set_local i
  push 50000000
  set_local limit
loop:
  inc_local i 0
  for_next i, loop
  push 0
  halt
end
`;
const LONG_LOOP_LINE = 9;  // inc_local: a breakpoint there whose condition never holds makes every step count

const FOREVER = `; counts for ever
func main()
  local i
  push 0
  set_local i
loop:
  inc_local i 1
  jump loop
end
`;

// How long a move runs before the pause is sent: the move is answered as it starts.
const RUNNING_MS = 300;

describe('pause and cancel', () => {
  let dir, longProgram, longTrace, forever, dc;
  before(() => {
    dir = tempDir('pause');
    longProgram = path.join(dir, 'long.pwa');
    fs.writeFileSync(longProgram, LONG);
    longTrace = record(longProgram, path.join(dir, 'long.pwtrace'));
    forever = path.join(dir, 'forever.pwa');
    fs.writeFileSync(forever, FOREVER);
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  const neverHolds = c => c.setBreakpointsRequest({
    source: { path: longProgram }, breakpoints: [{ line: LONG_LOOP_LINE, condition: 'i < 0' }],
  });

  it('pause during a long reverseContinue stops it with reason pause, somewhere between its ends (pwreplay dap)', { timeout: 30000 }, async () => {
    dc = replayClient();
    const first = await dc.open({ trace: longTrace, at: 'end' }, { configure: neverHolds });
    const end = first.step;
    assert.equal(end, (await dc.position()).end);
    assert.ok(end > 100000000);

    const stopped = dc.waitForEvent('stopped', 25000);
    await dc.reverseContinueRequest({ threadId: 1 });
    await delay(RUNNING_MS);
    await dc.pauseRequest({ threadId: 1 });
    const stop = checkedStop((await stopped).body);
    assert.equal(stop.reason, 'pause');
    const where = await dc.position();
    assert.equal(where.step, stop.step);
    assert.ok(where.step > 0 && where.step < end, `paused at step ${where.step}, the move ran from ${end} towards 0`);
  });

  it('pause during a long continue of a recorded run stops it with reason pause, somewhere between its ends (pwreplay dap)', { timeout: 30000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: longTrace }, { configure: neverHolds });
    const stopped = dc.waitForEvent('stopped', 25000);
    await dc.continueRequest({ threadId: 1 });
    await delay(RUNNING_MS);
    await dc.pauseRequest({ threadId: 1 });
    const stop = checkedStop((await stopped).body);
    assert.equal(stop.reason, 'pause');
    const where = await dc.position();
    assert.equal(where.step, stop.step);
    assert.ok(where.step > 0 && where.step < where.end, `paused at step ${where.step} of ${where.end}`);
  });

  it('pause during a long continue of a live run stops it with reason pause, and the run goes on from there (pwvm dap)', { timeout: 30000 }, async () => {
    dc = liveClient();
    await dc.open({ program: forever });
    let stopped = dc.waitForEvent('stopped', 25000);
    await dc.continueRequest({ threadId: 1 });
    await delay(RUNNING_MS);
    await dc.pauseRequest({ threadId: 1 });
    const stop = checkedStop((await stopped).body);
    assert.equal(stop.reason, 'pause');
    const where = await dc.position();
    assert.deepEqual(where, { step: stop.step, start: 0, end: stop.step, finished: false, live: true });
    assert.ok(where.step > 0);
    const counted = Number(await dc.evaluate('i'));
    assert.ok(counted > 0);

    const stepped = await dc.move('next');
    assert.equal(stepped.reason, 'step');
    stopped = dc.waitForEvent('stopped', 25000);
    await dc.continueRequest({ threadId: 1 });
    await delay(RUNNING_MS);
    await dc.pauseRequest({ threadId: 1 });
    const again = checkedStop((await stopped).body);
    assert.equal(again.reason, 'pause');
    assert.ok(again.step > stepped.step);
    assert.ok(Number(await dc.evaluate('i')) > counted);
  });

  it('terminate during a long continue of a live run is answered, with the terminated event', { timeout: 30000 }, async () => {
    dc = liveClient();
    await dc.open({ program: forever });
    await dc.continueRequest({ threadId: 1 });
    await delay(RUNNING_MS);
    // A client's Stop button: the run never ends by itself, so only the adapter can end it.
    await Promise.all([dc.waitForEvent('terminated', 4000), dc.terminateRequest()]);
    await dc.assertAlive();
  });

  it('disconnect during a long continue of a live run is answered, and the adapter exits', { timeout: 30000 }, async () => {
    dc = liveClient();
    await dc.open({ program: forever });
    await dc.continueRequest({ threadId: 1 });
    await delay(RUNNING_MS);
    const exited = new Promise(resolve => dc._adapterProcess.once('exit', code => resolve(code)));
    let timer;
    const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer to disconnect after 3000 ms')), 3000); });
    try {
      await Promise.race([dc.disconnectRequest(), late]);
    } finally {
      clearTimeout(timer);
    }
    assert.equal(await exited, 0);
  });

  it('pause with nothing running stops where the run is, with reason pause', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: longTrace });
    await dc.move('pw/goto', { step: 1234 });
    const stop = await dc.move('pause');
    assert.equal(stop.reason, 'pause');
    assert.equal(stop.step, 1234);
  });

  it('cancel with the requestId of a long pw/watch makes it answer "cancelled"; the session stays where it was', { timeout: 30000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: longTrace });
    await dc.move('pw/goto', { step: 1000 });
    const requestId = dc.sequence;  // the seq of the next request sent
    const watch = dc.customRequest('pw/watch', { expression: 'limit' });  // never changes after the start: every step is looked at
    await delay(RUNNING_MS);
    const cancel = await dc.customRequest('cancel', { requestId });
    assert.equal(cancel.success, true);
    await assert.rejects(watch, error => error.message === 'cancelled');
    assert.equal((await dc.position()).step, 1000);
    await dc.assertAlive();
  });

  it('pause during a long pw/watch answers with what it found so far, marked interrupted', { timeout: 30000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: longTrace });
    await dc.move('pw/goto', { step: 1000 });
    const watch = dc.customRequest('pw/watch', { expression: 'limit' });
    await delay(RUNNING_MS);
    await dc.pauseRequest({ threadId: 1 });
    const found = (await watch).body;
    assert.equal(found.interrupted, true);
    assert.deepEqual(found.changes.map(c => c.new), ['50000000']);  // set at the start; the scan stopped before the end
    assert.equal((await dc.position()).step, 1000);
  });

  it('cancel with the progressId of a long continue stops it with reason pause', { timeout: 30000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: longTrace }, { configure: neverHolds, initialize: { supportsProgressReporting: true } });
    const stopped = dc.waitForEvent('stopped', 25000);
    const progress = dc.waitForEvent('progressStart', 25000);
    const response = await dc.continueRequest({ threadId: 1 });
    const started = (await progress).body;
    assert.equal(started.cancellable, true);
    assert.equal(started.requestId, response.request_seq);
    await dc.customRequest('cancel', { progressId: started.progressId });
    const stop = checkedStop((await stopped).body);
    assert.equal(stop.reason, 'pause');
    const where = await dc.position();
    assert.ok(where.step > 0 && where.step < where.end);
  });
});
