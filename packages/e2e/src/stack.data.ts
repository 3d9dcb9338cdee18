// What a test gateway knows about the world: customers, vendors (each backed
// by an in-process simulator), routes, 10DLC campaigns, numbers and rates,
// written through the db repositories into the test's own database, exactly
// as the admin API would have written them.
import {
  createCampaign,
  createCustomer,
  createDatabase,
  createNumber,
  createRate,
  createRoutingRule,
  createVendor,
  migrateToLatest,
  resolveVendorSecretKey,
  type CampaignStatus,
  type Customer,
  type NewVendor,
  type NumberType,
  type SourceType,
  type TendlcCampaign,
  type Vendor,
} from '@smpp-gateway/db';
import {
  resolveSimulatorOptions,
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '@smpp-gateway/smsc-simulator';

export interface VendorSpec {
  /** The name tests use for it (also the vendor's instance name). */
  readonly key: string;
  /** The carrier behind it; its ports are always ephemeral (port 0, no control port unless asked). */
  readonly simulator?: Omit<SimulatorOptions, 'port' | 'host'>;
  /** Vendor row settings beyond the connection (which comes from the simulator). */
  readonly vendor?: Partial<
    Omit<NewVendor, 'instanceName' | 'host' | 'port' | 'systemId' | 'password'>
  >;
  /** What the vendor charges per segment, micro-units, every destination. Default 3000. */
  readonly rateMicros?: number;
}

export interface CustomerSpec {
  readonly key: string;
  readonly systemId: string;
  readonly password: string;
  /** Segments per second. Default 1000. */
  readonly throughput?: number;
  /** Default 10. */
  readonly maxBinds?: number;
  /** Default 'standard'. */
  readonly pricePlan?: string;
  readonly moReassembly?: boolean;
  /** Sender IDs it may submit from. Default: none listed, any source. */
  readonly allowedSources?: readonly string[];
}

export interface RouteSpec {
  readonly name: string;
  /** Vendor key. */
  readonly vendor: string;
  readonly destinationPrefix?: string;
  readonly countryCode?: string;
  readonly sourceType?: SourceType;
  /** Customer key for a customer-specific rule. */
  readonly customer?: string;
  /** Lower wins. Default 100. */
  readonly priority?: number;
}

export interface CampaignSpec {
  readonly key: string;
  readonly campaignId: string;
  readonly brandId: string;
  readonly status?: CampaignStatus;
  /** Default 60 000. */
  readonly tpm?: number;
  /** Default 1 000 000. */
  readonly brandDailyCap?: number;
}

export interface NumberSpec {
  readonly number: string;
  readonly numberType: NumberType;
  /** Customer key of the owner. */
  readonly customer?: string;
  /** Campaign key (10DLC). */
  readonly campaign?: string;
}

export interface GatewayFixture {
  readonly vendors: readonly VendorSpec[];
  readonly customers: readonly CustomerSpec[];
  readonly routes: readonly RouteSpec[];
  readonly campaigns?: readonly CampaignSpec[];
  readonly numbers?: readonly NumberSpec[];
  /** Customer price per segment by price plan, micro-units, every destination. Default { standard: 5000 }. */
  readonly customerRates?: Readonly<Record<string, number>>;
}

export interface StackVendor {
  readonly key: string;
  readonly vendor: Vendor;
  readonly simulator: Simulator;
}

export interface StackCustomer {
  readonly key: string;
  readonly customer: Customer;
  readonly systemId: string;
  readonly password: string;
}

export interface StackData {
  readonly vendors: ReadonlyMap<string, StackVendor>;
  readonly customers: ReadonlyMap<string, StackCustomer>;
  readonly campaigns: ReadonlyMap<string, TendlcCampaign>;
}

function lookup<T>(map: ReadonlyMap<string, T>, key: string, what: string): T {
  const value = map.get(key);
  if (value === undefined) throw new Error(`fixture refers to unknown ${what} "${key}"`);
  return value;
}

/** Starts the simulators; stops those already started if a later one fails. */
export async function startSimulators(
  vendors: readonly VendorSpec[],
): Promise<Map<string, Simulator>> {
  const started = new Map<string, Simulator>();
  try {
    for (const spec of vendors) {
      if (started.has(spec.key)) throw new Error(`vendor key "${spec.key}" is listed twice`);
      started.set(
        spec.key,
        await startSimulator({
          controlPort: null,
          ...spec.simulator,
          port: 0,
          host: '127.0.0.1',
        }),
      );
    }
    return started;
  } catch (error) {
    await Promise.allSettled([...started.values()].map((simulator) => simulator.stop()));
    throw error;
  }
}

/** Migrates the database and writes every row of the fixture. */
export async function seedFixture(
  databaseUrl: string,
  fixture: GatewayFixture,
  simulators: ReadonlyMap<string, Simulator>,
): Promise<Omit<StackData, 'vendors'> & { vendors: Map<string, StackVendor> }> {
  const db = createDatabase(databaseUrl);
  try {
    await migrateToLatest(db);
    // The services run without VENDOR_SECRET_KEY outside production, so they
    // decrypt with the same development key used here.
    const { key: secretKey } = resolveVendorSecretKey({});

    const customers = new Map<string, StackCustomer>();
    for (const spec of fixture.customers) {
      const customer = await createCustomer(db, {
        name: `e2e ${spec.key}`,
        systemId: spec.systemId,
        password: spec.password,
        throughput: spec.throughput ?? 1_000,
        maxBinds: spec.maxBinds ?? 10,
        pricePlan: spec.pricePlan ?? 'standard',
        ...(spec.moReassembly !== undefined ? { moReassembly: spec.moReassembly } : {}),
        ...(spec.allowedSources !== undefined ? { allowedSources: spec.allowedSources } : {}),
      });
      customers.set(spec.key, {
        key: spec.key,
        customer,
        systemId: spec.systemId,
        password: spec.password,
      });
    }

    const vendors = new Map<string, StackVendor>();
    for (const spec of fixture.vendors) {
      const simulator = lookup(simulators, spec.key, 'vendor');
      const account = resolveSimulatorOptions(spec.simulator ?? {}).accounts[0];
      if (account === undefined) throw new Error(`simulator of ${spec.key} has no account`);
      const vendor = await createVendor(
        db,
        {
          displayName: `e2e ${spec.key}`,
          bindType: 'transceiver',
          throughput: 10_000,
          maxBinds: 2,
          windowSize: 100,
          messageIdFormat: 'auto',
          defaultAlphabet: 'gsm7',
          ...spec.vendor,
          instanceName: spec.key,
          host: '127.0.0.1',
          port: simulator.port,
          systemId: account.systemId,
          password: account.password,
        },
        secretKey,
      );
      await createRate(db, {
        kind: 'vendor',
        vendorId: vendor.id,
        destinationPrefix: '',
        pricePerSegmentMicros: spec.rateMicros ?? 3_000,
        currency: 'USD',
        effectiveFrom: new Date(Date.now() - 60_000),
      });
      vendors.set(spec.key, { key: spec.key, vendor, simulator });
    }

    const rates = fixture.customerRates ?? { standard: 5_000 };
    for (const [pricePlan, micros] of Object.entries(rates)) {
      await createRate(db, {
        kind: 'customer',
        pricePlan,
        destinationPrefix: '',
        pricePerSegmentMicros: micros,
        currency: 'USD',
        effectiveFrom: new Date(Date.now() - 60_000),
      });
    }

    for (const route of fixture.routes) {
      await createRoutingRule(db, {
        name: route.name,
        vendorId: lookup(vendors, route.vendor, 'vendor').vendor.id,
        destinationPrefix: route.destinationPrefix ?? '',
        sourceType: route.sourceType ?? 'any',
        priority: route.priority ?? 100,
        ...(route.countryCode !== undefined ? { countryCode: route.countryCode } : {}),
        ...(route.customer !== undefined
          ? { customerId: lookup(customers, route.customer, 'customer').customer.id }
          : {}),
      });
    }

    const campaigns = new Map<string, TendlcCampaign>();
    for (const spec of fixture.campaigns ?? []) {
      campaigns.set(
        spec.key,
        await createCampaign(db, {
          campaignId: spec.campaignId,
          brandId: spec.brandId,
          brandName: `e2e brand ${spec.brandId}`,
          status: spec.status ?? 'ACTIVE',
          tpm: spec.tpm ?? 60_000,
          brandDailyCap: spec.brandDailyCap ?? 1_000_000,
        }),
      );
    }

    for (const spec of fixture.numbers ?? []) {
      await createNumber(db, {
        number: spec.number,
        numberType: spec.numberType,
        customerId:
          spec.customer !== undefined
            ? lookup(customers, spec.customer, 'customer').customer.id
            : null,
        tendlcCampaignId:
          spec.campaign !== undefined ? lookup(campaigns, spec.campaign, 'campaign').id : null,
      });
    }

    return { vendors, customers, campaigns };
  } finally {
    await db.destroy();
  }
}
