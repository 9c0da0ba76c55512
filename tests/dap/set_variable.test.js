// setVariable: a live session (pwvm dap) changes a value at the newest step of its run, and
// the change is part of the run from then on: the program goes on with it, backward moves
// and replays pass through it, pw/watch and pw/lastWrite name the debugger as its writer,
// and the recording written at disconnect replays it. Everywhere else it is refused.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { describe, it, before, after, afterEach } = require('node:test');
const { PWREPLAY, example, tempDir, removeDir, runProgram, record, replayClient, liveClient } = require('./harness');

// Every kind of place a debugger can change: `; @NAME` marks the lines the tests stop at.
const PROGRAM = `; values a debugger changes
global verbose
global cells
global link
global mode

; scale(n) = n * factor
func scale(n)
  local factor
  push 10
  set_local factor
  get_local n                ; @scale-top
  get_local factor
  mul                        ; @scale-mul
  return
end

func main()
  local x, y
  get_global verbose
  jump_if_false quiet
  push "verbose"
  host print
  pop
quiet:
  push 3
  set_local x
  get_local x
  call_fn scale
  set_local y
  get_local y
  host print                 ; @print-y
  pop
  get_local x
  host print
  pop
  push 2
  array_new
  set_global cells
  get_global cells
  push 0
  push 7
  array_set
  push 1
  push 2
  cons
  set_global link
  push 'idle
  set_global mode
  get_global cells           ; @cells
  push 0
  array_get
  host print
  pop
  get_global link
  car
  get_global link
  cdr
  add
  host print
  pop
  get_global mode
  host print
  pop
  get_global verbose
  host print
  pop
  get_local y
  halt
end
`;

// What the program prints when nobody changes anything, and with main's x changed from 3
// to 9 once it has been passed to scale.
const UNCHANGED = '30\n3\n7\n3\nidle\nnil\n';
const CHANGED_X = '30\n9\n7\n3\nidle\nnil\n';

const LINES = PROGRAM.split('\n');
const line = marker => {
  const i = LINES.findIndex(l => l.includes(`; @${marker}`));
  assert.ok(i >= 0, marker);
  return i + 1;
};

