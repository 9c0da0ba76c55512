// Launch variants: "Run Without Debugging" (noDebug) on both back ends, and the output a
// recorded run had printed before where the session starts.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { describe, it, before, after, afterEach } = require('node:test');
const { example, tempDir, removeDir, record, runProgram, replayClient, liveClient } = require('./harness');

const PROGRAM = example('factorial.pwa');

// The text of every output event of [category], joined.
const printed = (dc, category) => dc.outputs.filter(o => o.category === category).map(o => o.output).join('');

describe('launch modes', () => {
  let dir, trace, dc, expected;
  before(() => {
    dir = tempDir('launch');
    trace = record(PROGRAM, path.join(dir, 'factorial.pwtrace'));
    expected = runProgram(PROGRAM).stdout;
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  for (const backEnd of ['live', 'recorded']) {
    it(`noDebug runs to the end past breakpoints, prints the whole output and ends the session (${backEnd})`, async () => {
      dc = backEnd === 'live' ? liveClient() : replayClient();
      await dc.start();
      await dc.initializeRequest({ adapterID: 'pwvm', linesStartAt1: true });
      const args = backEnd === 'live' ? { program: PROGRAM, noDebug: true } : { trace, noDebug: true };
      await Promise.all([dc.waitForEvent('initialized'), dc.launchRequest(args)]);
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'fact' }] });
      let stopped = false;
      dc.on('stopped', () => { stopped = true; });
      await Promise.all([dc.waitForEvent('terminated'), dc.configurationDoneRequest()]);
      assert.equal(stopped, false, 'no stop in a run without debugging');
      assert.equal(printed(dc, 'stdout'), expected);
    });
  }

  it('a session opened at the end shows what the program had printed, once', async () => {
    dc = replayClient();
    const stop = await dc.open({ trace, at: 'end' });
    assert.equal(stop.reason, 'entry', 'a session starts with reason entry, even at the end of a run that halted');
    assert.equal(printed(dc, 'stdout'), expected);
    await dc.move('pw/goto', { step: 0 });
    await dc.move('pw/goto', { step: stop.step });
    assert.equal(printed(dc, 'stdout'), expected, 'going back and forward again repeats nothing');
  });
});
