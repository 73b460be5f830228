// Installs the Java catalogue. Everything runs inside Java.perform: in a spawned app that waits until the app's
// own class loader is known (bindApplication), before any app code runs. A class an app loads later (an SDK in
// its own dex, a plug-in class loader) is looked for again in every class loader, with a back-off, until the
// run ends (whenLoaded: used for the catalogue and for the TLS unpinning of app classes alike).
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

/** Hooks `hook.methods` on `klass`, reported under `hook.className` (the API an app calls, even when `klass` is
 * the class implementing it). */
function install(hook: JavaHook, klass: Java.Wrapper, extra: Record<string, unknown> = {}): string[] {
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
            emit({ kind: hook.family, api,
              detail: { ...detail, ...extra, ...(thrown !== undefined ? { threw: String(thrown) } : {}) },
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

export function find(className: string): Java.Wrapper | null {
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

function isInterface(klass: Java.Wrapper): boolean {
  try {
    return Boolean(klass.class.isInterface());
  } catch (e) {
    return false;
  }
}

/** Something to install on a class once it can be found: returns the APIs it hooked. */
export interface LateTarget { className: string; install: (klass: Java.Wrapper) => string[] }

export interface JavaReport { installed: string[]; pending: string[] }

/** Installs each target whose class is there now and keeps looking for the rest in every class loader (0.5 s,
 * doubling to 10 s) until the run ends; what is installed later is reported through `onLater`. */
export function whenLoaded(targets: LateTarget[], onLater: (report: JavaReport) => void): JavaReport {
  const installed: string[] = [];
  let pending = [...targets];
  const attempt = (): void => {
    const still: LateTarget[] = [];
    for (const target of pending) {
      const klass = find(target.className);
      if (klass === null) still.push(target);
      else installed.push(...target.install(klass));
    }
    pending = still;
  };
  Java.performNow(attempt); // callers are inside Java.perform already: the app's loader is set when there is one
  let delay = 500;
  const retry = (): void => {
    const before = installed.length;
    Java.performNow(attempt);
    if (installed.length > before) onLater({ installed: installed.slice(before), pending: pending.map((t) => t.className) });
    if (pending.length > 0) setTimeout(retry, (delay = Math.min(delay * 2, 10000)));
  };
  if (pending.length > 0) setTimeout(retry, delay);
  return { installed: [...installed], pending: pending.map((t) => t.className) };
}

/** An interface in the catalogue (play-services-location 21 made FusedLocationProviderClient one): its abstract
 * methods never run, so the class its factory hands out is hooked, the first time it hands one out. */
function viaFactory(hook: JavaHook, onLater: (report: JavaReport) => void): LateTarget | null {
  if (hook.factory === undefined) return null;
  const { className: factoryName, method } = hook.factory;
  const hooked = new Set<string>();
  return {
    className: factoryName,
    install: (factory) => {
      const api = find(hook.className);
      if (api === null || !isInterface(api)) return []; // a class (play-services-location < 21): hooked directly
      const dispatcher = factory[method] as Java.MethodDispatcher | undefined;
      if (dispatcher === undefined || dispatcher.overloads === undefined) return [];
      const JavaObject = Java.use("java.lang.Object");
      for (const overload of dispatcher.overloads) {
        overload.implementation = function (this: Java.Wrapper, ...args: unknown[]) {
          const client = overload.apply(this, args) as Java.Wrapper | null;
          try {
            // An interface's wrapper has no Object methods: ask the object itself what it is.
            const klass = client === null ? null : Java.cast(client, JavaObject).getClass();
            const name = klass === null ? "" : String(klass.getName());
            if (name !== "" && !hooked.has(name)) {
              hooked.add(name);
              const loader = klass.getClassLoader();
              const implementation = loader === null ? Java.use(name) : Java.ClassFactory.get(loader).use(name);
              onLater({ installed: install(hook, implementation, { implementation: name }), pending: [] });
            }
          } catch (e) {
            problem(`${hook.className}: the class implementing it could not be hooked`, { error: String(e) });
          }
          return client;
        };
      }
      return [`${factoryName}.${method}`];
    },
  };
}

export function hookJava(families: Set<string>, onLater: (report: JavaReport) => void): JavaReport {
  const targets: LateTarget[] = [];
  for (const hook of CATALOGUE.filter((h) => families.has(h.family))) {
    // Hooking an interface's own methods would report APIs that never fire: its factory is watched instead.
    targets.push({ className: hook.className, install: (klass) => (isInterface(klass) ? [] : install(hook, klass)) });
    const factory = viaFactory(hook, onLater);
    if (factory !== null) targets.push(factory);
  }
  return whenLoaded(targets, onLater);
}
