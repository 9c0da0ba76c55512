// Every request the adapter answers, on both back ends: the same checks on a recorded run
// (`pwreplay dap`) and on a live one (`pwvm dap`) of the same programs.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, it, before, after, afterEach } = require('node:test');
const { example, tempDir, removeDir, runProgram, record, replayClient, liveClient } = require('./harness');

// An array of 1000 squares in a global, for paging.
const ARRAYS = `; an array of 1000 squares
global squares
func main()
  local i, limit
  push 1000
  array_new
  set_global squares
  push 0
  set_local i
  push 999
  set_local limit
fill:
  get_global squares
  get_local i
  get_local i
  get_local i
  mul
  array_set
  for_next i, fill
  push 0
  halt
end
`;

const PROGRAMS = ['inventory', 'exceptions', 'uncaught', 'closures', 'factorial'];

let dir;
const programs = {};
const traces = {};
before(() => {
  dir = tempDir('requests');
  for (const name of PROGRAMS) programs[name] = example(`${name}.pwa`);
  programs.arrays = path.join(dir, 'arrays.pwa');
  fs.writeFileSync(programs.arrays, ARRAYS);
  for (const [name, program] of Object.entries(programs)) traces[name] = record(program, path.join(dir, `${name}.pwtrace`));
});
after(() => removeDir(dir));

const BACK_ENDS = [
  { label: 'pwreplay dap', live: false, client: replayClient, launch: name => ({ trace: traces[name] }) },
  { label: 'pwvm dap', live: true, client: liveClient, launch: name => ({ program: programs[name] }) },
];

// The stack of inventory.pwa's failure, innermost first.
const FAILURE_FRAMES = [
  ['purchase_cost(item=6, qty=nil)', 281],
  ['restock(item=6)', 297],
  ['restock_if_low(item=6)', 334],
  ['process_order(item=6, qty=4)', 379],
  ['run_day(day=9, orders=12)', 398],
  ['main()', 500],
];

