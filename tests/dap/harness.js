// What the DAP acceptance tests share: where the tools are, recording a run, the text
// debugger in batch mode, and a DebugClient that knows how this adapter is started.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const REPO = path.resolve(__dirname, '..', '..');
const TOOLS = path.resolve(process.env.PWVM_TOOLS || path.join(REPO, 'build', 'tools'));
const PWVM = path.join(TOOLS, 'pwvm');
const PWREPLAY = path.join(TOOLS, 'pwreplay');

const example = name => path.join(REPO, 'examples', name);
const delay = ms => new Promise(resolve => setTimeout(resolve, ms));

function tempDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pw-dap-${tag}-`));
}

function removeDir(dir) {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

// `pwvm run`: returns {status, stdout, stderr}. A program that fails exits 1 and still
// writes its trace; anything else is a broken invocation.
function runProgram(program, { record, allow, seed, args = [], stdin = '', cwd = REPO } = {}) {
  const argv = ['run'];
  if (record) argv.push('--record', record);
  if (allow) argv.push('--allow', allow);
  if (seed !== undefined) argv.push('--seed', String(seed));
  argv.push(program);
  if (args.length) argv.push('--', ...args);
  const r = spawnSync(PWVM, argv, { cwd, input: stdin, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0 && r.status !== 1) throw new Error(`pwvm ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  if (record) assert.ok(fs.existsSync(record), `pwvm wrote no trace ${record}: ${r.stderr}`);
  return r;
}

function record(program, trace, options = {}) {
  runProgram(program, { ...options, record: trace });
  return trace;
}

