// The command_status values the session layer itself answers with or has to
// recognise (SMPP 3.4 section 5.1.3). The complete shared list lives in
// @smpp-gateway/contracts; this one stays small so the protocol package does
// not depend on the message contracts. Values are identical by construction.
export const SmppStatus = {
  ESME_ROK: 0x00000000,
  ESME_RINVMSGLEN: 0x00000001,
  ESME_RINVCMDLEN: 0x00000002,
  ESME_RINVCMDID: 0x00000003,
  ESME_RINVBNDSTS: 0x00000004,
  ESME_RALYBND: 0x00000005,
  ESME_RSYSERR: 0x00000008,
  ESME_RINVSRCADR: 0x0000000a,
  ESME_RINVDSTADR: 0x0000000b,
  ESME_RINVMSGID: 0x0000000c,
  ESME_RBINDFAIL: 0x0000000d,
  ESME_RINVPASWD: 0x0000000e,
  ESME_RINVSYSID: 0x0000000f,
  ESME_RMSGQFUL: 0x00000014,
  ESME_RSUBMITFAIL: 0x00000045,
  ESME_RTHROTTLED: 0x00000058,
  ESME_RINVOPTPARSTREAM: 0x000000c0,
  ESME_RINVPARLEN: 0x000000c2,
  ESME_RUNKNOWNERR: 0x000000ff,
} as const;
export type SmppStatusKey = keyof typeof SmppStatus;

const STATUS_NAMES = new Map<number, SmppStatusKey>(
  (Object.entries(SmppStatus) as [SmppStatusKey, number][]).map(([name, code]) => [code, name]),
);

/** `ESME_RTHROTTLED` for 0x58; `0x00000401` for codes this list does not name. */
export function describeSmppStatus(code: number): string {
  return STATUS_NAMES.get(code) ?? `0x${code.toString(16).padStart(8, '0')}`;
}
