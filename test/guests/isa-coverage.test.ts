// The ISA suite executes every instruction of the table at least once (issue: "covering every instruction").
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { lookup } from '../../engine/isa/decoder';
import { INSTRUCTIONS } from '../../engine/isa/instructions';
import { Machine } from '../../engine/machine';
import { parseElf } from '../../engine/loader/elf';
import { GUEST_BIN } from '../support/run-guest';

/** Mnemonics executed by single-stepping a guest to its exit. */
function executed(file: string): Set<string> {
  const m = new Machine({ console: { write: () => undefined } });
  m.load(parseElf(new Uint8Array(fs.readFileSync(file)), file), file);
  const seen = new Set<string>();
  const h = m.harts[0];
  for (let i = 0; i < 200_000; i++) {
    const off = h.pc - m.ram.base;
    if (off >= 0 && off + 4 <= m.ram.size) {
      const def = lookup(m.ram.view.getUint32(off, true));
      if (def) seen.add(def.mnemonic);
    }
    if (m.step(0)) break;
  }
  return seen;
}

describe('guests: ISA suite coverage', function () {
  this.timeout(60_000);
  it('executes every row of the instruction table', () => {
    const seen = new Set<string>();
    for (const f of fs.readdirSync(GUEST_BIN).filter((n) => n.startsWith('isa-') && n.endsWith('.elf'))) {
      for (const mn of executed(path.join(GUEST_BIN, f))) seen.add(mn);
    }
    // Rows of extensions that have their own suites elsewhere (the H extension: guests/htest).
    const missing = INSTRUCTIONS.filter((d) => d.ext !== 'H' && !seen.has(d.mnemonic)).map((d) => d.mnemonic);
    assert.deepEqual(missing, [], `never executed by the ISA suite: ${missing.join(', ')}`);
  });
});
