// Guest symbol table: name lookup and address-to-nearest-symbol, built from an ELF .symtab.

export type SymKind = 'func' | 'object' | 'notype';
export type SymBind = 'local' | 'global' | 'weak';

/** One symbol. `addr` is a guest virtual address as a signed 64-bit value (engine convention). */
export interface Sym {
  readonly name: string;
  readonly addr: number;
  readonly size: number;
  readonly kind: SymKind;
  readonly bind: SymBind;
  /** SHN_ABS: a constant, not an address; found by name but never names an address. */
  readonly absolute?: boolean;
}

// st_info = bind << 4 | type; gABI "Symbol Table" (ELF64_ST_BIND / ELF64_ST_TYPE).
const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2;
const STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2, STB_GNU_UNIQUE = 10;
const SHN_UNDEF = 0;

// RISC-V psABI mapping symbols: "$d", "$x" and "$x<ISA string>" (e.g. "$xrv64i2p1_m2p0"), optionally
// followed by ".<n>"; they mark code/data runs for disassemblers and are not names a user wants to see.
const MAPPING_SYMBOL = /^\$[dx](?:$|\.|rv\d)/;

/**
 * Which raw .symtab entries become `Sym`s: defined (st_shndx != SHN_UNDEF) FUNC, OBJECT and NOTYPE symbols,
 * without section/file/TLS symbols, local mapping symbols or assembler-local `.L` labels.
 */
export function classifySymbol(name: string, info: number, shndx: number):
    { kind: SymKind; bind: SymBind } | undefined {
  if (name === '' || shndx === SHN_UNDEF) return undefined;
  const type = info & 0xf, b = info >> 4;
  const kind: SymKind | undefined =
    type === STT_FUNC ? 'func' : type === STT_OBJECT ? 'object' : type === STT_NOTYPE ? 'notype' : undefined;
  const bind: SymBind | undefined = b === STB_LOCAL ? 'local' : b === STB_WEAK ? 'weak' :
    b === STB_GLOBAL || b === STB_GNU_UNIQUE ? 'global' : undefined;
  if (kind === undefined || bind === undefined) return undefined;
  if (bind === 'local' && (MAPPING_SYMBOL.test(name) || name.startsWith('.L'))) return undefined;
  return { kind, bind };
}

const KIND_RANK: Record<SymKind, number> = { func: 0, object: 1, notype: 2 };
const BIND_RANK: Record<SymBind, number> = { global: 0, weak: 1, local: 2 };

/** Orders symbols at the same address: FUNC first, then global over weak over local, then by name. */
function preference(a: Sym, b: Sym): number {
  return KIND_RANK[a.kind] - KIND_RANK[b.kind] || BIND_RANK[a.bind] - BIND_RANK[b.bind] ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export class SymbolTable {
  /** By address, then by `preference` within one address. */
  private readonly sorted: Sym[];
  private readonly addrs: Float64Array;
  /** maxEnd[i] = the largest addr+size over sized symbols sorted[0..i]; bounds the backward walk in `nearest`. */
  private readonly maxEnd: Float64Array;
  private readonly byName = new Map<string, Sym>();

  constructor(symbols: Iterable<Sym> = []) {
    const all = [...symbols];
    for (const s of all) if (s.absolute) this.addByName(s);
    this.sorted = all.filter((s) => !s.absolute).sort((a, b) => a.addr - b.addr || preference(a, b));
    const n = this.sorted.length;
    this.addrs = new Float64Array(n);
    this.maxEnd = new Float64Array(n);
    let end = -Infinity;
    for (let i = 0; i < n; i++) {
      const s = this.sorted[i];
      this.addrs[i] = s.addr;
      if (s.size > 0) end = Math.max(end, s.addr + s.size);
      this.maxEnd[i] = end;
      this.addByName(s);
    }
  }

  private addByName(s: Sym): void {
    const old = this.byName.get(s.name);
    if (old === undefined || BIND_RANK[s.bind] < BIND_RANK[old.bind] ||
        (s.bind === old.bind && KIND_RANK[s.kind] < KIND_RANK[old.kind])) this.byName.set(s.name, s);
  }

  get size(): number { return this.sorted.length; }

  /**
   * The symbol with this name; among duplicates (file-local statics): global before weak before local, then
   * FUNC, then the lowest address.
   */
  lookup(name: string): Sym | undefined {
    return this.byName.get(name);
  }

  /**
   * The symbol `addr` belongs to, for "func+0x1c" labels. The innermost sized symbol (st_size != 0) that
   * covers `addr` wins; otherwise the closest unsized symbol at or below `addr`, unless a sized symbol at or
   * after it already ended at or before `addr` (then `addr` is padding, and the answer is undefined).
   */
  nearest(addr: number): { sym: Sym; offset: number } | undefined {
    let i = this.upperBound(addr) - 1;
    let fallback: Sym | undefined;
    let closed = false;
    while (i >= 0) {
      let j = i;
      while (j > 0 && this.addrs[j - 1] === this.addrs[i]) j--;
      let sized = false;
      for (let k = j; k <= i; k++) {
        const s = this.sorted[k];
        if (s.size > 0) {
          if (addr < s.addr + s.size) return { sym: s, offset: addr - s.addr };
          sized = true;
        }
      }
      if (!closed && fallback === undefined) {
        if (sized) closed = true;
        else fallback = this.sorted[j];
      }
      if (j === 0 || this.maxEnd[j - 1] <= addr) break;
      i = j - 1;
    }
    return fallback && { sym: fallback, offset: addr - fallback.addr };
  }

  /** All symbols, sorted by address. */
  all(): readonly Sym[] {
    return this.sorted;
  }

  /** Index of the first symbol whose address is > addr. */
  private upperBound(addr: number): number {
    let lo = 0, hi = this.addrs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.addrs[mid] <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
