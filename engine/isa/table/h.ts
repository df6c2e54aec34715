// The H extension's instructions (privileged spec §13.3 "Hypervisor Instructions"): virtual-machine loads and
// stores, and the hypervisor memory-management fences. All are SYSTEM-opcode rows valid in HS-mode and M-mode.
import { F } from '../fields';
import { Format, HYPERVISOR_ACCESS, HYPERVISOR_FENCE, RowSpec, row } from './row';

const HLV: Format = { operands: { rd: F.rd, rs1: F.rs1 }, syntax: ['rd', '(rs1)'] };
const HSV: Format = { operands: { rs1: F.rs1, rs2: F.rs2 }, syntax: ['rs2', '(rs1)'] };
const HFENCE: Format = { operands: { rs1: F.rs1, rs2: F.rs2 }, syntax: ['rs1', 'rs2'] };
/** funct7 | rs2 | funct3=100 | rd | SYSTEM: the HLV/HLVX encodings fix rs2 (Priv §13.3.1). */
const HLV_MASK = 0xfff0707f;
/** funct7 | funct3 | rd=0 | SYSTEM: HSV and HFENCE take rs1 and rs2. */
const HSV_MASK = 0xfe007fff;

const fence = { endsBlock: true, mayTrap: true, minPrivilege: 'S' as const, sensitivity: HYPERVISOR_FENCE };
const ld = (width: 1 | 2 | 4 | 8) => ({ mayTrap: true, minPrivilege: 'S' as const, sensitivity: HYPERVISOR_ACCESS, memory: { kind: 'load' as const, width } });
const st = (width: 1 | 2 | 4 | 8) => ({ mayTrap: true, minPrivilege: 'S' as const, sensitivity: HYPERVISOR_ACCESS, memory: { kind: 'store' as const, width } });

export const H_EXT: RowSpec[] = [
  row('hfence.vvma', 'H', 0x22000073, HSV_MASK, HFENCE,
    'Order VS-level page-table updates and flush VS-stage translations (rs1 = guest virtual address, rs2 = guest ASID)', 'Priv §13.3.2', fence),
  row('hfence.gvma', 'H', 0x62000073, HSV_MASK, HFENCE,
    'Order G-stage page-table updates and flush guest-physical translations (rs1 = guest physical address >> 2, rs2 = VMID)', 'Priv §13.3.2', fence),
  row('hlv.b', 'H', 0x60004073, HLV_MASK, HLV, 'Load byte as the guest (V=1 at hstatus.SPVP), sign-extended', 'Priv §13.3.1', ld(1)),
  row('hlv.bu', 'H', 0x60104073, HLV_MASK, HLV, 'Load byte as the guest, zero-extended', 'Priv §13.3.1', ld(1)),
  row('hlv.h', 'H', 0x64004073, HLV_MASK, HLV, 'Load halfword as the guest, sign-extended', 'Priv §13.3.1', ld(2)),
  row('hlv.hu', 'H', 0x64104073, HLV_MASK, HLV, 'Load halfword as the guest, zero-extended', 'Priv §13.3.1', ld(2)),
  row('hlvx.hu', 'H', 0x64304073, HLV_MASK, HLV, 'Load halfword as the guest with execute permission in place of read (instruction fetch emulation)', 'Priv §13.3.1', ld(2)),
  row('hlv.w', 'H', 0x68004073, HLV_MASK, HLV, 'Load word as the guest, sign-extended', 'Priv §13.3.1', ld(4)),
  row('hlv.wu', 'H', 0x68104073, HLV_MASK, HLV, 'Load word as the guest, zero-extended', 'Priv §13.3.1', ld(4)),
  row('hlvx.wu', 'H', 0x68304073, HLV_MASK, HLV, 'Load word as the guest with execute permission in place of read, zero-extended', 'Priv §13.3.1', ld(4)),
  row('hlv.d', 'H', 0x6c004073, HLV_MASK, HLV, 'Load doubleword as the guest', 'Priv §13.3.1', ld(8)),
  row('hsv.b', 'H', 0x62004073, HSV_MASK, HSV, 'Store byte as the guest (V=1 at hstatus.SPVP)', 'Priv §13.3.1', st(1)),
  row('hsv.h', 'H', 0x66004073, HSV_MASK, HSV, 'Store halfword as the guest', 'Priv §13.3.1', st(2)),
  row('hsv.w', 'H', 0x6a004073, HSV_MASK, HSV, 'Store word as the guest', 'Priv §13.3.1', st(4)),
  row('hsv.d', 'H', 0x6e004073, HSV_MASK, HSV, 'Store doubleword as the guest', 'Priv §13.3.1', st(8)),
];
