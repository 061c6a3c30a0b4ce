// Copies the README's screenshots from the last browser run (test-results/screenshots, git-ignored)
// into docs/screenshots, shrunk: run `npm run test:e2e` first, then `node scripts/update-screenshots.mjs`.
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';

// book-es and book-en: the same book page in Spanish (Accept-Language: es-CO) and after the footer's
// switch to English (test/e2e/language.e2e.ts).
const pages = ['home-with-books', 'catalog', 'book', 'checkout-delivery', 'purchase-timeline', 'sales', 'book-es', 'book-en'];
const sizes = { desktop: 1000, phone: 390 };
mkdirSync('docs/screenshots', { recursive: true });
for (const [size, width] of Object.entries(sizes)) {
  for (const page of pages) {
    const from = `test-results/screenshots/${size}/${page}.png`;
    const to = `docs/screenshots/${size}-${page}.png`;
    // Long pages are cut to their first screens: enough to show the layout.
    const image = sharp(from);
    const { width: w = width, height: h = 0 } = await image.metadata();
    const keep = Math.min(h, Math.round(w * (size === 'phone' ? 2.4 : 1.1)));
    await image.extract({ left: 0, top: 0, width: w, height: keep }).resize({ width }).png({ palette: true, quality: 80 }).toFile(to);
    console.log(to);
  }
}
