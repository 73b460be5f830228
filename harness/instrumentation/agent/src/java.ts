// Installs the Java catalogue. A class an app loads later (an SDK in its own dex, a plug-in class
// loader) is looked for again in every class loader, with a back-off, until the run ends.
import Java from "frida-java-bridge";
import { CATALOGUE, type JavaHook } from "./catalogue.js";
import { emit, problem } from "./report.js";

const inside = new Set<number>(); // threads already inside a hook: no events from our own calls

function javaStack(): { thread: string; stack: string[] } {
  const Thread = Java.use("java.lang.Thread");
  const current = Thread.currentThread();
  const frames: string[] = current.getStackTrace().map((f: { toString(): string }) => f.toString());
  // Drop the frames of getStackTrace itself and of the hooked method's own entry.
  const start = frames.findIndex((f) => !f.includes("java.lang.Thread.getStackTrace"));
  return { thread: String(current.getName()), stack: frames.slice(Math.max(start, 0), 24) };
}

function install(hook: JavaHook, klass: Java.Wrapper): string[] {
  const done: string[] = [];
  for (const name of hook.methods) {
    const method = klass[name] as Java.MethodDispatcher | undefined;
    if (method === undefined || method.overloads === undefined) continue;
    const api = `${hook.className}.${name}`;
    for (const overload of method.overloads) {
      overload.implementation = function (this: Java.Wrapper, ...args: unknown[]) {
        const tid = Process.getCurrentThreadId();
        if (inside.has(tid)) return overload.apply(this, args);
        let result: unknown;
        let thrown: unknown = undefined;
        try {
          result = overload.apply(this, args);
        } catch (e) {
          thrown = e;
        }
        inside.add(tid);
        try {
          const detail = hook.summary === undefined ? {} : hook.summary(args, result);
          if (detail !== null) {
            const { thread, stack } = javaStack();
            emit({ kind: hook.family, api, detail: { ...detail, ...(thrown !== undefined ? { threw: String(thrown) } : {}) },
              t: Date.now(), thread, stack });
          }
        } catch (e) {
          problem(`hook ${api} could not describe a call`, { error: String(e) });
        } finally {
          inside.delete(tid);
        }
        if (thrown !== undefined) throw thrown;
        return result;
      };
    }
    done.push(api);
  }
  return done;
}

function find(className: string): Java.Wrapper | null {
  try {
    return Java.use(className);
  } catch (e) { /* not in the default loader */ }
  for (const loader of Java.enumerateClassLoadersSync()) {
    try {
      loader.loadClass(className);
      return Java.ClassFactory.get(loader).use(className);
    } catch (e) { /* not in this loader */ }
  }
  return null;
}

export interface JavaReport { installed: string[]; pending: string[] }

export function hookJava(families: Set<string>, onLater: (report: JavaReport) => void): JavaReport {
  const installed: string[] = [];
  let pending = CATALOGUE.filter((h) => families.has(h.family));
  const attempt = (): void => {
    const still: JavaHook[] = [];
    for (const hook of pending) {
      const klass = find(hook.className);
      if (klass === null) still.push(hook);
      else installed.push(...install(hook, klass));
    }
    pending = still;
  };
  Java.performNow(attempt);
  let delay = 500;
  const retry = (): void => {
    const before = installed.length;
    Java.performNow(attempt);
    if (installed.length > before) onLater({ installed: installed.slice(before), pending: pending.map((h) => h.className) });
    if (pending.length > 0) setTimeout(retry, (delay = Math.min(delay * 2, 10000)));
  };
  if (pending.length > 0) setTimeout(retry, delay);
  return { installed: [...installed], pending: pending.map((h) => h.className) };
}
