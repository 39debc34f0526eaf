/**
 * `GET /docs`: Swagger UI (from the `swagger-ui-dist` package) over this process's
 * `/openapi.json`: every operation with its parameters, schemas, examples and "Try it
 * out". Its script and styles are served by the API itself under `/docs/` (read once, on
 * the first request), so the page works offline and behind a path prefix:
 * every URL in it is relative. Nothing is fetched from elsewhere (the online validator
 * badge is off).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file `/docs/` serves. */
export interface DocsAsset {
  body: Buffer;
  type: string;
}

/**
 * Content-Security-Policy of `/docs` and its files: scripts and styles from this process
 * (Swagger UI sets some styles inline), requests anywhere, since "Try it out" also calls
 * the operations other processes serve (ingest on its own port).
 */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; connect-src *; frame-ancestors 'none'; base-uri 'none'; " +
  "form-action 'self'";

const ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%231d4ed8'/%3E%3Cpath d='M3 9.5 13 4l-2.5 9-2.2-2.6L6 12V9.8z' fill='white'/%3E%3C/svg%3E";

export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Faresight API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="${ICON}">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head><body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/docs.js"></script>
</body></html>
`;

/** The page's own start-up script (a file, not inline: the CSP allows scripts from 'self' only). */
const DOCS_JS = `// Swagger UI over openapi.json, relative to this page (so a path prefix keeps working)
window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: true,
});
`;

/** Files of swagger-ui-dist served under `/docs/`. */
const FROM_PACKAGE = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

/**
 * Where Swagger UI's files are: beside this module in dist/ (the build copies them there,
 * so an installed package needs no swagger-ui-dist, a development dependency), else the
 * package itself (running the sources in a checkout).
 */
function swaggerUiDir(): string {
  const copied = fileURLToPath(new URL('./swagger-ui/', import.meta.url));
  if (existsSync(join(copied, 'swagger-ui-bundle.js'))) return copied;
  try {
    return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    throw new Error(
      `/docs: Swagger UI is neither in ${copied} (npm run build copies it there) nor installed (npm ci)`,
    );
  }
}

let assets: Map<string, DocsAsset> | undefined;

/**
 * The files under `/docs/` by name, read once; the bundle's source-map comment is cut,
 * so a browser's developer tools do not ask for a map the API does not serve.
 */
export function docsAssets(): Map<string, DocsAsset> {
  if (assets) return assets;
  const dir = swaggerUiDir();
  const out = new Map<string, DocsAsset>();
  for (const f of FROM_PACKAGE) {
    const text = readFileSync(join(dir, f), 'utf8').replace(
      /\n\/[/*]# sourceMappingURL=\S+\s*$/,
      '\n',
    );
    out.set(f, {
      body: Buffer.from(text),
      type: f.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
    });
  }
  out.set('docs.js', { body: Buffer.from(DOCS_JS), type: 'text/javascript; charset=utf-8' });
  assets = out;
  return out;
}
