import { packageTestConfig } from '../../vitest.shared.js';

// Whole-gateway cases wait for messages to cross five processes and a carrier;
// a generous per-test budget, while each file shares one stack across its cases.
export default packageTestConfig({ testTimeout: 90_000 });
