// HTTPS interception without writing /system (Android 7-15): the capture CA is trusted inside the app
// process, next to the system's anchors, and common certificate pinning is switched off. A chain that
// the capture CA did not sign is still refused: this injects one anchor, it does not disable checks, and
// servers the app reaches past the proxy (a pinned SDK on its own socket) are still trusted as before.
import Java from "frida-java-bridge";
import { type JavaReport, whenLoaded } from "./java.js";
import { emit, problem } from "./report.js";

type Wrapper = Java.Wrapper;

function event(api: string, detail: Record<string, unknown>): void {
  emit({ kind: "tls", api, detail, t: Date.now(), thread: `tid:${Process.getCurrentThreadId()}`, stack: [] });
}

function loadCa(pem: string): Wrapper {
  const factory = Java.use("java.security.cert.CertificateFactory").getInstance("X.509");
  const bytes = Java.array("byte", Array.from(pem, (c) => c.charCodeAt(0)));
  return factory.generateCertificate(Java.use("java.io.ByteArrayInputStream").$new(bytes));
}

/** The platform's anchors (Conscrypt's TrustManagerImpl over AndroidCAStore answers getAcceptedIssuers with
 * every system and user CA; a JVM with its cacerts). */
function systemAnchors(): Wrapper[] {
  const Factory = Java.use("javax.net.ssl.TrustManagerFactory");
  const factory = Factory.getInstance(Factory.getDefaultAlgorithm());
  factory.init.overload("java.security.KeyStore").call(factory, null);
  const X509TrustManager = Java.use("javax.net.ssl.X509TrustManager");
  const anchors: Wrapper[] = [];
  for (const manager of factory.getTrustManagers()) {
    if (!X509TrustManager.class.isInstance(manager)) continue;
    for (const certificate of Java.cast(manager, X509TrustManager).getAcceptedIssuers()) anchors.push(certificate);
  }
  return anchors;
}

/** Trust managers over the system's anchors plus the capture CA: added to them, never in their place. */
function captureTrustManagers(ca: Wrapper): Wrapper {
  const KeyStore = Java.use("java.security.KeyStore");
  const store = KeyStore.getInstance(KeyStore.getDefaultType());
  store.load.overload("java.io.InputStream", "[C").call(store, null, null);
  systemAnchors().forEach((anchor, i) => store.setCertificateEntry(`system-${i}`, anchor));
  store.setCertificateEntry("fingertip-capture", ca);
  const Factory = Java.use("javax.net.ssl.TrustManagerFactory");
  const factory = Factory.getInstance(Factory.getDefaultAlgorithm());
  factory.init.overload("java.security.KeyStore").call(factory, store);
  return factory.getTrustManagers();
}

/** The certificates of a chain handed over as a Java array or a java.util.List. */
function certificatesOf(chain: unknown): Wrapper[] {
  const certificates: Wrapper[] = [];
  const list = chain as { size?: () => number; get?: (i: number) => Wrapper; length?: number };
  if (typeof list.size === "function" && typeof list.get === "function") {
    for (let i = 0; i < list.size(); i++) certificates.push(list.get(i));
  } else if (typeof list.length === "number") {
    for (let i = 0; i < list.length; i++) certificates.push((chain as Wrapper[])[i]);
  }
  return certificates;
}

/** Did the capture CA sign any certificate of this chain? */
function signedByCapture(ca: Wrapper, chain: unknown): boolean {
  // verify(PublicKey) is declared on Certificate; X509Certificate adds only the (key, provider) form.
  const Certificate = Java.use("java.security.cert.Certificate");
  const key = ca.getPublicKey();
  return certificatesOf(chain).some((c) => {
    try {
      Java.cast(c, Certificate).verify(key);
      return true;
    } catch (e) {
      return false;
    }
  });
}

function chainList(chain: unknown): Wrapper {
  const out = Java.use("java.util.ArrayList").$new();
  for (const certificate of certificatesOf(chain)) out.add(certificate);
  return out;
}

