// A stand-in for Electron's contextBridge that copies values between two JavaScript realms the
// way the real one does (electron/shell/renderer/api/electron_api_context_bridge.cc and the
// "Parameter / Error / Return Type support" table of docs/api/context-bridge.md):
// - a function is proxied: calling it passes the arguments one way and the result back; an
//   exception thrown in it is rethrown on the caller's side as a new Error of its message alone;
// - a promise is proxied: its value, or its rejection, is passed like any other value;
// - an Error becomes a new Error(message) of the destination: `name`, `code`, any custom field lost;
// - arrays and plain objects are rebuilt key by key (so functions inside them are proxied);
// - anything else is structured-cloned: a class instance arrives as a plain object of its own
//   fields, without its prototype; what cannot be cloned (a symbol) throws.
import { types } from 'node:util';
import vm from 'node:vm';

/** The constructors a realm builds its values with. */
export interface Realm {
  Error: ErrorConstructor;
  Promise: PromiseConstructor;
  Object: ObjectConstructor;
  Array: ArrayConstructor;
}

export const thisRealm: Realm = { Error, Promise, Object, Array };

export function realmOf(context: vm.Context): Realm {
  return vm.runInContext('({ Error, Promise, Object, Array })', context) as Realm;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  // A plain object of any realm: its prototype is that realm's Object.prototype (whose own prototype is null).
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** `value`, as the other side of the bridge sees it. `to` is where it goes, `from` where it comes from. */
export function passAcross(value: unknown, to: Realm, from: Realm): unknown {
  if (typeof value === 'symbol') throw new to.Error('symbols cannot be copied across contexts');
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  if (typeof value === 'function') {
    const fn = value as (...args: unknown[]) => unknown;
    return function proxied(...args: unknown[]) {
      let result: unknown;
      try {
        result = fn(...args.map((a) => passAcross(a, from, to)));
      } catch (err) {
        const message = err && typeof (err as { message?: unknown }).message === 'string' ? (err as Error).message : String(err);
        throw new to.Error(message);
      }
      return passAcross(result, to, from);
    };
  }
  if (types.isPromise(value)) {
    return new to.Promise((resolve, reject) =>
      (value as Promise<unknown>).then(
        (v) => resolve(passAcross(v, to, from)),
        (e) => reject(passAcross(e, to, from)),
      ),
    );
  }
  if (types.isNativeError(value)) return new to.Error((value as Error).message);
  if (Array.isArray(value)) return to.Array.from(value as unknown[], (v) => passAcross(v, to, from));
  if (isPlainObject(value)) {
    const copy = new to.Object() as Record<string, unknown>;
    for (const key of Object.keys(value)) copy[key] = passAcross((value as Record<string, unknown>)[key], to, from);
    return copy;
  }
  return structuredClone(value);
}

/** `contextBridge` for a preload running in `isolated`: what it exposes lands in `mainWorld`, copied. */
export function copyingContextBridge(isolated: Realm, mainWorld: Record<string, unknown>, main: Realm = thisRealm) {
  return {
    exposeInMainWorld(key: string, api: unknown): void {
      mainWorld[key] = passAcross(api, main, isolated);
    },
  };
}
