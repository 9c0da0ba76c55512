// `pwreplay perf --chrome-trace` read by speedscope's own importer: every function's self
// and total weight in the viewer is the report's self_steps and total_steps (--json), to the
// step, on a doubly recursive program, an allocation-heavy benchmark, a recursion 3,000
// calls deep and a program of short calls of many shapes. Short calls come merged into
// spans, so no time moves to their callers.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { test } = require('node:test');
const { importProfile } = require('./speedscope_importer');

const REPO = path.resolve(__dirname, '..', '..');
const TOOLS = path.resolve(process.env.PWVM_TOOLS || path.join(REPO, 'build', 'tools'));
const PWVM = path.join(TOOLS, 'pwvm');
const PWREPLAY = path.join(TOOLS, 'pwreplay');

function run(tool, args) {
  const r = spawnSync(tool, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${path.basename(tool)} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// Records [program], then its report (--json) and its Chrome trace.
function reportAndTrace(program, dir) {
  const trace = path.join(dir, 'run.pwtrace');
  const chrome = path.join(dir, 'run.trace.json');
  run(PWVM, ['run', program, '--record', trace]);
  const report = JSON.parse(run(PWREPLAY, ['perf', trace, '--json', '--chrome-trace', chrome]));
  return { report, chrome: fs.readFileSync(chrome, 'utf8') };
}

async function viewerWeights(text) {
  const { group, warnings } = await importProfile('run.trace.json', text);
  assert.deepEqual(warnings, [], 'speedscope warned while importing');
  assert.equal(group.profiles.length, 1, 'one timeline: the interpreter');
  const weights = new Map();
  group.profiles[0].forEachFrame(frame =>
    weights.set(frame.name, { self: frame.getSelfWeight(), total: frame.getTotalWeight() }));
  return weights;
}

for (const [label, program] of [
  ['examples/fibonacci.pwa', 'examples/fibonacci.pwa'],
  ['bench/bintrees.pwa', 'bench/bintrees.pwa'],
  ['a recursion 3,000 deep', 'tests/programs/deep_recursion.pwa'],
  ['short calls of many shapes, merged', 'tests/programs/short_calls.pwa'],
]) {
  test(`speedscope gives every function the report's self and total steps: ${label}`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-exports-'));
    try {
      const { report, chrome } = reportAndTrace(path.join(REPO, program), dir);
      assert.equal(JSON.parse(chrome).schema, 'pwvm.chrome-trace/1.0');
      const weights = await viewerWeights(chrome);
      const names = report.functions.map(f => f.name);
      assert.deepEqual([...weights.keys()].sort(), [...names].sort(), 'the same functions');
      for (const f of report.functions) {
        const w = weights.get(f.name);
        assert.equal(w.self, f.self_steps, `${f.name}: self`);
        assert.equal(w.total, f.total_steps, `${f.name}: total`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
