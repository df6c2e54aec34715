// Tests for the DTB writer and the virt board's device tree: header and blocks byte by byte, dtc's view of
// the blob, a dtc round trip, and a node-by-node comparison with the tree QEMU's own virt board dumps.

import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildVirtDtb, dtbSize, virtDeviceTree, virtDtbAddress, type VirtDtbConfig } from '../../engine/devices/dtb';
import { FdtNode, writeFdt } from '../../engine/devices/fdt-writer';

const MiB = 1024 * 1024;

function config(harts: number, extra: Partial<VirtDtbConfig> = {}): VirtDtbConfig {
  return {
    harts,
    ramBase: 0x8000_0000,
    ramSize: 128 * MiB,
    isa: 'rv64imac_zicsr_zifencei_sstc',
    mmuType: 'riscv,sv39',
    virtioSlots: 8,
    timebaseHz: 10_000_000,
    ...extra,
  };
}

// ---- An independent DTB reader (DT spec v0.4 chapter 5), so the tests do not trust the writer's view. ----

interface Header {
  magic: number;
  totalsize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  sizeDtStruct: number;
}

interface Node {
  name: string;
  path: string;
  props: Map<string, Buffer>;
  children: Node[];
}

function header(blob: Uint8Array): Header {
  const b = Buffer.from(blob);
  const f = (i: number) => b.readUInt32BE(i * 4);
  return {
    magic: f(0),
    totalsize: f(1),
    offDtStruct: f(2),
    offDtStrings: f(3),
    offMemRsvmap: f(4),
    version: f(5),
    lastCompVersion: f(6),
    bootCpuidPhys: f(7),
    sizeDtStrings: f(8),
    sizeDtStruct: f(9),
  };
}

function reservations(blob: Uint8Array): [bigint, bigint][] {
  const b = Buffer.from(blob);
  const out: [bigint, bigint][] = [];
  for (let off = header(blob).offMemRsvmap; ; off += 16) {
    const addr = b.readBigUInt64BE(off);
    const size = b.readBigUInt64BE(off + 8);
    if (addr === 0n && size === 0n) return out;
    out.push([addr, size]);
  }
}

/** Parses the structure block into a tree, checking tokens, padding and string offsets as it goes.
 *  QEMU's libfdt leaves stale bytes in some padding, so `zeroPadding` is only demanded of our blobs. */
function parse(blob: Uint8Array, zeroPadding = true): Node {
  const b = Buffer.from(blob);
  const h = header(blob);
  const end = h.offDtStruct + h.sizeDtStruct;
  let pos = h.offDtStruct;
  const word = () => {
    const v = b.readUInt32BE(pos);
    pos += 4;
    return v;
  };
  const cstring = (at: number, limit: number) => {
    const nul = b.indexOf(0, at);
    assert.ok(nul >= 0 && nul < limit, 'unterminated string');
    return b.toString('latin1', at, nul);
  };
  const skipPad = () => {
    for (; pos & 3; pos++) if (zeroPadding) assert.equal(b[pos], 0, 'padding must be zero');
  };
  const stack: Node[] = [];
  let root: Node | undefined;
  for (;;) {
    const tok = word();
    if (tok === 1) {
      const name = cstring(pos, end);
      pos += name.length + 1;
      skipPad();
      const parent = stack[stack.length - 1];
      const path = parent ? (parent.path === '/' ? `/${name}` : `${parent.path}/${name}`) : '/';
      const node: Node = { name, path, props: new Map(), children: [] };
      if (parent) parent.children.push(node);
      else root = node;
      stack.push(node);
    } else if (tok === 3) {
      const len = word();
      const nameoff = word();
      assert.ok(nameoff < h.sizeDtStrings, 'name offset inside the strings block');
      const name = cstring(h.offDtStrings + nameoff, h.offDtStrings + h.sizeDtStrings);
      const node = stack[stack.length - 1];
      assert.ok(node && !node.props.has(name), `property ${name} once per node`);
      node.props.set(name, b.subarray(pos, pos + len));
      pos += len;
      skipPad();
    } else if (tok === 2) {
      assert.ok(stack.pop(), 'END_NODE without BEGIN_NODE');
    } else if (tok === 4) {
      // FDT_NOP
    } else if (tok === 9) {
      break;
    } else {
      assert.fail(`bad token ${tok} at ${pos - 4}`);
    }
  }
  assert.equal(stack.length, 0, 'every node closed');
  assert.equal(pos, end, 'FDT_END ends the structure block');
  assert.ok(root);
  return root;
}

