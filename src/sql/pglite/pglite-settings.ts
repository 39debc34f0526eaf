/**
 * Default `shared_buffers` of an on-disk PGlite, MB (PostgreSQL's initdb sets 128). A
 * buffer PGlite has touched stays in the WebAssembly memory for the life of the process;
 * the demo's row store used all 128 MB within the hour (docs/benchmarks.md, "Footprint").
 */
export const DEFAULT_SHARED_BUFFERS_MB = 32;
