/**
 * `--sig-proxy`: signals the CLI receives are sent on to the container (`POST …/kill?signal=`),
 * as docker's ForwardAllSignals does, so ctrl-c on a non-TTY `run` interrupts the container's
 * process rather than just the client.
 */

/** The catchable signals forwarded (docker forwards all but CHLD, PIPE and the Go runtime's URG). */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGWINCH', 'SIGCONT', 'SIGTRAP', 'SIGABRT'];

/**
 * Starts forwarding; `kill` receives docker's signal name (`INT`, `TERM`). Returns the function
 * that stops forwarding and restores the default handling.
 */
export function forwardSignals(kill: (signal: string) => Promise<void>): () => void {
  const handlers = FORWARDED.map((sig) => {
    const handler = () => {
      kill(sig.slice(3)).catch(() => {});
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}
