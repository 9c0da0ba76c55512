// Every error path answers success: false with a clear message, and the adapter goes on
// answering (it never crashes or hangs).
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { describe, it, before, after, afterEach } = require('node:test');
const { PWREPLAY, example, tempDir, removeDir, record, replayClient, liveClient } = require('./harness');

// [promise] is refused with a message matching [pattern].
function refused(promise, pattern) {
  return assert.rejects(promise, error => {
    assert.match(error.message, pattern);
    return true;
  });
}

describe('error paths', () => {
  let dir, inventory, factorial, junk, dc;
  before(() => {
    dir = tempDir('errors');
    inventory = record(example('inventory.pwa'), path.join(dir, 'inventory.pwtrace'));
    factorial = record(example('factorial.pwa'), path.join(dir, 'factorial.pwtrace'));
    junk = path.join(dir, 'junk.pwtrace');
    const bytes = Buffer.alloc(4096);
    for (let k = 0; k < bytes.length; k++) bytes[k] = (k * 2654435761) >>> 24;  // deterministic junk
    fs.writeFileSync(junk, bytes);
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  it('an unknown command is refused, before and after launch', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.start();
    await refused(dc.customRequest('frobnicate', { x: 1 }), /unknown request 'frobnicate'/);
    await dc.assertAlive();
    await dc.open({ trace: factorial });
    await refused(dc.customRequest('pw/frobnicate'), /unknown request 'pw\/frobnicate'/);
    await refused(dc.customRequest('restart'), /unknown request 'restart'/);
    await dc.assertAlive();
  });

  it('requests before launch are refused: there is no run yet', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.start();
    await dc.initializeRequest();
    const noRun = /no run yet: send launch first/;
    await refused(dc.stackTraceRequest({ threadId: 1 }), noRun);
    await refused(dc.scopesRequest({ frameId: 1 }), noRun);
    await refused(dc.variablesRequest({ variablesReference: 1 }), noRun);
    await refused(dc.evaluateRequest({ expression: '1', context: 'repl' }), noRun);
    await refused(dc.continueRequest({ threadId: 1 }), noRun);
    await refused(dc.nextRequest({ threadId: 1 }), noRun);
    await refused(dc.stepBackRequest({ threadId: 1 }), noRun);
    await refused(dc.pauseRequest({ threadId: 1 }), noRun);
    await refused(dc.setBreakpointsRequest({ source: { path: example('factorial.pwa') }, breakpoints: [{ line: 15 }] }), noRun);
    await refused(dc.customRequest('pw/step'), noRun);
    await refused(dc.customRequest('pw/goto', { step: 3 }), noRun);
    await dc.assertAlive();
  });

  it('launch without its trace or program says what is missing', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.start();
    await dc.initializeRequest();
    await refused(dc.launchRequest({}), /'trace' is missing/);
    await refused(dc.launchRequest({ trace: '' }), /'trace' is missing/);
    await dc.assertAlive();
    await dc.stop();

    dc = liveClient();
    await dc.start();
    await dc.initializeRequest();
    await refused(dc.launchRequest({}), /'program' is missing/);
    await refused(dc.launchRequest({ program: path.join(dir, 'absent.pwa') }), /absent\.pwa/);
    await refused(dc.launchRequest({ program: example('hello.pwa'), args: 'not a list' }), /'args' has the wrong type/);
    await refused(dc.launchRequest({ program: example('hello.pwa'), maxSteps: 0 }), /must be positive/);
    await refused(dc.launchRequest({ program: example('hello.pwa'), stdin: path.join(dir, 'absent.txt') }), /cannot read the stdin file/);
    await refused(dc.launchRequest({ program: example('hello.pwa'), record: path.join(dir, 'absent', 'x.pwtrace') }), /cannot create .*x\.pwtrace/);
    await dc.assertAlive();
  });

  it('an unreadable trace (junk, or no file) is refused, and a good launch still works after it', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.start();
    await dc.initializeRequest();
    await refused(dc.launchRequest({ trace: junk }), /junk\.pwtrace.*not a pwvm trace/);
    await refused(dc.launchRequest({ trace: path.join(dir, 'absent.pwtrace') }), /cannot open .*absent\.pwtrace/);
    await refused(dc.launchRequest({ trace: dir }), /is a directory, not a trace file/);
    await dc.assertAlive();
    await Promise.all([dc.waitForEvent('initialized'), dc.launchRequest({ trace: factorial })]);
    const [stopped] = await Promise.all([dc.waitForEvent('stopped'), dc.configurationDoneRequest()]);
    assert.equal(stopped.body.reason, 'entry');
    await refused(dc.launchRequest({ trace: factorial }), /launched already/);
    await dc.assertAlive();
  });

  it('`at` past the end, or not a step, is refused', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.start();
    await dc.initializeRequest();
    await refused(dc.launchRequest({ trace: factorial, at: 99999999 }), /step 99999999 is past the end of the run \(the last is 2036\)/);
    await refused(dc.launchRequest({ trace: factorial, at: '2037' }), /past the end/);
    await refused(dc.launchRequest({ trace: factorial, at: 'later' }), /'at' must be a step number, "start" or "end"/);
    await refused(dc.launchRequest({ trace: factorial, at: -1 }), /'at' must be a step number/);
    await dc.assertAlive();
  });

  it('a bad expression in evaluate is refused in every context', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: inventory });
    for (const context of ['watch', 'hover', 'repl']) {
      await refused(dc.evaluateRequest({ expression: '(1 +', context }), /expression '\(1 \+'.*column/);
      await refused(dc.evaluateRequest({ expression: 'nosuch', context }), /nosuch/);
    }
    await refused(dc.evaluateRequest({ expression: 'stock[1]', context: 'watch' }), /cannot evaluate/);  // nil at step 0
    await refused(dc.evaluateRequest({ context: 'watch' }), /'expression' is missing/);
    await refused(dc.evaluateRequest({ expression: 'info bogus', context: 'repl' }), /undefined info command/);
    await refused(dc.evaluateRequest({ expression: '-exec frobnicate', context: 'repl' }), /undefined command "frobnicate"/);
    await refused(dc.evaluateRequest({ expression: '1', context: 'watch', frameId: 7 }), /no frame 7/);
    await dc.assertAlive();
  });

  it('breakpoints that cannot be set are unverified, each with a message; the good ones stay', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: inventory });
    const source = { path: example('inventory.pwa') };
    const set = (await dc.setBreakpointsRequest({
      source,
      breakpoints: [
        { line: 203, condition: 'i +' },
        { line: 203, hitCondition: 'often' },
        { line: 203, logMessage: 'i={i' },
        { line: 99999 },
        { line: 203, condition: 'i == 6' },
      ],
    })).body.breakpoints;
    assert.equal(set.length, 5);
    assert.deepEqual(set.map(b => b.verified), [false, false, false, false, true]);
    assert.match(set[0].message, /expression 'i \+'/);
    assert.match(set[1].message, /hit condition 'often' is not a count/);
    assert.match(set[2].message, /without its '}'/);
    assert.match(set[3].message, /no code at or after line 99999/);

    const other = (await dc.setBreakpointsRequest({ source: { path: path.join(dir, 'other.pwa') }, breakpoints: [{ line: 3 }] })).body.breakpoints;
    assert.equal(other[0].verified, false);
    assert.match(other[0].message, /not the program's source/);

    const functions = (await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'nosuch' }, { name: 'lookup', condition: '((' }, { name: '' }] })).body.breakpoints;
    assert.deepEqual(functions.map(b => b.verified), [false, false, false]);
    assert.match(functions[0].message, /no function named 'nosuch'/);
    assert.match(functions[1].message, /expression '\(\('/);

    const exceptions = (await dc.setExceptionBreakpointsRequest({ filters: ['all'] })).body.breakpoints;
    assert.equal(exceptions[0].verified, false);
    assert.match(exceptions[0].message, /no exception filter 'all'/);

    const data = (await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'revenue', accessType: 'execute' }, { dataId: '+' }, {}] })).body.breakpoints;
    assert.deepEqual(data.map(b => b.verified), [false, false, false]);
    assert.match(data[0].message, /unknown access type 'execute': write, read or readWrite/);
    const info = (await dc.dataBreakpointInfoRequest({ name: '+' })).body;
    assert.equal(info.dataId, null);
    assert.match(info.description, /expression '\+'/);
    await refused(dc.dataBreakpointInfoRequest({}), /'name' is missing/);

    // The one good breakpoint works.
    const hit = await dc.move('continue');
    assert.equal(hit.reason, 'breakpoint');
    assert.equal(await dc.evaluate('i'), '6');
    await dc.assertAlive();
  });

  it('stepOut and pw/reverseStepOut in the outermost frame are refused', { timeout: 20000 }, async () => {
    dc = replayClient();
    const first = await dc.open({ trace: factorial });
    await refused(dc.stepOutRequest({ threadId: 1 }), /step out is not meaningful in the outermost frame/);
    await refused(dc.customRequest('pw/reverseStepOut', { threadId: 1 }), /not meaningful in the outermost frame/);
    assert.equal((await dc.position()).step, first.step);
    await dc.assertAlive();
  });

  it('setVariable is refused on a recorded run, and in the past of a live run', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: factorial });
    const locals = await dc.scope('Locals');
    await refused(dc.setVariableRequest({ variablesReference: locals.variablesReference, name: 'i', value: '3' }), /recorded run: its values cannot be changed/);
    await dc.assertAlive();
    await dc.stop();

    dc = liveClient();
    await dc.open({ program: example('factorial.pwa') });
    await dc.move('next');
    await dc.move('next');
    await dc.move('stepBack');
    const past = await dc.scope('Locals');
    await refused(dc.setVariableRequest({ variablesReference: past.variablesReference, name: 'i', value: '3' }), /cannot change the past: the run is at step \d+/);
    await dc.assertAlive();
  });

  it('variables with a stale or unknown reference are refused', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: inventory });
    const globals = await dc.scope('Globals');
    assert.ok((await dc.variables(globals.variablesReference)).length > 0);
    await dc.move('next');
    await refused(dc.variablesRequest({ variablesReference: globals.variablesReference }), /no variables reference \d+ at this stop/);
    await refused(dc.variablesRequest({ variablesReference: 424242 }), /no variables reference 424242/);
    await refused(dc.scopesRequest({ frameId: 99 }), /no frame 99/);
    await dc.assertAlive();
  });

  it('moves and queries with bad arguments are refused', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: inventory });
    const source = { path: example('inventory.pwa') };
    await refused(dc.customRequest('pw/goto', {}), /'step' is missing/);
    await refused(dc.customRequest('pw/goto', { step: 'soon' }), /'step' must be a step number/);
    await refused(dc.customRequest('pw/goto', { step: 99999999 }), /past the end of the run/);
    await refused(dc.gotoTargetsRequest({ source }), /'line' is missing/);
    await refused(dc.gotoTargetsRequest({ source, line: 99999 }), /no code at or after line 99999/);
    await refused(dc.gotoRequest({ threadId: 1, targetId: 1 }), /no goto target 1/);
    await refused(dc.customRequest('pw/watch', {}), /'expression' is missing/);
    await refused(dc.customRequest('pw/watch', { expression: 'revenue', from: 5, to: 3 }), /not within the run/);
    await refused(dc.customRequest('pw/calls', { function: 'nosuch' }), /no function named 'nosuch'/);
    await refused(dc.customRequest('pw/lastWrite', { expression: ')' }), /expression '\)'/);
    await refused(dc.exceptionInfoRequest({ threadId: 1 }), /no exception at this stop/);
    await refused(dc.disassembleRequest({ memoryReference: 'here', instructionCount: 2 }), /'memoryReference' is missing or not an instruction reference/);
    await refused(dc.disassembleRequest({ memoryReference: '0x0', instructionCount: -1 }), /'instructionCount' must be/);
    assert.equal((await dc.position()).step, 0);
    await dc.assertAlive();
  });

  it('input that breaks the protocol ends the adapter with status 2 and a message', { timeout: 20000 }, async () => {
    const child = spawn(PWREPLAY, ['dap'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', d => { stderr += d; });
    child.stdout.resume();
    const exited = new Promise(resolve => child.on('exit', code => resolve(code)));
    child.stdin.end('Content-Length: 5\r\n\r\nhello');
    assert.equal(await exited, 2);
    assert.match(stderr, /pwreplay dap: error: a message that is not JSON/);
  });
});
