/**
 * The demo organization seeded on a first embedded start (and with `--demo`). Every service
 * seeds its own part from these fixed ids, so the parts line up without any service calling
 * another at seed time.
 */
export const DEMO_ORGANIZATION = {
  id: '0b6f1d1e-8f3a-4c56-9a21-5d0c7e1a0001',
  name: 'Green Meadows Residents Society',
} as const;

export const DEMO_COMPANY = {
  id: '0b6f1d1e-8f3a-4c56-9a21-5d0c7e1a0002',
  name: 'Green Meadows Maintenance',
} as const;

export const DEMO_USERS = [
  {
    id: '1c0e7a52-3b1f-4d0a-8e61-000000000001',
    email: 'admin@demo.dhanman.local',
    name: 'Asha Admin',
    roles: ['admin'],
  },
  {
    id: '1c0e7a52-3b1f-4d0a-8e61-000000000002',
    email: 'accountant@demo.dhanman.local',
    name: 'Arjun Accountant',
    roles: ['accountant'],
  },
  {
    id: '1c0e7a52-3b1f-4d0a-8e61-000000000003',
    email: 'manager@demo.dhanman.local',
    name: 'Meera Manager',
    roles: ['manager'],
  },
  {
    id: '1c0e7a52-3b1f-4d0a-8e61-000000000004',
    email: 'cfo@demo.dhanman.local',
    name: 'Chetan CFO',
    roles: ['cfo'],
  },
  {
    id: '1c0e7a52-3b1f-4d0a-8e61-000000000005',
    email: 'resident@demo.dhanman.local',
    name: 'Rohan Resident',
    roles: ['resident'],
  },
] as const;

/**
 * The demo's operator: a platform user (in no society) with the `operator` platform role, who sees
 * every organization's operations and holds the shared switches. Same password as the demo users.
 */
export const DEMO_OPERATOR = {
  id: '1c0e7a52-3b1f-4d0a-8e61-0000000000f0',
  email: 'operator@demo.dhanman.local',
  name: 'Omkar Operator',
} as const;

export interface DemoResident {
  residentId: string;
  customerId: string;
  name: string;
  email: string;
  /** `<tower>-<floor><number>`, e.g. `B-203`: tower B, second floor, flat 3. */
  unit: string;
  monthlyCharges: string;
}

/** The residents the tests and the guide name (the first is the demo resident user). */
const NAMED_RESIDENTS = [
  {
    residentId: '2d1f8b63-4c20-4e1b-9f72-000000000001',
    customerId: '3e209c74-5d31-4f2c-a083-000000000001',
    name: 'Rohan Resident',
    email: 'resident@demo.dhanman.local',
    unit: 'A-101',
    monthlyCharges: '2500.00',
  },
  {
    residentId: '2d1f8b63-4c20-4e1b-9f72-000000000002',
    customerId: '3e209c74-5d31-4f2c-a083-000000000002',
    name: 'Priya Sharma',
    email: 'priya.sharma@demo.dhanman.local',
    unit: 'A-102',
    monthlyCharges: '2500.00',
  },
  {
    residentId: '2d1f8b63-4c20-4e1b-9f72-000000000003',
    customerId: '3e209c74-5d31-4f2c-a083-000000000003',
    name: 'Vikram Iyer',
    email: 'vikram.iyer@demo.dhanman.local',
    unit: 'B-201',
    monthlyCharges: '3200.00',
  },
  {
    residentId: '2d1f8b63-4c20-4e1b-9f72-000000000004',
    customerId: '3e209c74-5d31-4f2c-a083-000000000004',
    name: 'Fatima Khan',
    email: 'fatima.khan@demo.dhanman.local',
    unit: 'B-202',
    monthlyCharges: '3200.00',
  },
  {
    residentId: '2d1f8b63-4c20-4e1b-9f72-000000000005',
    customerId: '3e209c74-5d31-4f2c-a083-000000000005',
    name: 'Daniel Dsouza',
    email: 'daniel.dsouza@demo.dhanman.local',
    unit: 'C-301',
    monthlyCharges: '4100.00',
  },
] as const satisfies readonly DemoResident[];

