import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECEIPT_STATS } from './message-state.js';
import { formatReceiptDate, parseReceiptDate } from './receipt-date.codec.js';
import { formatReceiptText, parseReceiptText } from './receipt-text.codec.js';
import type { ParsedReceiptText } from './receipt-text.codec.js';

const utc = (iso: string) => new Date(`${iso}Z`);

function parsed(text: string): ParsedReceiptText {
  const result = parseReceiptText(text);
  if (!result.ok) throw new Error(`not parsed: ${result.detail}`);
  return result.receipt;
}

describe('formatReceiptText', () => {
  const base = {
    id: '7f3a09bc',
    submitDate: utc('2024-01-15T12:30:05'),
    doneDate: utc('2024-01-15T12:31:59'),
    stat: 'DELIVRD',
    text: 'Your code is 123456, valid 5 min',
  } as const;

  it('writes the SMPP 3.4 Appendix B layout with 10-digit dates by default', () => {
    expect(formatReceiptText(base)).toBe(
      'id:7f3a09bc sub:001 dlvrd:001 submit date:2401151230 done date:2401151231 stat:DELIVRD err:000 text:Your code is 123456,',
    );
  });

  it('writes 12-digit dates when asked', () => {
    expect(
      formatReceiptText({ ...base, stat: 'UNDELIV', err: 34, text: '' }, { dateDigits: 12 }),
    ).toBe(
      'id:7f3a09bc sub:001 dlvrd:000 submit date:240115123005 done date:240115123159 stat:UNDELIV err:034 text:',
    );
  });

  it('uses explicit sub/dlvrd and a vendor err string as given', () => {
    expect(formatReceiptText({ ...base, sub: 3, dlvrd: 2, err: 'X1F', text: 'hi' })).toContain(
      'sub:003 dlvrd:002 ',
    );
    expect(formatReceiptText({ ...base, err: 'X1F', text: 'hi' })).toContain(' err:X1F text:hi');
  });

  it('truncates text to 20 characters without cutting an emoji in half', () => {
    const text = 'a'.repeat(19) + '😀tail';
    expect(formatReceiptText({ ...base, text }).endsWith(`text:${'a'.repeat(19)}😀`)).toBe(true);
  });

  it.each([
    [{ id: '' }],
    [{ id: 'has space' }],
    [{ sub: 1000 }],
    [{ dlvrd: -1 }],
    [{ err: 1.5 }],
    [{ err: 'a b' }],
    [{ submitDate: new Date(Number.NaN) }],
  ])('refuses to produce a broken receipt: %j', (override) => {
    expect(() => formatReceiptText({ ...base, ...override })).toThrow(RangeError);
  });
});

