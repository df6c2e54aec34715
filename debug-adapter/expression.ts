// Expressions the debugger understands: C-like integer arithmetic over registers, CSRs, symbols, memory
// (`*(uint64_t*)(sp+8)`) and, in trap conditions, the trap's fields (`cause == 2 && priv == "U"`).

/** A value: a 64-bit integer (kept sign-normalized, printed unsigned) or a string (privilege names). */
export type Value = bigint | string;

export class EvalError extends Error {}

/** What identifiers and memory mean where an expression is evaluated. */
export interface EvalScope {
  /** Context variables first (trap fields), then registers, CSRs, symbols; undefined = unknown name. */
  lookup(name: string): Value | undefined;
  /** Little-endian load of `size` bytes; throws EvalError when the memory cannot be read. */
  read(addr: bigint, size: number): bigint;
}

interface CType { size: number; signed: boolean }

const TYPES: Record<string, CType> = {
  uint8_t: { size: 1, signed: false }, int8_t: { size: 1, signed: true }, char: { size: 1, signed: true },
  'unsigned char': { size: 1, signed: false }, 'signed char': { size: 1, signed: true },
  uint16_t: { size: 2, signed: false }, int16_t: { size: 2, signed: true }, short: { size: 2, signed: true },
  'unsigned short': { size: 2, signed: false },
  uint32_t: { size: 4, signed: false }, int32_t: { size: 4, signed: true }, int: { size: 4, signed: true },
  unsigned: { size: 4, signed: false }, 'unsigned int': { size: 4, signed: false },
  uint64_t: { size: 8, signed: false }, int64_t: { size: 8, signed: true }, long: { size: 8, signed: true },
  'unsigned long': { size: 8, signed: false }, 'long long': { size: 8, signed: true },
  'unsigned long long': { size: 8, signed: false }, size_t: { size: 8, signed: false },
  uintptr_t: { size: 8, signed: false }, intptr_t: { size: 8, signed: true },
};

type Node =
  | { k: 'num'; v: bigint }
  | { k: 'str'; v: string }
  | { k: 'id'; name: string }
  | { k: 'unary'; op: string; e: Node }
  | { k: 'deref'; type: CType; e: Node }
  | { k: 'cast'; type: CType; e: Node }
  | { k: 'bin'; op: string; a: Node; b: Node };

const norm = (v: bigint) => BigInt.asIntN(64, v);

function tokenize(text: string): string[] {
  const re = /\s*(0[xX][0-9a-fA-F_]+|0[bB][01_]+|\d[\d_]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)'|\$?[A-Za-z_.][\w.]*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>()=])\s*/y;
  const out: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m || m[0].length === 0) {
      if (/^\s*$/.test(text.slice(pos))) break;
      throw new EvalError(`unexpected '${text.slice(pos).trim()[0]}' at column ${pos + 1}`);
    }
    out.push(m[1]);
    pos = re.lastIndex;
  }
  return out;
}

const BINARY_LEVELS: string[][] = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
];

class Parser {
  private i = 0;
  constructor(private readonly t: string[]) {}

  parse(): Node {
    if (this.t.length === 0) throw new EvalError('empty expression');
    const n = this.binary(0);
    if (this.i < this.t.length) throw new EvalError(`unexpected '${this.t[this.i]}'`);
    return n;
  }

  private peek(): string | undefined { return this.t[this.i]; }
  private next(): string {
    const s = this.t[this.i++];
    if (s === undefined) throw new EvalError('expression ends too early');
    return s;
  }
  private expect(s: string): void {
    const got = this.next();
    if (got !== s) throw new EvalError(`expected '${s}' but found '${got}'`);
  }