const FIRST_NAMES = [
  'Aarav',
  'Ananya',
  'Kabir',
  'Meera',
  'Ishaan',
  'Kavya',
  'Arjun',
  'Sneha',
  'Rahul',
  'Nisha',
  'Sameer',
];
const LAST_NAMES = ['Patel', 'Reddy', 'Nair', 'Gupta', 'Menon', 'Joshi', 'Bose', 'Pillai', 'Das'];

/**
 * Monthly charges by flat: flats 1 and 2 of a floor are two-bedroom, 3 one-bedroom, 4
 * three-bedroom (a penthouse on the top floor); every fourth household also pays for parking.
 */
function chargesOf(floor: number, flat: number, i: number): string {
  const base = flat === 3 ? 1800 : flat === 4 ? (floor === 3 ? 4100 : 3200) : 2500;
  return `${base + (i % 4 === 0 ? 350 : 0)}.00`;
}

/**
 * A household, named from the lists, in every flat of towers A-D (3 floors of 4 flats) that no
 * named resident has: 48 residents in all, each a customer in Common, so a demo monthly run has
 * something to show. Ids follow the named ones' pattern (…000000000006 on).
 */
function householdsOfTowers(): DemoResident[] {
  const taken = new Set<string>(NAMED_RESIDENTS.map((r) => r.unit));
  const made: DemoResident[] = [];
  for (const tower of ['A', 'B', 'C', 'D'])
    for (let floor = 1; floor <= 3; floor += 1)
      for (let flat = 1; flat <= 4; flat += 1) {
        const unit = `${tower}-${floor}0${flat}`;
        if (taken.has(unit)) continue;
        const i = NAMED_RESIDENTS.length + made.length + 1;
        const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
        const last = LAST_NAMES[i % LAST_NAMES.length]!;
        const serial = String(i).padStart(12, '0');
        made.push({
          residentId: `2d1f8b63-4c20-4e1b-9f72-${serial}`,
          customerId: `3e209c74-5d31-4f2c-a083-${serial}`,
          name: `${first} ${last}`,
          email: `${first}.${last}@demo.dhanman.local`.toLowerCase(),
          unit,
          monthlyCharges: chargesOf(floor, flat, i),
        });
      }
  return made;
}

/** Residents are customers of the society: the same person has a resident id (Community) and a customer id (Common). */
export const DEMO_RESIDENTS: readonly [...typeof NAMED_RESIDENTS, ...DemoResident[]] = [
  ...NAMED_RESIDENTS,
  ...householdsOfTowers(),
];

export const DEMO_VENDORS = [
  {
    id: '4f31ad85-6e42-4a3d-b194-000000000001',
    name: 'Sparkle Housekeeping Services',
    email: 'billing@sparkle.example',
  },
  {
    id: '4f31ad85-6e42-4a3d-b194-000000000002',
    name: 'SecureGuard Security Agency',
    email: 'accounts@secureguard.example',
  },
  {
    id: '4f31ad85-6e42-4a3d-b194-000000000003',
    name: 'LiftCare Elevator Maintenance',
    email: 'ar@liftcare.example',
  },
] as const;

/** Staff on the payroll: monthly gross pay and what is withheld from it (tax, provident fund). */
export const DEMO_EMPLOYEES = [
  {
    id: '5a42be96-7f53-4b4e-8c05-000000000001',
    name: 'Ramesh Kumar',
    email: 'ramesh.kumar@demo.dhanman.local',
    role: 'Estate Manager',
    monthlyGross: '45000.00',
    monthlyDeductions: '5400.00',
  },
  {
    id: '5a42be96-7f53-4b4e-8c05-000000000002',
    name: 'Sunita Devi',
    email: 'sunita.devi@demo.dhanman.local',
    role: 'Housekeeping Supervisor',
    monthlyGross: '22000.00',
    monthlyDeductions: '1850.50',
  },
  {
    id: '5a42be96-7f53-4b4e-8c05-000000000003',
    name: 'Joseph Mathew',
    email: 'joseph.mathew@demo.dhanman.local',
    role: 'Plumber',
    monthlyGross: '18000.00',
    monthlyDeductions: '1200.25',
  },
] as const;

export const DEFAULT_DEMO_PASSWORD = 'dhanman-demo';
