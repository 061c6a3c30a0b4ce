// The address book on /account: add, edit, delete, choose the default. Another account's address
// id is a 404 that changes nothing (the service reads every address through its owner).
import { Router, type Request, type Response } from 'express';
import type { Pool } from '../db/pool.js';
import { Invalid, NotFound } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireLogin } from '../http/guards.js';
import { requireId, typedValues } from '../http/validate.js';
import { COUNTRY_CODES } from '../countries.js';
import { ADDRESS_FIELDS, MAX_ADDRESSES } from './addresses.schema.js';
import * as addresses from './addresses.service.js';

type Errors = Record<string, string>;

/** The account page: the password form and the address book, either of them possibly with errors. */
export async function renderAccount(pool: Pool, req: Request, res: Response, status = 200, form: { errors?: Errors; addressErrors?: Errors; addressValues?: Record<string, string> } = {}) {
  const list = await addresses.listAddresses(pool, req.user!.id);
  res.status(status).render('accounts/account', {
    title: 'Your account',
    errors: form.errors ?? {},
    addresses: list,
    maxAddresses: MAX_ADDRESSES,
    countries: COUNTRY_CODES,
    addressErrors: form.addressErrors ?? {},
    addressValues: form.addressValues ?? { country: 'CO' },
  });
}

export function addressesRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  router.use('/account/addresses', requireLogin);

  router.post('/account/addresses', async (req, res) => {
    try {
      await addresses.addAddress(pool, req.user!.id, req.body, (req.body as Record<string, unknown>).make_default === '1');
      flash(req, 'success', 'The address was added to your address book.');
      res.redirect('/account#addresses');
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderAccount(pool, req, res, 422, { addressErrors: err.fields, addressValues: typedValues(req.body, ADDRESS_FIELDS) });
    }
  });

  async function renderEdit(req: Request, res: Response, status: number, errors: Errors, values?: Record<string, string>) {
    const id = requireId(req.params.id);
    const address = await addresses.addressOfUser(pool, req.user!.id, id);
    if (!address) throw new NotFound('There is no such address in your address book.');
    const shown = values ?? {
      recipient: address.recipient,
      line1: address.line1,
      line2: address.line2,
      city: address.city,
      region: address.region,
      postal_code: address.postalCode,
      country: address.country,
      phone: address.phone,
    };
    res.status(status).render('accounts/address-edit', { title: 'Edit an address', address, values: shown, errors, countries: COUNTRY_CODES });
  }

  router.get('/account/addresses/:id', (req, res) => renderEdit(req, res, 200, {}));

  router.post('/account/addresses/:id', async (req, res) => {
    const id = requireId(req.params.id);
    try {
      await addresses.updateAddress(pool, req.user!.id, id, req.body);
      flash(req, 'success', 'The address was saved. Purchases already made keep the address they were sent to.');
      res.redirect('/account#addresses');
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderEdit(req, res, 422, err.fields, typedValues(req.body, ADDRESS_FIELDS));
    }
  });

  router.post('/account/addresses/:id/delete', async (req, res) => {
    await addresses.deleteAddress(pool, req.user!.id, requireId(req.params.id));
    flash(req, 'success', 'The address was deleted.');
    res.redirect('/account#addresses');
  });

  router.post('/account/addresses/:id/default', async (req, res) => {
    await addresses.makeDefault(pool, req.user!.id, requireId(req.params.id));
    flash(req, 'success', 'This is now your default address.');
    res.redirect('/account#addresses');
  });

  return router;
}
