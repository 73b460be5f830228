// Fingertip's Frida agent. The host calls init() with the families to hook (and the capture CA for
// "tls"); events stream back in batches (report.ts). now() lets the host map device time to the run clock.
import Java from "frida-java-bridge";
import { hookJava } from "./java.js";
import { hookNative } from "./native.js";
import { flush, problem } from "./report.js";
import { interceptTls } from "./tls.js";

interface Config { families: string[]; ca_pem?: string }

const JAVA_FAMILIES = ["location", "camera", "media", "capture-intent"];

function init(config: Config): Record<string, unknown> {
  const families = new Set(config.families);
  const installed: string[] = [];
  let pending: string[] = [];
  if (families.has("network")) installed.push(...hookNative());
  const wantsJava = JAVA_FAMILIES.some((f) => families.has(f)) || families.has("tls");
  if (wantsJava && !Java.available) {
    problem("no Java runtime in this process: Java hooks are not installed");
  } else if (wantsJava) {
    if (JAVA_FAMILIES.some((f) => families.has(f))) {
      const report = hookJava(families, (later) => send({ type: "installed", ...later }));
      installed.push(...report.installed);
      pending = report.pending;
    }
    if (families.has("tls")) {
      if (config.ca_pem) Java.performNow(() => installed.push(...interceptTls(config.ca_pem as string)));
      else problem("tls: no capture CA given");
    }
  }
  return { installed, pending, java: Java.available, arch: Process.arch, platform: Process.platform };
}

rpc.exports = {
  init,
  now: () => Date.now(),
  flush,
  // Frida calls dispose when the script unloads, the process's own exit included: nothing queued is lost.
  dispose: () => {
    flush();
  },
};