  private binary(level: number): Node {
    if (level === BINARY_LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    while (BINARY_LEVELS[level].includes(this.peek() ?? '')) {
      const op = this.next();
      a = { k: 'bin', op, a, b: this.binary(level + 1) };
    }
    return a;
  }

  /** `(type)` or `(type*)` at the cursor: returns the type and whether it is a pointer, else undefined. */
  private castAhead(): { type: CType; pointer: boolean; length: number } | undefined {
    if (this.t[this.i] !== '(') return undefined;
    let j = this.i + 1;
    const words: string[] = [];
    while (j < this.t.length && /^[A-Za-z_]\w*$/.test(this.t[j])) words.push(this.t[j++]);
    const type = TYPES[words.join(' ')];
    if (!type || words.length === 0) return undefined;
    let pointer = false;
    if (this.t[j] === '*') { pointer = true; j++; }
    if (this.t[j] !== ')') return undefined;
    return { type, pointer, length: j + 1 - this.i };
  }

  private unary(): Node {
    const s = this.peek();
    if (s === '-' || s === '+' || s === '~' || s === '!') {
      this.next();
      return { k: 'unary', op: s, e: this.unary() };
    }
    if (s === '*') {
      this.next();
      const c = this.castAhead();
      if (c && c.pointer) {
        this.i += c.length;
        return { k: 'deref', type: c.type, e: this.unary() };
      }
      return { k: 'deref', type: TYPES.uint64_t, e: this.unary() };
    }
    if (s === '&') {
      this.next();
      const id = this.next();
      if (!/^[A-Za-z_.]/.test(id)) throw new EvalError(`'&' needs a symbol name, found '${id}'`);
      return { k: 'unary', op: '&', e: { k: 'id', name: id } };
    }
    const c = this.castAhead();
    if (c) {
      this.i += c.length;
      // `(uint32_t*)x` is an address: the cast changes nothing until it is dereferenced.
      return c.pointer ? this.unary() : { k: 'cast', type: c.type, e: this.unary() };
    }
    return this.primary();
  }

  private primary(): Node {
    const s = this.next();
    if (s === '(') {
      const n = this.binary(0);
      this.expect(')');
      return n;
    }
    if (/^\d/.test(s)) {
      try { return { k: 'num', v: norm(BigInt(s.replace(/_/g, ''))) }; } catch {
        throw new EvalError(`'${s}' is not a number`);
      }
    }
    if (s.startsWith('"')) return { k: 'str', v: JSON.parse(s) as string };
    if (s.startsWith("'")) return { k: 'num', v: BigInt((JSON.parse(`"${s.slice(1, -1)}"`) as string).charCodeAt(0)) };
    if (/^\$?[A-Za-z_.]/.test(s)) return { k: 'id', name: s.startsWith('$') ? s.slice(1) : s };
    throw new EvalError(`unexpected '${s}'`);
  }
}

function num(v: Value, what: string): bigint {
  if (typeof v !== 'bigint') throw new EvalError(`${what} needs a number, not the string "${v}"`);
  return v;
}

const truth = (v: Value) => (typeof v === 'string' ? v !== '' : v !== 0n);

function evaluate(n: Node, s: EvalScope): Value {
  switch (n.k) {
    case 'num': case 'str': return n.v;
    case 'id': {
      const v = s.lookup(n.name);
      if (v === undefined) throw new EvalError(`no register, CSR or symbol named '${n.name}'`);
      return v;
    }
    case 'unary': {
      if (n.op === '&') return evaluate(n.e, s); // a symbol's value is already its address
      const v = evaluate(n.e, s);
      if (n.op === '!') return truth(v) ? 0n : 1n;
      const x = num(v, `'${n.op}'`);
      return n.op === '-' ? norm(-x) : n.op === '~' ? norm(~x) : x;
    }
    case 'deref': {
      const addr = num(evaluate(n.e, s), 'a memory access');
      const raw = s.read(BigInt.asUintN(64, addr), n.type.size);
      return n.type.signed ? BigInt.asIntN(8 * n.type.size, raw) : norm(raw);
    }
    case 'cast': {
      const x = num(evaluate(n.e, s), 'a cast');
      return norm(n.type.signed ? BigInt.asIntN(8 * n.type.size, x) : BigInt.asUintN(8 * n.type.size, x));
    }
    case 'bin': {
      if (n.op === '&&') return truth(evaluate(n.a, s)) && truth(evaluate(n.b, s)) ? 1n : 0n;
      if (n.op === '||') return truth(evaluate(n.a, s)) || truth(evaluate(n.b, s)) ? 1n : 0n;
      const a = evaluate(n.a, s), b = evaluate(n.b, s);
      if (n.op === '==' || n.op === '!=') {
        if (typeof a !== typeof b) {
          throw new EvalError(`cannot compare ${typeof a === 'string' ? `"${a}"` : 'a number'} with ${typeof b === 'string' ? `"${b}"` : 'a number'}`);
        }
        return (a === b) === (n.op === '==') ? 1n : 0n;
      }
      const x = num(a, `'${n.op}'`), y = num(b, `'${n.op}'`);
      switch (n.op) {
        case '+': return norm(x + y);
        case '-': return norm(x - y);
        case '*': return norm(x * y);
        case '/': if (y === 0n) throw new EvalError('division by zero'); return norm(x / y);
        case '%': if (y === 0n) throw new EvalError('division by zero'); return norm(x % y);
        case '<<': return norm(x << (y & 63n));
        case '>>': return norm(BigInt.asUintN(64, x) >> (y & 63n));
        case '&': return norm(x & y);
        case '|': return norm(x | y);
        case '^': return norm(x ^ y);
        case '<': return x < y ? 1n : 0n;
        case '<=': return x <= y ? 1n : 0n;
        case '>': return x > y ? 1n : 0n;
        case '>=': return x >= y ? 1n : 0n;
      }
      throw new EvalError(`unknown operator '${n.op}'`);
    }
  }
}

function identifiers(n: Node, out: Set<string>): Set<string> {
  switch (n.k) {
    case 'id': out.add(n.name); break;
    case 'unary': case 'deref': case 'cast': identifiers(n.e, out); break;
    case 'bin': identifiers(n.a, out); identifiers(n.b, out); break;
  }
  return out;
}

/** A parsed expression. Parse errors throw EvalError at construction, so conditions fail when they are set. */
export class Expression {
  private readonly root: Node;
  /** Names used, for checking them against a scope before the expression first runs. */
  readonly names: ReadonlySet<string>;

