/**
 * Default `shared_buffers` of an on-disk PGlite, MB (PostgreSQL's initdb sets 128). They
 * stay in the WebAssembly memory for the life of the process: a bare PGlite started at
 * about 120 MB more RSS with 128 than with 32 (docs/benchmarks.md, "Footprint").
 */
export const DEFAULT_SHARED_BUFFERS_MB = 32;
