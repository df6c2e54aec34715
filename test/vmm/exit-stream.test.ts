// The exit stream: filters, predicates, counters without subscribers, history bounds, summary and trace lines.
import { strict as assert } from 'assert';
import { ExitStream } from '../../engine/vmm/exit-stream';
import { VM_EXIT_REASONS, VmExit, VmExitReason, isVmExitReason } from '../../engine/vmm/vm-exit';

function exit(stream: ExitStream, reason: VmExitReason, extra: Partial<VmExit> = {}): VmExit {
  return {
    seq: stream.nextSeq(), vcpu: 0, reason, guestPc: 0x8020_0000n, details: {},
    before: { real: 'VS' }, after: { real: 'S' }, instret: 100, hostNs: 500, ...extra,
  };
}

describe('vmm: exit stream', () => {
  it('has a closed set of documented reasons', () => {
    assert.ok(VM_EXIT_REASONS.includes('hypercall'));
    assert.ok(isVmExitReason('mmio'));
    assert.ok(!isVmExitReason('teleport'));
    assert.equal(new Set(VM_EXIT_REASONS).size, VM_EXIT_REASONS.length);
  });

  it('wants no records while nobody listens, yet counts every exit', () => {
    const s = new ExitStream();
    assert.equal(s.wantsRecords, false);
    s.count('hypercall', 100);
    s.count('hypercall', 300);
    s.count('mmio', 50);
    assert.equal(s.total, 3);
    assert.deepEqual(s.statistics().get('hypercall'), { count: 2, hostNs: 400, minNs: 100, maxNs: 300 });
  });

  it('delivers to subscribers by reason and predicate, and unsubscribes', () => {
    const s = new ExitStream();
    const csrOnly: VmExit[] = [], satp: VmExit[] = [];
    const off = s.subscribe({ reasons: new Set(['csr-access']) }, (e) => csrOnly.push(e));
    s.subscribe({ predicate: (e) => e.details.csr?.name === 'satp' }, (e) => satp.push(e));
    assert.equal(s.wantsRecords, true);
    s.emit(exit(s, 'csr-access', { details: { csr: { number: 0x180, name: 'satp', write: true, value: 8n << 60n } } }));
    s.emit(exit(s, 'csr-access', { details: { csr: { number: 0x100, name: 'sstatus', write: false } } }));
    s.emit(exit(s, 'hypercall', { details: { hypercall: { extension: 0x54494d45, function: 0, args: [1n] } } }));
    assert.deepEqual(csrOnly.map((e) => e.seq), [1, 2]);
    assert.deepEqual(satp.map((e) => e.seq), [1]);
    off();
    s.emit(exit(s, 'csr-access'));
    assert.equal(csrOnly.length, 2);
  });

  it('keeps a bounded history when asked, filterable', () => {
    const s = new ExitStream();
    s.keepHistory = true;
    for (let i = 0; i < ExitStream.HISTORY + 10; i++) s.emit(exit(s, i % 2 ? 'mmio' : 'wfi'));
    assert.equal(s.history().length, ExitStream.HISTORY);
    assert.equal(s.history()[0].seq, 11);
    assert.ok(s.history({ reasons: new Set(['mmio']) }).every((e) => e.reason === 'mmio'));
  });

  it('prints a perf-kvm-stat-like summary and one trace line per exit', () => {
    const s = new ExitStream();
    s.count('hypercall', 1000);
    s.count('hypercall', 3000);
    s.count('mmio', 1000);
    const text = s.summary();
    assert.match(text, /hypercall\s+2\s+66\.67%\s+80\.00%\s+1000\s+3000\s+2000/);
    assert.match(text, /mmio\s+1\s+33\.33%/);
    assert.match(text, /total: 3 exits/);
    const line = ExitStream.format(exit(s, 'hypercall', {
      instruction: { raw: 0x73, text: 'ecall' },
      details: { hypercall: { extension: 0x54494d45, function: 0, args: [], name: 'TIME' } },
    }));
    assert.match(line, /^exit 4 vcpu 0 hypercall\s+pc=0x80200000 ecall eid=0x54494d45 \(TIME\) fid=0 \[VS -> S\] 500ns$/);
  });
});
