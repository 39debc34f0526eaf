import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeControl } from './escape-control.js';
import { createLogger } from './logger.js';

// Every control character a record id may have carried past an older validator.
const NASTY = 'a\u0000b\nc\rd\te\u001b[31mf\u007fg\u009bh';
const RAW_CONTROL = /\p{Cc}/u;

describe('control characters never reach a terminal or a log raw', () => {
  it('escapes them, and nothing else', () => {
    assert.equal(escapeControl(NASTY), 'a\\u0000b\\nc\\rd\\te\\u001b[31mf\\u007fg\\u009bh');
    assert.equal(escapeControl('Zürich ✈ "quoted" \\ back'), 'Zürich ✈ "quoted" \\ back');
    assert.equal(escapeControl('a\nb\u0000', { keepLineBreaks: true }), 'a\nb\\u0000');
  });

  it('keeps one log event on one line, message and values alike', () => {
    const lines: string[] = [];
    const log = createLogger('debug', 'test', (l) => lines.push(l));
    log.error(`record ${NASTY} dead-lettered`, { id: NASTY, nested: { id: NASTY } });
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.ok(line.endsWith('\n'));
    assert.doesNotMatch(line.slice(0, -1), RAW_CONTROL);
    assert.match(line, /id=a\\u0000b\\nc/);
  });
});
