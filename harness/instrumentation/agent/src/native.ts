// libc getaddrinfo and connect: which names the app resolves and which address families its own sockets
// use (the app's real IPv6 usage, Art. 16), whatever HTTP stack sits above libc.
import { emit } from "./report.js";

const AF_INET = 2;
const AF_INET6 = 10; // Linux and Android (bionic) alike
const EINPROGRESS = 115;

function libc(): Module | null {
  return Process.findModuleByName("libc.so") ?? Process.findModuleByName("libc.so.6");
}

function ipv6Text(p: NativePointer): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((p.add(i).readU8() << 8) | p.add(i + 1).readU8()).toString(16));
  const full = words.join(":");
  // Collapse the longest run of zero words, as inet_ntop does.
  let best = "";
  const match = full.match(/(^|:)0(:0)+(:|$)/g);
  if (match) best = match.reduce((a, b) => (b.length > a.length ? b : a), "");
  return best ? full.replace(best, "::") : full;
}

export interface SocketAddress { family: number; address: string; port: number }

export function readSockaddr(addr: NativePointer): SocketAddress | null {
  if (addr.isNull()) return null;
  const family = addr.readU16();
  const port = (addr.add(2).readU8() << 8) | addr.add(3).readU8();
  if (family === AF_INET) {
    const b = addr.add(4).readByteArray(4);
    if (b === null) return null;
    return { family: 4, address: Array.from(new Uint8Array(b)).join("."), port };
  }
  if (family === AF_INET6) {
    const text = ipv6Text(addr.add(8));
    const mapped = text.startsWith("::ffff:") ? text : null;
    if (mapped !== null) {
      const b = new Uint8Array(addr.add(20).readByteArray(4) ?? new ArrayBuffer(4));
      return { family: 4, address: Array.from(b).join("."), port }; // IPv4-mapped: still IPv4 on the wire
    }
    return { family: 6, address: text, port };
  }
  return null; // AF_UNIX and the rest are not network traffic
}

function threadName(): string {
  return `tid:${Process.getCurrentThreadId()}`;
}

function nativeStack(context: CpuContext): string[] {
  try {
    return Thread.backtrace(context, Backtracer.FUZZY).slice(0, 8).map((a) => DebugSymbol.fromAddress(a).toString());
  } catch (e) {
    return [];
  }
}

export function hookNative(): string[] {
  const installed: string[] = [];
  const lib = libc();
  if (lib === null) return installed;
  // bionic orders struct addrinfo BSD-style (canonname before addr); glibc the other way round.
  const bionic = lib.name === "libc.so";
  const ptrSize = Process.pointerSize;
  const firstPointer = ptrSize === 8 ? 24 : 20; // after four ints and socklen_t ai_addrlen, aligned
  const addrOffset = firstPointer + (bionic ? ptrSize : 0);
  const nextOffset = firstPointer + 2 * ptrSize;
  // Java's InetAddress resolves through libjavacore's android_getaddrinfofornet(node, service, hints, netid, mark,
  // res), never through getaddrinfo; bionic's getaddrinfo itself calls it (Android 9 and older). Only the
  // outermost lookup on a thread is reported, so one name is one event whichever way it went.
  const resolving = new Set<number>();
  const lookups: [string, number][] = [["getaddrinfo", 3], ["android_getaddrinfofornet", 5]];
  for (const [name, resultArg] of lookups) {
    // In libc on Android; elsewhere (a stand-in library in tests) wherever the process has it.
    const address = lib.findExportByName(name) ?? Module.findGlobalExportByName(name);
    if (address === null) continue;
    Interceptor.attach(address, {
      onEnter(args) {
        this.outer = !resolving.has(this.threadId);
        if (!this.outer) return;
        resolving.add(this.threadId);
        this.node = args[0].isNull() ? "" : args[0].readUtf8String();
        this.res = args[resultArg];
      },
      onLeave(retval) {
        if (!this.outer) return;
        resolving.delete(this.threadId);
        const families = new Set<number>();
        const addresses: string[] = [];
        if (retval.toInt32() === 0) {
          let info = (this.res as NativePointer).readPointer();
          for (let i = 0; !info.isNull() && i < 32; i++) {
            const sa = readSockaddr(info.add(addrOffset).readPointer());
            if (sa !== null) {
              families.add(sa.family);
              if (!addresses.includes(sa.address)) addresses.push(sa.address);
            }
            info = info.add(nextOffset).readPointer();
          }
        }
        emit({ kind: "dns", api: `libc.${name}`,
          detail: { host: this.node, ok: retval.toInt32() === 0, families: [...families].sort(), addresses },
          t: Date.now(), thread: threadName(), stack: nativeStack(this.context) });
      },
    });
    installed.push(`libc.${name}`);
  }
  const connect = lib.findExportByName("connect");
  if (connect !== null) {
    Interceptor.attach(connect, {
      onEnter(args) {
        this.peer = readSockaddr(args[1]);
      },
      onLeave(retval) {
        const peer = this.peer as SocketAddress | null;
        if (peer === null) return;
        const result = retval.toInt32();
        const errno = result === 0 ? 0 : (this as unknown as { errno: number }).errno;
        emit({ kind: "connect", api: "libc.connect",
          detail: { family: peer.family, address: peer.address, port: peer.port,
            ok: result === 0 || errno === EINPROGRESS, errno },
          t: Date.now(), thread: threadName(), stack: nativeStack(this.context) });
      },
    });
    installed.push("libc.connect");
  }
  return installed;
}
