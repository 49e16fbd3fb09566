/**
 * Stops cleanly on Ctrl-C or SIGTERM; a second signal forces the exit. Ctrl-C in a terminal can
 * reach us twice at once (directly and relayed by tsx), so repeats within a second are ignored.
 */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  let firstAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping && Date.now() - firstAt < 1000) return;
    if (stopping) {
      console.error(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    firstAt = Date.now();
    console.error(`${signal}: stopping…`);
    stop()
      .then(() => process.exit(0))
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
