#!/usr/bin/env node
// dap_steps.js -- times the debug adapter's stepping answers as an editor sees them: from
// sending `next` or `stepBack` to receiving the `stopped` event. A plain DAP client over
// the adapter's stdin/stdout (no dependencies).
//
// Usage: node bench/dap_steps.js TOOL LAUNCH_JSON [POSITIONS]
//   TOOL         build/tools/pwreplay or build/tools/pwvm
//   LAUNCH_JSON  the launch arguments, e.g. '{"trace":"run.pwtrace"}'
//   POSITIONS    positions spread over the run where the moves are timed (default 20)
// Prints one JSON object: steps, and median / p90 / worst in ms for next and stepBack.
'use strict';
const { spawn } = require('child_process');

const [tool, launchJson, positionsArg] = process.argv.slice(2);
if (!tool || !launchJson) {
  console.error('usage: node bench/dap_steps.js TOOL LAUNCH_JSON [POSITIONS]');
  process.exit(2);
}
const positions = Number(positionsArg || 20);

const adapter = spawn(tool, ['dap'], { stdio: ['pipe', 'pipe', 'inherit'] });
let buffer = Buffer.alloc(0);
let seq = 0;
const pending = new Map();
let waiters = [];

adapter.stdout.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const length = Number(/Content-Length: (\d+)/.exec(buffer.subarray(0, end).toString())[1]);
    if (buffer.length < end + 4 + length) return;
    const message = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString());
    buffer = buffer.subarray(end + 4 + length);
    if (message.type === 'response') {
      const p = pending.get(message.request_seq);
      pending.delete(message.request_seq);
      if (message.success) p.resolve(message.body || {});
      else p.reject(new Error(`${message.command}: ${message.message}`));
    } else if (message.type === 'event') {
      const now = waiters.filter((w) => w.event === message.event);
      waiters = waiters.filter((w) => w.event !== message.event);
      now.forEach((w) => w.resolve(message.body || {}));
    }
  }
});

function request(command, args) {
  const message = { seq: ++seq, type: 'request', command, arguments: args || {} };
  const body = JSON.stringify(message);
  adapter.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  return new Promise((resolve, reject) => pending.set(message.seq, { resolve, reject }));
}
function waitFor(event) {
  return new Promise((resolve) => waiters.push({ event, resolve }));
}
// A move, timed from the request to its stopped event.
async function timed(command, args) {
  const start = process.hrtime.bigint();
  const [stopped] = await Promise.all([waitFor('stopped'), request(command, args)]);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  // What an editor asks at every stop (not timed): the stack.
  await request('stackTrace', { threadId: 1, levels: 20 });
  return { ms, step: stopped.step };
}
function summary(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { median_ms: at(0.5), p90_ms: at(0.9), worst_ms: v[v.length - 1], count: v.length };
}

(async () => {
  await request('initialize', { adapterID: 'pwvm', linesStartAt1: true });
  const initialized = waitFor('initialized');
  await request('launch', JSON.parse(launchJson));
  await initialized;
  await Promise.all([waitFor('stopped'), request('configurationDone')]);
  let where = await request('pw/step');
  if (!where.finished) {
    // A live run: run it to its end first (recorded in memory as it goes).
    await Promise.all([waitFor('stopped'), request('continue', { threadId: 1 })]);
    where = await request('pw/step');
  }
  const end = where.end;
  const next = [], back = [];
  for (let k = 0; k < positions; ++k) {
    const target = Math.floor(((k + 0.5) * end) / positions);
    await Promise.all([waitFor('stopped'), request('pw/goto', { step: target })]);
    for (let i = 0; i < 3; ++i) next.push((await timed('next', { threadId: 1 })).ms);
    for (let i = 0; i < 3; ++i) back.push((await timed('stepBack', { threadId: 1 })).ms);
  }
  console.log(JSON.stringify({ steps: end, next: summary(next), stepBack: summary(back) }));
  await request('disconnect', {});
  adapter.stdin.end();
})().catch((e) => {
  console.error(`dap_steps: ${e.message}`);
  adapter.kill();
  process.exit(1);
});
