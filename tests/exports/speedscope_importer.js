// speedscope's own importer, loaded in Node.
//
// The speedscope package ships only its browser build: one bundled script (an IIFE) that
// defines the importers and then starts the app in the page. Its importer module (the one
// exporting importProfileGroupFromText, what the app runs on a dropped file) is reachable
// inside the bundle through the lazy module loader the app itself awaits:
//     var X=Promise.resolve().then(()=>(INIT(),MODULE));
// We run the bundle in a VM context with the few browser globals its top level reads
// (location, localStorage, matchMedia), and just before that line insert a hook that hands
// INIT and MODULE out and returns, so the app never starts (it would need a DOM). The names
// are minified: they are found by the shape of the code, not spelled out, and the version
// is pinned by package-lock.json. If a new version changes that shape, loading fails with
// a message saying so, not silently.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const warnings = [];

function loadSpeedscopeImporter() {
  const release = path.join(path.dirname(require.resolve('speedscope/package.json')), 'dist', 'release');
  const bundle = fs.readdirSync(release).find(f => /^speedscope-[A-Z0-9]+\.js$/.test(f));
  if (!bundle) throw new Error(`no speedscope bundle in ${release}`);
  let source = fs.readFileSync(path.join(release, bundle), 'utf8');
  const exported = /\b[\w$]+\(([\w$]+),\{importFromFileSystemDirectoryEntry:/.exec(source);
  if (!exported) throw new Error(`${bundle}: the importer module's exports were not found`);
  const module = exported[1].replace(/\$/g, '\\$');
  const loader = new RegExp(`var [\\w$]+=Promise\\.resolve\\(\\)\\.then\\(\\(\\)=>\\(([\\w$]+)\\(\\),${module}\\)\\);`).exec(source);
  if (!loader) throw new Error(`${bundle}: the importer module's loader was not found`);
  source = source.slice(0, loader.index) + `globalThis.__importers=()=>(${loader[1]}(),${exported[1]});return;` +
           source.slice(loader.index);
  const context = {
    // Its importers say what they could not make sense of on console.warn: kept for the caller.
    console: { log() {}, info() {}, warn: (...args) => warnings.push(args.join(' ')), error: console.error },
    TextDecoder, TextEncoder, setTimeout, clearTimeout,
    location: { hash: '', protocol: 'file:', search: '' },
    localStorage: {},
    matchMedia: () => ({ matches: false }),
  };
  context.globalThis = context;
  context.window = context;
  context.self = context;
  vm.createContext(context);
  vm.runInContext(source, context, { filename: bundle });
  return context.__importers();
}

let importer;
// Imports [text] (the contents of a file named [name]) as speedscope does a dropped file;
// returns its profile group and the warnings the import gave.
async function importProfile(name, text) {
  importer = importer || loadSpeedscopeImporter();
  warnings.length = 0;
  const group = await importer.importProfileGroupFromText(name, text);
  if (!group) throw new Error(`speedscope could not import ${name}`);
  return { group, warnings: [...warnings] };
}

module.exports = { importProfile };
