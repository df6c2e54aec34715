// Drives a booted machine like a person at the console: run until some text appears, then type.
import { Machine } from '../../engine/machine';

export class ConsoleDriver {
  private text = '';
  readonly bytes: number[] = [];
  executed = 0;

  constructor(readonly machine: Machine) {}

  /** ConsoleIO for the Machine constructor. */
  static sink(driver: () => ConsoleDriver) {
    return { write: (b: number) => { const d = driver(); d.bytes.push(b); d.text += String.fromCharCode(b); } };
  }

  get output(): string { return this.text; }

  /** Runs until `pattern` appears in the output after position `from`; throws with the tail on timeout or stop. */
  runUntil(pattern: RegExp | string, budget: number, from = 0): number {
    const found = () => {
      const tail = this.text.slice(from);
      const i = typeof pattern === 'string' ? tail.indexOf(pattern) : tail.search(pattern);
      return i < 0 ? -1 : from + i;
    };
    let at = found();
    while (at < 0) {
      if (this.executed >= budget) throw new Error(`'${pattern}' did not appear within ${budget} instructions; output ends:\n${this.text.slice(-600)}`);
      const r = this.machine.run(Math.min(2_000_000, budget - this.executed));
      this.executed += 2_000_000;
      if (r.kind !== 'budget' && r.kind !== 'paused') throw new Error(`machine stopped (${JSON.stringify(r, (_k, v) => typeof v === 'bigint' ? v.toString(16) : v)}) before '${pattern}'; output ends:\n${this.text.slice(-600)}`);
      at = found();
    }
    return at;
  }

  type(s: string): void {
    this.machine.consoleUart.pushInput(Buffer.from(s, 'latin1'));
  }
}