function allNodes(root: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  const walk = (n: Node) => {
    out.set(n.path, n);
    n.children.forEach(walk);
  };
  walk(root);
  return out;
}

const cells = (v: Buffer) => Array.from({ length: v.length / 4 }, (_, i) => v.readUInt32BE(i * 4));
const str = (v: Buffer) => v.toString('latin1');

// ---- dtc and QEMU ----

function haveTool(cmd: string, arg: string): boolean {
  const r = spawnSync(cmd, [arg], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

const HAVE_DTC = haveTool('dtc', '--version');
const QEMU = 'qemu-system-riscv64';
const HAVE_QEMU = haveTool(QEMU, '--version');

function dtc(blob: Uint8Array, outFormat: 'dts' | 'dtb') {
  const r = spawnSync('dtc', ['-I', 'dtb', '-O', outFormat, '-'], { input: blob, maxBuffer: 1 << 24 });
  return { status: r.status, stdout: r.stdout as Buffer, stderr: r.stderr.toString('utf8') };
}

/** dtc's DTS output as path -> property -> value text (`<0x02>`, `"a\0b"`, or '' for an empty property). */
function dtsProps(dts: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const stack: string[] = [];
  for (const raw of dts.split('\n')) {
    const line = raw.trim();
    if (line === '' || line === '/dts-v1/;') continue;
    const open = /^(\S+) \{$/.exec(line);
    if (open) {
      const parent = stack[stack.length - 1];
      const path = parent === undefined ? '/' : parent === '/' ? `/${open[1]}` : `${parent}/${open[1]}`;
      stack.push(path);
      out.set(path, new Map());
      continue;
    }
    if (line === '};') {
      stack.pop();
      continue;
    }
    const prop = /^([^\s=]+)(?: = (.*))?;$/.exec(line);
    assert.ok(prop, `unexpected DTS line: ${line}`);
    out.get(stack[stack.length - 1])!.set(prop[1], prop[2] ?? '');
  }
  return out;
}

const x = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
const cellText = (...values: number[]) => `<${values.map(x).join(' ')}>`;

function qemuDtb(harts: number): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'ringside-dtb-'));
  try {
    const file = join(dir, 'virt.dtb');
    const r = spawnSync(
      QEMU,
      ['-machine', `virt,dumpdtb=${file}`, '-m', '128M', '-smp', String(harts), '-nographic', '-bios', 'none'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 0, `QEMU failed: ${r.stderr}`);
    return new Uint8Array(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('devices/fdt-writer', () => {
  it('writes the header, reservations and blocks laid out as DT spec v0.4 chapter 5 says', () => {
    const root = new FdtNode('').u32('#address-cells', 2);
    root.addChild('a@1').string('compatible', 'x').u32('reg', 1);
    root.addChild('b').string('compatible', 'yz').empty('ranges');
    const blob = writeFdt(root, {
      bootCpuidPhys: 3,
      reservations: [{ address: 0x8000_0000, size: 0x20_0000 }, { address: 0x1_2345_6789n, size: 16 }],
    });
    const h = header(blob);
    assert.equal(h.magic, 0xd00dfeed);
    assert.equal(h.totalsize, blob.length);
    assert.equal(h.version, 17);
    assert.equal(h.lastCompVersion, 16);
    assert.equal(h.bootCpuidPhys, 3);
    assert.equal(h.offMemRsvmap, 40);
    assert.equal(h.offMemRsvmap % 8, 0, 'reservation block 8-byte aligned');
    assert.equal(h.offDtStruct, 40 + 3 * 16, 'two entries and the terminator');
    assert.equal(h.offDtStruct % 4, 0, 'structure block 4-byte aligned');
    assert.equal(h.offDtStrings, h.offDtStruct + h.sizeDtStruct);
    assert.equal(h.offDtStrings + h.sizeDtStrings, h.totalsize);
    assert.deepEqual(reservations(blob), [
      [0x8000_0000n, 0x20_0000n],
      [0x1_2345_6789n, 16n],
    ]);

    // Structure block, word by word: BEGIN_NODE "" / PROP / BEGIN_NODE "a@1" ...
    const b = Buffer.from(blob);
    const s = h.offDtStruct;
    assert.deepEqual([b.readUInt32BE(s), b.readUInt32BE(s + 4)], [1, 0], 'root: BEGIN_NODE, empty name padded');
    assert.deepEqual([b.readUInt32BE(s + 8), b.readUInt32BE(s + 12), b.readUInt32BE(s + 16), b.readUInt32BE(s + 20)], [3, 4, 0, 2]);
    assert.equal(b.readUInt32BE(s + 24), 1);
    assert.equal(b.toString('latin1', s + 28, s + 32), 'a@1\0');
    assert.equal(b.readUInt32BE(h.offDtStrings - 4), 9, 'FDT_END closes the structure block');
    assert.equal(b.readUInt32BE(h.offDtStrings - 8), 2, 'after the root END_NODE');

    // Strings block: each name once, in order of first use.
    assert.equal(b.toString('latin1', h.offDtStrings, h.totalsize), '#address-cells\0compatible\0reg\0ranges\0');

    const tree = allNodes(parse(blob));
    assert.deepEqual([...tree.keys()], ['/', '/a@1', '/b']);
    assert.equal(str(tree.get('/b')!.props.get('compatible')!), 'yz\0');
    assert.equal(tree.get('/b')!.props.get('ranges')!.length, 0);
  });

  it('encodes every property kind big-endian', () => {
    const n = new FdtNode('')
      .u32('a', 0xdeadbeef)
      .u64('b', 0x1_0000_0002)
      .u64('c', 0xffff_ffff_ffff_ffffn)
      .cells('d', [1, 2, 0xffff_ffff])
      .u64s('e', [0x8000_0000, 0x800_0000])
      .string('f', 'hi')
      .strings('g', ['a', '', 'bc'])
      .bytes('h', new Uint8Array([1, 2, 3]))
      .phandle(7);
    const p = parse(writeFdt(n)).props;
    assert.equal(p.get('a')!.toString('hex'), 'deadbeef');
    assert.equal(p.get('b')!.toString('hex'), '0000000100000002');
    assert.equal(p.get('c')!.toString('hex'), 'ffffffffffffffff');
    assert.deepEqual(cells(p.get('d')!), [1, 2, 0xffff_ffff]);
    assert.equal(p.get('e')!.toString('hex'), '0000000080000000' + '0000000008000000');
    assert.equal(str(p.get('f')!), 'hi\0');
    assert.equal(str(p.get('g')!), 'a\0\0bc\0');
    assert.equal(p.get('h')!.toString('hex'), '010203', 'odd length kept; padding is not part of the value');
    assert.deepEqual(cells(p.get('phandle')!), [7]);
  });

  it('refuses malformed trees instead of writing a broken blob', () => {
    const n = new FdtNode('');
    n.u32('x', 1);
    assert.throws(() => n.u32('x', 2), /already has a property/);
    n.addChild('c');
    assert.throws(() => n.addChild('c'), /already has a child/);
    assert.throws(() => n.addChild('bad name'), /node name/);
    assert.throws(() => n.addChild(''), /root/);
    assert.throws(() => n.u32('bad name', 1), /property name/);
    assert.throws(() => n.u32('y', -1), /u32/);
    assert.throws(() => n.u32('y', 2 ** 32), /u32/);
    assert.throws(() => n.u32('y', 1.5), /u32/);
    assert.throws(() => n.u64('y', 2 ** 64), /u64/);
    assert.throws(() => n.u64('y', -1n), /u64/);
    assert.throws(() => n.u64('y', 2 ** 53 + 2), /u64/, 'an inexact number is refused; pass a bigint');
    assert.throws(() => n.string('y', 'a\0b'), /NUL/);
    assert.throws(() => n.phandle(0), /phandle/);
    assert.throws(() => n.phandle(0xffff_ffff), /phandle/);
  });
});

describe('devices/dtb (virt board)', () => {
  it('is deterministic and dtbSize agrees', () => {
    const a = buildVirtDtb(config(4, { bootargs: 'console=ttyS0' }));
    const b = buildVirtDtb(config(4, { bootargs: 'console=ttyS0' }));
    assert.deepEqual(a, b);
    assert.equal(dtbSize(config(4, { bootargs: 'console=ttyS0' })), a.length);
    assert.notDeepEqual(buildVirtDtb(config(4)), a);
  });

  it('has a well-formed header and de-duplicated strings', () => {
    const blob = buildVirtDtb(config(2));
    const h = header(blob);
    assert.equal(h.magic, 0xd00dfeed);
    assert.equal(h.totalsize, blob.length);
    assert.equal(h.version, 17);
    assert.equal(h.lastCompVersion, 16);
    assert.equal(h.bootCpuidPhys, 0);
    assert.equal(h.offMemRsvmap, 40);
    assert.deepEqual(reservations(blob), []);
    assert.equal(h.offDtStruct, 56);
    assert.equal(h.offDtStrings, h.offDtStruct + h.sizeDtStruct);
    assert.equal(h.totalsize, h.offDtStrings + h.sizeDtStrings);
    const names = Buffer.from(blob).toString('latin1', h.offDtStrings, h.totalsize).split('\0').slice(0, -1);
    assert.equal(new Set(names).size, names.length, 'no name twice');
    for (const n of ['compatible', 'reg', 'phandle', 'interrupts-extended', 'riscv,isa', 'interrupt-parent']) {
      assert.ok(names.includes(n), n);
    }
  });

  it('describes the board for 1 hart (read back with the test reader)', () => {
    const t = allNodes(parse(buildVirtDtb(config(1, { virtioSlots: 1 }))));
    assert.deepEqual(
      [...t.keys()],
      [
        '/',
        '/chosen',
        '/memory@80000000',
        '/cpus',
        '/cpus/cpu@0',
        '/cpus/cpu@0/interrupt-controller',
        '/cpus/cpu-map',
        '/cpus/cpu-map/cluster0',
        '/cpus/cpu-map/cluster0/core0',
        '/soc',
        '/soc/test@100000',
        '/soc/clint@2000000',
        '/soc/plic@c000000',
        '/soc/serial@10000000',
        '/soc/virtio_mmio@10001000',
        '/poweroff',
        '/reboot',
      ],
    );
    const p = (path: string, name: string) => t.get(path)!.props.get(name)!;
    assert.deepEqual(cells(p('/memory@80000000', 'reg')), [0, 0x8000_0000, 0, 128 * MiB]);
    assert.deepEqual(cells(p('/soc/serial@10000000', 'clock-frequency')), [0x384000]);
    assert.deepEqual(cells(p('/cpus', 'timebase-frequency')), [10_000_000]);
    assert.ok(!t.get('/chosen')!.props.has('bootargs'));
    assert.ok(!t.get('/chosen')!.props.has('linux,initrd-start'));
  });

  it('writes bootargs and a 64-bit initrd range into /chosen', () => {
    const t = allNodes(parse(buildVirtDtb(config(1, { bootargs: 'console=ttyS0 earlycon', initrd: { start: 0x1_8400_0000, end: 0x1_8401_0000 } }))));
    const chosen = t.get('/chosen')!.props;
    assert.equal(str(chosen.get('bootargs')!), 'console=ttyS0 earlycon\0');
    assert.equal(str(chosen.get('stdout-path')!), '/soc/serial@10000000\0');
    assert.deepEqual(cells(chosen.get('linux,initrd-start')!), [1, 0x8400_0000]);
    assert.deepEqual(cells(chosen.get('linux,initrd-end')!), [1, 0x8401_0000]);
  });

  it('handles the ISA and MMU options', () => {
    const isaOf = (c: VirtDtbConfig) => str(allNodes(parse(buildVirtDtb(c))).get('/cpus/cpu@0')!.props.get('riscv,isa')!);
    const mmuOf = (c: VirtDtbConfig) => str(allNodes(parse(buildVirtDtb(c))).get('/cpus/cpu@0')!.props.get('mmu-type')!);
    assert.equal(isaOf(config(1, { isa: 'rv64imac_zicsr', hasSstc: true })), 'rv64imac_zicsr_sstc\0');
    assert.equal(isaOf(config(1, { isa: 'rv64imac_zicsr_sstc', hasSstc: true })), 'rv64imac_zicsr_sstc\0');
    assert.equal(isaOf(config(1, { isa: 'rv64imac_zicsr' })), 'rv64imac_zicsr\0');
    assert.equal(mmuOf(config(1, { mmuType: 'riscv,sv48' })), 'riscv,sv48\0');
    assert.equal(mmuOf(config(1, { mmuType: null })), 'riscv,none\0');
  });

  it('refuses configurations the board cannot have', () => {
    assert.throws(() => buildVirtDtb(config(0)));
    assert.throws(() => buildVirtDtb(config(513)));
    assert.throws(() => buildVirtDtb(config(1, { virtioSlots: 9 })));
    assert.throws(() => buildVirtDtb(config(1, { ramSize: 0 })));
    assert.throws(() => buildVirtDtb(config(1, { initrd: { start: 10, end: 5 } })));
  });

  it('places the blob where QEMU 7.2 would (2 MiB aligned below min(RAM end, 3 GiB))', () => {
    assert.equal(virtDtbAddress(0x8000_0000, 128 * MiB, 0x107e), 0x87e0_0000);
    assert.equal(virtDtbAddress(0x8000_0000, 128 * MiB, 2 * MiB), 0x87e0_0000);
    assert.equal(virtDtbAddress(0x8000_0000, 128 * MiB, 2 * MiB + 1), 0x87c0_0000);
    assert.equal(virtDtbAddress(0x8000_0000, 2048 * MiB, 0x2000), 0xbfe0_0000, 'capped at 3 GiB');
    assert.equal(virtDtbAddress(0x8000_0000, 1 * MiB, 0x2000), 0x8000_0000);
    assert.throws(() => virtDtbAddress(0x8000_0000, 1 * MiB, 2 * MiB), /does not fit/);
  });

  it('exposes the tree before serialisation', () => {
    const root = virtDeviceTree(config(2));
    assert.equal(root.child('soc')!.child('plic@c000000')!.prop('riscv,ndev')!.value.length, 4);
  });

  for (const harts of [1, 4]) {
    describe(`decompiled by dtc, ${harts} hart(s)`, () => {
      before(function () {
        if (!HAVE_DTC) this.skip();
      });

      const blob = buildVirtDtb(config(harts, { bootargs: 'console=ttyS0', virtioSlots: 8 }));

      it('decompiles without errors; the only warnings are the ones QEMU gets too', () => {
        const r = dtc(blob, 'dts');
        assert.equal(r.status, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /ERROR/i);
        const warnings = r.stderr.split('\n').filter((l) => l.trim() !== '');
        // riscv,cpu-intc nodes have no #address-cells in QEMU's tree either (and the binding forbids one).
        for (const w of warnings) assert.match(w, /Warning \(interrupt_provider\): \/cpus\/cpu@[0-9a-f]+\/interrupt-controller: Missing #address-cells/);
        assert.equal(warnings.length, harts);
      });

      it('has the nodes and properties of the virt board', () => {
        const t = dtsProps(dtc(blob, 'dts').stdout.toString('utf8'));
        const expectedPaths = [
          '/',
          '/chosen',
          '/memory@80000000',
          '/cpus',
          ...Array.from({ length: harts }, (_, h) => [`/cpus/cpu@${h}`, `/cpus/cpu@${h}/interrupt-controller`]).flat(),
          '/cpus/cpu-map',
          '/cpus/cpu-map/cluster0',
          ...Array.from({ length: harts }, (_, h) => `/cpus/cpu-map/cluster0/core${h}`),
          '/soc',
          '/soc/test@100000',
          '/soc/clint@2000000',
          '/soc/plic@c000000',
          '/soc/serial@10000000',
          ...Array.from({ length: 8 }, (_, n) => `/soc/virtio_mmio@1000${n + 1}000`),
          '/poweroff',
          '/reboot',
        ];
        assert.deepEqual([...t.keys()].sort(), [...expectedPaths].sort());

        const prop = (path: string, name: string) => t.get(path)!.get(name);
        const phandleOf = (path: string) => Number(/^<(0x[0-9a-f]+)>$/.exec(prop(path, 'phandle')!)![1]);

        assert.equal(prop('/', '#address-cells'), '<0x02>');
        assert.equal(prop('/', '#size-cells'), '<0x02>');
        assert.equal(prop('/', 'compatible'), '"riscv-virtio"');
        assert.equal(prop('/', 'model'), '"riscv-virtio,qemu"');
        assert.equal(prop('/chosen', 'bootargs'), '"console=ttyS0"');
        assert.equal(prop('/chosen', 'stdout-path'), '"/soc/serial@10000000"');
        assert.equal(prop('/memory@80000000', 'device_type'), '"memory"');
        assert.equal(prop('/memory@80000000', 'reg'), cellText(0, 0x8000_0000, 0, 0x800_0000));
        assert.equal(prop('/cpus', '#address-cells'), '<0x01>');
        assert.equal(prop('/cpus', '#size-cells'), '<0x00>');
        assert.equal(prop('/cpus', 'timebase-frequency'), cellText(10_000_000));

        const intc = (h: number) => phandleOf(`/cpus/cpu@${h}/interrupt-controller`);
        for (let h = 0; h < harts; h++) {
          const cpu = `/cpus/cpu@${h}`;
          assert.equal(prop(cpu, 'device_type'), '"cpu"');
          assert.equal(prop(cpu, 'reg'), cellText(h));
          assert.equal(prop(cpu, 'status'), '"okay"');
          assert.equal(prop(cpu, 'compatible'), '"riscv"');
          assert.equal(prop(cpu, 'riscv,isa'), '"rv64imac_zicsr_zifencei_sstc"');
          assert.equal(prop(cpu, 'mmu-type'), '"riscv,sv39"');
          const ic = `${cpu}/interrupt-controller`;
          assert.equal(prop(ic, '#interrupt-cells'), '<0x01>');
          assert.equal(prop(ic, 'interrupt-controller'), '');
          assert.equal(prop(ic, 'compatible'), '"riscv,cpu-intc"');
          assert.equal(prop(`/cpus/cpu-map/cluster0/core${h}`, 'cpu'), cellText(phandleOf(cpu)));
        }
        const allPhandles = [...t.values()].map((m) => m.get('phandle')).filter((v) => v !== undefined);
        assert.equal(new Set(allPhandles).size, allPhandles.length, 'phandles are unique');

        assert.equal(prop('/soc', '#address-cells'), '<0x02>');
        assert.equal(prop('/soc', '#size-cells'), '<0x02>');
        assert.equal(prop('/soc', 'compatible'), '"simple-bus"');
        assert.equal(prop('/soc', 'ranges'), '');

        const perHart = (a: number, b: number) => Array.from({ length: harts }, (_, h) => [intc(h), a, intc(h), b]).flat();
        const clint = '/soc/clint@2000000';
        assert.equal(prop(clint, 'compatible'), '"sifive,clint0\\0riscv,clint0"');
        assert.equal(prop(clint, 'reg'), cellText(0, 0x200_0000, 0, 0x1_0000));
        assert.equal(prop(clint, 'interrupts-extended'), cellText(...perHart(3, 7)));

        const plic = '/soc/plic@c000000';
        assert.equal(prop(plic, 'compatible'), '"sifive,plic-1.0.0\\0riscv,plic0"');
        assert.equal(prop(plic, '#interrupt-cells'), '<0x01>');
        assert.equal(prop(plic, '#address-cells'), '<0x00>');
        assert.equal(prop(plic, 'interrupt-controller'), '');
        assert.equal(prop(plic, 'reg'), cellText(0, 0xc00_0000, 0, 0x60_0000));
        assert.equal(prop(plic, 'riscv,ndev'), cellText(95));
        assert.equal(prop(plic, 'interrupts-extended'), cellText(...perHart(11, 9)));
        const plicRef = cellText(phandleOf(plic));

        const serial = '/soc/serial@10000000';
        assert.equal(prop(serial, 'compatible'), '"ns16550a"');
        assert.equal(prop(serial, 'reg'), cellText(0, 0x1000_0000, 0, 0x100));
        // 0x00384000 happens to look like a string to dtc, which prints it as "\08@" (QEMU's does too).
        assert.ok(['<0x384000>', '"\\08@"'].includes(prop(serial, 'clock-frequency')!), prop(serial, 'clock-frequency'));
        assert.equal(prop(serial, 'interrupts'), cellText(10));
        assert.equal(prop(serial, 'interrupt-parent'), plicRef);

        const test = '/soc/test@100000';
        assert.equal(prop(test, 'compatible'), '"sifive,test1\\0sifive,test0\\0syscon"');
        assert.equal(prop(test, 'reg'), cellText(0, 0x10_0000, 0, 0x1000));
        const testRef = cellText(phandleOf(test));
        for (const [node, compat, value] of [['/poweroff', 'syscon-poweroff', 0x5555], ['/reboot', 'syscon-reboot', 0x7777]] as const) {
          assert.equal(prop(node, 'compatible'), `"${compat}"`);
          assert.equal(prop(node, 'regmap'), testRef);
          assert.equal(prop(node, 'offset'), cellText(0));
          assert.equal(prop(node, 'value'), cellText(value));
        }

        for (let n = 0; n < 8; n++) {
          const v = `/soc/virtio_mmio@1000${n + 1}000`;
          assert.equal(prop(v, 'compatible'), '"virtio,mmio"');
          assert.equal(prop(v, 'reg'), cellText(0, 0x1000_1000 + n * 0x1000, 0, 0x1000));
          assert.equal(prop(v, 'interrupts'), cellText(n + 1));
          assert.equal(prop(v, 'interrupt-parent'), plicRef);
        }
      });

      it('survives a dtc round trip byte for byte', () => {
        // dtc lays out blocks as we do (header, reservations, structure, strings in order of first use);
        // it would only differ by merging a name into the tail of a longer one, which no name here allows.
        const r = dtc(blob, 'dtb');
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(new Uint8Array(r.stdout), blob);
      });
    });
  }

  for (const harts of [1, 4]) {
    describe(`compared with QEMU's own virt DTB, ${harts} hart(s)`, () => {
      let qemu: Map<string, Node>;
      let ours: Map<string, Node>;

      before(function () {
        if (!HAVE_QEMU) this.skip();
        this.timeout(60_000);
        qemu = allNodes(parse(qemuDtb(harts), false));
        // Same CPU description as QEMU's default CPU, so the cpu nodes can be compared whole.
        const isa = str(qemu.get('/cpus/cpu@0')!.props.get('riscv,isa')!).replace(/\0$/, '');
        const mmu = str(qemu.get('/cpus/cpu@0')!.props.get('mmu-type')!).replace(/\0$/, '');
        assert.ok(mmu === 'riscv,sv39' || mmu === 'riscv,sv48', mmu);
        ours = allNodes(parse(buildVirtDtb(config(harts, { isa, mmuType: mmu, virtioSlots: 8 }))));
      });

      /** A property's value with phandles replaced by the path of the node they name. */
      function normalized(tree: Map<string, Node>, name: string, value: Buffer): string {
        const byPhandle = new Map<number, string>();
        for (const [path, n] of tree) {
          const ph = n.props.get('phandle');
          if (ph) byPhandle.set(ph.readUInt32BE(0), path);
        }
        const ref = (c: number) => byPhandle.get(c) ?? `<dangling ${c}>`;
        if (name === 'interrupt-parent' || name === 'regmap' || name === 'cpu') return ref(cells(value)[0]);
        if (name === 'interrupts-extended') {
          return cells(value)
            .map((c, i) => (i % 2 === 0 ? ref(c) : String(c)))
            .join(' ');
        }
        return value.toString('hex');
      }

      // Where we knowingly differ from QEMU 7.2 (the installed version) or later ones.
      const IGNORED_PROPS = new Set(['phandle', 'riscv,ndev']);
      const QEMU_ONLY_PROPS = new Set(['rng-seed', 'riscv,cbom-block-size', 'riscv,cboz-block-size', 'riscv,cbop-block-size', 'riscv,isa-base', 'riscv,isa-extensions']);
      const QEMU_ONLY_NODES = [/^\/pmu$/, /^\/soc\/pmu$/, /^\/fw-cfg@/, /^\/flash@/, /^\/platform-bus@/, /^\/soc\/rtc@/, /^\/soc\/pci@/];

      it('every node we emit exists in QEMU with the same properties', () => {
        for (const [path, node] of ours) {
          const q = qemu.get(path);
          assert.ok(q, `QEMU has no ${path}`);
          for (const [name, value] of node.props) {
            if (IGNORED_PROPS.has(name)) continue;
            const qv = q.props.get(name);
            assert.ok(qv, `QEMU's ${path} has no ${name}`);
            assert.equal(normalized(ours, name, value), normalized(qemu, name, qv), `${path} ${name}`);
          }
          for (const name of q.props.keys()) {
            if (!QEMU_ONLY_PROPS.has(name)) assert.ok(node.props.has(name), `we lack ${path} ${name}`);
          }
        }
      });

      it('riscv,ndev is the highest source id (95); QEMU 7.2 writes the source count (96)', () => {
        const ndev = (t: Map<string, Node>) => cells(t.get('/soc/plic@c000000')!.props.get('riscv,ndev')!)[0];
        assert.equal(ndev(ours), 95);
        assert.ok([95, 96].includes(ndev(qemu)), String(ndev(qemu)));
      });

      it('the nodes we leave out are only those of devices Ringside does not model', () => {
        const missing = [...qemu.keys()].filter((p) => !ours.has(p));
        const unexpected = missing.filter((p) => !QEMU_ONLY_NODES.some((re) => re.test(p)));
        assert.deepEqual(unexpected, []);
      });
    });
  }
});
