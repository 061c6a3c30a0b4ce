// The in-process AccountsPort: the accounts service on the app's pool.
import type { Pool } from '../db/pool.js';
import type { AccountsPort, ShippingAddress } from './accounts.port.js';
import type { Address } from './addresses.repo.js';
import * as addresses from './addresses.service.js';
import { usersByIds, userForSession } from './accounts.service.js';

/** What leaves accounts: the address without its owner's id. */
const shipping = ({ userId: _owner, ...a }: Address): ShippingAddress => a;

export function localAccounts(pool: Pool): AccountsPort {
  return {
    usersByIds: (ids) => usersByIds(pool, ids),
    sessionUser: (id, version) => userForSession(pool, id, version),
    addressesOfUser: async (userId) => (await addresses.listAddresses(pool, userId)).map(shipping),
    addressOfUser: async (userId, addressId) => {
      const a = await addresses.addressOfUser(pool, userId, addressId);
      return a && shipping(a);
    },
    addAddress: async (userId, fields) => shipping(await addresses.addAddress(pool, userId, fields)),
    checkAddress: (userId, fields) => addresses.checkAddress(pool, userId, fields),
  };
}