// The text debugger in batch mode: `TOOL debug TARGET [extra] --batch -ex C1 -ex C2 ...`.
// Returns, for each command, the step of the last `[step N]` line it printed (null when it
// printed none), so that the same moves can be compared with the adapter's stops.
function textDebuggerSteps(tool, target, commands, extra = []) {
  const argv = ['debug', target, ...extra, '--batch'];
  for (const c of commands) argv.push('-ex', c);
  const r = spawnSync(tool, argv, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${path.basename(tool)} ${argv.join(' ')}: ${r.stderr}`);
  // Each command is echoed after the prompt: part 0 is where the session starts, part i
  // what command i printed.
  const parts = r.stdout.split('(pwdb) ');
  assert.equal(parts.length, commands.length + 1, r.stdout);
  return parts.slice(1).map(part => {
    const steps = [...part.matchAll(/^\[step (\d+)\]/gm)];
    return steps.length ? Number(steps[steps.length - 1][1]) : null;
  });
}

// What every stopped event carries: the one thread, the step, and a description naming it.
function checkedStop(body) {
  assert.equal(body.threadId, 1);
  assert.equal(body.allThreadsStopped, true);
  assert.ok(Number.isInteger(body.step) && body.step >= 0, JSON.stringify(body));
  assert.ok(body.description.includes(String(body.step)), `the description names the step: ${JSON.stringify(body)}`);
  return body;
}

// A client for `pwvm dap` or `pwreplay dap`. DebugClient spawns `runtime executable`: the
// runtime is the tool, the "executable" its dap subcommand.
class PwClient extends DebugClient {
  constructor(tool, { cwd = REPO } = {}) {
    super(tool, 'dap', 'pwvm', { cwd });
    this.defaultTimeout = 10000;
    this.outputs = [];  // every output event's body, in order
    this.stderr = '';
    this.exit = null;   // {code, signal} once the adapter has exited
    this.started = false;
  }

  async start() {
    await super.start();
    this.started = true;
    const child = this._adapterProcess;
    child.stderr.on('data', data => { this.stderr += data; });
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      // Requests it will never answer fail at once, saying why, instead of timing out.
      for (const [seq, answer] of this.pendingRequests) {
        answer({ request_seq: seq, success: false, message: `the adapter exited (code ${code}, signal ${signal}): ${this.stderr}` });
      }
      this.pendingRequests.clear();
    });
    // A write to an adapter that has gone is reported by the test that caused it.
    child.stdin.on('error', () => {});
    this.on('output', event => this.outputs.push(event.body));
  }

  // initialize, launch, [configure] between `initialized` and configurationDone; returns
  // the body of the first stopped event.
  async open(launchArgs, { configure, initialize = {} } = {}) {
    if (!this.started) await this.start();
    const init = await this.initializeRequest({
      adapterID: 'pwvm', clientID: 'pw-dap-tests', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path',
      ...initialize,
    });
    this.capabilities = init.body;
    await Promise.all([this.waitForEvent('initialized'), this.launchRequest(launchArgs)]);
    if (configure) await configure(this);
    const [stopped] = await Promise.all([this.waitForEvent('stopped'), this.configurationDoneRequest()]);
    return checkedStop(stopped.body);
  }

  // A request that moves: its response and the stopped event race, so both are awaited
  // together. Returns the stopped event's body. When the request is refused, the wait for
  // the stop is dropped (no timer is left behind).
  async move(command, args = {}, timeout = this.defaultTimeout) {
    let onStopped, timer;
    const stopped = new Promise((resolve, reject) => {
      onStopped = resolve;
      this.once('stopped', onStopped);
      timer = setTimeout(() => reject(new Error(`no stopped event within ${timeout} ms of ${command}`)), timeout);
    });
    try {
      const [event] = await Promise.all([stopped, this.send(command, { threadId: 1, ...args })]);
      return checkedStop(event.body);
    } finally {
      clearTimeout(timer);
      this.removeListener('stopped', onStopped);
    }
  }

  // Stops the adapter; a sanitizer's report on its stderr (the suite also runs over an
  // ASan + UBSan build) fails the test that drove it.
  async stop() {
    await super.stop();
    const report = /ERROR: (?:Address|Leak)Sanitizer|runtime error:/.exec(this.stderr);
    if (report) throw new Error(`the adapter's sanitizer reported:\n${this.stderr}`);
  }

  async frames() {
    return (await this.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  }

  async top() {
    return (await this.frames())[0];
  }

  async position() {
    return (await this.customRequest('pw/step')).body;
  }

  async evaluate(expression, context = 'watch', frameId) {
    const args = { expression, context };
    if (frameId !== undefined) args.frameId = frameId;
    return (await this.evaluateRequest(args)).body.result;
  }

  async scope(name, frameId = 1) {
    const scopes = (await this.scopesRequest({ frameId })).body.scopes;
    const found = scopes.find(s => s.name === name);
    assert.ok(found, `no scope ${name} in ${JSON.stringify(scopes.map(s => s.name))}`);
    return found;
  }

  async variables(variablesReference, extra = {}) {
    return (await this.variablesRequest({ variablesReference, ...extra })).body.variables;
  }

  // Output events received from index [from] on.
  outputSince(from, category) {
    return this.outputs.slice(from).filter(o => !category || o.category === category);
  }

  // The adapter is still there and answering.
  async assertAlive() {
    const threads = await this.threadsRequest();
    assert.deepEqual(threads.body.threads.map(t => t.id), [1]);
    assert.equal(this.exit, null, `the adapter exited: ${JSON.stringify(this.exit)} ${this.stderr}`);
  }

  // disconnect, then the adapter is killed; an adapter that no longer answers does not
  // hang the suite.
  async stop() {
    if (!this.started) return;
    this.started = false;
    if (this.exit) return;  // it has ended already (a disconnect the test sent)
    let timer;
    const limit = new Promise(resolve => { timer = setTimeout(resolve, 2000); });
    await Promise.race([super.stop(), limit]);
    clearTimeout(timer);
    this.stopAdapter();
  }
}

function replayClient(options) {
  return new PwClient(PWREPLAY, options);
}

function liveClient(options) {
  return new PwClient(PWVM, options);
}

// Whether an output line is the console note of the stop that ended a move (the stopped
// event's description is that note followed by the step).
function isStopNote(output, stopped) {
  const text = output.output.replace(/\n$/, '');
  return text.length > 0 && stopped.description.startsWith(text);
}

module.exports = {
  REPO, TOOLS, PWVM, PWREPLAY, example, delay, tempDir, removeDir, runProgram, record, textDebuggerSteps,
  PwClient, replayClient, liveClient, isStopNote, checkedStop,
};
