// Zicsr and Zifencei (unprivileged spec chapters 9 "Zicsr" and 6 "Zifencei").
import { CSR, CSRI, CSR_ACCESS, NONE, RowSpec, row } from './row';

const M = 0x0000707f;
const csr = { mayTrap: true, sensitivity: CSR_ACCESS, endsBlock: true };
export const ZICSR: RowSpec[] = [
  row('csrrw', 'Zicsr', 0x00001073, M, CSR, 'Atomic read/write CSR: rd = csr; csr = rs1 (no read when rd = x0)', 'Unpriv §9.1', csr),
  row('csrrs', 'Zicsr', 0x00002073, M, CSR, 'Atomic read and set bits: rd = csr; csr |= rs1 (no write when rs1 = x0)', 'Unpriv §9.1', csr),
  row('csrrc', 'Zicsr', 0x00003073, M, CSR, 'Atomic read and clear bits: rd = csr; csr &= ~rs1 (no write when rs1 = x0)', 'Unpriv §9.1', csr),
  row('csrrwi', 'Zicsr', 0x00005073, M, CSRI, 'Read/write CSR with a 5-bit immediate', 'Unpriv §9.1', csr),
  row('csrrsi', 'Zicsr', 0x00006073, M, CSRI, 'Read and set CSR bits from a 5-bit immediate (no write when it is 0)', 'Unpriv §9.1', csr),
  row('csrrci', 'Zicsr', 0x00007073, M, CSRI, 'Read and clear CSR bits from a 5-bit immediate (no write when it is 0)', 'Unpriv §9.1', csr),
];

export const ZIFENCEI: RowSpec[] = [
  row('fence.i', 'Zifencei', 0x0000100f, M, NONE, 'Synchronize instruction fetches with earlier stores (drops decoded and translated code)', 'Unpriv §6.1',
    { endsBlock: true }),
];