describe('setVariable', () => {
  let dir, program, dc, replay;
  before(() => {
    dir = tempDir('setvar');
    program = path.join(dir, 'setvar.pwa');
    fs.writeFileSync(program, PROGRAM);
    assert.equal(runProgram(program).stdout, UNCHANGED);
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    if (replay) await replay.stop();
    dc = replay = undefined;
  });

  const source = () => ({ path: program });
  const breakAt = (...markers) => c => c.setBreakpointsRequest({ source: source(), breakpoints: markers.map(m => ({ line: line(m) })) });

  // setVariable that must succeed: its body.
  async function set(client, variablesReference, name, value) {
    const response = await client.setVariableRequest({ variablesReference, name, value });
    assert.equal(response.success, true);
    return response.body;
  }

  // setVariable that must be refused: its message.
  async function refused(client, variablesReference, name, value) {
    let response;
    try {
      response = await client.setVariableRequest({ variablesReference, name, value });
    } catch (e) {
      return e.message;
    }
    assert.fail(`setVariable ${name} = ${value} was accepted: ${JSON.stringify(response.body)}`);
  }

  const stdout = client => client.outputSince(0, 'stdout').map(o => o.output).join('');

  // The place a variable of [scope] (of frame [frameId]) is in: its variablesReference.
  const scopeRef = async (client, scope, frameId = 1) => (await client.scope(scope, frameId)).variablesReference;

  // Continues to the end of the run (no breakpoint is left on the way).
  async function runToEnd(client) {
    const end = await client.move('continue');
    assert.equal(end.reason, 'end');
    return end;
  }

  it('an argument and a local of the top frame, a local of a caller: the response, evaluate and the rest of the run show the new value', { timeout: 20000 }, async () => {
    dc = liveClient();
    await dc.open({ program }, { configure: breakAt('scale-top') });
    const stop = await dc.move('continue');
    assert.equal(stop.reason, 'breakpoint');
    assert.deepEqual(await dc.position(), { step: stop.step, start: 0, end: stop.step, finished: false, live: true });
    assert.equal((await dc.top()).name, 'scale(n=3)');

    assert.deepEqual(await set(dc, await scopeRef(dc, 'Arguments'), 'n', '4'), { value: '4', type: 'int', variablesReference: 0 });
    // The value is an expression, read where the session is: n is 4 already.
    assert.deepEqual(await set(dc, await scopeRef(dc, 'Locals'), 'factor', 'n * 5'), { value: '20', type: 'int', variablesReference: 0 });
    const callerLocals = await scopeRef(dc, 'Locals', 2);
    assert.deepEqual((await dc.variables(callerLocals)).map(v => [v.name, v.value]), [['x', '3'], ['y', 'nil']]);
    assert.deepEqual(await set(dc, callerLocals, 'x', '8'), { value: '8', type: 'int', variablesReference: 0 });

    assert.equal(await dc.evaluate('n'), '4');
    assert.equal(await dc.evaluate('factor'), '20');
    assert.equal(await dc.evaluate('main::x'), '8');
    assert.equal(await dc.evaluate('x', 'watch', 2), '8');
    assert.equal((await dc.top()).name, 'scale(n=4)');
    assert.deepEqual((await dc.variables(await scopeRef(dc, 'Arguments'))).map(v => [v.name, v.value]), [['n', '4']]);
    assert.equal((await dc.position()).step, stop.step, 'a change is not a move');

    await dc.setBreakpointsRequest({ source: source(), breakpoints: [] });
    const end = await runToEnd(dc);
    assert.match(end.description, /halted with 80/);
    assert.equal(stdout(dc), '80\n8\n7\n3\nidle\nnil\n');
  });

  it('an operand-stack slot, a global, an array item, a pair\'s car and cdr, a global set to a heap object by #ID', { timeout: 20000 }, async () => {
    dc = liveClient();
    await dc.open({ program }, { configure: breakAt('scale-mul', 'cells') });
    await dc.move('continue');
    const operands = await scopeRef(dc, 'Operand stack');
    const slots = await dc.variables(operands);
    assert.deepEqual(slots.map(v => v.value), ['3', '10']);  // n factor, before the mul
    const top = slots[1];
    assert.match(top.name, /^\$stack\[\d+\]$/);
    assert.deepEqual(await set(dc, operands, top.name, '7'), { value: '7', type: 'int', variablesReference: 0 });
    assert.equal(await dc.evaluate(top.evaluateName), '7');
    assert.equal(await dc.evaluate('$stack[-1]'), '7');

    assert.equal((await dc.move('continue')).reason, 'breakpoint');
    assert.equal((await dc.top()).line, line('cells'));
    assert.equal(stdout(dc), '21\n3\n', 'the mul used the changed operand');

    const globals = await scopeRef(dc, 'Globals');
    const byName = async () => Object.fromEntries((await dc.variables(globals)).map(v => [v.name, v]));
    let g = await byName();
    assert.match(g.cells.value, /^\[7, nil\] #\d+$/);
    assert.match(g.link.value, /^\(1 \. 2\) #\d+$/);

    // An array item: the array expanded, then its [i].
    assert.deepEqual((await dc.variables(g.cells.variablesReference)).map(v => [v.name, v.value]), [['[0]', '7'], ['[1]', 'nil']]);
    assert.deepEqual(await set(dc, g.cells.variablesReference, '[0]', '2.5'), { value: '2.5', type: 'float', variablesReference: 0 });
    assert.equal(await dc.evaluate('cells[0]'), '2.5');
    // A pair's car and cdr; the cdr set from another variable.
    assert.equal((await set(dc, g.link.variablesReference, 'car', '40')).value, '40');
    assert.equal((await set(dc, g.link.variablesReference, 'cdr', 'main::y')).value, '21');
    assert.equal(await dc.evaluate('link.car'), '40');
    assert.equal(await dc.evaluate('link.cdr'), '21');
    // A global: first a symbol, then the pair itself, named by its id.
    assert.deepEqual(await set(dc, globals, 'mode', "'idle"), { value: "'idle", type: 'symbol', variablesReference: 0 });
    const pairId = g.link.value.match(/#\d+$/)[0];
    const toPair = await set(dc, globals, 'mode', pairId);
    assert.equal(toPair.type, 'pair');
    assert.equal(toPair.value, `(40 . 21) ${pairId}`);
    assert.ok(toPair.variablesReference > 0, 'a pair value expands');
    assert.deepEqual((await dc.variables(toPair.variablesReference)).map(v => [v.name, v.value]), [['car', '40'], ['cdr', '21']]);
    assert.equal(await dc.evaluate('mode == link'), 'true', 'the same object, not a copy');
    g = await byName();
    assert.equal(g.mode.value, `(40 . 21) ${pairId}`);
    assert.match(g.cells.value, /^\[2\.5, nil\] #\d+$/);

    await dc.setBreakpointsRequest({ source: source(), breakpoints: [] });
    const end = await runToEnd(dc);
    assert.match(end.description, /halted with 21/);
    assert.equal(stdout(dc), '21\n3\n2.5\n61\n(40 . 21)\nnil\n');
  });

  it('a closure capture: from the Captures scope of the closure\'s frame, and from a closure value of a caller', { timeout: 20000 }, async () => {
    const closures = example('closures.pwa');
    const unchanged = runProgram(closures).stdout;
    assert.match(unchanged, /^a: 1\na: 2\na: 3\nb: 100\n/);
    dc = liveClient();
    await dc.open({ program: closures }, { configure: c => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'counter_next' }] }) });
    assert.equal((await dc.move('continue')).reason, 'function breakpoint');
    const captures = await scopeRef(dc, 'Captures');
    assert.deepEqual((await dc.variables(captures)).map(v => [v.name, v.value]), [['count', '0'], ['step', '1']]);
    assert.deepEqual(await set(dc, captures, 'count', '40 + 1'), { value: '41', type: 'int', variablesReference: 0 });
    assert.equal(await dc.evaluate('count'), '41');

    // The same closure, as tick's argument: its captures by name.
    const counter = (await dc.variables(await scopeRef(dc, 'Arguments', 2))).find(v => v.name === 'counter');
    assert.equal(counter.type, 'closure');
    assert.equal((await set(dc, counter.variablesReference, 'step', '100')).value, '100');
    assert.equal(await dc.evaluate('step'), '100');
    assert.deepEqual((await dc.variables(await scopeRef(dc, 'Captures'))).map(v => [v.name, v.value]), [['count', '41'], ['step', '100']]);

    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await runToEnd(dc);
    // Counter a counts from 41 by 100; b, a counter of its own, is as it was.
    assert.equal(stdout(dc), 'a: 141\na: 241\na: 341\nb: 100\nb: 110\na: 441\nadd5(37) = 42\ntwice(add5, 1) = 11\na: 741\n');
  });

  it('at step 0 right after launch the change wins over the snapshot there; a change, a step, a change, then back to 0 and on to the end is the changed run', { timeout: 20000 }, async () => {
    dc = liveClient();
    const entry = await dc.open({ program });
    assert.deepEqual([entry.reason, entry.step], ['entry', 0]);
    assert.equal((await set(dc, await scopeRef(dc, 'Globals'), 'verbose', 'true')).value, 'true');
    assert.equal(await dc.evaluate('verbose'), 'true');
    const one = await dc.move('next', { granularity: 'instruction' });  // get_global verbose
    assert.equal(one.step, 1);
    assert.equal(await dc.evaluate('$stack[-1]'), 'true');
    // Read already: this one shows in the last line only.
    assert.equal((await set(dc, await scopeRef(dc, 'Globals'), 'verbose', 'false')).value, 'false');

    const end = await runToEnd(dc);
    const changed = 'verbose\n30\n3\n7\n3\nidle\nfalse\n';
    assert.equal(stdout(dc), changed);

    // Back to the start: both changes are there at their steps, and the run is the same.
    const start = await dc.move('pw/goto', { step: 0 });
    assert.equal(start.step, 0);
    assert.equal(await dc.evaluate('verbose'), 'true');
    assert.equal((await dc.move('next', { granularity: 'instruction' })).step, 1);
    assert.equal(await dc.evaluate('verbose'), 'false');
    assert.equal(await dc.evaluate('$stack[-1]'), 'true');
    const again = await runToEnd(dc);
    assert.equal(again.step, end.step);
    assert.equal(again.description, end.description);
    assert.equal(await dc.evaluate('info output', 'repl'), changed.replace(/\n$/, ''));
    assert.equal(stdout(dc), changed, 'the output is told once');
    // And backwards from the end.
    await dc.move('pw/goto', { step: 0 });
    assert.equal(await dc.evaluate('verbose'), 'true');
  });

  it('backward moves pass through a change: before it the old value, at it the new one; the run goes on from it after a move back', { timeout: 20000 }, async () => {
    dc = liveClient();
    await dc.open({ program }, { configure: breakAt('print-y') });
    const at = await dc.move('continue');
    assert.equal(await dc.evaluate('x'), '3');
    assert.equal((await set(dc, await scopeRef(dc, 'Locals'), 'x', '9')).value, '9');
    await dc.setBreakpointsRequest({ source: source(), breakpoints: [] });

    const back = await dc.move('stepBack', { granularity: 'instruction' });
    assert.equal(back.step, at.step - 1);
    assert.equal(await dc.evaluate('x'), '3', 'before the change');
    assert.match(await refused(dc, await scopeRef(dc, 'Locals'), 'x', '10'), /cannot change the past/);
    const forward = await dc.move('next', { granularity: 'instruction' });
    assert.equal(forward.step, at.step);
    assert.equal(await dc.evaluate('x'), '9', 'at the change');
    assert.deepEqual(await dc.position(), { step: at.step, start: 0, end: at.step, finished: false, live: true });

    // From the past into the live part of the run: the replay hands the changed state on.
    await dc.move('pw/goto', { step: at.step - 3 });
    assert.equal(await dc.evaluate('main::x'), '3');
    const end = await runToEnd(dc);
    assert.equal(stdout(dc), CHANGED_X);

    // The whole run again from 0, and back to either side of the change.
    await dc.move('pw/goto', { step: 0 });
    assert.equal((await runToEnd(dc)).step, end.step);
    assert.equal(await dc.evaluate('info output', 'repl'), CHANGED_X.replace(/\n$/, ''));
    await dc.move('pw/goto', { step: at.step - 1 });
    assert.equal(await dc.evaluate('main::x'), '3');
    await dc.move('pw/goto', { step: at.step });
    assert.equal(await dc.evaluate('main::x'), '9');
    assert.equal((await dc.move('reverseContinue')).step, 0, 'no breakpoints: back to the start');
    assert.equal(stdout(dc), CHANGED_X, 'the output is told once');
  });

  // x is changed at the stop on @print-y, where the instruction before (get_local y) wrote
  // nothing: the one change of x at that step is the debugger's.
  async function changeX(client, launch) {
    await client.open(launch, { configure: breakAt('print-y') });
    const at = await client.move('continue');
    assert.equal((await set(client, await scopeRef(client, 'Locals'), 'x', '9')).value, '9');
    await client.setBreakpointsRequest({ source: source(), breakpoints: [] });
    return at.step;
  }

  // The step where `set_local x` has stored 3 (verbose is nil: the print is jumped over).
  const X_SET = 4;

  // pw/watch main::x over the whole run: the program's write, then the debugger's.
  async function checkWatch(client, step) {
    const watch = (await client.customRequest('pw/watch', { expression: 'main::x' })).body;
    assert.equal(watch.initial, 'nil');
    assert.deepEqual(watch.changes.map(c => [c.step, c.old, c.new, c.instruction]),
      [[X_SET, 'nil', '3', 'set_local x'], [step, '3', '9', 'set by the debugger']]);
  }

  // pw/lastWrite main::x from the end of the run: the debugger's change.
  async function checkLastWrite(client, step) {
    const [stopped, found] = await Promise.all([
      client.waitForEvent('stopped'),
      client.customRequest('pw/lastWrite', { expression: 'main::x' }),
    ]);
    assert.equal(found.body.found, true);
    assert.deepEqual([found.body.old, found.body.new, found.body.instruction], ['3', '9', 'set by the debugger'],
      JSON.stringify(found.body));
    // Where it goes: the change's step, or the step before it (as for an instruction's
    // write, which it stops before).
    assert.ok(found.body.step === step || found.body.step === step - 1, JSON.stringify(found.body));
    assert.equal(stopped.body.step, found.body.step);
  }

  // Records a run whose x is changed at @print-y, into [name] in the temp dir.
  async function recordChanged(name) {
    const trace = path.join(dir, name);
    const client = liveClient();
    try {
      const step = await changeX(client, { program, record: trace });
      const end = await runToEnd(client);
      assert.equal(stdout(client), CHANGED_X);
      return { trace, step, end };
    } finally {
      await client.stop();  // disconnect finishes the recording
    }
  }

  it('pw/watch lists the change as set by the debugger at its step; pw/lastWrite finds it (pwvm dap)', { timeout: 20000 }, async () => {
    dc = liveClient();
    const step = await changeX(dc, { program });
    await checkWatch(dc, step);  // at the frontier, before the run goes on
    await runToEnd(dc);
    await checkWatch(dc, step);
    await checkLastWrite(dc, step);
  });

  it('pw/watch: a change at step 0 is the value the run starts from; one at step 1 is listed as set by the debugger (pwvm dap)', { timeout: 20000 }, async () => {
    dc = liveClient();
    await dc.open({ program });
    assert.equal((await set(dc, await scopeRef(dc, 'Globals'), 'verbose', 'true')).value, 'true');
    await dc.move('next', { granularity: 'instruction' });  // get_global verbose: no store
    assert.equal((await set(dc, await scopeRef(dc, 'Globals'), 'verbose', "'idle")).value, "'idle");
    await runToEnd(dc);
    const watch = (await dc.customRequest('pw/watch', { expression: 'verbose' })).body;
    assert.equal(watch.initial, 'true');
    assert.deepEqual(watch.changes.map(c => [c.step, c.old, c.new, c.instruction]), [[1, 'true', "'idle", 'set by the debugger']]);
  });

  it('a data breakpoint on the changed place stops at the change, forwards and backwards (pwvm dap)', { timeout: 20000 }, async () => {
    dc = liveClient();
    const step = await changeX(dc, { program });
    await runToEnd(dc);
    const locals = await scopeRef(dc, 'Locals');
    const info = (await dc.dataBreakpointInfoRequest({ variablesReference: locals, name: 'x' })).body;
    assert.equal(info.dataId, 'main::x');
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId, accessType: 'write' }] });
    await dc.move('pw/goto', { step: 0 });
    const steps = [];
    for (let stop = await dc.move('continue'); stop.reason === 'data breakpoint'; stop = await dc.move('continue')) steps.push(stop.step);
    assert.deepEqual(steps, [X_SET, step]);
    const back = await dc.move('reverseContinue');
    assert.equal(back.reason, 'data breakpoint');
    assert.equal(back.step, step - 1, 'before the change');
    assert.equal(await dc.evaluate('main::x'), '3');
  });

  it('record: the trace written at disconnect replays the change: pwreplay dap shows the same values at the same steps, pwreplay verify passes', { timeout: 20000 }, async () => {
    const { trace, step, end } = await recordChanged('changed.pwtrace');
    const verify = spawnSync(PWREPLAY, ['verify', trace], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);

    replay = replayClient();
    const first = await replay.open({ trace, at: step - 1 });
    assert.equal(first.step, step - 1);
    assert.deepEqual(await replay.position(), { step: step - 1, start: 0, end: end.step, finished: true, live: false });
    assert.equal(await replay.evaluate('main::x'), '3');
    assert.equal((await replay.move('next', { granularity: 'instruction' })).step, step);
    assert.equal(await replay.evaluate('main::x'), '9');
    assert.deepEqual((await replay.variables(await scopeRef(replay, 'Locals'))).map(v => [v.name, v.value]), [['x', '9'], ['y', '30']]);
    const replayedEnd = await runToEnd(replay);
    assert.equal(replayedEnd.step, end.step);
    assert.equal(replayedEnd.description, end.description);
    assert.equal(await replay.evaluate('info output', 'repl'), CHANGED_X.replace(/\n$/, ''));
    await replay.move('pw/goto', { step: step - 1 });
    assert.equal(await replay.evaluate('main::x'), '3');
    await replay.move('pw/goto', { step: 0 });
    assert.equal(await replay.evaluate('main::x'), 'nil');
    // A recording stays read-only, changed or not.
    assert.match(await refused(replay, await scopeRef(replay, 'Locals'), 'x', '1'), /recorded run/);
  });

  it('the recording names the debugger as the writer: pwreplay watch, and pw/watch and pw/lastWrite of pwreplay dap', { timeout: 20000 }, async () => {
    const { trace, step } = await recordChanged('watched.pwtrace');
    const watch = spawnSync(PWREPLAY, ['watch', trace, 'main::x'], { encoding: 'utf8' });
    assert.equal(watch.status, 0, watch.stderr);
    const lines = watch.stdout.split('\n');
    assert.ok(lines.some(l => l.startsWith(`step ${X_SET}: nil -> 3`) && !l.includes('set by the debugger')), watch.stdout);
    assert.ok(lines.some(l => l.startsWith(`step ${step}: 3 -> 9`) && l.includes('set by the debugger')), watch.stdout);

    replay = replayClient();
    await replay.open({ trace, at: 'end' });
    await checkWatch(replay, step);
    await checkLastWrite(replay, step);
  });

  it('refused with its reason: a recorded run, the past of a live run, a run that has ended, an unknown name, a bad expression, a string literal', { timeout: 20000 }, async () => {
    replay = replayClient();
    await replay.open({ trace: record(program, path.join(dir, 'plain.pwtrace')) });
    assert.match(await refused(replay, await scopeRef(replay, 'Globals'), 'verbose', 'true'), /recorded run/);
    assert.equal(await replay.evaluate('verbose'), 'nil');

    dc = liveClient();
    await dc.open({ program }, { configure: breakAt('scale-top') });
    const at = await dc.move('continue');
    const args = await scopeRef(dc, 'Arguments');
    assert.match(await refused(dc, args, 'zz', '1'), /zz/);
    assert.match(await refused(dc, args, 'n', '1 +'), /expected an expression/);
    assert.match(await refused(dc, args, 'n', '"abc"'), /string literal/);
    assert.match(await refused(dc, args, 'n', 'no_such_name'), /no_such_name/);
    assert.match(await refused(dc, args, 'n', '1 / 0'), /division by zero/);
    assert.equal(await dc.evaluate('n'), '3', 'a refused change changes nothing');

    await dc.move('stepBack', { granularity: 'instruction' });
    const past = await refused(dc, await scopeRef(dc, 'Globals'), 'verbose', 'true');
    assert.match(past, /cannot change the past/);
    assert.match(past, new RegExp(`newest step \\(${at.step}\\)`));
    assert.equal(await dc.evaluate('verbose'), 'nil');

    await dc.setBreakpointsRequest({ source: source(), breakpoints: [] });
    await runToEnd(dc);
    assert.match(await refused(dc, await scopeRef(dc, 'Globals'), 'verbose', 'true'), /has ended/);
    assert.equal(stdout(dc), UNCHANGED, 'nothing refused made it into the run');
    const watch = (await dc.customRequest('pw/watch', { expression: '::verbose' })).body;
    assert.deepEqual([watch.initial, watch.changes], ['nil', []]);
  });
});
