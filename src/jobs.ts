// Periodic jobs of the features (started by server.ts after listen, never by createApp). Every
// instance may run them: each job's changes are compare-and-sets, so two runs at once change each
// row once. A job that is still running skips its next tick; a failure is logged and retried then.
import type { Logger } from './logger.js';

export interface Job {
  name: string;
  everyMs: number;
  /** Returns how many rows it changed (logged when not 0). */
  run: () => Promise<number>;
}

export interface Jobs {
  /** Stops the timers and waits for runs in progress. */
  stop(): Promise<void>;
}

/**
 * A job's pass over its rows: `work` on each in turn, counting those it changed. One that fails does
 * not hold back the rest; the first failure is thrown at the end (the job logs it and runs again later).
 */
export async function eachRow<T>(rows: readonly T[], work: (row: T) => Promise<boolean>): Promise<number> {
  let changed = 0;
  let firstError: unknown;
  let failed = false;
  for (const row of rows) {
    try {
      if (await work(row)) changed++;
    } catch (err) {
      if (!failed) firstError = err;
      failed = true;
    }
  }
  if (failed) throw firstError instanceof Error ? firstError : new Error(String(firstError));
  return changed;
}

export function startJobs(logger: Logger, jobs: Job[]): Jobs {
  const running = new Set<Promise<void>>();
  let stopped = false;
  const timers = jobs.map(({ name, everyMs, run }) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      const done = run()
        .then((n) => {
          if (n > 0) logger.info({ job: name, changed: n }, `${name}: ${n} changed`);
        })
        .catch((err: unknown) => logger.error({ err, job: name }, `${name} failed`))
        .finally(() => {
          busy = false;
          running.delete(done);
        });
      running.add(done);
    }, everyMs);
    timer.unref();
    return timer;
  });
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.all([...running]);
    },
  };
}
