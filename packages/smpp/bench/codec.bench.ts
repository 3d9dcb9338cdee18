// Codec micro-benchmark (not a test): operations per second of the hot pure
// functions. Run with `pnpm --filter @smpp-gateway/smpp bench:codec`.
// Each case runs for a fixed wall-clock budget after a warm-up so the JIT has
// settled; results feed a sink so the work cannot be optimised away.

import {
  decodeText,
  encodeText,
  formatReceiptText,
  parseReceiptText,
  splitMessage,
} from '../src/codec/index.js';

const WARMUP_MS = 300;
const MEASURE_MS = Number(process.env.BENCH_MS ?? 1500);

let sink = 0;

function measure(name: string, detail: string, op: () => number): void {
  const deadline = (ms: number) => process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  for (const end = deadline(WARMUP_MS); process.hrtime.bigint() < end;) sink += op();

  let ops = 0;
  const start = process.hrtime.bigint();
  const end = deadline(MEASURE_MS);
  // Check the clock every 256 calls: hrtime is not free next to a 100 ns op.
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 256; i++) sink += op();
    ops += 256;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = ops / seconds;
  console.log(
    `${name.padEnd(24)} ${Math.round(perSecond).toLocaleString('en-US').padStart(14)} ops/s  ${(1e9 / perSecond).toFixed(0).padStart(7)} ns/op  ${detail}`,
  );
}

function must<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error('benchmark input failed to encode/decode');
  return result as Extract<T, { ok: true }>;
}

const gsmText =
  'Your verification code is 482913. It expires in 10 minutes. Questions? {help} @ €0.05';
const ucs2Text = 'Ваш код подтверждения: 482913 😀 действителен 10 минут. 你好';
const longGsm = must(
  encodeText('Lorem ipsum dolor sit amet, {consectetur} adipiscing elit €. '.repeat(17), 'gsm7'),
).bytes;
const gsmBytes = must(encodeText(gsmText, 'gsm7')).bytes;
const ucs2Bytes = must(encodeText(ucs2Text, 'ucs2')).bytes;
const receiptText =
  'id:4A3F0C91 sub:001 dlvrd:001 submit date:2401151230 done date:240115123107 stat:DELIVRD err:000 text:Your verification co';
const receiptFields = {
  id: '4A3F0C91',
  submitDate: new Date('2024-01-15T12:30:00Z'),
  doneDate: new Date('2024-01-15T12:31:07Z'),
  stat: 'DELIVRD',
  text: gsmText,
} as const;

console.log(`node ${process.version}, ${MEASURE_MS} ms per case`);
measure(
  'gsm7 encode',
  `${gsmText.length} chars`,
  () => must(encodeText(gsmText, 'gsm7')).bytes.length,
);
measure(
  'gsm7 decode',
  `${gsmBytes.length} septets`,
  () => must(decodeText(gsmBytes, 0x00)).text.length,
);
measure(
  'ucs2 encode',
  `${ucs2Text.length} code units`,
  () => must(encodeText(ucs2Text, 'ucs2')).bytes.length,
);
measure(
  'ucs2 decode',
  `${ucs2Bytes.length} octets`,
  () => must(decodeText(ucs2Bytes, 0x08)).text.length,
);
measure(
  'split gsm7 udh8',
  `${longGsm.length} septets → ${must(splitMessage(longGsm, { unit: 'gsm7', method: 'udh8', reference: 1 })).parts.length} parts`,
  () => must(splitMessage(longGsm, { unit: 'gsm7', method: 'udh8', reference: 7 })).parts.length,
);
measure(
  'receipt parse',
  `${receiptText.length} chars`,
  () => must(parseReceiptText(receiptText)).receipt.warnings.length,
);
measure('receipt format', '10-digit dates', () => formatReceiptText(receiptFields).length);

if (sink === 0) console.log('(sink)');