for (const backEnd of BACK_ENDS) {
  describe(`requests on ${backEnd.label}`, () => {
    let dc;
    afterEach(async () => {
      if (dc) await dc.stop();
      dc = undefined;
    });

    // Opens [name] at step 0.
    async function open(name, options) {
      dc = backEnd.client();
      return dc.open(backEnd.launch(name), options);
    }

    // Opens inventory.pwa and runs it into its failure.
    async function atFailure() {
      await open('inventory');
      const stop = await dc.move('continue');
      assert.equal(stop.reason, 'exception');
      return stop;
    }

    it('initialize advertises what the adapter answers, with the three exception filters', { timeout: 20000 }, async () => {
      const first = await open('factorial');
      assert.equal(first.reason, 'entry');
      const c = dc.capabilities;
      for (const name of ['supportsConfigurationDoneRequest', 'supportsStepBack', 'supportsConditionalBreakpoints',
        'supportsHitConditionalBreakpoints', 'supportsFunctionBreakpoints', 'supportsLogPoints', 'supportsDataBreakpoints',
        'supportsGotoTargetsRequest', 'supportsEvaluateForHovers', 'supportsSteppingGranularity', 'supportsCancelRequest',
        'supportsLoadedSourcesRequest', 'supportsDisassembleRequest', 'supportsExceptionInfoRequest', 'supportsTerminateRequest'])
        assert.equal(c[name], true, name);
      assert.deepEqual(c.exceptionBreakpointFilters.map(f => f.filter), ['thrown', 'uncaught', 'caught']);
      assert.deepEqual(await dc.position(), { step: 0, start: 0, end: backEnd.live ? 0 : 2036, finished: !backEnd.live, live: backEnd.live });
    });

    it('threads: one thread, main', { timeout: 20000 }, async () => {
      await open('factorial');
      assert.deepEqual((await dc.threadsRequest()).body.threads, [{ id: 1, name: 'main' }]);
    });

    it('stackTrace: frames named with their arguments, source, line and instructionPointerReference; startFrame and levels page it', { timeout: 20000 }, async () => {
      await atFailure();
      const response = (await dc.stackTraceRequest({ threadId: 1 })).body;
      assert.equal(response.totalFrames, FAILURE_FRAMES.length);
      assert.deepEqual(response.stackFrames.map(f => [f.name, f.line]), FAILURE_FRAMES);
      assert.deepEqual(response.stackFrames.map(f => f.id), [1, 2, 3, 4, 5, 6]);
      for (const f of response.stackFrames) {
        assert.equal(f.source.path, programs.inventory);
        assert.match(f.instructionPointerReference, /^0x[0-9a-f]+$/);
      }
      const page = (await dc.stackTraceRequest({ threadId: 1, startFrame: 2, levels: 2 })).body.stackFrames;
      assert.deepEqual(page, response.stackFrames.slice(2, 4));
    });

    it('disassemble at a frame\'s instructionPointerReference shows the instruction it is at', { timeout: 20000 }, async () => {
      await atFailure();
      const [top, caller] = await dc.frames();
      const around = (await dc.disassembleRequest({ memoryReference: top.instructionPointerReference, instructionOffset: -1, instructionCount: 3 })).body.instructions;
      assert.deepEqual(around.map(i => [i.instruction, i.line, i.symbol]),
        [['array_get', 280, 'purchase_cost+3'], ['mul', 281, 'purchase_cost+4'], ['mul_imm 60', 282, 'purchase_cost+5']]);
      assert.equal(around[1].address, top.instructionPointerReference);
      assert.equal(around[1].location.path, programs.inventory);
      const call = (await dc.disassembleRequest({ memoryReference: caller.instructionPointerReference, instructionCount: 1 })).body.instructions;
      assert.equal(call[0].instruction, 'call_fn purchase_cost');
      assert.equal(call[0].line, 297);
      const outside = (await dc.disassembleRequest({ memoryReference: '0xffffff', instructionCount: 1 })).body.instructions;
      assert.equal(outside[0].presentationHint, 'invalid');
    });

    it('scopes and variables: arguments, locals, globals and the operand stack of any frame; pairs and arrays expand', { timeout: 20000 }, async () => {
      await atFailure();
      const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
      assert.deepEqual(scopes.map(s => s.name), ['Arguments', 'Locals', 'Globals', 'Operand stack']);
      const args = await dc.variables(scopes[0].variablesReference);
      assert.deepEqual(args.map(v => [v.name, v.value, v.type]), [['item', '6', 'int'], ['qty', 'nil', 'nil']]);
      const operands = await dc.variables(scopes[3].variablesReference);
      assert.deepEqual(operands.map(v => v.value), ['nil', '340']);  // qty * prices[item]

      const restockLocals = await dc.variables((await dc.scope('Locals', 2)).variablesReference);
      assert.deepEqual(restockLocals.map(v => [v.name, v.value, v.evaluateName]), [['qty', 'nil', 'restock::qty']]);

      const globals = await dc.variables(scopes[2].variablesReference);
      const reorder = globals.find(v => v.name === 'reorder_qty');
      assert.equal(reorder.type, 'array');
      assert.equal(reorder.indexedVariables, 7);
      assert.match(reorder.value, /^\[40, 25, 60, 20, 50, 150, nil\]/);
      const items = await dc.variables(reorder.variablesReference);
      assert.deepEqual(items.map(v => [v.name, v.value]),
        [['[0]', '40'], ['[1]', '25'], ['[2]', '60'], ['[3]', '20'], ['[4]', '50'], ['[5]', '150'], ['[6]', 'nil']]);
      assert.equal(await dc.evaluate(items[5].evaluateName), '150');

      const ledger = globals.find(v => v.name === 'ledger');
      assert.equal(ledger.type, 'pair');
      const [car, cdr] = await dc.variables(ledger.variablesReference);
      assert.deepEqual([car.name, cdr.name], ['car', 'cdr']);
      assert.match(car.value, /^\(6 \. 4\)/);  // the order being processed when it failed
      assert.equal(cdr.type, 'pair');
    });

    it('variables pages an array: filter indexed, start and count', { timeout: 20000 }, async () => {
      await open('arrays');
      const end = await dc.move('continue');
      assert.equal(end.reason, 'end');
      const squares = (await dc.variables((await dc.scope('Globals')).variablesReference)).find(v => v.name === 'squares');
      assert.equal(squares.indexedVariables, 1000);
      const tail = await dc.variables(squares.variablesReference, { filter: 'indexed', start: 990, count: 20 });
      assert.deepEqual(tail.map(v => v.name), Array.from({ length: 10 }, (_, k) => `[${990 + k}]`));
      assert.deepEqual(tail.map(v => v.value), Array.from({ length: 10 }, (_, k) => String((990 + k) ** 2)));
      const head = await dc.variables(squares.variablesReference, { filter: 'indexed', start: 0, count: 3 });
      assert.deepEqual(head.map(v => v.value), ['0', '1', '4']);
      assert.deepEqual(await dc.variables(squares.variablesReference, { filter: 'named' }), []);
      assert.equal(await dc.evaluate(tail[9].evaluateName), '998001');
      assert.equal((await dc.variables(squares.variablesReference)).length, 1000);
    });

    it('a closure frame has a Captures scope; a closure value expands to its captures', { timeout: 20000 }, async () => {
      await open('closures', { configure: c => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'counter_next' }] }) });
      const stop = await dc.move('continue');
      assert.equal(stop.reason, 'function breakpoint');
      const frames = await dc.frames();
      assert.equal(frames[0].name, 'counter_next()');
      assert.match(frames[1].name, /^tick\(counter=<closure counter_next>/);
      const captures = await dc.scope('Captures');
      assert.deepEqual((await dc.variables(captures.variablesReference)).map(v => [v.name, v.value]), [['count', '0'], ['step', '1']]);
      const counter = (await dc.variables((await dc.scope('Arguments', 2)).variablesReference)).find(v => v.name === 'counter');
      assert.equal(counter.type, 'closure');
      assert.deepEqual((await dc.variables(counter.variablesReference)).map(v => [v.name, v.value]), [['count', '0'], ['step', '1']]);
      assert.equal(await dc.evaluate('count'), '0');
    });

    it('evaluate: watch and hover in any frame, repl with expressions and text-debugger commands (info heap, bt, -exec, last)', { timeout: 20000 }, async () => {
      const failure = await atFailure();
      assert.equal(await dc.evaluate('reorder_qty[item]', 'watch', 2), 'nil');
      assert.equal(await dc.evaluate('qty', 'hover', 4), '4');
      assert.equal(await dc.evaluate('qty', 'hover', 1), 'nil');
      const array = (await dc.evaluateRequest({ expression: 'reorder_qty', context: 'watch' })).body;
      assert.equal(array.type, 'array');
      assert.equal(array.indexedVariables, 7);
      assert.equal((await dc.variables(array.variablesReference)).length, 7);
      assert.equal(await dc.evaluate('item + 1', 'repl'), '7');

      assert.match(await dc.evaluate('info heap', 'repl'), /^Live objects: \d+/);
      const bt = await dc.evaluate('bt', 'repl');
      assert.match(bt, /#0 {2}purchase_cost \(item=6, qty=nil\) at .*inventory\.pwa:281/);
      assert.match(bt, /#5 {2}main \(\) at .*inventory\.pwa:500/);
      assert.match(await dc.evaluate('-exec info frame', 'repl'), /purchase_cost/);
      assert.equal((await dc.position()).step, failure.step);

      // A console command that moves moves the session, and the editor with it.
      const [stopped, response] = await Promise.all([
        dc.waitForEvent('stopped'),
        dc.evaluateRequest({ expression: 'last reorder_qty[6]', context: 'repl' }),
      ]);
      assert.match(response.body.result, /Last write to reorder_qty\[6\] before step \d+: nil -> nil/);
      assert.ok(stopped.body.step < failure.step);
      assert.equal((await dc.top()).line, 203);
    });

    it('a continue typed in the debug console tells its stop as the continue request does', { timeout: 20000 }, async () => {
      const source = { path: programs.inventory };
      let bp;
      await open('inventory', { configure: async c => { [bp] = (await c.setBreakpointsRequest({ source, breakpoints: [{ line: 203 }] })).body.breakpoints; } });
      const [atBreakpoint, said] = await Promise.all([dc.waitForEvent('stopped'), dc.evaluateRequest({ expression: '-exec continue', context: 'repl' })]);
      assert.match(said.body.result, /^Breakpoint \d+/);
      assert.equal((await dc.top()).line, 203);
      assert.deepEqual([atBreakpoint.body.reason, atBreakpoint.body.hitBreakpointIds], ['breakpoint', [bp.id]]);
      await dc.setBreakpointsRequest({ source, breakpoints: [] });
      const [atFailure] = await Promise.all([dc.waitForEvent('stopped'), dc.evaluateRequest({ expression: 'continue', context: 'repl' })]);
      assert.equal((await dc.top()).line, 281);
      assert.equal(atFailure.body.reason, 'exception', 'the end of a failed run');
    });

    it('source and loadedSources: the program file as the run used it', { timeout: 20000 }, async () => {
      await open('inventory');
      const sources = (await dc.customRequest('loadedSources')).body.sources;
      assert.deepEqual(sources, [{ name: 'inventory.pwa', path: programs.inventory }]);
      const content = (await dc.sourceRequest({ source: sources[0], sourceReference: 0 })).body.content;
      assert.equal(content, fs.readFileSync(programs.inventory, 'utf8'));
    });

    it('exceptionInfo at the end of a failed run: the error, its message and stack', { timeout: 20000 }, async () => {
      await atFailure();
      const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
      assert.equal(info.exceptionId, 'TypeError');
      assert.equal(info.breakMode, 'unhandled');
      assert.match(info.description, /mul expects numbers, got nil and int/);
      assert.match(info.details.stackTrace, /at purchase_cost \(.*inventory\.pwa:281\)/);
    });

    it('setExceptionBreakpoints thrown: continue stops before every throw, with exceptionInfo', { timeout: 20000 }, async () => {
      let set;
      await open('exceptions', { configure: async c => { set = await c.setExceptionBreakpointsRequest({ filters: ['thrown'] }); } });
      assert.equal(set.body.breakpoints[0].verified, true);
      const throws = [];
      for (;;) {
        const stop = await dc.move('continue');
        if (stop.reason !== 'exception') {
          assert.equal(stop.reason, 'end');
          break;
        }
        const top = await dc.top();
        const [instruction] = (await dc.disassembleRequest({ memoryReference: top.instructionPointerReference, instructionCount: 1 })).body.instructions;
        assert.equal(instruction.instruction, 'throw');
        const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
        assert.equal(info.exceptionId, 'thrown');
        assert.equal(info.breakMode, 'always');  // every throw of exceptions.pwa is caught
        assert.equal(info.description, stop.text);
        throws.push(top.name.replace(/\(.*/, ''));
      }
      // checked_div twice, parse_int, gives_up, and try_string rethrowing.
      assert.deepEqual(throws, ['checked_div', 'checked_div', 'parse_int', 'gives_up', 'try_string']);
    });

    it('setExceptionBreakpoints uncaught: only the throw nobody catches stops', { timeout: 20000 }, async () => {
      await open('exceptions', { configure: c => c.setExceptionBreakpointsRequest({ filters: ['uncaught'] }) });
      assert.equal((await dc.move('continue')).reason, 'end');
      await dc.stop();

      await open('uncaught', { configure: c => c.setExceptionBreakpointsRequest({ filters: ['uncaught'] }) });
      const stop = await dc.move('continue');
      assert.equal(stop.reason, 'exception');
      assert.match(stop.text, /bad-port \. 99999/);
      assert.equal((await dc.top()).name, 'check_port(p=99999)');
      assert.equal((await dc.exceptionInfoRequest({ threadId: 1 })).body.breakMode, 'unhandled');
      const end = await dc.move('continue');
      assert.equal(end.reason, 'exception');
      assert.equal(end.step, stop.step + 1);
      assert.equal((await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId, 'UncaughtException');
    });

    it('setExceptionBreakpoints caught: stops at the handler, just after the throw', { timeout: 20000 }, async () => {
      await open('exceptions', { configure: c => c.setExceptionBreakpointsRequest({ filters: ['caught'] }) });
      const stop = await dc.move('continue');
      assert.equal(stop.reason, 'exception');
      assert.match(stop.text, /division-by-zero \. 100/);
      const top = await dc.top();
      assert.equal(top.name, 'safe_div(a=100, b=0)');
      const [instruction] = (await dc.disassembleRequest({ memoryReference: top.instructionPointerReference, instructionCount: 1 })).body.instructions;
      assert.equal(instruction.instruction, 'push_const "caught "');
      await dc.move('stepBack', { granularity: 'instruction' });
      assert.equal((await dc.top()).name, 'checked_div(a=100, b=0)');
    });

    it('exceptionInfo at a caught-exception stop does not call the exception unhandled', { timeout: 20000 }, async () => {
      await open('exceptions', { configure: c => c.setExceptionBreakpointsRequest({ filters: ['caught'] }) });
      await dc.move('continue');
      const info = (await dc.exceptionInfoRequest({ threadId: 1 })).body;
      assert.match(info.description, /division-by-zero \. 100/);
      assert.notEqual(info.breakMode, 'unhandled', `breakMode '${info.breakMode}' at a stop where a handler has just caught the exception`);
    });

    it('granularity instruction: next, stepIn and stepBack by one instruction; statement steps over calls', { timeout: 20000 }, async () => {
      // factorial.pwa line 41 is main's `call_fn fact`, line 42 the `to_string` after it.
      await open('factorial', { configure: c => c.setBreakpointsRequest({ source: { path: programs.factorial }, breakpoints: [{ line: 41 }] }) });
      const call = await dc.move('continue');
      assert.equal((await dc.top()).line, 41);
      const into = await dc.move('stepIn', { granularity: 'instruction' });
      assert.equal(into.step, call.step + 1);
      assert.equal((await dc.top()).name, 'fact(n=1)');
      const back = await dc.move('stepBack', { granularity: 'instruction' });
      assert.equal(back.step, call.step);
      const over = await dc.move('next', { granularity: 'instruction' });
      assert.ok(over.step > call.step + 1);
      assert.equal((await dc.top()).line, 42);
      const intoReturn = await dc.move('stepBack', { granularity: 'instruction' });
      assert.equal(intoReturn.step, over.step - 1);
      assert.equal((await dc.top()).name, 'fact(n=1)');  // the return, inside the call
      await dc.move('next', { granularity: 'instruction' });
      assert.equal((await dc.move('pw/reverseStepIn', { granularity: 'instruction' })).step, over.step - 1);
      await dc.move('next', { granularity: 'instruction' });
      const statement = await dc.move('stepBack');
      assert.equal(statement.step, call.step);  // a statement step goes back over the call
      assert.equal((await dc.top()).line, 41);
    });

    it('hit conditions of line and function breakpoints: N, >=N, ==N, %N, counted forwards and backwards', { timeout: 20000 }, async () => {
      // factorial.pwa line 44 (main's `host print`) runs 20 times, once per factorial.
      const source = { path: programs.factorial };
      await open('factorial', { configure: c => c.setBreakpointsRequest({ source, breakpoints: [{ line: 44 }] }) });
      const hits = [];
      for (let stop = await dc.move('continue'); stop.reason === 'breakpoint'; stop = await dc.move('continue')) hits.push(stop.step);
      assert.equal(hits.length, 20);

      const stopsWith = async (hitCondition, count, backward = false) => {
        await dc.setBreakpointsRequest({ source, breakpoints: [{ line: 44, hitCondition }] });
        await dc.move('pw/goto', { step: backward ? hits[19] + 1 : 0 });
        const steps = [];
        for (let k = 0; k < count; k++) steps.push((await dc.move(backward ? 'reverseContinue' : 'continue')).step);
        return steps;
      };
      const end = (await dc.position()).end;
      assert.deepEqual(await stopsWith('3', 3), [hits[2], hits[3], hits[4]]);
      assert.deepEqual(await stopsWith('>=3', 2), [hits[2], hits[3]]);
      assert.deepEqual(await stopsWith('==3', 2), [hits[2], end]);
      assert.deepEqual(await stopsWith('%5', 4), [hits[4], hits[9], hits[14], hits[19]]);
      assert.deepEqual(await stopsWith('<3', 3), [hits[0], hits[1], end]);
      // Backwards the hits are counted from the end of the run.
      assert.deepEqual(await stopsWith('%5', 3, true), [hits[15], hits[10], hits[5]]);
      assert.deepEqual(await stopsWith('==2', 2, true), [hits[18], 0]);

      const fn = (await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'fact', condition: 'n == 4', hitCondition: '==2' }] })).body.breakpoints;
      assert.equal(fn[0].verified, true);
      await dc.setBreakpointsRequest({ source, breakpoints: [] });
      await dc.move('pw/goto', { step: 0 });
      const second = await dc.move('continue');  // fact(4) is called by main with i = 4, then again for i = 5
      assert.equal(second.reason, 'function breakpoint');
      assert.equal(await dc.evaluate('n'), '4');
      assert.equal(await dc.evaluate('main::i'), '5');
    });

    it('the program output arrives once, as stdout output events, however often the session goes back and forth over it', { timeout: 20000 }, async () => {
      const expected = runProgram(programs.factorial).stdout;
      const source = { path: programs.factorial };
      await open('factorial', { configure: c => c.setBreakpointsRequest({ source, breakpoints: [{ line: 46, hitCondition: '==5' }] }) });
      assert.equal((await dc.move('continue')).reason, 'breakpoint');
      assert.equal(dc.outputSince(0, 'stdout').map(o => o.output).join(''), expected.split('\n').slice(0, 5).join('\n') + '\n');
      await dc.move('pw/goto', { step: 0 });
      await dc.setBreakpointsRequest({ source, breakpoints: [] });
      assert.equal((await dc.move('continue')).reason, 'end');
      await dc.move('reverseContinue');
      await dc.move('continue');
      assert.equal(dc.outputSince(0, 'stdout').map(o => o.output).join(''), expected);
    });

    it('custom requests: pw/step, pw/goto, pw/reverseStepIn, pw/reverseStepOut, pw/lastWrite, pw/watch, pw/calls', { timeout: 20000 }, async () => {
      await open('factorial');
      const end = await dc.move('continue');
      assert.equal(end.reason, 'end');
      assert.deepEqual(await dc.position(), { step: end.step, start: 0, end: end.step, finished: true, live: backEnd.live });

      const calls = (await dc.customRequest('pw/calls', { function: 'fact' })).body;
      assert.equal(calls.total, 210);
      assert.deepEqual(calls.calls.slice(0, 2).map(c => [c.arguments, c.result, c.ending, c.depth]),
        [[['1'], '1', 'returned', 2], [['2'], '2', 'returned', 2]]);
      const third = calls.calls[2];
      assert.deepEqual([third.arguments, third.result, third.depth], [['1'], '1', 3]);  // fact(2) calling fact(1)
      assert.ok(calls.calls.every(c => c.endStep > c.step));
      assert.equal(calls.calls[calls.calls.length - 1].result, '1');
      assert.equal((await dc.position()).step, end.step);  // a query comes back to where it was

      const watch = (await dc.customRequest('pw/watch', { expression: 'main::i', from: 0, to: 100, limit: 2 })).body;
      assert.equal(watch.initial, 'nil');
      assert.deepEqual(watch.changes.map(c => [c.old, c.new, c.function, c.line, c.instruction]),
        [['nil', '1', 'main', 32, 'set_local i'], ['1', '2', 'main', 46, 'for_next i loop']]);

      const fact5 = calls.calls.find(c => c.arguments[0] === '5' && c.depth === 2);
      const inside = await dc.move('pw/goto', { step: fact5.step + 3 });
      assert.equal(inside.reason, 'goto');
      assert.equal((await dc.top()).name, 'fact(n=5)');
      const out = await dc.move('pw/reverseStepOut');
      assert.equal(out.step, fact5.step);  // at the call, as pw/calls places it
      const caller = await dc.frames();
      assert.deepEqual([caller.length, caller[0].name, caller[0].line], [1, 'main()', 41]);
      assert.equal((await dc.move('pw/goto', { step: fact5.endStep })).step, fact5.endStep);
      assert.equal((await dc.top()).name, 'fact(n=5)');  // at its return
      await dc.move('stepIn', { granularity: 'instruction' });
      assert.equal((await dc.top()).name, 'main()');
      const backIn = await dc.move('pw/reverseStepIn');
      assert.equal(backIn.step, fact5.endStep);
      assert.equal((await dc.top()).name, 'fact(n=5)');  // back into the call that just returned

      const [stopped, found] = await Promise.all([
        dc.waitForEvent('stopped'),
        dc.customRequest('pw/lastWrite', { expression: 'main::i' }),
      ]);
      assert.equal(found.body.found, true);
      assert.equal(found.body.new, '5');
      assert.equal(found.body.function, 'main');
      assert.equal(stopped.body.step, found.body.step);
    });

    it('terminate sends terminated and the adapter still answers; disconnect ends it', { timeout: 20000 }, async () => {
      await open('factorial');
      await dc.move('next');
      const [terminated] = await Promise.all([dc.waitForEvent('terminated'), dc.terminateRequest()]);
      assert.equal(terminated.event, 'terminated');
      await dc.assertAlive();
      const exited = new Promise(resolve => dc._adapterProcess.once('exit', code => resolve(code)));
      await dc.disconnectRequest();
      assert.equal(await exited, 0);
    });
  });
}

