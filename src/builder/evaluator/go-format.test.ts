import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goDuration, goHealthcheck, goList, goQuote, goQuoteList, goQuoteRune } from './go-format.js';

describe('Go fmt renderings in build history', () => {
  it('quotes strings and lists like %q', () => {
    assert.equal(goQuote('a"b\\c\n\t\x01é'), '"a\\"b\\\\c\\n\\t\\x01é"');
    assert.equal(goQuoteList(['/bin/sh', '-c', 'echo hi']), '["/bin/sh" "-c" "echo hi"]');
    assert.equal(goList(['/bin/sh', '-ec']), '[/bin/sh -ec]');
  });

  it('prints an int with %q as a rune literal', () => {
    assert.equal(goQuoteRune(0), "'\\x00'");
    assert.equal(goQuoteRune(3), "'\\x03'");
    assert.equal(goQuoteRune(10), "'\\n'");
    assert.equal(goQuoteRune(65), "'A'");
  });

  it("formats durations as time.Duration's String", () => {
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(5e9), '5s');
    assert.equal(goDuration(1.5e9), '1.5s');
    assert.equal(goDuration(90e9), '1m30s');
    assert.equal(goDuration(3600e9), '1h0m0s');
    assert.equal(goDuration(500e6), '500ms');
    assert.equal(goDuration(1500), '1.5µs');
  });

  it('renders a HEALTHCHECK as dockerd 20.10 records it', () => {
    assert.equal(goHealthcheck({ Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 3 }), `&{["CMD-SHELL" "true"] "5s" "0s" "0s" '\\x03'}`);
    assert.equal(goHealthcheck({ Test: ['NONE'] }), `&{["NONE"] "0s" "0s" "0s" '\\x00'}`);
  });
});
