/**
 * JSON text written by hand where JSON.stringify of a whole object graph costs too much (a batch answer holds
 * a thousand receipts). Every writer here produces ASCII-only JSON: characters beyond U+007E are written as
 * \uXXXX escapes (RFC 8259 §7), which any JSON parser reads back to the same string. Keeping the text ASCII
 * keeps V8's strings one byte per character, so joining and sending a 2 MB answer is a copy, not a transcoding
 * (the checkpoint's signature lines start with U+2014, which would otherwise widen every receipt).
 */

const NON_ASCII = /[\u007f-\uffff]/g;

function escapeNonASCII(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * The JSON string literal of `s` (with its quotes), ASCII only: JSON.stringify(s) with every character from
 * U+007F up escaped as \uXXXX (lone surrogates are already escaped by JSON.stringify).
 */
export function jsonStringASCII(s: string): string {
  const literal = JSON.stringify(s);
  return asciiJSON(literal);
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** JSON text `json` (e.g. from JSON.stringify) with every character from U+007F up escaped as \uXXXX. */
export function asciiJSON(json: string): string {
  NON_ASCII.lastIndex = 0;
  if (!NON_ASCII.test(json)) return json;
  // V8 keeps the two-byte representation of the input in what replace() returns, ASCII or not; decoding the
  // bytes again gives a one-byte string, which is what makes everything joined with it one byte a character.
  return utf8Decoder.decode(utf8Encoder.encode(json.replace(NON_ASCII, escapeNonASCII)));
}
