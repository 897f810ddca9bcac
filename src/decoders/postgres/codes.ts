// PostgreSQL wire constants (protocol 3.0 and 3.2): the request codes of the untyped startup
// messages, the message type letters of each direction and the Authentication request codes.
// Spec: https://www.postgresql.org/docs/current/protocol-message-formats.html

/** Int32 codes after the length of an untyped (startup-phase) client message */
export const SSL_REQUEST = 80877103; // 0x04d2162f
export const GSSENC_REQUEST = 80877104; // 0x04d21630
export const CANCEL_REQUEST = 80877102; // 0x04d2162e
export const PROTOCOL_3_0 = 0x00030000;
export const PROTOCOL_3_2 = 0x00030002;

/** an untyped message is at most this long (the server's own limit is 10000) */
export const MAX_UNTYPED = 10000;
/** a typed message announcing more than 1 GiB is a desync (the server's MaxAllocSize) */
export const MAX_TYPED = 0x3fffffff;

const code = (c: string): number => c.charCodeAt(0);

/** Frontend (client to server) type letters. They collide with backend ones (D, E, C, S, H, d, c). */
export const F = {
  Query: code('Q'),
  Parse: code('P'),
  Bind: code('B'),
  Describe: code('D'),
  Execute: code('E'),
  Close: code('C'),
  Sync: code('S'),
  Flush: code('H'),
  Terminate: code('X'),
  FunctionCall: code('F'),
  CopyData: code('d'),
  CopyDone: code('c'),
  CopyFail: code('f'),
  /** PasswordMessage, SASLInitialResponse, SASLResponse or GSSResponse: the last 'R' tells */
  Password: code('p'),
} as const;

/** Backend (server to client) type letters */
export const B = {
  Authentication: code('R'),
  BackendKeyData: code('K'),
  ParameterStatus: code('S'),
  ReadyForQuery: code('Z'),
  RowDescription: code('T'),
  DataRow: code('D'),
  CommandComplete: code('C'),
  ErrorResponse: code('E'),
  NoticeResponse: code('N'),
  NotificationResponse: code('A'),
  CopyInResponse: code('G'),
  CopyOutResponse: code('H'),
  CopyBothResponse: code('W'),
  CopyData: code('d'),
  CopyDone: code('c'),
  ParseComplete: code('1'),
  BindComplete: code('2'),
  CloseComplete: code('3'),
  NoData: code('n'),
  PortalSuspended: code('s'),
  EmptyQueryResponse: code('I'),
  ParameterDescription: code('t'),
  FunctionCallResponse: code('V'),
  NegotiateProtocolVersion: code('v'),
} as const;

export const FRONTEND_TYPES = new Set<number>(Object.values(F));
export const BACKEND_TYPES = new Set<number>(Object.values(B));

/** Authentication request codes (Int32 after 'R') and the names the docs give them */
export const AUTH_NAMES: Record<number, string> = {
  0: 'AuthenticationOk',
  2: 'AuthenticationKerberosV5',
  3: 'AuthenticationCleartextPassword',
  5: 'AuthenticationMD5Password',
  7: 'AuthenticationGSS',
  8: 'AuthenticationGSSContinue',
  9: 'AuthenticationSSPI',
  10: 'AuthenticationSASL',
  11: 'AuthenticationSASLContinue',
  12: 'AuthenticationSASLFinal',
};

export const AUTH_METHODS: Record<number, string> = {
  0: 'ok',
  2: 'kerberos',
  3: 'cleartext',
  5: 'md5',
  7: 'gss',
  8: 'gss',
  9: 'sspi',
  10: 'sasl',
  11: 'sasl',
  12: 'sasl',
};

/** ReadyForQuery transaction status bytes */
export const TX_STATUS: Record<string, string> = {
  I: 'idle',
  T: 'in transaction',
  E: 'in failed transaction',
};

/** ErrorResponse / NoticeResponse field letters worth keeping, by the name we give them */
export const ERROR_FIELDS: Record<string, string> = {
  S: 'severity',
  C: 'code',
  M: 'message',
  D: 'detail',
  H: 'hint',
  P: 'position',
  W: 'where',
  s: 'schema',
  t: 'table',
  c: 'column',
  n: 'constraint',
};

/** longest summary line: statements are shown longer than the other protocols' text */
export const LINE_MAX = 300;