function hookAll(className: string | Wrapper, method: string,
                 make: (o: Java.Method) => (this: Wrapper, ...a: any[]) => any): boolean {
  let klass: Wrapper;
  try {
    klass = typeof className === "string" ? Java.use(className) : className;
  } catch (e) {
    return false;
  }
  const dispatcher = klass[method] as Java.MethodDispatcher | undefined;
  if (dispatcher === undefined || dispatcher.overloads === undefined) return false;
  for (const overload of dispatcher.overloads) overload.implementation = make(overload);
  return true;
}

/** Pinning checks that ship inside apps (OkHttp 3/4 and 2): found in whichever class loader holds them, whenever
 * it appears — at spawn the app's classes are not loadable yet. */
const APP_PINNERS: [string, string[]][] = [
  ["okhttp3.CertificatePinner", ["check", "check$okhttp"]],
  ["com.squareup.okhttp.CertificatePinner", ["check"]],
];

export function interceptTls(pem: string, onLater: (report: JavaReport) => void): string[] {
  const installed: string[] = [];
  let ca: Wrapper;
  let managers: Wrapper;
  try {
    ca = loadCa(pem);
    managers = captureTrustManagers(ca);
  } catch (e) {
    problem("the capture CA could not be loaded into the app", { error: String(e) });
    return installed;
  }
  // Contexts the app builds itself trust the capture CA …
  if (hookAll("javax.net.ssl.SSLContext", "init", (o) => function (this: Wrapper, keys: unknown, _trust: unknown, random: unknown) {
    event("javax.net.ssl.SSLContext.init", { trust_managers: "capture CA" });
    return o.call(this, keys, managers, random);
  })) installed.push("javax.net.ssl.SSLContext.init");
  // … and so do the process defaults.
  try {
    const SSLContext = Java.use("javax.net.ssl.SSLContext");
    const context = SSLContext.getInstance("TLS");
    context.init(null, managers, null);
    SSLContext.setDefault(context);
    Java.use("javax.net.ssl.HttpsURLConnection").setDefaultSSLSocketFactory(context.getSocketFactory());
    installed.push("javax.net.ssl.SSLContext.setDefault");
  } catch (e) {
    problem("the default SSL context could not be replaced", { error: String(e) });
  }
  // Conscrypt's platform trust manager (Android 7-9: verifyChain; 10+: checkTrustedRecursive): a chain
  // the capture CA signed is trusted, anything else is decided as before.
  for (const method of ["checkTrustedRecursive", "verifyChain"]) {
    if (hookAll("com.android.org.conscrypt.TrustManagerImpl", method, (o) => function (this: Wrapper, ...args: any[]) {
      try {
        return o.apply(this, args);
      } catch (e) {
        if (!signedByCapture(ca, args[0])) throw e;
        event(`com.android.org.conscrypt.TrustManagerImpl.${method}`, { trusted: "capture CA" });
        return chainList(args[0]);
      }
    })) installed.push(`com.android.org.conscrypt.TrustManagerImpl.${method}`);
  }
  // Pinning: network security config pin-sets (the platform's) and the pinners apps carry.
  const unpin = (klass: string | Wrapper, className: string, method: string): string[] =>
    hookAll(klass, method, () => function (this: Wrapper, ...args: any[]) {
      event(`${className}.${method}`, { unpinned: String(args[0] ?? "") });
    }) ? [`${className}.${method}`] : [];
  installed.push(...unpin("android.security.net.config.NetworkSecurityTrustManager",
    "android.security.net.config.NetworkSecurityTrustManager", "checkPins"));
  const pinners = whenLoaded(APP_PINNERS.map(([className, methods]) => ({
    className, install: (klass: Wrapper) => methods.flatMap((m) => unpin(klass, className, m)),
  })), onLater);
  installed.push(...pinners.installed);
  return installed;
}
