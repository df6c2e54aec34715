// Flattened devicetree (DTB) writer: a small node/property builder and its big-endian serialisation.
//
// Format: Devicetree Specification v0.4, chapter 5 "Flattened Devicetree (DTB) Format": a 40-byte header,
// the memory reservation block (8-byte aligned (address, size) u64 pairs ending in (0, 0)), the structure
// block (4-byte aligned tokens) and the strings block (NUL-terminated property names, referenced by offset).
// Output is deterministic: properties and children keep insertion order, and the strings block lists each
// name once, in order of first use in a depth-first walk (which is also how dtc lays it out).

/** Header constants (DT spec v0.4 §5.2). Version 17 is the current one; 16 is the oldest it stays compatible with. */
export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
export const FDT_HEADER_SIZE = 40;

/** Structure block tokens (DT spec v0.4 §5.4.1). */
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

export interface FdtProperty {
  readonly name: string;
  /** The raw value, big-endian cells as stored in the blob. */
  readonly value: Uint8Array;
}

/** One memory reservation block entry (DT spec v0.4 §5.3). */
export interface FdtReservation {
  readonly address: number | bigint;
  readonly size: number | bigint;
}

export interface FdtWriteOptions {
  /** Header boot_cpuid_phys: the physical id (reg) of the boot CPU. */
  bootCpuidPhys?: number;
  reservations?: readonly FdtReservation[];
}

// Character sets of DT spec v0.4 Table 2.1 (node names) and Table 2.2 (property names).
const NODE_NAME = /^[0-9A-Za-z,._+-]{1,31}(@[0-9A-Za-z,._+-]+)?$/;
const PROP_NAME = /^[0-9A-Za-z,._+?#-]{1,31}$/;

const TWO_32 = 0x1_0000_0000;

/** A devicetree node under construction. Setters return the node, so a node reads as one chain. Building
 *  mistakes (bad names, duplicates, out-of-range cells) throw: they are bugs in the board description. */
export class FdtNode {
  readonly name: string;
  private readonly propList: FdtProperty[] = [];
  private readonly childList: FdtNode[] = [];

  /** `name` is '' for the root node. */
  constructor(name: string) {
    if (name !== '' && !NODE_NAME.test(name)) throw new Error(`invalid devicetree node name '${name}'`);
    this.name = name;
  }

  get props(): readonly FdtProperty[] {
    return this.propList;
  }

  get children(): readonly FdtNode[] {
    return this.childList;
  }

  /** Creates, appends and returns a child node. */
  addChild(name: string): FdtNode {
    if (name === '') throw new Error('only the root node has an empty name');
    if (this.child(name)) throw new Error(`node '${this.name}' already has a child '${name}'`);
    const node = new FdtNode(name);
    this.childList.push(node);
    return node;
  }

  child(name: string): FdtNode | undefined {
    return this.childList.find((c) => c.name === name);
  }

  prop(name: string): FdtProperty | undefined {
    return this.propList.find((p) => p.name === name);
  }

  /** A property with no value (a boolean such as `interrupt-controller` or `ranges`). */
  empty(name: string): this {
    return this.set(name, new Uint8Array(0));
  }

  u32(name: string, value: number): this {
    return this.cells(name, [value]);
  }

  /** One 64-bit value as two cells, high first. */
  u64(name: string, value: number | bigint): this {
    return this.set(name, u64Bytes([value]));
  }

  /** An array of 32-bit cells (`<a b c>`), e.g. `interrupts-extended` or a reg of 1-cell values. */
  cells(name: string, values: readonly number[]): this {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => view.setUint32(i * 4, checkU32(v, name)));
    return this.set(name, out);
  }

  /** An array of 64-bit values, each as two cells (a reg or ranges with #address-cells = #size-cells = 2). */
  u64s(name: string, values: readonly (number | bigint)[]): this {
    return this.set(name, u64Bytes(values));
  }

  string(name: string, value: string): this {
    return this.strings(name, [value]);
  }

  /** A string list (`"a", "b"`): each string NUL-terminated, back to back. */
  strings(name: string, values: readonly string[]): this {
    const parts = values.map((s) => {
      if (s.includes('\0')) throw new Error(`property '${name}': string contains NUL`);
      return Buffer.from(s + '\0', 'utf8');
    });
    return this.set(name, new Uint8Array(Buffer.concat(parts)));
  }

  bytes(name: string, data: Uint8Array): this {
    return this.set(name, Uint8Array.from(data));
  }

  /** This node's `phandle`, the u32 other nodes use to refer to it (DT spec v0.4 §2.3.3). */
  phandle(value: number): this {
    if (!Number.isInteger(value) || value < 1 || value >= 0xffff_ffff) {
      throw new Error(`phandle ${value} is not in 1..0xfffffffe`);
    }
    return this.u32('phandle', value);
  }

  private set(name: string, value: Uint8Array): this {
    if (!PROP_NAME.test(name)) throw new Error(`invalid devicetree property name '${name}'`);
    if (this.prop(name)) throw new Error(`node '${this.name}' already has a property '${name}'`);
    this.propList.push({ name, value });
    return this;
  }
}

