// The Physics World VM debugger for VS Code: starts `pwvm dap` or `pwreplay dap`, fills in
// launch configurations, and adds the commands plain DAP has no button for.
'use strict';

const path = require('path');
const vscode = require('vscode');

const TYPE = 'pwvm';

// ---- adapter -------------------------------------------------------------------------

function folderPath(session) {
  const folder = (session && session.workspaceFolder) || (vscode.workspace.workspaceFolders || [])[0];
  return folder && folder.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

// Relative paths mean the workspace (build/tools/pwvm), not the extension host's working
// directory; a bare executable name is left for PATH.
function resolvePath(text, folder, executable) {
  if (!text) return text;
  if (folder) text = text.replace(/\$\{workspaceFolder\}/g, folder);
  const bare = executable && !text.includes('/') && !text.includes(path.sep);
  return bare || path.isAbsolute(text) || !folder ? text : path.resolve(folder, text);
}

const adapterFactory = {
  createDebugAdapterDescriptor(session) {
    const settings = vscode.workspace.getConfiguration('pwvm', session.workspaceFolder);
    const folder = folderPath(session);
    const replay = Boolean(session.configuration.trace);
    const name = replay ? 'pwreplay' : 'pwvm';
    const tool = resolvePath(settings.get(`${name}Path`) || name, folder, true);
    const log = resolvePath(settings.get('adapterLog'), folder);
    const args = ['dap', ...(log ? ['--log', log] : [])];
    return new vscode.DebugAdapterExecutable(tool, args, folder ? { cwd: folder } : {});
  },
};

// ---- configurations ------------------------------------------------------------------

// The file in the active tab: a .pwtrace is binary, so it has no text editor to ask.
function activeFile() {
  const editor = vscode.window.activeTextEditor;
  if (editor && editor.document.uri.scheme === 'file') return editor.document.uri.fsPath;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  const uri = tab && tab.input && tab.input.uri;
  return uri && uri.scheme === 'file' ? uri.fsPath : undefined;
}

function programConfig(file) {
  return { type: TYPE, request: 'launch', name: `Debug ${path.basename(file)}`, program: file, stopOnEntry: true };
}

function traceConfig(file, name = `Open ${path.basename(file)}`) {
  return { type: TYPE, request: 'launch', name, trace: file, at: 'end' };
}

const configurationProvider = {
  resolveDebugConfiguration(folder, config) {
    if (!config.type && !config.request && !config.name) {
      // F5 without a launch.json: debug whatever is open.
      const file = activeFile();
      if (file && file.endsWith('.pwtrace')) config = { ...config, ...traceConfig(file) };  // keeps noDebug
      else if (file && (file.endsWith('.pwa') || file.endsWith('.pwl'))) config = { ...config, ...programConfig(file) };
      else {
        vscode.window.showErrorMessage(
          'Open a .pwl or .pwa program or a .pwtrace trace to debug it, or add a "pwvm" launch configuration.');
        return undefined;
      }
    }
    const hasProgram = Boolean(config.program), hasTrace = Boolean(config.trace);
    if (hasProgram === hasTrace) {
      vscode.window.showErrorMessage(
        `Launch configuration "${config.name || TYPE}" must name either "program" (a .pwa to run live) or "trace" ` +
          `(a .pwtrace to replay), ${hasProgram ? 'not both' : 'but names neither'}.`);
      return undefined;
    }
    return config;
  },
};

// The "Physics World VM..." entry of the Run and Debug list: the open program, and traces.
const dynamicProvider = {
  async provideDebugConfigurations(folder) {
    const configs = [];
    const file = activeFile();
    if (file && (file.endsWith('.pwa') || file.endsWith('.pwl'))) configs.push(programConfig(file));
    if (folder) {
      const pattern = new vscode.RelativePattern(folder, '**/*.pwtrace');
      for (const uri of await vscode.workspace.findFiles(pattern, '**/node_modules/**', 20))
        configs.push(traceConfig(uri.fsPath, `Open ${vscode.workspace.asRelativePath(uri, false)}`));
    }
    return configs;
  },
};

// ---- commands ------------------------------------------------------------------------

function session() {
  const s = vscode.debug.activeDebugSession;
  if (!s || s.type !== TYPE) throw new Error('No Physics World VM debug session is active.');
  return s;
}

// The selection, or the name under the cursor, as the likely thing to ask about.
function guess() {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !['pwa', 'pwl'].includes(editor.document.languageId)) return '';
  const { document, selection } = editor;
  if (!selection.isEmpty) return selection.isSingleLine ? document.getText(selection).trim() : '';
  const range = document.getWordRangeAtPosition(selection.active);
  return range ? document.getText(range) : '';
}

// One line from an input box: [value] is offered first (the name under the cursor unless
// given), [validateInput] checks it as it is typed (none when left out).
async function ask(prompt, placeHolder, value = guess(), validateInput) {
  const text = await vscode.window.showInputBox({ prompt, placeHolder, value, validateInput, ignoreFocusOut: true });
  return text && text.trim();
}

