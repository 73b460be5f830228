// Fingertip's Frida agent. The host calls init() with the families to hook (and the capture CA for
// "tls"); events stream back in batches (report.ts). now() lets the host map device time to the run clock.
import Java from "frida-java-bridge";
import { hookJava, type JavaReport } from "./java.js";
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
    const later = (report: JavaReport): void => send({ type: "installed", ...report });
    let returned = false;
    // A spawned app's classes are loadable only once it is bound (Java.perform waits for that; performNow at
    // spawn would look in the boot class path alone): what is installed then is reported as it happens.
    Java.perform(() => {
      const now: string[] = [];
      let waiting: string[] = [];
      if (JAVA_FAMILIES.some((f) => families.has(f))) {
        const report = hookJava(families, later);
        now.push(...report.installed);
        waiting = report.pending;
      }
      if (families.has("tls")) {
        if (config.ca_pem) now.push(...interceptTls(config.ca_pem, later));
        else problem("tls: no capture CA given");
      }
      if (returned) later({ installed: now, pending: waiting });
      else {
        installed.push(...now);
        pending = waiting;
      }
    });
    returned = true;
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
