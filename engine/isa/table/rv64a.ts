// RV64A atomics: load-reserved/store-conditional and AMOs (unprivileged spec chapter 8 "A" Standard Extension).
import { AMO, LR, RowSpec, row } from './row';

const AMO_MASK = 0xf800707f;
const LR_MASK = 0xf9f0707f;

function amo(name: string, funct5: number, what: string): RowSpec[] {
  return ([[4, 'w', 2], [8, 'd', 3]] as const).map(([width, suffix, funct3]) =>
    row(`${name}.${suffix}`, 'A', (funct5 << 27) | (funct3 << 12) | 0x2f, AMO_MASK, AMO,
      `Atomic ${what} (${width * 8}-bit): rd = mem[rs1]; mem[rs1] = op(mem[rs1], rs2)`, 'Unpriv §8.4',
      { memory: { kind: 'amo', width } }));
}

export const RV64A: RowSpec[] = [
  row('lr.w', 'A', 0x1000202f, LR_MASK, LR, 'Load-reserved word, sign-extended; registers a reservation', 'Unpriv §8.2', { memory: { kind: 'load', width: 4 } }),
  row('sc.w', 'A', 0x1800202f, AMO_MASK, AMO, 'Store-conditional word: rd = 0 on success, 1 on failure', 'Unpriv §8.2', { memory: { kind: 'store', width: 4 } }),
  row('lr.d', 'A', 0x1000302f, LR_MASK, LR, 'Load-reserved doubleword; registers a reservation', 'Unpriv §8.2', { memory: { kind: 'load', width: 8 } }),
  row('sc.d', 'A', 0x1800302f, AMO_MASK, AMO, 'Store-conditional doubleword: rd = 0 on success, 1 on failure', 'Unpriv §8.2', { memory: { kind: 'store', width: 8 } }),
  ...amo('amoswap', 0b00001, 'swap'),
  ...amo('amoadd', 0b00000, 'add'),
  ...amo('amoxor', 0b00100, 'exclusive-or'),
  ...amo('amoand', 0b01100, 'and'),
  ...amo('amoor', 0b01000, 'or'),
  ...amo('amomin', 0b10000, 'signed minimum'),
  ...amo('amomax', 0b10100, 'signed maximum'),
  ...amo('amominu', 0b11000, 'unsigned minimum'),
  ...amo('amomaxu', 0b11100, 'unsigned maximum'),
];
