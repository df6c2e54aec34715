// Monitor commands typed in the debug console (`info registers`, `info csr mstatus`, `info tb`, `info mmu VA`),
// answered from the engine's state, truthfully about what the engine does not have yet.
import { Hart } from '../engine/cpu/hart';
import { csrByName } from '../engine/isa/csr-table';
import { decodePmp, pmpAllows, PMP_R, PMP_W, PMP_X } from '../engine/mmu/pmp';
import { BreakpointManager } from './breakpoints';
import { DataBreakpointManager } from './data-breakpoints';
import { CSR_FIELDS, describeField } from './csr-fields';
import { EvalError, Expression } from './expression';
import { ABI_NAMES, describeVirtualPrivilege, hartScope, hex64, IMPLEMENTED_CSRS, modeLabel, PRIVILEGE_LONG, privilegeName, readCsr, ringOf, virtOf } from './state';
import { hex, Target } from './target';
import { exitStreamOf } from './vm-exits';

/** A PTE's flag letters (Priv §10.3.1): D A G U X W R V. */
function pteFlags(pte: bigint): string {
  const names = ['V', 'R', 'W', 'X', 'U', 'G', 'A', 'D'];
  return '[' + names.map((n, i) => ((pte >> BigInt(i)) & 1n ? n : '-')).join('') + ']';
}

export const MONITOR_HELP = [
  'info registers        x0–x31 and pc',
  'info csr [NAME]       one CSR with its fields, or every implemented CSR that is not zero',
  'info priv             privilege and ring analogy of each hart',
  'info tb | info jit    translated blocks and translator statistics',
  'info exits            VM exits',
  'info mmu VA           how a virtual address translates on this hart: page-table walk, physical address, PMP',
  'info breakpoints      the breakpoints and their hit counts',
].join('\n');

/** Whether an evaluate expression is a monitor command rather than an expression. */
export function isMonitorCommand(text: string): boolean {
  return /^\s*(monitor\s+|-exec\s+)?(info\b|help\b)/.test(text);
}

