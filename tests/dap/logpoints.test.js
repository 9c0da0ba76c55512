// Retroactive logpoints: a logpoint over a whole run prints exactly what a `print` placed at
// that line would have printed. The reference is a copy of the program with the print added.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, it, before, after, afterEach } = require('node:test');
const { example, tempDir, removeDir, runProgram, record, replayClient, liveClient, isStopNote } = require('./harness');

// A copy of [program] with [block] inserted before its line [line] (1-based).
function withLinesBefore(program, line, block, file) {
  const lines = fs.readFileSync(program, 'utf8').split('\n');
  lines.splice(line - 1, 0, ...block);
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

// The .pwa instructions that print [parts], pairs [text, local], as one line:
// text1 + to_string(local1) + text2 + to_string(local2) ...; the stack is left as it was.
function printBlock(parts) {
  const block = [];
  parts.forEach(([text, local], k) => {
    block.push(`  push ${JSON.stringify(text)}`);
    if (k > 0) block.push('  str_concat');
    block.push(`  get_local ${local}`, '  to_string', '  str_concat');
  });
  block.push('  host print', '  pop');
  return block;
}

// The logpoint lines among the console output of a move that ended with [stopped].
function loggedLines(dc, from, stopped) {
  return dc.outputSince(from, 'console').filter(o => !isStopNote(o, stopped)).map(o => o.output);
}

describe('logpoints', () => {
  let dir;
  const factorial = {};
  const inventory = {};
  before(() => {
    dir = tempDir('logpoints');
    // factorial.pwa line 15 is fact's first instruction: `n={n}` there.
    factorial.program = example('factorial.pwa');
    factorial.trace = record(factorial.program, path.join(dir, 'factorial.pwtrace'));
    factorial.variant = withLinesBefore(factorial.program, 15, printBlock([['n=', 'n']]), path.join(dir, 'factorial_print.pwa'));
    factorial.variantOutput = runProgram(factorial.variant).stdout;
    factorial.expected = factorial.variantOutput.split('\n').filter(l => l.startsWith('n=')).map(l => `${l}\n`);
    // inventory.pwa line 163 is the top of lookup's loop (the `loop:` label is line 162):
    // symbols, pairs and lists in the message.
    inventory.program = example('inventory.pwa');
    inventory.trace = record(inventory.program, path.join(dir, 'inventory.pwtrace'));
    inventory.variant = withLinesBefore(inventory.program, 163,
      printBlock([['lookup key=', 'key'], [' alist=', 'alist']]), path.join(dir, 'inventory_print.pwa'));
    inventory.expected = runProgram(inventory.variant).stdout.split('\n').filter(l => l.startsWith('lookup ')).map(l => `${l}\n`);
  });
  after(() => removeDir(dir));

  let dc;
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  it('the variants print what they should (the reference is sound)', () => {
    assert.equal(factorial.expected.length, 210);  // fact runs 1 + 2 + ... + 20 times
    assert.deepEqual(factorial.expected.slice(0, 4), ['n=1\n', 'n=2\n', 'n=1\n', 'n=3\n']);
    assert.ok(inventory.expected.length > 7, inventory.expected.join(''));
    assert.match(inventory.expected[0], /^lookup key=widget alist=\(\(hindge \. 30\) /);
  });

  it('n={n} over a whole recorded run: continue prints the print lines, reverseContinue prints them again in run order', { timeout: 20000 }, async () => {
    dc = replayClient();
    let set;
    await dc.open({ trace: factorial.trace }, {
      configure: async c => {
        set = await c.setBreakpointsRequest({ source: { path: factorial.program }, breakpoints: [{ line: 15, logMessage: 'n={n}' }] });
      },
    });
    assert.equal(set.body.breakpoints[0].verified, true);
    assert.equal(set.body.breakpoints[0].line, 15);

    let mark = dc.outputs.length;
    const end = await dc.move('continue');
    assert.equal(end.reason, 'end');  // a logpoint never stops
    assert.equal(end.step, (await dc.position()).end);
    assert.deepEqual(loggedLines(dc, mark, end), factorial.expected);

    mark = dc.outputs.length;
    const start = await dc.move('reverseContinue');
    assert.equal(start.step, 0);
    assert.deepEqual(loggedLines(dc, mark, start), factorial.expected);
  });

  it('symbols, pairs and lists in the message print as print shows them', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: inventory.trace }, {
      configure: c => c.setBreakpointsRequest({
        source: { path: inventory.program }, breakpoints: [{ line: 163, logMessage: 'lookup key={key} alist={alist}' }],
      }),
    });
    let mark = dc.outputs.length;
    const end = await dc.move('continue');
    assert.equal(end.reason, 'exception');  // the run fails; the logpoint did not stop it
    assert.deepEqual(loggedLines(dc, mark, end), inventory.expected);
    mark = dc.outputs.length;
    const start = await dc.move('reverseContinue');
    assert.deepEqual(loggedLines(dc, mark, start), inventory.expected);
  });

  it('a reverseContinue that stops at a breakpoint prints the lines of the steps it passed, in run order', { timeout: 20000 }, async () => {
    dc = replayClient();
    const source = { path: factorial.program };
    const first = await dc.open({ trace: factorial.trace, at: 'end' }, {
      configure: c => c.setBreakpointsRequest({ source, breakpoints: [{ line: 15, logMessage: 'n={n}' }, { line: 44, hitCondition: '==3' }] }),
    });
    assert.equal(first.reason, 'entry');
    // Line 44 prints after fact(i) returned; backwards its third hit is i = 18, so the steps
    // passed hold the runs of fact(19) and fact(20): 19 + 20 lines.
    const mark = dc.outputs.length;
    const stop = await dc.move('reverseContinue');
    assert.equal(stop.reason, 'breakpoint');
    assert.equal(await dc.evaluate('i'), '18');
    assert.deepEqual(loggedLines(dc, mark, stop), factorial.expected.slice(-(19 + 20)));
  });

  it('a logpoint condition chooses the hits it prints', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: factorial.trace }, {
      configure: c => c.setBreakpointsRequest({
        source: { path: factorial.program }, breakpoints: [{ line: 15, logMessage: 'n={n}', condition: 'n >= 19' }],
      }),
    });
    const mark = dc.outputs.length;
    const end = await dc.move('continue');
    assert.deepEqual(loggedLines(dc, mark, end), factorial.expected.filter(l => l === 'n=19\n' || l === 'n=20\n'));
  });

  it('a logpoint hit condition chooses the hits it prints (%50: every 50th)', { timeout: 20000 }, async () => {
    dc = replayClient();
    await dc.open({ trace: factorial.trace }, {
      configure: c => c.setBreakpointsRequest({
        source: { path: factorial.program }, breakpoints: [{ line: 15, logMessage: 'n={n}', hitCondition: '%50' }],
      }),
    });
    const mark = dc.outputs.length;
    const end = await dc.move('continue');
    const every50th = factorial.expected.filter((_, k) => (k + 1) % 50 === 0);
    const logged = loggedLines(dc, mark, end);
    assert.equal(logged.length, every50th.length, `hitCondition '%50' printed ${logged.length} of the ${factorial.expected.length} hits`);
    assert.deepEqual(logged, every50th);
  });

  it('on a live run, logpoint lines and the program output come in the order the variant prints them (pwvm dap)', { timeout: 20000 }, async () => {
    dc = liveClient();
    await dc.open({ program: factorial.program }, {
      configure: c => c.setBreakpointsRequest({ source: { path: factorial.program }, breakpoints: [{ line: 15, logMessage: 'n={n}' }] }),
    });
    const mark = dc.outputs.length;
    const end = await dc.move('continue');
    assert.equal(end.reason, 'end');
    const told = dc.outputSince(mark).filter(o => o.category === 'stdout' || (o.category === 'console' && !isStopNote(o, end)));
    assert.equal(told.map(o => o.output).join(''), factorial.variantOutput);
  });
});
