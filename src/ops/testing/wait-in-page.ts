/**
 * Waits until `expression` is truthy in a browser page (playwright-core's Page),
 * evaluated anew every `everyMs`; rejects "timed out waiting for <what>" after `ms`. Not
 * `page.waitForFunction(string)`: on a page with a Content Security Policy (the
 * Console's, the API reference's) only its first check may evaluate the string, and
 * every poll after it is refused ('unsafe-eval'), so such a wait failed whenever its
 * first check came too early.
 */
export async function waitInPage(
  page: { evaluate(expression: string): Promise<unknown> },
  what: string,
  expression: string,
  ms = 60_000,
  everyMs = 200,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
