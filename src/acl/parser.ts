/** What a parser is: the reader of one ACL version, from plain data to a `Network`. */
import type { Result } from "../core/diagnostics.js";
import type { Network } from "../network/model.js";

export interface Parser {
  /** The ACL `version` this parser reads. */
  version: string;
  description: string;
  parse(data: unknown): Result<Network>;
}

/** Identity helper that gives plugin authors type checking for free. */
export function defineParser(parser: Parser): Parser {
  return parser;
}
