// Issue 10 §2 again with two replicas of every service: customers submit on
// edge replica 0 and hold their receiving bind on edge replica 1.
import { defineGatewayCases } from './support/gateway.cases.js';

defineGatewayCases(2);
