// Requests with arguments of every wrong shape, to every command, on both back ends: each
// gets a response (an answer or a refusal with a message), the adapter never crashes or
// hangs, and it still answers properly afterwards. Then a stream that breaks the framing:
// one line on stderr and an exit, not a crash.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { describe, it, before, after, afterEach } = require('node:test');
const { PWREPLAY, example, tempDir, removeDir, record, replayClient, liveClient } = require('./harness');

const COMMANDS = [
  'setBreakpoints', 'setFunctionBreakpoints', 'setExceptionBreakpoints', 'dataBreakpointInfo', 'setDataBreakpoints',
  'threads', 'stackTrace', 'scopes', 'variables', 'setVariable', 'evaluate', 'source', 'loadedSources',
  'exceptionInfo', 'disassemble', 'gotoTargets', 'goto', 'pw/goto', 'pw/step', 'pw/lastWrite', 'pw/watch', 'pw/calls',
  'next', 'stepIn', 'stepOut', 'stepBack', 'pw/reverseStepIn', 'pw/reverseStepOut', 'continue', 'reverseContinue',
];
const NAMES = ['line', 'lines', 'breakpoints', 'source', 'filters', 'name', 'variablesReference', 'frameId', 'expression',
  'value', 'memoryReference', 'instructionCount', 'offset', 'targetId', 'step', 'function', 'from', 'to', 'limit',
  'startFrame', 'levels', 'start', 'count', 'filter', 'granularity', 'dataId', 'context', 'sourceReference', 'threadId'];
const SHAPES = [null, -1, 1e300, -1e300, 2 ** 53, 2 ** 64, '', 'x'.repeat(5000), '0x', '0xffffffffffffffff', '{', [],
  [null, 1, 'a'], {}, { line: 'x' }, [{ line: 1e300 }, { line: -3, condition: 5, hitCondition: '%0' }],
  [{ name: 'main', logMessage: '{' }, { dataId: '#1[0]', accessType: 'read' }], { path: 5, sourceReference: 1.5 },
  true, '\u0000\uffff', -0.5, 3.5];

// A deterministic choice of [count] argument objects for one command.
function argumentSets(seed, count) {
  let state = seed;
  const next = n => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state % n;
  };
  const sets = [];
  for (let k = 0; k < count; ++k) {
    const args = {};
    for (let f = 0, fields = 1 + next(4); f < fields; ++f) args[NAMES[next(NAMES.length)]] = SHAPES[next(SHAPES.length)];
    sets.push(args);
  }
  return sets;
}

describe('hostile requests', () => {
  let dir, trace, dc;
  before(() => {
    dir = tempDir('hostile');
    trace = record(example('closures.pwa'), path.join(dir, 'closures.pwtrace'));
  });
  after(() => removeDir(dir));
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  for (const backEnd of ['recorded', 'live']) {
    it(`every command with arguments of every wrong shape gets a response (${backEnd})`, { timeout: 60000 }, async () => {
      dc = backEnd === 'live' ? liveClient() : replayClient();
      await dc.open(backEnd === 'live' ? { program: example('closures.pwa') } : { trace });
      await dc.move('pw/goto', { step: 40 });
      let seed = 1;
      for (const command of COMMANDS) {
        for (const args of argumentSets(seed++, 40)) {
          // A move that is accepted ends with a stopped event: wait for it, so the next
          // request meets an idle adapter.
          const stopped = new Promise(resolve => dc.once('stopped', resolve));
          let accepted = false;
          try {
            await dc.send(command, args);
            accepted = true;
          } catch (e) {
            assert.ok(e.message && e.message.length > 0, `${command} ${JSON.stringify(args)}: an empty refusal`);
            assert.ok(!e.message.includes('\n'), `${command}: the refusal is one line: ${e.message}`);
          }
          if (accepted && /^(next|step|continue|reverseContinue|goto|pw\/goto|pw\/reverse)/.test(command)) await stopped;
          dc.removeAllListeners('stopped');
        }
      }
      // Still a working session.
      assert.equal((await dc.threadsRequest()).body.threads.length, 1);
      const where = await dc.position();
      assert.ok(Number.isInteger(where.step));
      assert.ok((await dc.frames()).length >= 0);
    });
  }

  it('a stream that breaks the framing ends the adapter with one line on stderr', { timeout: 20000 }, async () => {
    for (const garbage of ['Content-Length: x\r\n\r\n{}', 'Content-Length: 5\r\n\r\nnot j', 'no header at all\r\n\r\n']) {
      const adapter = spawn(PWREPLAY, ['dap'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      adapter.stdout.on('data', d => { stdout += d; });
      adapter.stderr.on('data', d => { stderr += d; });
      adapter.stdin.end(garbage);
      const code = await new Promise(resolve => adapter.on('exit', (c, signal) => resolve(signal || c)));
      assert.equal(code, 2, `exit status for ${JSON.stringify(garbage)}: ${stderr}`);
      assert.equal(stdout, '', 'nothing but the protocol on stdout');
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, /^pwreplay dap: error: /);
    }
  });
});
