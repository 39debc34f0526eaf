/**
 * Collects, from a browser page (playwright-core's Page), the files it asked for that the
 * server answered 404: every browser logs one as a console error (the favicon was one).
 * The API's own 404 answers (`/v1/`, `/admin/v1/`) are left out: the pages show those.
 * Returns the list it fills, as `<console text> <url>`.
 */
export function filesNotServed(page: {
  on(
    event: 'console',
    listener: (m: { type(): string; text(): string; location(): { url: string } }) => void,
  ): unknown;
}): string[] {
  const notFound: string[] = [];
  page.on('console', (m) => {
    const url = m.location().url;
    if (m.type() === 'error' && /status of 404/.test(m.text()) && !/\/(v1|admin\/v1)\//.test(url))
      notFound.push(`${m.text()} ${url}`);
  });
  return notFound;
}
