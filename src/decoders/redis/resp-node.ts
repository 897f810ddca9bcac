// What the RESP reader (resp.ts) produces: one decoded value, a tree for aggregates, with the
// caps and secrets it met marked on it. The types alone, for the code that only reads values.

/** A decoded value. `k` is the RESP type byte: + - : $ * % ~ > | _ # , ( ! = (nulls are `_`). */
export interface RespNode {
  k: string;
  /** scalars: the text (bulks: shown with showBytes, capped) */
  text?: string;
  /** bulks: not printable UTF-8, so `text` is showBytes' \xHH escape form */
  binary?: boolean;
  /** bulks: bytes on the wire */
  size?: number;
  /** aggregates: announced count (pairs for maps) */
  len?: number;
  items?: RespNode[];
  truncated?: boolean;
  /** a secret (CONFIG GET requirepass): text dropped, bytes masked */
  secret?: boolean;
  /** RESP3 attributes (`|`) that came right before this value */
  attrs?: RespNode;
}

/** decides, for a bulk child of the top-level aggregate, whether its payload is a secret */
export type SecretChild = (index: number, prev: RespNode | undefined) => boolean;
