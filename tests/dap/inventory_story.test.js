// The reverse-debugging story of examples/inventory.pwa (docs/DEBUGGER.md), told through
// `pwreplay dap`: from the failure back to the store of the nil.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { describe, it, before, after, afterEach } = require('node:test');
const { example, tempDir, removeDir, record, replayClient } = require('./harness');

const PROGRAM = example('inventory.pwa');

describe('inventory story (pwreplay dap)', () => {
  let dir, trace, dc;
  before(() => {
    dir = tempDir('inventory');
    trace = record(PROGRAM, path.join(dir, 'inventory.pwtrace'));  // the run fails: exit 1, trace kept
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  it('opens at the failure, reverse-continues to the store at line 203 with i = 6, and steps back to line 202', { timeout: 20000 }, async () => {
    dc = replayClient();
    const first = await dc.open({ trace, at: 'end' });
    assert.equal(first.reason, 'exception');
    const where = await dc.position();
    assert.equal(where.finished, true);
    assert.equal(where.live, false);
    assert.equal(first.step, where.end);
    assert.match(first.description, new RegExp(`\\b${where.end}\\b`));
    assert.match(first.text, /TypeError/);

    const set = await dc.setBreakpointsRequest({ source: { path: PROGRAM }, breakpoints: [{ line: 203 }] });
    const [bp] = set.body.breakpoints;
    assert.equal(bp.verified, true);
    assert.equal(bp.line, 203);

    const hit = await dc.move('reverseContinue');
    assert.equal(hit.reason, 'breakpoint');
    assert.deepEqual(hit.hitBreakpointIds, [bp.id]);
    assert.ok(hit.step < where.end);
    const top = await dc.top();
    assert.equal(top.line, 203);
    assert.equal(top.source.path, PROGRAM);
    assert.match(top.name, /^load_supplier_sheet\(sheet=/);
    assert.equal(await dc.evaluate('i'), '6');
    assert.equal((await dc.position()).step, hit.step);

    const back = await dc.move('stepBack');
    assert.ok(back.step < hit.step);
    const previous = await dc.top();
    assert.equal(previous.line, 202);
    assert.match(previous.name, /^load_supplier_sheet\(/);
    assert.equal((await dc.position()).step, back.step);
  });

  it('pw/lastWrite from the failure finds the same store: reorder_qty[6] set to nil at line 203', { timeout: 20000 }, async () => {
    dc = replayClient();
    const first = await dc.open({ trace, at: 'end' });
    await dc.setBreakpointsRequest({ source: { path: PROGRAM }, breakpoints: [{ line: 203 }] });
    const hit = await dc.move('reverseContinue');
    await dc.move('pw/goto', { step: first.step });

    const [stopped, response] = await Promise.all([
      dc.waitForEvent('stopped'),
      dc.customRequest('pw/lastWrite', { expression: 'reorder_qty[6]' }),
    ]);
    const found = response.body;
    assert.equal(found.found, true);
    assert.equal(found.function, 'load_supplier_sheet');
    assert.equal(found.line, 203);
    assert.equal(found.new, 'nil');
    assert.equal(found.step, hit.step);
    assert.equal(stopped.body.step, hit.step);
    assert.equal((await dc.top()).line, 203);
  });
});
