// What the payload codec costs per payload (node bench/payload-codec.bench.ts [--repeat=N]): encode and decode of
// payloads shaped like dsrflow's (a workflow input, an erasure plan, a failure stack), against the bare payload
// converter. Medians of N rounds of 2,000 payloads each. Figures in bench/README.md.
import { defaultPayloadConverter } from '@temporalio/common';
import { newKeyEntry, parseKeyRing } from '../src/platform/data-keys.ts';
import { encryptionCodec } from '../src/platform/payload-codec.ts';

const repeat = Number(process.argv.find((a) => a.startsWith('--repeat='))?.slice(9) ?? 7);
const PER_ROUND = 2000;
const codec = encryptionCodec(parseKeyRing(newKeyEntry('bench-1')));

const shapes: Record<string, unknown> = {
  'workflow input (~330 B)': {
    requestId: crypto.randomUUID(), organizationId: 'default', type: 'access', regulation: 'GDPR', receivedAt: new Date().toISOString(),
    dueAt: new Date().toISOString(), acknowledgeBy: null, verification: 'required', verificationWindowDays: 14, reminderDaysBefore: [7, 2], autoApprove: false,
  },
  'erasure plan (~4 KB)': { models: Array.from({ length: 40 }, (_, i) => ({ model: `model_${i}`, action: i % 3 ? 'delete' : 'anonymize', rows: i * 17, keptFor: i % 5 ? null : 'tax_records' })) },
  'failure stack (~2 KB)': { message: 'activity failed', stack_trace: Array.from({ length: 25 }, (_, i) => `    at step${i} (file:///app/src/activities/erasure/step-${i}.ts:${i + 10}:7)`).join('\n') },
};

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`| payload | plain B | sealed B | converter µs | encode µs | decode µs |`);
console.log(`|---|---:|---:|---:|---:|---:|`);
for (const [name, value] of Object.entries(shapes)) {
  const plain = defaultPayloadConverter.toPayload(value);
  const batch = Array.from({ length: PER_ROUND }, () => plain);
  await codec.decode(await codec.encode(batch)); // warm-up
  const conv: number[] = [];
  const enc: number[] = [];
  const dec: number[] = [];
  let sealedBytes = 0;
  for (let r = 0; r < repeat; r++) {
    let t = performance.now();
    // The baseline every payload pays anyway: the JSON converter there and back.
    for (let i = 0; i < PER_ROUND; i++) defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(value));
    conv.push(((performance.now() - t) * 1000) / PER_ROUND);
    t = performance.now();
    const sealed = await codec.encode(batch);
    enc.push(((performance.now() - t) * 1000) / PER_ROUND);
    sealedBytes = sealed[0]!.data!.length;
    t = performance.now();
    await codec.decode(sealed);
    dec.push(((performance.now() - t) * 1000) / PER_ROUND);
  }
  console.log(`| ${name} | ${plain.data!.length} | ${sealedBytes} | ${median(conv).toFixed(1)} | ${median(enc).toFixed(1)} | ${median(dec).toFixed(1)} |`);
}
