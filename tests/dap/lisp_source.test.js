// A compiled .pwl program through both adapters: frames named and placed in the Lisp source
// (line and column), scopes holding the source variables in scope, breakpoints on .pwl
// lines, and the inventory story's hunt in the Lisp.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { describe, it, before, after, afterEach } = require('node:test');
const { example, tempDir, removeDir, record, replayClient, liveClient } = require('./harness');

const PROGRAM = example('inventory.pwl');

describe('a .pwl program (pwreplay dap and pwvm dap)', () => {
  let dir, trace, dc;
  before(() => {
    dir = tempDir('lisp');
    trace = record(PROGRAM, path.join(dir, 'inventory.pwtrace'));  // the run fails: exit 1, trace kept
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  it('stops at the failure in purchase-cost, at its .pwl line and column, with its source arguments', { timeout: 20000 }, async () => {
    dc = replayClient();
    const first = await dc.open({ trace, at: 'end' });
    assert.equal(first.reason, 'exception');
    const frames = await dc.frames();
    assert.match(frames[0].name, /^purchase-cost\(item=6, qty=#f\)$/);
    assert.equal(frames[0].line, 94);
    assert.equal(frames[0].column, 16);
    assert.equal(frames[0].source.path, PROGRAM);
    assert.match(frames[1].name, /^restock\(item=6\)$/);
    const args = await dc.variables((await dc.scope('Arguments')).variablesReference);
    assert.deepEqual(args.map(v => [v.name, v.value]), [['item', '6'], ['qty', '#f']]);
    assert.equal(await dc.evaluate('qty'), '#f');
  });

  it('reverse-continues to the store on line 71 and pw/lastWrite names load-supplier-sheet', { timeout: 20000 }, async () => {
    dc = replayClient();
    const first = await dc.open({ trace, at: 'end' });
    const set = await dc.setBreakpointsRequest({ source: { path: PROGRAM }, breakpoints: [{ line: 71 }] });
    const [bp] = set.body.breakpoints;
    assert.equal(bp.verified, true);
    const hit = await dc.move('reverseContinue');
    assert.equal(hit.reason, 'breakpoint');
    const top = await dc.top();
    assert.equal(top.line, 71);
    assert.match(top.name, /^load-supplier-sheet\(sheet=/);
    assert.equal(await dc.evaluate('i'), '6');
    const locals = await dc.variables((await dc.scope('Locals')).variablesReference);
    assert.deepEqual(locals.map(v => v.name), ['i']);   // the do loop's variable, nothing of the assembly's

    await dc.move('pw/goto', { step: first.step });
    const [, response] = await Promise.all([
      dc.waitForEvent('stopped'),
      dc.customRequest('pw/lastWrite', { expression: 'reorder-qty[6]' }),
    ]);
    assert.equal(response.body.found, true);
    assert.equal(response.body.function, 'load-supplier-sheet');
    assert.equal(response.body.line, 71);
    assert.equal(response.body.new, '#f');
  });

  it('a live run stops at a function breakpoint by its source name', { timeout: 20000 }, async () => {
    dc = liveClient();
    await dc.open({ program: PROGRAM }, {
      configure: async () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'dollars' }] }),
    });
    const hit = await dc.move('continue');
    assert.equal(hit.reason, 'function breakpoint');
    const top = await dc.top();
    assert.match(top.name, /^dollars\(cents=\d+\)$/);
    assert.equal(top.source.path, PROGRAM);
  });
});