export function runMonitorCommand(text: string, target: Target, h: Hart, breakpoints: BreakpointManager, data?: DataBreakpointManager): string {
  const words = text.trim().replace(/^(monitor|-exec)\s+/, '').split(/\s+/);
  if (words[0] === 'help') return MONITOR_HELP;
  const [, what, ...rest] = words;
  switch (what) {
    case 'registers': case 'reg': case 'r': {
      const lines = [`pc   ${hex64(h.getPc())}${target.symbolize(h.pc) ? `  <${target.symbolize(h.pc)}>` : ''}`];
      for (let i = 0; i < 32; i += 2) {
        const col = (r: number) => `${`x${r}`.padEnd(3)} ${ABI_NAMES[r].padEnd(4)} ${hex64(h.getX(r))}`;
        lines.push(`${col(i)}    ${col(i + 1)}`);
      }
      return lines.join('\n');
    }
    case 'csr': case 'csrs': {
      if (rest.length === 0) {
        return IMPLEMENTED_CSRS.map((c) => ({ c, v: readCsr(h, c.addr) })).filter(({ v }) => v !== 0n)
          .map(({ c, v }) => `${c.name.padEnd(14)} ${hex64(v)}`).join('\n');
      }
      const c = csrByName(rest[0]);
      if (!c) throw new EvalError(`no CSR named '${rest[0]}'`);
      if (!c.implemented) return `${c.name} (0x${c.addr.toString(16)}): ${c.summary}, ${c.spec}: not implemented by this hart (accesses raise illegal-instruction)`;
      const v = readCsr(h, c.addr);
      const lines = [`${c.name} (0x${c.addr.toString(16)}, ${c.priv}-level${c.readOnly ? ', read-only' : ''}) = ${hex64(v)}`, `  ${c.summary} (${c.spec})`];
      if (c.warl) lines.push(`  WARL: ${c.warl}`);
      for (const fd of CSR_FIELDS[c.name] ?? []) lines.push(`  ${fd.name.padEnd(11)} ${describeField(c.name, fd, v, v).padEnd(24)} ${fd.summary}`);
      return lines.join('\n');
    }
    case 'priv': case 'privilege': case 'ring':
      return target.machine.harts.map((x) =>
        `hart ${x.id}: ${modeLabel(x.priv, virtOf(x))} (${PRIVILEGE_LONG[x.priv]}): ${ringOf(x.priv, virtOf(x))}; ` +
        `V=${virtOf(x) ? 1 : 0}, virtual privilege ${describeVirtualPrivilege(target, x)}`).join('\n');
    case 'tb': case 'jit': {
      const s = h.mem.stats;
      return [
        'engine: interpreter. The binary translator has not landed, so there are no translated blocks, no chaining',
        'and no translation cache statistics yet; the Translated Blocks view fills in when it does.',
        `decode cache: one page of decoded instructions per executed RAM page; ${target.machine.interp.invalidations} pages dropped so far`,
        '  (stores into code, fence.i, breakpoint changes).',
        `softmmu TLB of hart ${h.id}: ${s.hits} hits, ${s.misses} misses, ${s.flushes} flushes.`,
      ].join('\n');
    }
    case 'exits': case 'vmexits': {
      const stream = exitStreamOf(target.machine);
      if (stream) return stream.summary();
      return 'no VM exits: the guest runs in bare mode, with no VMM. Exits (and VM-exit breakpoints) come with the trap, bt, pv and hw modes.';
    }
    case 'mmu': {
      if (rest.length === 0) throw new EvalError('info mmu needs a virtual address, e.g. info mmu 0x80000000 or info mmu sp');
      const v = new Expression(rest.join(' ')).evaluate(hartScope(target, h));
      if (typeof v !== 'bigint') throw new EvalError('info mmu needs a number');
      const va = BigInt.asUintN(64, v);
      const lines: string[] = [];
      const load = target.translate(h, va, 'load');
      const root = load.root ?? 'satp';
      const stage = root === 'vsatp' ? 'guest physical' : 'pa';
      if (root === 'vsatp') lines.push(`hart ${h.id} runs a guest (V=1): two-stage translation, the guest's vsatp then the G stage (hgatp)`);
      if (load.mode === 'bare') {
        lines.push(h.priv === 3 && load.priv === 3
          ? `hart ${h.id} is in M-mode: no translation (mstatus.MPRV is clear). va ${hex(va)} = pa ${hex(va)} (identity).`
          : `${root}.MODE = Bare: no translation. va ${hex(va)} = ${stage} ${hex(va)} (identity).`);
      } else {
        lines.push(`${root}.MODE = ${load.mode}, ${root === 'vsatp' ? 'V' : ''}${privilegeName(load.priv)}-mode access (read without setting A/D bits)${root === 'vsatp' ? ', PTEs at guest physical = host physical addresses' : ''}:`);
        load.ptes.forEach((p, i) => lines.push(`  level ${load.ptes.length - 1 - i}: PTE at pa ${hex(p.addr)} = ${hex64(p.value)} ${pteFlags(p.value)}`));
        let found = load;
        if (load.fault) {
          lines.push(`  ${load.fault}`);
          // A user page seen from the kernel (U=1, sstatus.SUM clear): say how its owner, U-mode, translates it.
          const user = load.priv === 1 ? target.translate(h, va, 'load', 0) : undefined;
          if (!user || user.fault) return lines.join('\n');
          lines.push(`  a user page (PTE.U = 1): S-mode may access it only with sstatus.SUM set; as U-mode:`);
          found = user;
        }
        lines.push(`  va ${hex(va)} → ${stage} ${hex(found.guestPhysical ?? found.paddr)} (${(found.pageSize ?? 4096) / 1024} KiB page)`);
        for (const a of ['load', 'store', 'fetch'] as const) {
          if (a === 'load' && found === load) continue;
          const t = target.translate(h, va, a, found.priv);
          lines.push(`  ${a}${found === load ? '' : ' (U-mode)'}: ${t.fault ? 'faults' : 'allowed'}`);
        }
        if (found !== load) { load.paddr = found.paddr; load.gStage = found.gStage; }
      }
      if (load.gStage !== undefined && load.paddr >= 0) lines.push(`G stage (hgatp): ${load.gStage} → pa ${hex(load.paddr)}`);
      if (load.paddr < 0) { lines.push(load.fault ?? 'no translation'); return lines.join('\n'); }
      const pa = load.paddr;
      const ram = target.guestRam;
      const dev = target.machine.bus.findDevice(pa);
      lines.push(pa >= ram.base && pa < ram.end ? `pa ${hex(pa)} is RAM (offset ${hex(pa - ram.base)})` : dev ? `pa ${hex(pa)} is device ${dev.dev.name} + ${hex(dev.offset)}` : `pa ${hex(pa)} is unmapped: accesses raise access faults`);
      const cfg: number[] = [], addr: bigint[] = [];
      for (let i = 0; i < 16; i++) {
        const reg = i < 8 ? 0x3a0 : 0x3a2, j = i & 7;
        const word = j < 4 ? h.csrLo[reg] : h.csrHi[reg];
        cfg.push((word >>> ((j & 3) * 8)) & 0xff);
        addr.push(readCsr(h, 0x3b0 + i));
      }
      const regions = decodePmp(cfg, addr);
      const perms = (priv: number) => [[PMP_R, 'r'], [PMP_W, 'w'], [PMP_X, 'x']]
        .map(([p, c]) => (pmpAllows(regions, pa, 1, p as number, priv) ? c : '-')).join('');
      lines.push(`PMP: M ${perms(3)}, S ${perms(1)}, U ${perms(0)}`);
      return lines.join('\n');
    }
    case 'breakpoints': case 'break': case 'b': {
      const list = [...breakpoints.describe(), ...(data?.describeAll() ?? [])];
      return list.length ? list.join('\n') : 'no breakpoints';
    }
    default:
      throw new EvalError(`unknown monitor command 'info ${what ?? ''}'. Commands:\n${MONITOR_HELP}`);
  }
}