  constructor(readonly text: string) {
    this.root = new Parser(tokenize(text)).parse();
    this.names = identifiers(this.root, new Set());
  }

  evaluate(scope: EvalScope): Value {
    return evaluate(this.root, scope);
  }

  /** What the expression designates, for watching it: a memory read `*(T*)addr` (its address, evaluated now,
   *  and T's size), a bare name (the caller decides: register, CSR or symbol), or undefined (a computed value). */
  designates(scope: EvalScope): { kind: 'memory'; address: bigint; size: number } | { kind: 'name'; name: string } | undefined {
    const n = this.root;
    if (n.k === 'id') return { kind: 'name', name: n.name };
    if (n.k === 'deref') {
      return { kind: 'memory', address: BigInt.asUintN(64, num(evaluate(n.e, scope), 'a memory access')), size: n.type.size };
    }
    return undefined;
  }

  /** Evaluates as a condition: non-zero numbers and non-empty strings are true. */
  test(scope: EvalScope): boolean {
    return truth(this.evaluate(scope));
  }
}

/** `0x…` unsigned, plus the signed decimal when it differs from the hex reading's usefulness. */
export function formatValue(v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v);
  const u = BigInt.asUintN(64, v);
  return `0x${u.toString(16)} (${v.toString()})`;
}

/** Splits a DAP log message ("a0 = {a0}") into text and expressions; `{{` and `}}` are literal braces. */
export function parseLogMessage(template: string): (string | Expression)[] {
  const parts: (string | Expression)[] = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if ((c === '{' || c === '}') && template[i + 1] === c) { text += c; i++; continue; }
    if (c === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) throw new EvalError(`'{' at column ${i + 1} has no closing '}'`);
      if (text) parts.push(text);
      text = '';
      parts.push(new Expression(template.slice(i + 1, end)));
      i = end;
      continue;
    }
    text += c;
  }
  if (text) parts.push(text);
  return parts;
}

/** Hit conditions: `N` or `>= N` (from the Nth hit on), `== N`, `> N`, `< N`, `<= N`, `% N` (every Nth hit). */
export function parseHitCondition(text: string): (hits: number) => boolean {
  const m = /^\s*(==|=|>=|>|<=|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!m) throw new EvalError(`'${text}' is not a hit condition (examples: 3, >= 3, == 3, % 2)`);
  const n = Number(m[2]);
  switch (m[1] ?? '>=') {
    case '==': case '=': return (h) => h === n;
    case '>': return (h) => h > n;
    case '<': return (h) => h < n;
    case '<=': return (h) => h <= n;
    case '%': if (n === 0) throw new EvalError('% 0 is not a hit condition'); return (h) => h % n === 0;
    default: return (h) => h >= n;
  }
}