describe('requests on pwreplay dap only', () => {
  let dc;
  afterEach(async () => {
    if (dc) await dc.stop();
    dc = undefined;
  });

  it('source by reference when the program file is not on disk: the text the trace carries', { timeout: 20000 }, async () => {
    // Recorded as `hello.pwa` in a directory the adapter does not run in, then removed.
    const where = tempDir('gone');
    const text = fs.readFileSync(example('hello.pwa'), 'utf8');
    fs.writeFileSync(path.join(where, 'hello.pwa'), text);
    const trace = record('hello.pwa', path.join(dir, 'gone.pwtrace'), { cwd: where });
    removeDir(where);

    dc = replayClient();
    await dc.open({ trace });
    const top = await dc.top();
    assert.equal(top.source.path, undefined);
    assert.equal(top.source.sourceReference, 1);
    assert.deepEqual((await dc.customRequest('loadedSources')).body.sources, [top.source]);
    assert.equal((await dc.sourceRequest({ sourceReference: 1, source: top.source })).body.content, text);
    const set = (await dc.setBreakpointsRequest({ source: top.source, breakpoints: [{ line: top.line }] })).body.breakpoints;
    assert.equal(set[0].verified, true);
  });

  it('source by reference when the file on disk differs from the text the run used', { timeout: 20000 }, async () => {
    const where = tempDir('changed');
    const program = path.join(where, 'hello.pwa');
    const text = fs.readFileSync(example('hello.pwa'), 'utf8');
    fs.writeFileSync(program, text);
    const trace = record(program, path.join(dir, 'changed.pwtrace'));
    fs.writeFileSync(program, `; edited after the run\n${text}`);
    try {
      dc = replayClient();
      await dc.open({ trace });
      const top = await dc.top();
      assert.equal(top.source.path, undefined);
      assert.equal(top.source.sourceReference, 1);
      assert.equal((await dc.sourceRequest({ sourceReference: 1, source: top.source })).body.content, text);
    } finally {
      removeDir(where);
    }
  });

  it('at: a step number opens the run there; "end" of a halted run stops with reason entry', { timeout: 20000 }, async () => {
    dc = replayClient();
    const there = await dc.open({ trace: traces.factorial, at: 500 });
    assert.equal(there.reason, 'entry');
    assert.equal(there.step, 500);
    assert.equal((await dc.top()).name, 'fact(n=7)');
    const back = await dc.move('stepBack', { granularity: 'instruction' });  // history before the start is there
    assert.equal(back.step, 499);
    await dc.stop();

    dc = replayClient();
    const end = await dc.open({ trace: traces.factorial, at: 'end' });
    assert.equal(end.reason, 'entry');
    assert.equal(end.step, 2036);
  });
});

