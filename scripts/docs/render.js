'use strict';
// Renders every generated file under docs/architecture from libs/contracts. Used by
// `npm run docs:generate` (with the built contracts) and by test/deploy/docs.test.ts (with the
// sources), which fails when a committed file differs from what this renders.
const YAML = require('yaml');
const { systemSvg } = require('./system-svg');

/** @returns {Record<string, string>} repository-relative path → file content */
function renderDocs(contracts) {
  return {
    'docs/architecture/asyncapi.yaml': YAML.stringify(contracts.asyncApiDocument(), { lineWidth: 0 }),
    'docs/architecture/openapi.json': JSON.stringify(contracts.openApiDocument(), null, 2) + '\n',
    'docs/architecture/system.svg': systemSvg(),
  };
}

module.exports = { renderDocs };
