/**
 * Cleaning up when the user interrupts a run (Ctrl-C, `kill`, a closed terminal): temporary
 * files are removed and locks released, then the process ends by the same signal, as it would
 * have without us. (`kill -9` cannot be caught; the next run cleans up after it.)
 */

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Runs `cleanup` if one of the signals arrives before the returned function is called. Several
 * cleanups can be registered at once; the last one to run ends the process. A cleanup that
 * returns a promise (work that must finish, not be undone: a commit already recorded) ends it
 * once that has settled and what was waiting on it has run.
 */
export function onInterrupt(cleanup: () => unknown): () => void {
  const handlers = SIGNALS.map((signal) => {
    const end = () => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    const handler = () => {
      unregister();
      let finishing: unknown;
      try {
        finishing = cleanup();
      } finally {
        if (!(finishing instanceof Promise)) end();
      }
      if (finishing instanceof Promise) {
        const later = () => setImmediate(end);
        finishing.then(later, later);
      }
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const exit = () => cleanup();
  process.on("exit", exit);
  function unregister() {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    process.off("exit", exit);
  }
  return unregister;
}

/**
 * Lets a long synchronous run notice a signal: Node delivers signals to JavaScript only
 * between tasks, so a loop of synchronous steps awaits this between steps.
 */
export function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
