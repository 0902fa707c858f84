/** Lifetimes of the CAs this program creates; config validation keeps every issued lifetime inside them. */

/** The root CA OpenBao generates (pki.rootCa: generated): ten years. */
export const ROOT_CA_TTL_HOURS = 10 * 365 * 24;
