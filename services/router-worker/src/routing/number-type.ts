// Classifies addresses the way carriers police them. US 10DLC rules apply to
// US long codes only, so NANP numbers outside the US (Canada, the Caribbean)
// must not be mistaken for US ones.

export const SOURCE_TYPES = ['10dlc', 'tollfree', 'shortcode', 'intl', 'alphanumeric'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** Toll-free NPAs in use in the NANP (888/877/866/855/844/833/800). */
const TOLL_FREE_NPAS = new Set(['800', '833', '844', '855', '866', '877', '888']);

/**
 * NANP area codes that are not the United States: Canada and the non-US
 * Caribbean members. US territories (PR 787/939, USVI 340, Guam 671, CNMI 670,
 * American Samoa 684) are US for 10DLC purposes and deliberately absent.
 */
const NANP_NON_US_NPAS = new Set([
  // Canada
  '204',
  '226',
  '236',
  '249',
  '250',
  '257',
  '263',
  '289',
  '306',
  '343',
  '354',
  '365',
  '367',
  '368',
  '382',
  '387',
  '403',
  '416',
  '418',
  '428',
  '431',
  '437',
  '438',
  '450',
  '460',
  '468',
  '474',
  '506',
  '514',
  '519',
  '548',
  '579',
  '581',
  '584',
  '587',
  '600',
  '604',
  '613',
  '622',
  '639',
  '647',
  '672',
  '683',
  '705',
  '709',
  '742',
  '753',
  '778',
  '780',
  '782',
  '807',
  '819',
  '825',
  '867',
  '873',
  '879',
  '902',
  '905',
  '942',
  // Caribbean and Atlantic NANP members
  '242',
  '246',
  '264',
  '268',
  '284',
  '345',
  '441',
  '473',
  '649',
  '658',
  '664',
  '721',
  '758',
  '767',
  '784',
  '809',
  '829',
  '849',
  '868',
  '869',
  '876',
]);

const TON_ALPHANUMERIC = 5;
const TON_NETWORK_SPECIFIC = 3;
const TON_ABBREVIATED = 6;

/** `1NXXNXXXXXX`: a NANP number in E.164 digits. */
function nanpNpa(digits: string): string | undefined {
  return /^1[2-9]\d{2}[2-9]\d{6}$/.test(digits) ? digits.slice(1, 4) : undefined;
}

export function isUsNumber(e164Digits: string): boolean {
  const npa = nanpNpa(e164Digits);
  return npa !== undefined && !NANP_NON_US_NPAS.has(npa) && !TOLL_FREE_NPAS.has(npa);
}

export function isUsTollFree(e164Digits: string): boolean {
  const npa = nanpNpa(e164Digits);
  return npa !== undefined && TOLL_FREE_NPAS.has(npa);
}

/**
 * The source's number type. Expects the address normalised by edge-server
 * (E.164 digits without '+', or the alphanumeric sender as sent).
 */
export function classifySource(addr: string, ton: number): SourceType {
  if (ton === TON_ALPHANUMERIC || /[^0-9]/.test(addr)) return 'alphanumeric';
  if (ton === TON_NETWORK_SPECIFIC || ton === TON_ABBREVIATED || addr.length <= 8) {
    return 'shortcode';
  }
  if (isUsTollFree(addr)) return 'tollfree';
  if (isUsNumber(addr)) return '10dlc';
  return 'intl';
}
