// A conditional function breakpoint on a live run (`pwvm dap`), and a step there undone.
'use strict';

const assert = require('node:assert/strict');
const { describe, it, afterEach } = require('node:test');
const { example, liveClient } = require('./harness');

const PROGRAM = example('fibonacci.pwa');

describe('conditional function breakpoint (pwvm dap)', () => {
  let dc;
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  it('stops at fib_rec only when n == 3; next then stepBack returns to the same line and step', { timeout: 20000 }, async () => {
    dc = liveClient();
    let set;
    const first = await dc.open({ program: PROGRAM }, {
      configure: async c => {
        set = await c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'fib_rec', condition: 'n == 3' }] });
      },
    });
    assert.equal(first.reason, 'entry');
    assert.equal(first.step, 0);
    const [bp] = set.body.breakpoints;
    assert.equal(bp.verified, true);
    assert.equal(bp.line, 15);  // the first instruction of fib_rec

    const hit = await dc.move('continue');
    assert.equal(hit.reason, 'function breakpoint');
    assert.deepEqual(hit.hitBreakpointIds, [bp.id]);
    const at = await dc.top();
    assert.equal(at.name, 'fib_rec(n=3)');
    assert.equal(at.line, 15);
    assert.equal(await dc.evaluate('n'), '3');
    const where = await dc.position();
    assert.deepEqual(where, { step: hit.step, start: 0, end: hit.step, finished: false, live: true });

    const stepped = await dc.move('next');
    assert.ok(stepped.step > hit.step);
    assert.notEqual((await dc.top()).line, at.line);

    const back = await dc.move('stepBack');
    assert.equal(back.step, hit.step);
    const again = await dc.top();
    assert.equal(again.line, at.line);
    assert.equal(again.name, at.name);
    assert.equal(again.instructionPointerReference, at.instructionPointerReference);
    // Back in the past of a live run: the run itself has gone further.
    assert.deepEqual(await dc.position(), { step: hit.step, start: 0, end: stepped.step, finished: false, live: true });

    // The condition keeps holding the stops to n == 3, past the furthest point reached.
    const next = await dc.move('continue');
    assert.equal(next.reason, 'function breakpoint');
    assert.ok(next.step > stepped.step);
    assert.equal(await dc.evaluate('n'), '3');
  });
});
