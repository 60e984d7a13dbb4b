// A compact QR Code encoder (ISO/IEC 18004): byte mode, error correction level M, versions 1–10
// (up to 213 bytes — a handoff link is well under that). Written here rather than imported to keep
// the widget bundle small; the structure follows Project Nayuki's reference implementation.

/** Error-correction codewords per block and block count, level M, versions 1–10. */
const ECC_PER_BLOCK = [10, 16, 26, 18, 24, 16, 18, 22, 22, 26];
const BLOCK_COUNT = [1, 1, 1, 2, 2, 4, 4, 4, 5, 5];
const RAW_CODEWORDS = [26, 44, 70, 100, 134, 172, 196, 242, 292, 346];
const ALIGNMENT = [
  [],
  [6, 18],
  [6, 22],
  [6, 26],
  [6, 30],
  [6, 34],
  [6, 22, 38],
  [6, 24, 42],
  [6, 26, 46],
  [6, 28, 50],
];

const bit = (value: number, i: number) => ((value >>> i) & 1) !== 0;

function gfMultiply(x: number, y: number): number {
  let z = 0;
  for (let i = 7; i >= 0; i--) {
    z = (z << 1) ^ ((z >>> 7) * 0x11d);
    z ^= ((y >>> i) & 1) * x;
  }
  return z;
}

function rsDivisor(degree: number): number[] {
  const result = new Array<number>(degree).fill(0);
  result[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      result[j] = gfMultiply(result[j]!, root) ^ (j + 1 < degree ? result[j + 1]! : 0);
    }
    root = gfMultiply(root, 2);
  }
  return result;
}

function rsRemainder(data: number[], divisor: number[]): number[] {
  const result = divisor.map(() => 0);
  for (const byte of data) {
    const factor = byte ^ result.shift()!;
    result.push(0);
    divisor.forEach((coefficient, i) => {
      result[i]! ^= gfMultiply(coefficient, factor);
    });
  }
  return result;
}

/** Encodes text (UTF-8) as a QR Code; returns rows of modules, `true` for dark. */
export function encodeQr(text: string): boolean[][] {
  const bytes = [...new TextEncoder().encode(text)];
  let version = 0;
  let capacity = 0;
  for (; version < 10; version++) {
    capacity = RAW_CODEWORDS[version]! - ECC_PER_BLOCK[version]! * BLOCK_COUNT[version]!;
    if (4 + (version < 9 ? 8 : 16) + bytes.length * 8 <= capacity * 8) break;
  }
  if (version === 10) throw new RangeError('Text too long for a QR code');

  // Data bits: mode, length, bytes, terminator, padding.
  const bits: number[] = [];
  const push = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(4, 4);
  push(bytes.length, version < 9 ? 8 : 16);
  for (const byte of bytes) push(byte, 8);
  push(0, Math.min(4, capacity * 8 - bits.length));
  push(0, (8 - (bits.length % 8)) % 8);
  for (let pad = 0xec; bits.length < capacity * 8; pad ^= 0xec ^ 0x11) push(pad, 8);
  const data: number[] = [];
  for (let i = 0; i < bits.length; i += 8) data.push(Number.parseInt(bits.slice(i, i + 8).join(''), 2));

  // Split into blocks, add Reed–Solomon codewords, interleave.
  const blockCount = BLOCK_COUNT[version]!;
  const ecc = ECC_PER_BLOCK[version]!;
  const raw = RAW_CODEWORDS[version]!;
  const shortBlocks = blockCount - (raw % blockCount);
  const shortLength = Math.floor(raw / blockCount);
  const divisor = rsDivisor(ecc);
  const blocks: number[][] = [];
  for (let i = 0, k = 0; i < blockCount; i++) {
    const block = data.slice(k, k + shortLength - ecc + (i < shortBlocks ? 0 : 1));
    k += block.length;
    const remainder = rsRemainder(block, divisor);
    if (i < shortBlocks) block.push(0);
    blocks.push(block.concat(remainder));
  }
  const codewords: number[] = [];
  for (let i = 0; i < blocks[0]!.length; i++) {
    blocks.forEach((block, j) => {
      if (i !== shortLength - ecc || j >= shortBlocks) codewords.push(block[i]!);
    });
  }

  const size = version * 4 + 21;
  // Plain loops, not Array.from: old page libraries (Prototype.js) replace it with one that ignores the callback.
  const modules: boolean[][] = [];
  const reserved: boolean[][] = [];
  for (let row = 0; row < size; row++) {
    modules.push(new Array<boolean>(size).fill(false));
    reserved.push(new Array<boolean>(size).fill(false));
  }
  const set = (x: number, y: number, dark: boolean) => {
    modules[y]![x] = dark;
    reserved[y]![x] = true;
  };

  for (let i = 0; i < size; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [
    [3, 3],
    [size - 4, 3],
    [3, size - 4],
  ] as const) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const distance = Math.max(Math.abs(dx), Math.abs(dy));
        const x = cx + dx;
        const y = cy + dy;
        if (x >= 0 && x < size && y >= 0 && y < size) set(x, y, distance !== 2 && distance !== 4);
      }
    }
  }
  const align = ALIGNMENT[version]!;
  const last = align.length - 1;
  align.forEach((cx, i) => {
    align.forEach((cy, j) => {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    });
  });

  const drawFormat = (mask: number) => {
    // Level M has format bits 00.
    let remainder = mask;
    for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >>> 9) * 0x537);
    const format = ((mask << 10) | remainder) ^ 0x5412;
    for (let i = 0; i <= 5; i++) set(8, i, bit(format, i));
    set(8, 7, bit(format, 6));
    set(8, 8, bit(format, 7));
    set(7, 8, bit(format, 8));
    for (let i = 9; i < 15; i++) set(14 - i, 8, bit(format, i));
    for (let i = 0; i < 8; i++) set(size - 1 - i, 8, bit(format, i));
    for (let i = 8; i < 15; i++) set(8, size - 15 + i, bit(format, i));
    set(8, size - 8, true);
  };
  drawFormat(0);
  const versionNumber = version + 1;
  if (versionNumber >= 7) {
    let remainder = versionNumber;
    for (let i = 0; i < 12; i++) remainder = (remainder << 1) ^ ((remainder >>> 11) * 0x1f25);
    const info = (versionNumber << 12) | remainder;
    for (let i = 0; i < 18; i++) {
      const a = size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      set(a, b, bit(info, i));
      set(b, a, bit(info, i));
    }
  }

  // Codewords in the zig-zag order, two columns at a time, skipping the vertical timing line.
  let index = 0;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let vert = 0; vert < size; vert++) {
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const y = ((right + 1) & 2) === 0 ? size - 1 - vert : vert;
        if (!reserved[y]![x] && index < codewords.length * 8) {
          modules[y]![x] = bit(codewords[index >>> 3]!, 7 - (index & 7));
          index++;
        }
      }
    }
  }

  const applyMask = (mask: number) => {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (reserved[y]![x]) continue;
        const invert = [
          (x + y) % 2,
          y % 2,
          x % 3,
          (x + y) % 3,
          (Math.floor(x / 3) + Math.floor(y / 2)) % 2,
          ((x * y) % 2) + ((x * y) % 3),
          (((x * y) % 2) + ((x * y) % 3)) % 2,
          (((x + y) % 2) + ((x * y) % 3)) % 2,
        ][mask];
        if (invert === 0) modules[y]![x] = !modules[y]![x];
      }
    }
  };

  let best = 0;
  let bestPenalty = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 8; mask++) {
    applyMask(mask);
    drawFormat(mask);
    const score = penalty(modules);
    if (score < bestPenalty) {
      best = mask;
      bestPenalty = score;
    }
    applyMask(mask);
  }
  applyMask(best);
  drawFormat(best);
  return modules;
}

