'use strict';
// `npm run docs:generate`: writes the AsyncAPI and OpenAPI documents and the system SVG from the
// built contracts (run `npm run build` first; the npm script does).
const fs = require('node:fs');
const path = require('node:path');
const { renderDocs } = require('./render');

const ROOT = path.resolve(__dirname, '..', '..');
const contracts = require(path.join(ROOT, 'libs', 'contracts', 'dist'));
for (const [file, content] of Object.entries(renderDocs(contracts))) {
  fs.writeFileSync(path.join(ROOT, file), content);
  console.log(`wrote ${file}`);
}
