// The adapter and the text debugger are two front ends over one session: the same moves
// from the same place stop at the same steps. The text debugger runs in batch mode
// (`pwreplay debug TRACE --batch -ex ...`, `pwvm debug PROGRAM --batch -ex ...`).
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { describe, it, before, after, afterEach } = require('node:test');
const { PWVM, PWREPLAY, example, tempDir, removeDir, record, textDebuggerSteps, replayClient, liveClient } = require('./harness');

// A text-debugger move and the DAP request that does the same.
const MOVES = {
  'continue': ['continue', {}],
  'reverse-continue': ['reverseContinue', {}],
  'next': ['next', {}],
  'reverse-next': ['stepBack', {}],
  'step': ['stepIn', {}],
  'reverse-step': ['pw/reverseStepIn', {}],
  'finish': ['stepOut', {}],
  'reverse-finish': ['pw/reverseStepOut', {}],
  'stepi': ['stepIn', { granularity: 'instruction' }],
  'nexti': ['next', { granularity: 'instruction' }],
  'reverse-stepi': ['stepBack', { granularity: 'instruction' }],
};

function dapMove(move) {
  const goto = /^goto (\d+)$/.exec(move);
  if (goto) return ['pw/goto', { step: Number(goto[1]) }];
  assert.ok(MOVES[move], `no DAP request for ${move}`);
  return MOVES[move];
}

// What stops a run, as text-debugger commands and as DAP requests.
function textSetup(points) {
  return points.map(p => {
    if (p.line) return `break ${p.line}${p.condition ? ` if ${p.condition}` : ''}`;
    if (p.fn) return `break ${p.fn}${p.condition ? ` if ${p.condition}` : ''}`;
    if (p.watch) return `watch ${p.watch}`;
    return `catch ${p.catch}`;
  });
}

async function dapSetup(dc, program, points) {
  const lines = points.filter(p => p.line).map(p => ({ line: p.line, condition: p.condition }));
  if (lines.length) await dc.setBreakpointsRequest({ source: { path: program }, breakpoints: lines });
  const fns = points.filter(p => p.fn).map(p => ({ name: p.fn, condition: p.condition }));
  if (fns.length) await dc.setFunctionBreakpointsRequest({ breakpoints: fns });
  const watches = points.filter(p => p.watch);
  if (watches.length) {
    const data = [];
    for (const w of watches) data.push({ dataId: (await dc.dataBreakpointInfoRequest({ name: w.watch })).body.dataId, accessType: 'write' });
    await dc.setDataBreakpointsRequest({ breakpoints: data });
  }
  const filters = points.filter(p => p.catch).map(p => ({ throw: 'thrown', catch: 'caught' })[p.catch]);
  if (filters.length) await dc.setExceptionBreakpointsRequest({ filters });
}

