// Public surface of @smpp-gateway/smpp: the only way services speak SMPP.
export * from './codec/index.js';
export * from './session/index.js';
