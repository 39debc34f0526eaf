/** Types of dist-current.mjs, for the TypeScript that imports it (benches, tests). */
export function distIsCurrent(root: string): boolean;
