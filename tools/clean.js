// Removes in-place build output so a stale .js can never stand in for a deleted .ts.
const fs = require('fs');
const path = require('path');

function removeJs(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) removeJs(full);
    else if (entry.name.endsWith('.js')) fs.rmSync(full);
  }
}
removeJs(path.join(__dirname, '..', 'lib'));
fs.rmSync(path.join(__dirname, '..', 'verifyCredentials.js'), { force: true });
