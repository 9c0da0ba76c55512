// Checks the manifest against the files it names, and the grammar against the opcode table,
// since VS Code only reports these mistakes at run time, if at all. Run: npm run check.
'use strict';

const fs = require('fs');
const path = require('path');

const here = p => path.join(__dirname, p);
const problems = [];
const expect = (ok, message) => ok || problems.push(message);
const readJson = file => {
  try {
    return JSON.parse(fs.readFileSync(here(file), 'utf8'));
  } catch (err) {
    problems.push(`${file}: ${err.message}`);
    return undefined;
  }
};

const pkg = readJson('package.json');
const c = pkg.contributes;
expect(fs.existsSync(here(pkg.main)), `main ${pkg.main} does not exist`);
for (const file of ['LICENSE', 'README.md']) expect(fs.existsSync(here(file)), `${file} is missing`);

const declared = new Set(c.commands.map(cmd => cmd.command));
for (const [menu, items] of Object.entries(c.menus))
  for (const item of items) expect(declared.has(item.command), `menus.${menu} uses undeclared ${item.command}`);
const source = fs.readFileSync(here(pkg.main), 'utf8');
for (const id of declared) {
  expect(pkg.activationEvents.includes(`onCommand:${id}`), `${id} has no activation event`);
  expect(source.includes(`async ${id.replace(/^pwvm\./, '')}(`), `${id} is not implemented in ${pkg.main}`);
}

for (const lang of c.languages) readJson(lang.configuration);
for (const g of c.grammars) {
  const read = readJson(g.path);
  if (read) expect(read.scopeName === g.scopeName, `${g.path}: scopeName differs from package.json`);
  expect(c.languages.some(l => l.id === g.language), `grammar ${g.path} names an undeclared language ${g.language}`);
  expect(c.breakpoints.some(b => b.language === g.language), `no breakpoints in ${g.language} files`);
}
const grammar = readJson(c.grammars[0].path);

const debuggerEntry = c.debuggers[0];
const labels = debuggerEntry.configurationSnippets.map(s => s.label);
expect(labels.join('|') === 'Debug a program|Open a recorded trace', `unexpected snippet labels: ${labels}`);

// Every mnemonic must be highlighted; the table lives in the source tree, not in the .vsix.
const table = here('../../runtime/opcodes.def');
if (grammar && fs.existsSync(table)) {
  const text = JSON.stringify(grammar);
  for (const [, op] of fs.readFileSync(table, 'utf8').matchAll(/^PW_OP\((\w+)/gm)) {
    const name = op.toLowerCase();
    expect(new RegExp(`[(|]${name}[|)]`).test(text), `opcode ${name} is not in the grammar`);
  }
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('package.json, grammar and language configuration are consistent');
