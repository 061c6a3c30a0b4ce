// The shop in Spanish for a browser that asks for it (Accept-Language: es-CO), and the footer's
// switch to English with JavaScript turned off, in real Chromium at desktop and phone size.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { encodeCover, storeCover } from '../../src/catalog/covers.js';
import { insertBook } from '../helpers/books.js';
import { createUser, uniqueEmail } from '../helpers/users.js';
import { chromiumMissing, SIZES, startSite, Tab, type Site, type SizeName } from './harness.js';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(missing);

const mainText = (page: Page) => page.locator('main').innerText();
const htmlLang = (page: Page) => page.locator('html').getAttribute('lang');

/** A designed cover, stored the way an upload is. */
async function cover(uploadDir: string, lines: string[], hue: number): Promise<string> {
  const text = lines.map((l, i) => `<text x="300" y="${200 + i * 80}" font-family="serif" font-size="62" fill="#fbf7f0" text-anchor="middle">${l}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="900">
    <rect width="600" height="900" fill="hsl(${hue},45%,30%)"/><circle cx="300" cy="620" r="140" fill="hsl(38,72%,62%)"/>
    <path d="M0 720 Q150 650 300 710 T600 690 V900 H0 Z" fill="hsl(${hue},40%,18%)"/>${text}</svg>`;
  return storeCover(uploadDir, await encodeCover(await sharp(Buffer.from(svg)).jpeg().toBuffer()));
}

let site: Site;
/** The book both journeys open (each Spanish journey buys one copy). */
const book = { title: 'Cien años de soledad', path: '' };
before(async () => {
  if (missing) return;
  site = await startSite();
  const seller = await createUser(site.t.pool, { name: 'Lucía Librera' });
  const shelf = [
    { title: 'La vorágine', author: 'José Eustasio Rivera', priceCents: 2_890, hue: 140 },
    { title: 'María', author: 'Jorge Isaacs', priceCents: 1_500, hue: 330 },
    { title: 'Rayuela', author: 'Julio Cortázar', priceCents: 4_200, hue: 210 },
    { title: 'Pedro Páramo', author: 'Juan Rulfo', priceCents: 1_990, hue: 25 },
  ];
  for (const b of shelf) {
    const id = await insertBook(site.t.pool, seller.id, { ...b, condition: 'very_good', stock: 2, description: 'Un ejemplar bien cuidado.' });
    await site.t.pool.execute('UPDATE books SET cover_key = ? WHERE id = ?', [await cover(site.t.uploadDir, [b.title], b.hue), id]);
  }
  // A price above a thousand shows both separators: "$1.234,50" in Spanish, "$1,234.50" in English.
  const id = await insertBook(site.t.pool, seller.id, {
    title: 'Cien años de soledad',
    author: 'Gabriel García Márquez',
    condition: 'fine',
    priceCents: 123_450,
    stock: 5,
    description: 'Primera edición de Sudamericana, 1967. Lomo firme, páginas un poco amarillas.',
  });
  await site.t.pool.execute('UPDATE books SET cover_key = ? WHERE id = ?', [await cover(site.t.uploadDir, ['Cien años', 'de soledad'], 48), id]);
  book.path = `/book/${id}`;
});
after(async () => {
  if (site) await site.close();
});

for (const size of Object.keys(SIZES) as SizeName[]) {
  describe(`the shop in Spanish, then English (${size})`, { skip: missing ?? false }, () => {
    test('a Colombian browser (es-CO) gets Spanish: texts, money, a form error, the address at checkout, axe on every page', async () => {
      const tab = await Tab.open(site, size, { locale: 'es-CO' });
      const { page } = tab;
      try {
        const first = await page.goto(`${site.baseUrl}/book/catalog`);
        assert.match(String(await first?.request().headerValue('accept-language')), /^es-CO\b/, 'Chromium asks for Colombian Spanish');
        assert.equal(await htmlLang(page), 'es');
        assert.equal(await page.title(), 'Catálogo · BookStore');
        assert.equal(await page.getByRole('link', { name: 'Iniciar sesión' }).count(), 1);
        const card = page.locator('.book-card').filter({ hasText: book.title });
        assert.match(await card.locator('.price').innerText(), /^\$1\.234,50$/, 'a dot for thousands, a comma for cents');
        assert.match(await card.innerText(), /\d disponibles/);
        assert.equal(await page.getByLabel('Ordenar por').count(), 1);
        await tab.check('catalog-es');

        await page.getByRole('link', { name: book.title, exact: true }).click();
        await page.waitForURL((url) => url.pathname === book.path);
        assert.match(await mainText(page), /Gabriel García Márquez[\s\S]*\$1\.234,50[\s\S]*Excelente[\s\S]*\d ejemplares disponibles/);
        assert.match(String(await page.locator('img.cover-large').getAttribute('alt')), /^Foto de la portada de Cien años/);
        await tab.check('book-es');

        // A form error in Spanish, next to its field: a password that is too short.
        await page.getByRole('button', { name: 'Crear cuenta' }).click(); // a link drawn as a button
        await page.waitForURL('**/register');
        const email = uniqueEmail('lectora');
        await page.getByLabel('Tu nombre').fill('Camila Lectora');
        await page.getByLabel('Correo electrónico').fill(email);
        await page.getByLabel('Contraseña', { exact: true }).fill('corta');
        await page.getByLabel('Repite la contraseña').fill('corta');
        await page.getByRole('button', { name: 'Crear la cuenta' }).click();
        await page.locator('[data-error-summary]').waitFor();
        assert.match(await page.locator('[data-error-summary]').innerText(), /Revisa el formulario/);
        assert.match(await page.locator('#password-error').innerText(), /Usa al menos 12 caracteres\./);
        assert.equal(await page.getByLabel('Correo electrónico').inputValue(), email, 'what was typed is kept');
        await tab.check('register-errors-es');
        await page.getByLabel('Contraseña', { exact: true }).fill('leo en el bus de la noche');
        await page.getByLabel('Repite la contraseña').fill('leo en el bus de la noche');
        await page.getByRole('button', { name: 'Crear la cuenta' }).click();
        await page.waitForURL((url) => !url.pathname.startsWith('/register'));

        // The cart and checkout ("Pagar"), the address typed on the delivery step, all in Spanish.
        await page.goto(`${site.baseUrl}${book.path}`);
        await page.getByRole('button', { name: 'Agregar al carrito' }).click();
        await page.waitForURL('**/cart');
        assert.equal(await page.getByRole('link', { name: 'Carrito' }).count(), 1);
        assert.match(await mainText(page), /Tu carrito[\s\S]*\$1\.234,50/);
        await tab.check('cart-es');
        await page.getByRole('button', { name: 'Pagar' }).click();
        await page.waitForURL(/\/delivery\/\d+$/);
        assert.match(await page.locator('h1').innerText(), /Elige el envío/);
        assert.equal(await page.getByRole('radio', { name: /Una dirección nueva/ }).isChecked(), true);
        await page.getByLabel('Destinatario').fill('Camila Lectora');
        await page.getByLabel('Dirección', { exact: true }).fill('Carrera 7 # 71-21');
        await page.getByLabel('Ciudad', { exact: true }).fill('Bogotá');
        await page.getByLabel('Departamento, estado o región').fill('Cundinamarca');
        assert.equal(await page.getByLabel('País').locator('option:checked').innerText(), 'Colombia');
        await page.getByLabel('Teléfono').fill('+57 310 555 0101');
        await page.getByRole('radio', { name: /Servientrega/ }).check();
        assert.match(await page.getByRole('radio', { name: /Servientrega/ }).locator('..').innerText(), /\$15,00/);
        await tab.check('checkout-delivery-es');
        await page.getByRole('button', { name: 'Continuar al pago' }).click();
        await page.waitForURL(/\/payment\/\d+$/);
        assert.equal(await page.locator('h1').innerText(), 'Pagar $1.249,50', '1.234,50 + 15,00 de envío');
        await page.getByLabel('Número de la tarjeta').fill('4242 4242 4242 4242');
        await page.getByLabel('Vencimiento (MM/AA)').fill('12/39');
        await page.getByLabel('Código de seguridad').fill('123');
        await tab.check('checkout-payment-es');
        await page.getByRole('button', { name: /^Pagar/ }).click();
        await page.waitForURL(/\/purchases\/\d+$/);
        assert.match(await page.locator('h1').innerText(), /Compra n\.º \d+/);
        assert.match(await mainText(page), /Pagado/);
        assert.match(await page.locator('address.ship-to').innerText(), /Carrera 7 # 71-21[\s\S]*Bogotá, Cundinamarca[\s\S]*Colombia/);
        await tab.check('purchase-es');
        assert.equal(await htmlLang(page), 'es');
        assert.deepEqual(tab.problems, []);
      } finally {
        await tab.close();
      }
    });

    test('the footer switch works without JavaScript: the same page in English, and the next page too', async () => {
      const tab = await Tab.open(site, size, { locale: 'es-CO', javaScriptEnabled: false });
      const { page } = tab;
      try {
        await tab.goto(book.path);
        assert.equal(await htmlLang(page), 'es');
        assert.match(await mainText(page), /\$1\.234,50/);
        const footer = page.getByRole('navigation', { name: 'Idioma' });
        assert.equal(await footer.locator('[aria-current="true"]').innerText(), 'Español');

        // A plain link: with scripts off, only HTML can follow it.
        await footer.getByRole('link', { name: 'English' }).click();
        await page.waitForURL((url) => url.pathname === book.path);
        assert.equal(await htmlLang(page), 'en');
        assert.match(await mainText(page), /\$1,234\.50[\s\S]*Fine[\s\S]*\d copies in stock/);
        assert.equal(await page.getByRole('link', { name: 'Log in' }).count(), 1);
        assert.match(String(await page.locator('img.cover-large').getAttribute('alt')), /^Cover photo of Cien años/);
        assert.equal(await page.getByRole('navigation', { name: 'Language' }).locator('[aria-current="true"]').innerText(), 'English');
        const cookies = await tab.context.cookies();
        const cookie = cookies.find((c) => c.name === 'lang');
        assert.equal(cookie?.value, 'en');
        assert.equal(cookie?.httpOnly, true);
        // axe needs JavaScript: the same page, with the same cookie, in an ordinary browser (es-CO too).
        const withScripts = await Tab.open(site, size, { locale: 'es-CO' });
        try {
          await withScripts.context.addCookies(cookies);
          await withScripts.goto(book.path);
          assert.equal(await htmlLang(withScripts.page), 'en', 'the cookie wins over Accept-Language');
          await withScripts.check('book-en');
          assert.deepEqual(withScripts.problems, []);
        } finally {
          await withScripts.close();
        }

        // The choice is kept (a cookie for a year): the next page is English too, over es-CO.
        await page.getByRole('link', { name: 'Catalog', exact: true }).first().click();
        await page.waitForURL('**/book/catalog');
        assert.equal(await htmlLang(page), 'en');
        assert.equal(await page.title(), 'Catalog · BookStore');
        assert.match(await page.locator('.book-card').filter({ hasText: book.title }).locator('.price').innerText(), /^\$1,234\.50$/);

        // And back to Spanish, the same way.
        await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Español' }).click();
        await page.waitForURL('**/book/catalog');
        assert.equal(await htmlLang(page), 'es');
        assert.equal(await page.title(), 'Catálogo · BookStore');
        assert.deepEqual(tab.problems, []);
      } finally {
        await tab.close();
      }
    });
  });
}
