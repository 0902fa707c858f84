/** Minimal IPv4 CIDR arithmetic (no dependency needed for a handful of functions). */

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

/** Parses "a.b.c.d/n"; undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const base = prefix === 0 ? 0 : address - (address % 2 ** (32 - prefix));
  return base === address ? { base, prefix } : undefined;
}

function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

// Both predicates are false for malformed input: schema refinements run even when a field failed
// its own check, and that field's error already says what is wrong.

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return !!x && !!y && x.base < y.base + size(y) && y.base < x.base + size(x);
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  return !!o && !!i && i.prefix >= o.prefix && i.base >= o.base && i.base + size(i) <= o.base + size(o);
}

/** Dotted-quad form of an unsigned 32-bit address. */
export function formatAddress(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** The two halves of a CIDR block (one prefix bit longer). */
export function splitCidr(cidr: string): [string, string] {
  const c = parseCidr(cidr);
  if (!c || c.prefix >= 28) throw new Error(`cannot split ${cidr} into two subnets`);
  const half = size(c) / 2;
  return [`${formatAddress(c.base)}/${c.prefix + 1}`, `${formatAddress(c.base + half)}/${c.prefix + 1}`];
}
