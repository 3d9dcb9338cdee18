// Issue 10 §2 with one replica of every service: real processes, real
// PostgreSQL/Redis/RabbitMQ, in-process simulators as the carriers.
import { defineGatewayCases } from './support/gateway.cases.js';

defineGatewayCases(1);
