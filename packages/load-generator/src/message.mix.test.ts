import { describe, expect, it } from 'vitest';
import { parseUdh } from '@smpp-gateway/smpp';
import { buildTemplates, FractionDealer, MixDealer } from './message.mix.js';

describe('message mix', () => {
  it('deals exact shares', () => {
    const dealer = new MixDealer({ gsm7: 6, ucs2: 3, long: 1 });
    const counts = { gsm7: 0, ucs2: 0, long: 0 };
    for (let i = 0; i < 1_000; i++) counts[dealer.next()] += 1;
    expect(counts).toEqual({ gsm7: 600, ucs2: 300, long: 100 });
  });

  it.each([0, 0.25, 1 / 3, 0.5, 1])(
    'asks for receipts on exactly floor(N × %d) of N messages',
    (fraction) => {
      const dealer = new FractionDealer(fraction);
      let yes = 0;
      for (let i = 0; i < 999; i++) if (dealer.next()) yes += 1;
      expect(yes).toBe(Math.floor(999 * fraction + 1e-9));
    },
  );

  it('builds a 3-part UDH long message, a UCS2 and a GSM7 template', () => {
    const templates = buildTemplates();
    expect(templates.long.parts).toHaveLength(3);
    const udh = templates.long.parts.map((part) => parseUdh(part));
    expect(udh.map((u) => (u.ok ? u.concat?.sequence : undefined))).toEqual([1, 2, 3]);
    expect(templates.ucs2.dataCoding).toBe(8);
    expect(templates.gsm7.parts[0]!.length).toBeLessThanOrEqual(160);
  });
});
