// Where a purchase ships. The address book is accounts'; orders reaches it through the accounts
// port and keeps its own copy on the purchase, made while the purchase waits for payment.
import type { AccountsPort, ShippingAddress } from '../accounts/accounts.port.js';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Pool } from '../db/pool.js';
import { MAX_ID } from '../http/validate.js';
import { Invalid, NotFound } from '../http/errors.js';
import type { ShipTo } from './purchases.repo.js';
import { cancelByBuyer, shipPurchaseTo, type PurchaseResult } from './purchases.service.js';

/** The buyer's choice: one of their addresses, or a new one typed into the form (`address_id=new`). */
export type ShipToChoice = { addressId: number } | { fields: unknown };

export function copyOf(a: ShippingAddress): ShipTo {
  return { addressId: a.id, recipient: a.recipient, line1: a.line1, line2: a.line2, city: a.city, region: a.region, postalCode: a.postalCode, country: a.country, phone: a.phone };
}

async function ownAddress(accounts: AccountsPort, buyerId: number, addressId: number): Promise<ShipTo> {
  const address = await accounts.addressOfUser(buyerId, addressId);
  if (!address) throw new NotFound('There is no such address in your address book.');
  return copyOf(address);
}

/**
 * The address to copy onto the purchase. Someone else's address id is "not found" and changes
 * nothing; a new address is validated and saved in the buyer's address book first (Invalid with
 * its field messages, or Conflict when the book is full).
 */
export async function resolveShipTo(accounts: AccountsPort, buyerId: number, choice: ShipToChoice): Promise<ShipTo> {
  if ('addressId' in choice) return ownAddress(accounts, buyerId, choice.addressId);
  return copyOf(await accounts.addAddress(buyerId, choice.fields));
}

/** A choice that passed every check and is not saved yet: the copy of an address, or new fields. */
export type CheckedShipTo = { shipTo: ShipTo } | { fields: unknown };

/**
 * resolveShipTo in two steps, for a purchase that may still fail: check now (the same refusals,
 * nothing written), save with saveShipTo once the purchase exists.
 */
export async function checkShipTo(accounts: AccountsPort, buyerId: number, choice: ShipToChoice): Promise<CheckedShipTo> {
  if ('addressId' in choice) return { shipTo: await ownAddress(accounts, buyerId, choice.addressId) };
  await accounts.checkAddress(buyerId, choice.fields);
  return { fields: choice.fields };
}

async function saveShipTo(accounts: AccountsPort, buyerId: number, checked: CheckedShipTo): Promise<ShipTo> {
  return 'shipTo' in checked ? checked.shipTo : copyOf(await accounts.addAddress(buyerId, checked.fields));
}

/**
 * Ships the purchase an API buy just made to its checked choice, saving a new address now. A
 * repeated checkout_token's purchase that already ships somewhere is left as it is (the address is
 * not added twice). Should the save fail (the address book filled up since the check), the purchase
 * this request made is cancelled and its stock released: the buy fails whole.
 */
export async function shipNewPurchase(
  deps: { pool: Pool; catalog: CatalogPort; accounts: AccountsPort },
  buyerId: number,
  { purchase, created }: PurchaseResult,
  checked: CheckedShipTo,
): Promise<void> {
  if (purchase.status !== 'pending_payment' || (!created && purchase.shipTo)) return;
  try {
    await shipPurchaseTo(deps.pool, buyerId, purchase.id, await saveShipTo(deps.accounts, buyerId, checked));
  } catch (err) {
    if (created) await cancelByBuyer(deps.pool, deps.catalog, buyerId, purchase.id).catch(() => undefined);
    throw err;
  }
}

/** Reads `address_id` from a form or API body: a positive id, "new" (with the fields), or missing. */
export function shipToChoice(body: unknown): ShipToChoice | null {
  const b = (body ?? {}) as Record<string, unknown>;
  if (b.address && typeof b.address === 'object') return { fields: b.address };
  const raw = b.address_id;
  if (raw === 'new') return { fields: b };
  if (raw === undefined || raw === null || raw === '') return null;
  const id = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(id) || id < 1 || id > MAX_ID) throw new Invalid({ address_id: 'Choose one of your addresses, or add a new one.' });
  return { addressId: id };
}
