/**
 * Text that comes from a plan (resource names, policy messages, values, error output) is data,
 * never markup: in a pull-request comment it must not become a link, an image, a mention, HTML or
 * a table break. These two helpers are the only way such text enters the comment's Markdown.
 */

// Control characters and the bidirectional overrides that can make text read differently.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

function clean(text: string, max: number): string {
  const flat = text.replace(/\r\n?|\n/g, " ").replace(INVISIBLE, "");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Plain text: every ASCII punctuation character is backslash-escaped (GFM renders it literally,
 * so the text reads the same), `&` and `@` become entities, so no entity, autolink or mention forms.
 */
export function mdText(text: string, max = 500): string {
  return clean(text, max).replace(/[!-/:-@[-`{-~]/g, (c) =>
    c === "&" ? "&amp;" : c === "@" ? "&#64;" : `\\${c}`,
  );
}

/** A code span: nothing inside renders; backticks cannot close it and pipes cannot split a table cell. */
export function mdCode(text: string, max = 200): string {
  return `\`${clean(text, max).replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}
