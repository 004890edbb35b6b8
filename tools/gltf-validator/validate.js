// Validates one glTF/GLB file with the Khronos validator and prints its issue counts, and the issues themselves,
// as one line of JSON: {"errors":N,"warnings":N,"infos":N,"hints":N,"messages":[{code,severity,message,pointer}]}.
// Exit code 0 when the file was validated (whatever it holds), 2 when it could not be read or parsed at all.
'use strict';
const fs = require('fs');
const validator = require('gltf-validator');

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node validate.js FILE.glb\n');
  process.exit(2);
}
let bytes;
try {
  bytes = new Uint8Array(fs.readFileSync(file));
} catch (e) {
  process.stderr.write(`${file}: ${e.message}\n`);
  process.exit(2);
}
// The project writes self-contained GLB files, so every external resource is refused.
validator.validateBytes(bytes, {
  uri: file,
  maxIssues: 0,
  externalResourceFunction: (uri) => Promise.reject(new Error(`external resource ${uri} not expected`)),
}).then((report) => {
  const issues = report.issues;
  process.stdout.write(JSON.stringify({
    validator: report.validatorVersion,
    errors: issues.numErrors,
    warnings: issues.numWarnings,
    infos: issues.numInfos,
    hints: issues.numHints,
    messages: issues.messages.map((m) => ({ code: m.code, severity: m.severity, message: m.message, pointer: m.pointer })),
  }) + '\n');
}, (error) => {
  process.stderr.write(`${file}: ${error}\n`);
  process.exit(2);
});
