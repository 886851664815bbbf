// The BUILT preload (out/preload/index.cjs) as a sandboxed window loads it: in a JavaScript realm
// of its own (node:vm), with a `require` that gives only `electron`, its API handed to the page by
// a contextBridge that copies values the way Electron's does (functions and promises proxied, an
// Error reduced to its message, class instances to plain objects), and its calls carried over
// IPC (structured clone) to the real main-process handlers. What is asserted is what the page
// really gets, not the preload's own objects.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import type { WebContents } from 'electron';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { forwardEvents, serveIpc } from '../../src/main/electron/ipc';
import { toContractError } from '../../src/renderer/data/errors';
import type { VigilBridge } from '../../src/shared/bridge';
import { copyingContextBridge, passAcross, realmOf, thisRealm } from '../helpers/context-bridge';
import { createFakeHost, fake, FakeWebContents, type FakeHost } from '../helpers/fake-electron';
import { expectEventsUntilUnsubscribed, expectOnlyVigil, listOneRunningRun } from '../helpers/bridge-contract';
import { ensureBuilt, ROOT } from '../helpers/serve';

vi.mock('electron', async () => (await import('../helpers/fake-electron')).electronModule);

const PRELOAD = join(ROOT, 'out', 'preload', 'index.cjs');
const APP_URL = 'file:///opt/vigil/out/renderer/index.html';

interface Loaded {
  /** The page's `window`, as far as the preload reaches it. */
  mainWorld: Record<string, unknown>;
  /** What the preload asked `require` for. */
  required: string[];
}

/** Runs a CommonJS preload the way a sandboxed renderer does: its own realm, `require('electron')` only. */
function loadPreload(code: string, filename: string, ipcRenderer: unknown): Loaded {
  const context = vm.createContext({});
  const mainWorld: Record<string, unknown> = {};
  const required: string[] = [];
  const electron = { contextBridge: copyingContextBridge(realmOf(context), mainWorld), ipcRenderer };
  const wrapper = vm.runInContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, context, { filename }) as (...args: unknown[]) => void;
  const module = { exports: {} };
  const sandboxedRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${id}`);
  };
  wrapper(module.exports, sandboxedRequire, module, filename, dirname(filename));
  return { mainWorld, required };
}

let host: FakeHost;
let ipcRenderer: { invoke(channel: string, ...args: unknown[]): Promise<unknown>; on: unknown; removeListener: unknown };

beforeAll(() => ensureBuilt(), 300_000);

beforeEach(() => {
  fake.reset();
  host = createFakeHost();
  // Main side: the real handlers. IPC copies both ways with the structured clone algorithm.
  const contents = new FakeWebContents();
  contents.send = (channel, payload) => void fake.ipcRenderer.emit(channel, { sender: null }, structuredClone(payload));
  const asElectron = contents as unknown as WebContents;
  serveIpc(host.api, (sender) => sender === asElectron);
  forwardEvents(host.events, () => asElectron);
  ipcRenderer = {
    invoke: async (channel, ...args) => structuredClone(await fake.ipcMain.invoke(channel, contents, APP_URL, ...structuredClone(args))),
    on: fake.ipcRenderer.on.bind(fake.ipcRenderer),
    removeListener: fake.ipcRenderer.removeListener.bind(fake.ipcRenderer),
  };
});

describe('the built preload, as the page sees it', () => {
  let page: Loaded;
  let vigil: VigilBridge;
  beforeEach(() => {
    page = loadPreload(readFileSync(PRELOAD, 'utf8'), PRELOAD, ipcRenderer);
    vigil = page.mainWorld.vigil as VigilBridge;
  });

  it('loads in a sandbox (requires electron alone) and exposes exactly window.vigil = { invoke, onEvent }', () => {
    expect(page.required).toEqual(['electron']);
    expectOnlyVigil(page.mainWorld);
  });

  it('invoke resolves with the answer, a copy in the page', async () => {
    const answer = await listOneRunningRun(host, vigil);
    expect(Object.getPrototypeOf(answer)).toBe(Object.prototype); // built in the page's realm, not the preload's
  });

  it('a failed call reaches the page with its code, message and field (the UI puts the message by the field)', async () => {
    const failure = await vigil.invoke('runs.list', { status: 'sleeping' as 'running' }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toMatchObject({ code: 'invalid_input', field: 'status', message: expect.stringContaining('runs.list') });
    expect(toContractError(failure)).toMatchObject({ code: 'invalid_input', field: 'status' });
    const internal = await vigil.invoke('agents.get', { agent: 'x' }).catch((err: unknown) => err);
    expect(toContractError(internal)).toMatchObject({ code: 'internal', message: expect.any(String) });
  });

  it('onEvent delivers copies of host events to a page listener until the page unsubscribes', () => {
    // A copy: not the host's own object.
    expectEventsUntilUnsubscribed(host, vigil, 'vigil:event', (first) => expect(first.data).not.toBe(host.escalations[0]));
  });
});

describe('the stand-in bridge copies like Electron’s', () => {
  it('an Error keeps its message only; a class instance arrives without its prototype; a thrown error is rethrown by message', async () => {
    const code = `
      class Detail { constructor() { this.kept = 1; } get computed() { return 2; } }
      require('electron').contextBridge.exposeInMainWorld('api', {
        rejectWithError: () => Promise.reject(Object.assign(new Error('refused'), { code: 'invalid_input', field: 'name' })),
        rejectWithObject: () => Promise.reject({ name: 'ContractError', code: 'invalid_input', message: 'refused', field: 'name' }),
        detail: () => new Detail(),
        thrower: () => { const e = new TypeError('bad'); e.code = 'x'; throw e; },
        call: (fn) => fn({ a: 1 }),
      });`;
    const { mainWorld } = loadPreload(code, 'inline-preload.cjs', null);
    const api = mainWorld.api as Record<string, (...args: unknown[]) => unknown>;
    const lost = await (api.rejectWithError() as Promise<unknown>).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(Error);
    expect({ ...(lost as object), message: (lost as Error).message, name: (lost as Error).name }).toEqual({ message: 'refused', name: 'Error' });
    expect(toContractError(lost)).toEqual({ code: 'internal', message: 'refused' });
    const kept = await (api.rejectWithObject() as Promise<unknown>).catch((e: unknown) => e);
    expect(toContractError(kept)).toEqual({ code: 'invalid_input', message: 'refused', field: 'name' });
    const detail = api.detail() as object;
    expect(Object.getPrototypeOf(detail)).toBe(Object.prototype);
    expect(detail).toEqual({ kept: 1 });
    const thrown = (() => {
      try {
        api.thrower();
      } catch (e) {
        return e as Error & { code?: string };
      }
    })();
    expect([thrown?.name, thrown?.message, thrown?.code]).toEqual(['Error', 'bad', undefined]);
    let got: unknown;
    api.call((arg: unknown) => (got = arg));
    expect(got).toEqual({ a: 1 });
    expect(() => passAcross(Symbol('s'), thisRealm, thisRealm)).toThrow(/symbols/);
  });
});