/** Serialises the tree under `root` into a DTB blob. */
export function writeFdt(root: FdtNode, options: FdtWriteOptions = {}): Uint8Array {
  const reservations = options.reservations ?? [];
  const strings = new StringTable();
  const structSize = measure(root, strings) + 4; // + FDT_END

  const offRsvmap = FDT_HEADER_SIZE; // 40 is already 8-byte aligned (§5.3 requires it)
  const offStruct = offRsvmap + 16 * (reservations.length + 1);
  const offStrings = offStruct + structSize;
  const totalSize = offStrings + strings.size;

  const out = new Uint8Array(totalSize);
  const view = new DataView(out.buffer);
  const header = [
    FDT_MAGIC,
    totalSize,
    offStruct,
    offStrings,
    offRsvmap,
    FDT_VERSION,
    FDT_LAST_COMP_VERSION,
    checkU32(options.bootCpuidPhys ?? 0, 'boot_cpuid_phys'),
    strings.size,
    structSize,
  ];
  header.forEach((v, i) => view.setUint32(i * 4, v));

  out.set(u64Bytes(reservations.flatMap((r) => [r.address, r.size])), offRsvmap);
  // The terminating (0, 0) entry is already zero.

  let pos = offStruct;
  const word = (v: number) => {
    view.setUint32(pos, v);
    pos += 4;
  };
  const padded = (data: Uint8Array) => {
    out.set(data, pos);
    pos += align4(data.length); // padding bytes stay zero, as §5.4.2 requires
  };
  const emit = (node: FdtNode) => {
    word(FDT_BEGIN_NODE);
    padded(Buffer.from(node.name + '\0', 'ascii'));
    for (const p of node.props) {
      word(FDT_PROP);
      word(p.value.length);
      word(strings.offsetOf(p.name));
      padded(p.value);
    }
    for (const c of node.children) emit(c);
    word(FDT_END_NODE);
  };
  emit(root);
  word(FDT_END);

  out.set(strings.bytes(), offStrings);
  return out;
}

/** Structure-block bytes of `node` (without FDT_END), registering its property names on the way. */
function measure(node: FdtNode, strings: StringTable): number {
  let size = 4 + align4(node.name.length + 1) + 4;
  for (const p of node.props) {
    strings.add(p.name);
    size += 12 + align4(p.value.length);
  }
  for (const c of node.children) size += measure(c, strings);
  return size;
}

/** The strings block: each property name once (de-duplicated), in order of first use. */
class StringTable {
  private readonly offsets = new Map<string, number>();
  private readonly parts: Buffer[] = [];
  size = 0;

  add(name: string): void {
    if (this.offsets.has(name)) return;
    this.offsets.set(name, this.size);
    const b = Buffer.from(name + '\0', 'ascii');
    this.parts.push(b);
    this.size += b.length;
  }

  offsetOf(name: string): number {
    const off = this.offsets.get(name);
    if (off === undefined) throw new Error(`property name '${name}' was not measured`);
    return off;
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function checkU32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= TWO_32) throw new Error(`${what}: ${v} is not a u32`);
  return v;
}

function u64Bytes(values: readonly (number | bigint)[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    const big = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : -1n;
    if (big < 0n || big >= 1n << 64n) throw new Error(`${String(v)} is not a u64`);
    view.setBigUint64(i * 8, big);
  });
  return out;
}
