// A decoded instruction bound to its handler: what the interpreter's decode cache holds.
import { DecodedInsn } from '../isa/decoder';
import type { Hart } from './hart';

export type Handler = (h: Hart, d: Op) => void;

export class Op extends DecodedInsn {
  exec: Handler = () => undefined;
  /** No table row matches: executing it raises illegal-instruction; `def` is meaningless. */
  illegalEncoding = false;
  /** Times executed (translation heuristics and the debugger's statistics read it). */
  count = 0;
}