// The focused frame, where it can be known (VS Code 1.90+); the adapter defaults to the top.
function frameId(s) {
  const item = vscode.debug.activeStackItem;
  return item && item.session === s && item.frameId !== undefined ? item.frameId : undefined;
}

async function pick(s, items, title) {
  const chosen = await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true });
  if (chosen) await s.customRequest('pw/goto', { step: chosen.step });
}

// The current step in the status bar, for the session it was read from.
let status, shownFor;

function describe({ step, end, finished }) {
  return `step ${step} of ${end}${finished ? '' : ' so far'}`;
}

async function showStep(s) {
  if (s !== vscode.debug.activeDebugSession) return;
  try {
    status.text = `$(history) ${describe(await s.customRequest('pw/step'))}`;
    status.show();
    shownFor = s;
  } catch (err) {
    status.hide();
  }
}

// Values come as the adapter shows them; anything else is shown as JSON.
const valueText = v => (typeof v === 'string' ? v : JSON.stringify(v));

const commands = {
  async reverseStepIn() {
    await session().customRequest('pw/reverseStepIn', { threadId: 1 });
  },
  async reverseStepOut() {
    await session().customRequest('pw/reverseStepOut', { threadId: 1 });
  },
  async showStep() {
    const answer = await session().customRequest('pw/step');
    const ended = answer.finished ? ' (the run has ended)' : '';
    vscode.window.showInformationMessage(`Physics World VM: ${describe(answer)}${ended}.`);
  },
  async goToStep() {
    const s = session();
    const { step } = await s.customRequest('pw/step');
    const text = await ask('Go to step', 'a step number', String(step),
      t => (/^\s*\d+\s*$/.test(t) ? undefined : 'A step number: 0, 1, 2, ...'));
    if (text) await s.customRequest('pw/goto', { step: Number(text) });
  },
  // The adapter moves the run itself: there is no list to choose from.
  async lastWrite() {
    const s = session();
    const expression = await ask('Go back to the last write of', 'a place: total, fib::n, grid[i][0], queue.car');
    if (expression) await s.customRequest('pw/lastWrite', { expression, frameId: frameId(s) });
  },
  async everyChange() {
    const s = session();
    const expression = await ask('Every change over the whole run of', 'an expression: total, fib::n, grid[i][0]');
    if (!expression) return;
    const { changes } = await s.customRequest('pw/watch', { expression });
    if (!changes.length) return vscode.window.showInformationMessage(`${expression} never changes.`);
    const items = changes.map(c => ({
      label: `${valueText(c.old)} → ${valueText(c.new)}`,
      description: `step ${c.step}`,
      detail: `${c.function}, line ${c.line}`,
      step: c.step,
    }));
    await pick(s, items, `${expression}: ${changes.length} change${changes.length === 1 ? '' : 's'}`);
  },
  async everyCall() {
    const s = session();
    const fn = await ask('Every call of the function', 'a function name');
    if (!fn) return;
    const { calls } = await s.customRequest('pw/calls', { function: fn });
    if (!calls.length) return vscode.window.showInformationMessage(`${fn} is never called.`);
    const items = calls.map(c => ({
      label: `${fn}(${c.arguments.map(valueText).join(', ')})` +
        (c.result === undefined || c.result === null ? '' : ` = ${valueText(c.result)}`),
      description: `steps ${c.step}–${c.endStep}`,
      detail: `depth ${c.depth}${c.ending ? `, ${c.ending}` : ''}`,
      step: c.step,
    }));
    await pick(s, items, `${fn}: ${calls.length} call${calls.length === 1 ? '' : 's'}`);
  },
};

// ---- activation ----------------------------------------------------------------------

function activate(context) {
  const sub = d => context.subscriptions.push(d);
  sub(vscode.debug.registerDebugAdapterDescriptorFactory(TYPE, adapterFactory));
  sub(vscode.debug.registerDebugConfigurationProvider(TYPE, configurationProvider));
  const dynamic = vscode.DebugConfigurationProviderTriggerKind.Dynamic;
  sub(vscode.debug.registerDebugConfigurationProvider(TYPE, dynamicProvider, dynamic));
  for (const [name, run] of Object.entries(commands)) {
    sub(vscode.commands.registerCommand(`pwvm.${name}`, () =>
      run().catch(err => vscode.window.showErrorMessage(err.message || String(err)))));
  }

  // Every stop of a pwvm session may have moved the step.
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.command = 'pwvm.goToStep';
  status.tooltip = 'Physics World VM: the current step. Click to go to another.';
  sub(status);
  sub(vscode.debug.registerDebugAdapterTrackerFactory(TYPE, {
    createDebugAdapterTracker: s => ({
      onDidSendMessage: m => {
        if (m.type === 'event' && m.event === 'stopped') showStep(s);
      },
    }),
  }));
  sub(vscode.debug.onDidChangeActiveDebugSession(s => (s && s.type === TYPE ? showStep(s) : status.hide())));
  sub(vscode.debug.onDidTerminateDebugSession(s => {
    if (s === shownFor) status.hide();
  }));
}

function deactivate() {}

module.exports = { activate, deactivate };
