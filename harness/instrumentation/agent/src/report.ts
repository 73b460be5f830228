// Hook events leave the agent in batches, with bounded memory: each API may report a limited number of
// events per second (a getLatitude loop cannot flood the run), and the queue itself is capped. What is
// held back is counted and reported, never silently dropped.

export interface HookEvent {
  kind: string;
  api: string;
  detail: Record<string, unknown>;
  t: number;          // device epoch ms; the host maps it onto the run clock
  thread: string;
  stack: string[];
}

const MAX_QUEUE = 2000;
const PER_API_PER_SECOND = 20;
const FLUSH_MS = 200;

let queue: HookEvent[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;
const recent = new Map<string, { second: number; count: number }>();
const suppressed = new Map<string, number>();
let overflow = 0;

export function emit(event: HookEvent): void {
  const second = Math.floor(event.t / 1000);
  const slot = recent.get(event.api);
  if (slot !== undefined && slot.second === second) {
    if (++slot.count > PER_API_PER_SECOND) {
      suppressed.set(event.api, (suppressed.get(event.api) ?? 0) + 1);
      return;
    }
  } else {
    recent.set(event.api, { second, count: 1 });
  }
  if (queue.length >= MAX_QUEUE) {
    overflow++;
    return;
  }
  queue.push(event);
  if (timer === null) timer = setTimeout(flush, FLUSH_MS);
}

export function problem(message: string, detail: Record<string, unknown> = {}): void {
  send({ type: "problem", message, detail, t: Date.now() });
}

export function flush(): { sent: number; suppressed: Record<string, number>; overflow: number } {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  const batch = queue;
  queue = [];
  const held = Object.fromEntries(suppressed);
  if (batch.length > 0 || suppressed.size > 0 || overflow > 0) {
    send({ type: "events", events: batch, suppressed: held, overflow });
  }
  const report = { sent: batch.length, suppressed: held, overflow };
  suppressed.clear();
  overflow = 0;
  return report;
}
