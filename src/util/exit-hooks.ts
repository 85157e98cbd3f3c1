// Undo steps that must run however the process ends: a `cp` that froze a
// container thaws it whether the copy finishes, fails, loses its reader (EPIPE
// makes the CLI exit at once) or is interrupted. Each hook is synchronous, as
// the 'exit' event allows; while any is registered, SIGINT, SIGTERM and SIGHUP
// run the hooks first and then end the process as the signal would have.
const hooks = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function runHooks(): void {
  for (const h of [...hooks]) {
    hooks.delete(h);
    try {
      h();
    } catch {
      // one failing undo step must not keep the others from running
    }
  }
}

function onSignal(sig: NodeJS.Signals): void {
  runHooks();
  // others listening (the API service closes itself) decide; alone, end as the signal would
  if (process.listenerCount(sig) > 1) return;
  uninstall();
  process.kill(process.pid, sig);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runHooks);
  for (const sig of SIGNALS) process.on(sig, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', runHooks);
  for (const sig of SIGNALS) process.off(sig, onSignal);
}

/** Registers `undo` to run if the process ends before the returned function is called (which unregisters it). */
export function onAbruptExit(undo: () => void): () => void {
  hooks.add(undo);
  install();
  return () => {
    hooks.delete(undo);
    if (hooks.size === 0) uninstall();
  };
}
