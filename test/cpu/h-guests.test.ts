// The H-extension test guests (guests/htest: M-mode programs that enter HS, U, VS and VU) pass on the
// interpreter, as they do on QEMU with the H extension (test/differential/h-vs-qemu.test.ts steps them in
// lockstep against it).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { GUEST_BIN, runGuest } from '../support/run-guest';

describe('guests: the H-extension tests on the interpreter', () => {
  const elfs = fs.readdirSync(GUEST_BIN).filter((f) => f.startsWith('htest-') && f.endsWith('.elf')).sort();

  it('has all of them', () => {
    assert.deepEqual(elfs, ['htest-csr.elf', 'htest-gstage.elf', 'htest-trap.elf', 'htest-virtinst.elf']);
  });

  for (const f of elfs) {
    it(`${f} passes`, () => {
      const r = runGuest(path.join(GUEST_BIN, f));
      assert.deepEqual(r.stop, { kind: 'exit', code: 0, via: 'test-device' }, r.console);
      assert.match(r.console, /^htest-[a-z]+: PASS\r?\n$/);
    });
  }
});
