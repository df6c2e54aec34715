// RV64M multiply and divide (unprivileged spec chapter 7 "M" Standard Extension).
import { R, RowSpec, row } from './row';

const M = 0xfe00707f;
export const RV64M: RowSpec[] = [
  row('mul', 'M', 0x02000033, M, R, 'Multiply, low 64 bits of the product', 'Unpriv §7.1'),
  row('mulh', 'M', 0x02001033, M, R, 'Multiply signed × signed, high 64 bits', 'Unpriv §7.1'),
  row('mulhsu', 'M', 0x02002033, M, R, 'Multiply signed × unsigned, high 64 bits', 'Unpriv §7.1'),
  row('mulhu', 'M', 0x02003033, M, R, 'Multiply unsigned × unsigned, high 64 bits', 'Unpriv §7.1'),
  row('div', 'M', 0x02004033, M, R, 'Divide signed, rounding toward zero (÷0 = −1, overflow = dividend)', 'Unpriv §7.2'),
  row('divu', 'M', 0x02005033, M, R, 'Divide unsigned (÷0 = all ones)', 'Unpriv §7.2'),
  row('rem', 'M', 0x02006033, M, R, 'Remainder signed (÷0 = dividend, overflow = 0)', 'Unpriv §7.2'),
  row('remu', 'M', 0x02007033, M, R, 'Remainder unsigned (÷0 = dividend)', 'Unpriv §7.2'),
  row('mulw', 'M', 0x0200003b, M, R, 'Multiply word, low 32 bits sign-extended', 'Unpriv §7.1'),
  row('divw', 'M', 0x0200403b, M, R, 'Divide word signed, result sign-extended', 'Unpriv §7.2'),
  row('divuw', 'M', 0x0200503b, M, R, 'Divide word unsigned, result sign-extended', 'Unpriv §7.2'),
  row('remw', 'M', 0x0200603b, M, R, 'Remainder word signed, result sign-extended', 'Unpriv §7.2'),
  row('remuw', 'M', 0x0200703b, M, R, 'Remainder word unsigned, result sign-extended', 'Unpriv §7.2'),
];
