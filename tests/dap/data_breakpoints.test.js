// Data breakpoints hit forwards and backwards: a global of a recorded run, a local of a
// live one. Where they stop is checked against pw/watch's list of changes.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { describe, it, before, after, afterEach } = require('node:test');
const { example, tempDir, removeDir, record, replayClient, liveClient } = require('./harness');

describe('data breakpoints', () => {
  let dir, inventory, fibonacci, dc, recorded;
  before(() => {
    dir = tempDir('data');
    inventory = record(example('inventory.pwa'), path.join(dir, 'inventory.pwtrace'));
    fibonacci = record(example('fibonacci.pwa'), path.join(dir, 'fibonacci.pwtrace'));
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    if (recorded) await recorded.stop();
    dc = recorded = undefined;
  });

  it('a read data breakpoint stops where an instruction is about to read the global, both ways (pwreplay dap)', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: inventory });
    const info = (await dc.dataBreakpointInfoRequest({ name: 'revenue' })).body;
    assert.ok(info.accessTypes.includes('read') && info.accessTypes.includes('readWrite'), JSON.stringify(info));
    const [bp] = (await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId, accessType: 'read' }] })).body.breakpoints;
    assert.equal(bp.verified, true);
    const first = await dc.move('continue');
    assert.equal(first.reason, 'data breakpoint');
    assert.deepEqual(first.hitBreakpointIds, [bp.id]);
    const second = await dc.move('continue');
    assert.equal(second.reason, 'data breakpoint');
    assert.ok(second.step > first.step);
    const back = await dc.move('reverseContinue');
    assert.equal(back.reason, 'data breakpoint');
    assert.equal(back.step, first.step);
  });

  it('a global from the Globals scope: continue stops at each change, reverseContinue before the write of an earlier one (pwreplay dap)', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: inventory });
    const globals = await dc.scope('Globals');
    const names = (await dc.variables(globals.variablesReference)).map(v => v.name);
    assert.ok(names.includes('revenue'), names.join(' '));
    const info = (await dc.dataBreakpointInfoRequest({ variablesReference: globals.variablesReference, name: 'revenue' })).body;
    assert.ok(info.dataId, JSON.stringify(info));
    assert.ok(info.accessTypes.includes('write'));
    const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId, accessType: 'write' }] });
    const [bp] = set.body.breakpoints;
    assert.equal(bp.verified, true);

    const changes = (await dc.customRequest('pw/watch', { expression: info.dataId, limit: 3 })).body.changes;
    assert.equal(changes.length, 3);

    const first = await dc.move('continue');
    assert.equal(first.reason, 'data breakpoint');
    assert.deepEqual(first.hitBreakpointIds, [bp.id]);
    assert.equal(first.step, changes[0].step);
    assert.equal(await dc.evaluate('revenue'), changes[0].new);
    const second = await dc.move('continue');
    assert.equal(second.reason, 'data breakpoint');
    assert.equal(second.step, changes[1].step);
    assert.equal(await dc.evaluate('revenue'), changes[1].new);

    // Backwards it stops before the instruction that made the change.
    const back = await dc.move('reverseContinue');
    assert.equal(back.reason, 'data breakpoint');
    assert.ok(back.step < second.step && back.step >= first.step, `${back.step}`);
    assert.equal(await dc.evaluate('revenue'), changes[1].old);
    await dc.move('stepIn', { granularity: 'instruction' });
    assert.equal(await dc.evaluate('revenue'), changes[1].new);

    await dc.move('pw/goto', { step: back.step });
    const earlier = await dc.move('reverseContinue');
    assert.equal(earlier.reason, 'data breakpoint');
    assert.ok(earlier.step < first.step);
    assert.equal(await dc.evaluate('revenue'), changes[0].old);
  });

  it('a data breakpoint\'s condition and hit condition choose its stops; a bare expression is a dataId too', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: inventory });
    const info = (await dc.dataBreakpointInfoRequest({ name: 'restocks' })).body;
    assert.equal(info.dataId, 'restocks');
    const changes = (await dc.customRequest('pw/watch', { expression: 'restocks' })).body.changes;
    assert.ok(changes.length >= 6, JSON.stringify(changes));

    const stops = async spec => {
      await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId, accessType: 'write', ...spec }] });
      await dc.move('pw/goto', { step: 0 });
      const steps = [];
      for (let stop = await dc.move('continue'); stop.reason === 'data breakpoint'; stop = await dc.move('continue')) steps.push(stop.step);
      return steps;
    };
    assert.deepEqual(await stops({}), changes.map(c => c.step));
    assert.deepEqual(await stops({ condition: 'restocks >= 4' }), changes.filter(c => Number(c.new) >= 4).map(c => c.step));
    assert.deepEqual(await stops({ hitCondition: '%2' }), changes.filter((_, k) => k % 2 === 1).map(c => c.step));
  });

  it('a local from the Locals scope of a live run: the stops match the recorded changes, across the furthest point reached (pwvm dap)', { timeout: 20000 }, async () => {
    // The changes of fib_iter's `a`, from a recording of the same (deterministic) program.
    recorded = replayClient();
    await recorded.open({ trace: fibonacci });
    const changes = (await recorded.customRequest('pw/watch', { expression: 'fib_iter::a', limit: 12 })).body.changes;
    await recorded.stop();
    assert.equal(changes.length, 12);

    dc = liveClient();
    const source = { path: example('fibonacci.pwa') };
    await dc.open({ program: example('fibonacci.pwa') }, {
      configure: c => c.setBreakpointsRequest({ source, breakpoints: [{ line: 49, hitCondition: '==6' }] }),
    });
    const inLoop = await dc.move('continue');  // the live run has now reached this far
    assert.equal(inLoop.reason, 'breakpoint');
    assert.match((await dc.top()).name, /^fib_iter\(n=25\)$/);
    const locals = await dc.scope('Locals');
    assert.ok((await dc.variables(locals.variablesReference)).some(v => v.name === 'a'));
    const info = (await dc.dataBreakpointInfoRequest({ variablesReference: locals.variablesReference, name: 'a' })).body;
    assert.equal(info.dataId, 'fib_iter::a');
    await dc.setBreakpointsRequest({ source, breakpoints: [] });
    const [bp] = (await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId, accessType: 'write' }] })).body.breakpoints;
    assert.equal(bp.verified, true);

    await dc.move('pw/goto', { step: 0 });
    const steps = [];
    for (let k = 0; k < changes.length; k++) {
      const stop = await dc.move('continue');
      assert.equal(stop.reason, 'data breakpoint');
      steps.push(stop.step);
    }
    assert.deepEqual(steps, changes.map(c => c.step));
    assert.ok(steps[steps.length - 1] > inLoop.step, 'the data breakpoint went on past the furthest point reached');
    assert.equal(await dc.evaluate('a'), changes[changes.length - 1].new);

    const back = await dc.move('reverseContinue');
    assert.equal(back.reason, 'data breakpoint');
    assert.equal(back.step, changes[changes.length - 1].step - 1);
    assert.equal(await dc.evaluate('a'), changes[changes.length - 1].old);
  });
});
