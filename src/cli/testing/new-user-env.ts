/**
 * This process's environment without its FARESIGHT_ settings, plus `extra`: what a new
 * user's shell gives a `faresight` child (the defaults), for tests that start one.
 */
export function newUserEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('FARESIGHT_')),
  );
  return { ...env, ...extra };
}
