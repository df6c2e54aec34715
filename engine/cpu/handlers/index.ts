// Binds every instruction-table row to its handler, by the row's `semantics` name.
import { INSTRUCTIONS } from '../../isa/instructions';
import type { Handler } from '../op';
import { HYPERVISOR_HANDLERS } from './hypervisor';
import { RV64A_HANDLERS } from './rv64a';
import { RV64I_HANDLERS } from './rv64i';
import { RV64M_HANDLERS } from './rv64m';
import { SYSTEM_HANDLERS } from './system';

const BY_NAME: Record<string, Handler> = { ...RV64I_HANDLERS, ...RV64M_HANDLERS, ...RV64A_HANDLERS, ...SYSTEM_HANDLERS, ...HYPERVISOR_HANDLERS };

/** Handler per instruction id. A row without a handler is a build error caught by the table test. */
export const HANDLERS: readonly Handler[] = INSTRUCTIONS.map((d) => {
  const h = BY_NAME[d.semantics];
  if (!h) throw new Error(`instruction table row '${d.mnemonic}' names semantics '${d.semantics}' that has no handler`);
  return h;
});

export function handlerNames(): string[] {
  return Object.keys(BY_NAME);
}
