/** The floor for Temporal measurements: a workflow that does nothing. */
export async function noop(): Promise<string> {
  return 'ok';
}
