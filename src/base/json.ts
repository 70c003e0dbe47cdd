/**
 * JSON text written by hand where JSON.stringify of a whole object graph costs too much (a batch answer holds
 * a thousand receipts). Every writer here produces ASCII-only JSON: characters beyond U+007E are written as
 * \uXXXX escapes (RFC 8259 §7), which any JSON parser reads back to the same string. Keeping the text ASCII
 * keeps V8's strings one byte per character, so joining and sending a large answer is a copy, not a transcoding
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

/**
 * The first member name that occurs twice in one object of the JSON text `text`, or undefined. `text` must be
 * valid JSON (call this after JSON.parse accepted it): the scan follows only strings and brackets. JSON.parse
 * silently keeps the last of duplicate names where other parsers keep the first, so a document with duplicates
 * says different things to different readers (RFC 8259 §4: names within an object SHOULD be unique); the log
 * refuses such requests rather than pick one reading. Names are compared after unescaping ("a" and "\u0061" are
 * the same name).
 */
export function duplicateMemberName(text: string): string | undefined {
  // One entry per open bracket: the names seen so far in an object, or null for an array.
  const open: (MemberNames | null)[] = [];
  let expectName = false;
  // Most of a request's bytes are inside strings: jump over them with indexOf, char by char only through the rare
  // string that holds a backslash (the next one's position is kept, so finding out costs one scan in all).
  let backslash = text.indexOf('\\');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      if (backslash !== -1 && backslash < i) backslash = text.indexOf('\\', i);
      i = text.indexOf('"', i + 1);
      if (i < 0) return undefined; // an unterminated string: not JSON, which the caller's parser has refused
      const escaped = backslash !== -1 && backslash < i;
      if (escaped) {
        for (i = start + 1; i < text.length; i++) {
          const d = text.charCodeAt(i);
          if (d === 0x5c /* \ */) i++;
          else if (d === 0x22) break;
        }
      }
      const names = open.length > 0 ? open[open.length - 1] : null;
      if (expectName && names !== null) {
        const name = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        if (!names.add(name)) return name;
        expectName = false;
      }
    } else if (c === 0x7b /* { */) {
      open.push(new MemberNames());
      expectName = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
    } else if (c === 0x2c /* , */) {
      expectName = open.length > 0 && open[open.length - 1] !== null;
    }
  }
  return undefined;
}

/**
 * The member names of one object so far: a short list while there are few (a submission's objects have at most
 * five members, and a list is cheaper than a Set to make), a Set beyond that (a hostile body with one object of a
 * million members must cost linear time, not quadratic).
 */
class MemberNames {
  #list: string[] | undefined = [];
  #set: Set<string> | undefined;

  /** Adds `name`; false if it was already there. */
  add(name: string): boolean {
    const list = this.#list;
    if (list !== undefined) {
      if (list.includes(name)) return false;
      list.push(name);
      if (list.length > 16) {
        this.#set = new Set(list);
        this.#list = undefined;
      }
      return true;
    }
    const set = this.#set as Set<string>;
    if (set.has(name)) return false;
    set.add(name);
    return true;
  }
}