/** The standard mask penalty (runs, 2×2 blocks, finder look-alikes, dark balance). */
function penalty(modules: boolean[][]): number {
  const size = modules.length;
  let score = 0;
  let dark = 0;
  const lines: string[] = [];
  for (let y = 0; y < size; y++) {
    let row = '';
    let column = '';
    for (let x = 0; x < size; x++) {
      row += modules[y]![x] ? '1' : '0';
      column += modules[x]![y] ? '1' : '0';
      if (modules[y]![x]) dark++;
      if (
        x < size - 1 &&
        y < size - 1 &&
        modules[y]![x] === modules[y]![x + 1] &&
        modules[y]![x] === modules[y + 1]![x] &&
        modules[y]![x] === modules[y + 1]![x + 1]
      )
        score += 3;
    }
    lines.push(row, column);
  }
  for (const line of lines) {
    for (const run of line.match(/0{5,}|1{5,}/g) ?? []) score += run.length - 2;
    for (let i = line.indexOf('1011101'); i >= 0; i = line.indexOf('1011101', i + 1)) {
      if (line.slice(i - 4, i) === '0000' || line.slice(i + 7, i + 11) === '0000') score += 40;
    }
  }
  const total = size * size;
  score += (Math.ceil(Math.abs(dark * 20 - total * 10) / total) - 1) * 10;
  return score;
}

/** The drawing of a code: its side in modules (quiet zone included) and one SVG path of its dark modules. */
export function qrDrawing(text: string): { size: number; path: string } {
  const modules = encodeQr(text);
  let path = '';
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) path += `M${x + 4} ${y + 4}h1v1h-1z`;
    });
  });
  return { size: modules.length + 8, path };
}

/** An SVG drawing of the code with the standard 4-module quiet zone, as markup (for servers and emails). */
export function qrSvg(text: string, label: string): string {
  const { size, path } = qrDrawing(text);
  const safeLabel = label.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" role="img" aria-label="${safeLabel}" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
}