describe('requests on pwvm dap only', () => {
  let dc, replay;
  afterEach(async () => {
    if (dc) await dc.stop();
    if (replay) await replay.stop();
    dc = replay = undefined;
  });

  const ECHO = `; prints its arguments, then each line of its input
func main()
  local line
  host args
  to_string
  host print
  pop
loop:
  host read_line
  dup
  set_local line
  jump_if_false done
  push "got "
  get_local line
  str_concat
  host print
  pop
  jump loop
done:
  push 0
  halt
end
`;

  it('args, allow, stdin and record: output events carry the program output; the recording opens with pwreplay dap', { timeout: 20000 }, async () => {
    const program = path.join(dir, 'echo.pwa');
    fs.writeFileSync(program, ECHO);
    const input = path.join(dir, 'echo.in');
    fs.writeFileSync(input, 'alpha\nbeta\n');
    const recording = path.join(dir, 'echo.pwtrace');
    const expected = runProgram(program, { allow: 'io', args: ['x', 'y z'], stdin: 'alpha\nbeta\n' }).stdout;
    assert.equal(expected, '["x", "y z"]\ngot alpha\ngot beta\n');

    dc = liveClient();
    await dc.open({ program, args: ['x', 'y z'], allow: 'io', stdin: input, record: recording });
    const mark = dc.outputs.length;
    const end = await dc.move('continue');
    assert.equal(end.reason, 'end');
    assert.equal(dc.outputSince(mark, 'stdout').map(o => o.output).join(''), expected);
    await dc.stop();  // disconnect finishes the recording

    replay = replayClient();
    const first = await replay.open({ trace: recording, at: 'end' });
    assert.equal(first.step, end.step);
    assert.equal(await replay.evaluate('info output', 'repl'), expected.replace(/\n$/, ''));
  });

  it('seed, and allow as a list or "all": random_walk prints what pwvm run --seed prints', { timeout: 20000 }, async () => {
    const expected = runProgram(example('random_walk.pwa'), { allow: 'random', seed: 42 }).stdout;
    for (const allow of [['random'], 'all']) {
      dc = liveClient();
      await dc.open({ program: example('random_walk.pwa'), allow, seed: 42 });
      const mark = dc.outputs.length;
      assert.equal((await dc.move('continue')).reason, 'end');
      assert.equal(dc.outputSince(mark, 'stdout').map(o => o.output).join(''), expected, JSON.stringify(allow));
      await dc.stop();
      dc = undefined;
    }
  });

  it('limits: maxSteps, maxDepth, maxStack and maxHeap end the run with their errors, as does a capability not allowed', { timeout: 20000 }, async () => {
    const cases = [
      [{ program: programs.factorial, maxSteps: 1000 }, 'StepLimitExceeded', 1000],
      [{ program: example('fibonacci.pwa'), maxDepth: 5 }, 'RecursionLimitExceeded'],
      [{ program: example('fibonacci.pwa'), maxStack: 12 }, 'StackOverflow'],
      [{ program: example('lists.pwa'), maxHeap: '16K' }, 'HeapExhausted'],
      [{ program: example('random_walk.pwa') }, 'CapabilityDenied'],
    ];
    for (const [launch, error, step] of cases) {
      dc = liveClient();
      await dc.open(launch);
      const stop = await dc.move('continue');
      assert.equal(stop.reason, 'exception', JSON.stringify(launch));
      if (step !== undefined) assert.equal(stop.step, step);
      assert.equal((await dc.exceptionInfoRequest({ threadId: 1 })).body.exceptionId, error);
      await dc.stop();
      dc = undefined;
    }
  });

  it('stopOnEntry false: the run goes to its first breakpoint at once', { timeout: 20000 }, async () => {
    dc = liveClient();
    const first = await dc.open({ program: programs.factorial, stopOnEntry: false }, {
      configure: c => c.setBreakpointsRequest({ source: { path: programs.factorial }, breakpoints: [{ line: 44 }] }),
    });
    assert.equal(first.reason, 'breakpoint');
    assert.equal((await dc.top()).line, 44);
    assert.equal(await dc.evaluate('i'), '1');
  });
});