describe('parseReceiptText: vendor styles', () => {
  it('reads the canonical layout', () => {
    expect(
      parsed(
        'id:0123456789 sub:001 dlvrd:001 submit date:2401151230 done date:2401151231 stat:DELIVRD err:000 text:Hello world',
      ),
    ).toEqual({
      id: '0123456789',
      sub: 1,
      dlvrd: 1,
      submitDate: utc('2024-01-15T12:30:00'),
      doneDate: utc('2024-01-15T12:31:00'),
      stat: 'DELIVRD',
      state: 2,
      err: '000',
      text: 'Hello world',
      warnings: [],
    });
  });

  it('reads upper-case keys, a lower-case stat and unpadded numbers', () => {
    expect(
      parsed(
        'ID:abc123 SUB:1 DLVRD:1 SUBMIT DATE:2401151230 DONE DATE:2401151231 STAT:delivrd ERR:0 TEXT:hi',
      ),
    ).toMatchObject({
      id: 'abc123',
      sub: 1,
      dlvrd: 1,
      stat: 'DELIVRD',
      state: 2,
      err: '0',
      text: 'hi',
    });
  });

  it('reads 12-digit dates with seconds and an empty text', () => {
    expect(
      parsed(
        'id:7F3A sub:001 dlvrd:000 submit date:240115123005 done date:240115123107 stat:UNDELIV err:001 text:',
      ),
    ).toMatchObject({
      submitDate: utc('2024-01-15T12:30:05'),
      doneDate: utc('2024-01-15T12:31:07'),
      state: 5,
      err: '001',
      text: '',
    });
  });

  it('reads a receipt without text:', () => {
    const receipt = parsed(
      'id:123 sub:001 dlvrd:000 submit date:2401151230 done date:2401151231 stat:EXPIRED err:000',
    );
    expect(receipt).toMatchObject({ id: '123', state: 3, err: '000', warnings: [] });
    expect(receipt.text).toBeUndefined();
  });

  it('reads keys in any order, underscore date keys and extra spaces', () => {
    expect(
      parsed(
        'stat:REJECTD   err:0x0B  id : 9876  submit_date:2401151230 done_date: 2401151240  sub:001 text:x',
      ),
    ).toMatchObject({
      id: '9876',
      state: 8,
      err: '0x0B',
      submitDate: utc('2024-01-15T12:30:00'),
      doneDate: utc('2024-01-15T12:40:00'),
      sub: 1,
      text: 'x',
    });
  });

  it('takes everything after text: as the text, colons and key-like words included', () => {
    expect(
      parsed('id:1 stat:DELIVRD text:Your code: 12 34 id:fake stat:UNDELIV err:9'),
    ).toMatchObject({ id: '1', state: 2, text: 'Your code: 12 34 id:fake stat:UNDELIV err:9' });
  });

  it('reads the capitalised Text: of the SMPP appendix and a 14-digit date', () => {
    expect(
      parsed(
        'id:55 sub:001 dlvrd:001 submit date:20240115123005 done date:2401151231 stat:ACCEPTD err:000 Text:ok',
      ),
    ).toMatchObject({ submitDate: utc('2024-01-15T12:30:05'), state: 6, text: 'ok' });
  });

  it('accepts long-form stat words', () => {
    expect(parsed('id:1 stat:DELIVERED').state).toBe(2);
    expect(parsed('id:1 stat:UNDELIVERABLE').state).toBe(5);
  });

  it('reads a receipt with only id and stat', () => {
    expect(parsed('id:ABC stat:ENROUTE')).toEqual({
      id: 'ABC',
      stat: 'ENROUTE',
      state: 1,
      warnings: [],
    });
  });

  it('does not mistake a key inside a word for a key, and skips unknown keys', () => {
    const receipt = parsed('msgid:55 stat:DELIVRD substat:9 mccmnc:310260 err:000');
    expect(receipt.id).toBeUndefined();
    expect(receipt.sub).toBeUndefined();
    expect(receipt.state).toBe(2);
    expect(receipt.err).toBe('000');
  });

  it('does not let an empty value swallow the next key', () => {
    const receipt = parsed('id:5 err: stat:DELIVRD sub: dlvrd:1');
    expect(receipt).toMatchObject({ id: '5', state: 2, dlvrd: 1 });
    expect(receipt.err).toBeUndefined();
    expect(receipt.warnings).toEqual(['sub is not a number: ""']);
  });

  it('keeps the first occurrence of a repeated key', () => {
    expect(parsed('id:first id:second stat:DELIVRD').id).toBe('first');
  });

  it('keeps readable fields and warns about unreadable ones', () => {
    const receipt = parsed(
      'id:9 sub:one dlvrd:001 submit date:2402301230 done date:24011512 stat:WEIRD err:000 text:x',
    );
    expect(receipt).toMatchObject({ id: '9', dlvrd: 1, stat: 'WEIRD', err: '000', text: 'x' });
    expect(receipt.sub).toBeUndefined();
    expect(receipt.submitDate).toBeUndefined(); // 30 February
    expect(receipt.doneDate).toBeUndefined(); // 8 digits
    expect(receipt.state).toBeUndefined();
    expect(receipt.warnings).toHaveLength(4);
  });

  it.each(['Hello, this is a normal MO message', '', 'text:only text', 'id is 5, status fine'])(
    'reports %j as not a receipt',
    (text) => {
      expect(parseReceiptText(text)).toMatchObject({ ok: false, reason: 'not-a-receipt' });
    },
  );
});

describe('receipt dates', () => {
  it.each([
    ['2401151230', '2024-01-15T12:30:00'],
    ['240229235959', '2024-02-29T23:59:59'],
    ['9912312359', '2099-12-31T23:59:00'],
    ['20240115123005', '2024-01-15T12:30:05'],
  ])('%s → %s UTC', (value, iso) => {
    expect(parseReceiptDate(value)).toEqual(utc(iso));
  });

  it.each([
    '2302291230',
    '2401152430',
    '2401151260',
    '240115123060',
    '24011512',
    '24O1151230',
    '',
    '2401151230 ',
  ])('rejects %j', (value) => {
    expect(parseReceiptDate(value)).toBeUndefined();
  });

  it('formats in UTC', () => {
    expect(formatReceiptDate(utc('2031-07-04T05:06:07'))).toBe('3107040506');
    expect(formatReceiptDate(utc('2031-07-04T05:06:07'), 12)).toBe('310704050607');
  });
});

describe('receipt text properties', () => {
  it('format → parse gives back every field', () => {
    const minute = 60_000;
    const dates = fc
      .integer({ min: Date.UTC(2000, 0, 1) / minute, max: Date.UTC(2099, 11, 31, 23, 59) / minute })
      .map((m) => new Date(m * minute));
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9A-Za-z-]{1,64}$/),
        fc.integer({ min: 0, max: 999 }),
        dates,
        fc.constantFrom(...RECEIPT_STATS),
        fc.integer({ min: 0, max: 999 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }).map((t) => t.trim()),
        (id, sub, date, stat, err, text) => {
          const receipt = parsed(
            formatReceiptText({
              id,
              sub,
              dlvrd: sub,
              submitDate: date,
              doneDate: date,
              stat,
              err,
              text,
            }),
          );
          expect(receipt).toMatchObject({
            id,
            sub,
            dlvrd: sub,
            stat,
            err: String(err).padStart(3, '0'),
          });
          expect(receipt.submitDate).toEqual(date);
          expect(receipt.doneDate).toEqual(date);
          expect(receipt.state).toBeDefined();
          expect(receipt.warnings).toEqual([]);
          expect(receipt.text).toBe(Array.from(text).slice(0, 20).join('').trim());
        },
      ),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(typeof parseReceiptText(text).ok).toBe('boolean');
      }),
    );
  });
});
