// Privileged instructions (privileged spec §3.3 "Machine-Mode Privileged Instructions", §10.2 "Supervisor Instructions").
// The H extension's hfence/hlv/hsv rows are in h.ts.
import { PRIVILEGED_CONTROL, NONE, RowSpec, row } from './row';
import { F } from '../fields';

const priv = (minPrivilege: 'S' | 'M') => ({ endsBlock: true, mayTrap: true, minPrivilege, sensitivity: PRIVILEGED_CONTROL });

export const PRIV: RowSpec[] = [
  row('mret', 'Priv', 0x30200073, 0xffffffff, NONE, 'Return from M-mode trap: privilege = mstatus.MPP, pc = mepc', 'Priv §3.3.2', priv('M')),
  row('sret', 'Priv', 0x10200073, 0xffffffff, NONE, 'Return from S-mode trap: privilege = sstatus.SPP, pc = sepc (traps when mstatus.TSR)', 'Priv §3.3.2', priv('S')),
  row('wfi', 'Priv', 0x10500073, 0xffffffff, NONE, 'Wait for interrupt (traps in U-mode, and in S-mode when mstatus.TW)', 'Priv §3.3.3', priv('S')),
  row('sfence.vma', 'Priv', 0x12000073, 0xfe007fff, { operands: { rs1: F.rs1, rs2: F.rs2 }, syntax: ['rs1', 'rs2'] },
    'Order page-table updates and flush address-translation caches (rs1 = address, rs2 = ASID)', 'Priv §10.2.1', priv('S')),
];