const SCENARIOS = [
  {
    name: 'inventory.pwa from the start: two line breakpoints, steps both ways, finish',
    program: 'inventory.pwa',
    points: [{ line: 203 }, { line: 281 }],
    moves: ['continue', 'next', 'reverse-next', 'continue', 'step', 'step', 'reverse-step', 'reverse-continue', 'continue',
      'continue', 'finish', 'reverse-step', 'reverse-finish', 'stepi', 'nexti', 'reverse-stepi', 'continue', 'continue',
      'reverse-continue'],
  },
  {
    name: 'inventory.pwa from its failure, backwards',
    program: 'inventory.pwa',
    at: 'end',
    points: [{ line: 203 }, { fn: 'restock' }],
    moves: ['reverse-continue', 'reverse-step', 'reverse-step', 'reverse-finish', 'reverse-next', 'next', 'step',
      'reverse-continue', 'reverse-continue', 'finish', 'continue', 'reverse-stepi', 'goto 10000', 'reverse-continue'],
  },
  {
    name: 'fibonacci.pwa: a conditional line breakpoint in the recursion',
    program: 'fibonacci.pwa',
    points: [{ line: 24, condition: 'n == 5' }],
    moves: ['continue', 'step', 'step', 'finish', 'next', 'reverse-next', 'reverse-step', 'reverse-finish', 'continue',
      'continue', 'reverse-continue', 'reverse-continue', 'stepi', 'nexti', 'nexti', 'reverse-stepi'],
  },
  {
    name: 'exceptions.pwa: catchpoints, a watchpoint and a function breakpoint, through the unwinding',
    program: 'exceptions.pwa',
    points: [{ catch: 'throw' }, { watch: 'sum_and_length::sum' }, { fn: 'parse_int' }],
    moves: ['continue', 'step', 'step', 'reverse-step', 'continue', 'continue', 'continue', 'reverse-continue', 'finish',
      'continue', 'continue', 'continue', 'continue', 'reverse-continue', 'reverse-finish', 'next', 'next', 'finish'],
  },
  {
    name: 'exceptions.pwa: catch catch, stepping out of a frame that an exception leaves',
    program: 'exceptions.pwa',
    points: [{ catch: 'catch' }, { line: 27 }],
    moves: ['continue', 'continue', 'reverse-step', 'reverse-step', 'continue', 'finish', 'continue', 'reverse-continue', 'reverse-next'],
  },
  {
    name: 'closures.pwa: function breakpoints in closures, steps into calls through call N',
    program: 'closures.pwa',
    points: [{ fn: 'counter_next' }, { fn: 'adder', condition: 'x > 10' }],
    moves: ['continue', 'finish', 'step', 'step', 'continue', 'continue', 'reverse-continue', 'reverse-finish', 'step',
      'step', 'continue', 'continue', 'continue', 'reverse-step', 'reverse-step'],
  },
  {
    name: 'factorial.pwa: goto and moves from there',
    program: 'factorial.pwa',
    points: [{ line: 18 }],
    moves: ['goto 777', 'next', 'step', 'reverse-finish', 'goto 40', 'continue', 'finish', 'finish', 'reverse-next',
      'goto 2036', 'reverse-continue', 'reverse-stepi'],
  },
];

describe('same stops as the text debugger', () => {
  let dir, dc;
  const traces = {};
  before(() => {
    dir = tempDir('same');
    for (const program of new Set(SCENARIOS.map(s => s.program))) traces[program] = record(example(program), path.join(dir, `${program}.pwtrace`));
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  for (const s of SCENARIOS) {
    it(`${s.name} (pwreplay debug vs pwreplay dap)`, { timeout: 20000 }, async () => {
      const setup = textSetup(s.points);
      const text = textDebuggerSteps(PWREPLAY, traces[s.program], [...setup, ...s.moves], s.at ? ['--at', s.at] : [])
        .slice(setup.length);
      assert.ok(text.every(step => step !== null), `every move stops somewhere: ${JSON.stringify(text)}`);

      dc = replayClient();
      await dc.open({ trace: traces[s.program], ...(s.at ? { at: s.at } : {}) }, { configure: c => dapSetup(c, example(s.program), s.points) });
      const dap = [];
      for (const move of s.moves) dap.push((await dc.move(...dapMove(move))).step);
      assert.deepEqual(dap, text);
    });
  }

  it('fibonacci.pwa live: a conditional function breakpoint, forwards and back (pwvm debug vs pwvm dap)', { timeout: 20000 }, async () => {
    const points = [{ fn: 'fib_rec', condition: 'n == 3' }, { line: 51 }];
    const moves = ['continue', 'next', 'reverse-next', 'step', 'finish', 'continue', 'reverse-continue', 'reverse-finish',
      'continue', 'continue', 'continue', 'reverse-continue', 'goto 1942400', 'continue', 'reverse-step'];
    const setup = textSetup(points);
    const text = textDebuggerSteps(PWVM, example('fibonacci.pwa'), [...setup, ...moves]).slice(setup.length);
    assert.ok(text.every(step => step !== null), JSON.stringify(text));

    dc = liveClient();
    await dc.open({ program: example('fibonacci.pwa') }, { configure: c => dapSetup(c, example('fibonacci.pwa'), points) });
    const dap = [];
    for (const move of moves) dap.push((await dc.move(...dapMove(move))).step);
    assert.deepEqual(dap, text);
  });
});
