// The address book's rules: at most 5 addresses, exactly one default while there is any, and an
// address is only ever read or changed by its own account (another's id is "not found").
import { withTransaction, type Db, type Pool, type PoolConnection } from '../db/pool.js';
import { Conflict, NotFound } from '../http/errors.js';
import { parseInput } from '../http/validate.js';
import { addressSchema, MAX_ADDRESSES, type AddressInput } from './addresses.schema.js';
import * as repo from './addresses.repo.js';
import type { Address, AddressFields } from './addresses.repo.js';

export type { Address, AddressFields };

const notFound = () => new NotFound('There is no such address in your address book.');
const bookFull = () => new Conflict('You already have {max} addresses. Delete one before adding another.', { max: MAX_ADDRESSES });

function fields(a: AddressInput): AddressFields {
  return { recipient: a.recipient, line1: a.line1, line2: a.line2, city: a.city, region: a.region, postalCode: a.postal_code, country: a.country, phone: a.phone };
}

/** Inside the caller's transaction, with the account locked. */
async function locked(conn: PoolConnection, userId: number): Promise<void> {
  if (!(await repo.lockOwner(conn, userId))) throw new NotFound('There is no such account.');
}

export const listAddresses = (db: Db, userId: number) => repo.listAddresses(db, userId);

export async function addressOfUser(db: Db, userId: number, id: number): Promise<Address | null> {
  return repo.findAddress(db, userId, id);
}

/** Validates and adds an address (Invalid with field messages when it is not valid). The first one is the default. */
export async function addAddress(pool: Pool, userId: number, body: unknown, makeDefault = false): Promise<Address> {
  const input = parseInput(addressSchema, body);
  const id = await withTransaction(pool, async (conn) => {
    await locked(conn, userId);
    const count = await repo.countAddresses(conn, userId);
    if (count >= MAX_ADDRESSES) throw bookFull();
    const id = await repo.insertAddress(conn, userId, fields(input), false);
    if (count === 0 || makeDefault) await repo.setDefault(conn, userId, id);
    return id;
  });
  const address = await repo.findAddress(pool, userId, id);
  if (!address) throw new Error('address vanished after insert');
  return address;
}

/** What addAddress would refuse (Invalid, or Conflict when the book is full), without saving anything. */
export async function checkAddress(db: Db, userId: number, body: unknown): Promise<void> {
  parseInput(addressSchema, body);
  if ((await repo.countAddresses(db, userId)) >= MAX_ADDRESSES) throw bookFull();
}

export async function updateAddress(pool: Pool, userId: number, id: number, body: unknown): Promise<void> {
  // Ownership first: a stranger learns nothing from validation messages.
  if (!(await repo.findAddress(pool, userId, id))) throw notFound();
  const input = parseInput(addressSchema, body);
  if (!(await repo.updateAddress(pool, userId, id, fields(input)))) throw notFound();
}

export async function deleteAddress(pool: Pool, userId: number, id: number): Promise<void> {
  await withTransaction(pool, async (conn) => {
    await locked(conn, userId);
    const address = await repo.findAddress(conn, userId, id);
    if (!address || !(await repo.deleteAddress(conn, userId, id))) throw notFound();
    if (!address.isDefault) return;
    // The default is gone: the oldest address left takes its place.
    const [oldest] = (await repo.listAddresses(conn, userId)).sort((a, b) => a.id - b.id);
    if (oldest) await repo.setDefault(conn, userId, oldest.id);
  });
}

export async function makeDefault(pool: Pool, userId: number, id: number): Promise<void> {
  await withTransaction(pool, async (conn) => {
    await locked(conn, userId);
    if (!(await repo.findAddress(conn, userId, id))) throw notFound();
    await repo.setDefault(conn, userId, id);
  });
}
