// npm run admin -- <email>: gives an existing account the admin role.
import { loadConfig } from '../config.js';
import { createPool } from '../db/pool.js';
import { findUserByEmail, setRole } from './accounts.repo.js';

const email = process.argv[2]?.trim().toLowerCase();
if (!email) {
  console.error('Usage: npm run admin -- <email>');
  process.exit(1);
}
const pool = createPool(loadConfig().databaseUrl, 1);
try {
  const user = await findUserByEmail(pool, email);
  if (user) {
    await setRole(pool, user.id, 'admin'); // false if it already was: either way it is one now
    console.log(`${email} is now an admin.`);
  } else {
    console.error(`No account with the email ${email}. Register it first.`);
    process.exitCode = 1;
  }
} finally {
  await pool.end();
}
