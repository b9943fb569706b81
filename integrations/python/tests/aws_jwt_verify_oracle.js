// Runs AWS's aws-jwt-verify (the pinned npm package in the repository's node_modules) on a corpus
// of tokens and prints one verdict per token, for the differential test in test_differential.py.
//
// stdin:  {"jwks": {name: JWKS}, "cases": [{"id", "token", "jwks", "config": {
//            "userPoolId", "tokenUse", "clientId", "scope"?, "groups"?, "graceSeconds"?}}]}
// stdout: {"version": "...", "results": [{"id", "ok": true, "payload"} | {"id", "ok": false,
//            "error": "<error class name>", "message"}]}
//
// Each case gets a fresh verifier, so no case sees another's cache or penalty box. The JWKS is
// loaded with cacheJwks (offline); a token with an unknown kid makes aws-jwt-verify refetch, which
// a fake fetcher answers with the same JWKS, as the real endpoint would.
"use strict";

const { CognitoJwtVerifier } = require("aws-jwt-verify");
const { SimpleJwksCache } = require("aws-jwt-verify/jwk");
const fs = require("fs");
const path = require("path");

// package.json is not in the package's exports map: read it next to the resolved entry point.
const { version } = JSON.parse(
  fs.readFileSync(
    path.join(path.dirname(require.resolve("aws-jwt-verify")), "..", "..", "package.json"),
    "utf8",
  ),
);

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function main() {
  const input = await readStdin();
  const results = [];
  for (const testCase of input.cases) {
    const jwks = input.jwks[testCase.jwks];
    const fetcher = {
      fetch: async () => new TextEncoder().encode(JSON.stringify(jwks)).buffer,
    };
    try {
      const verifier = CognitoJwtVerifier.create(testCase.config, {
        jwksCache: new SimpleJwksCache({ fetcher }),
      });
      verifier.cacheJwks(jwks);
      const payload = await verifier.verify(testCase.token);
      results.push({ id: testCase.id, ok: true, payload });
    } catch (err) {
      results.push({
        id: testCase.id,
        ok: false,
        error: err && err.constructor ? err.constructor.name : String(err),
        message: err && err.message ? err.message : String(err),
      });
    }
  }
  process.stdout.write(JSON.stringify({ version, results }));
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
