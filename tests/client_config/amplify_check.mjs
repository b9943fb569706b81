// Reads [{name, outputs}] on stdin; configures Amplify's own parser with each file and prints
// {name: {cognito, warnings}}: what Amplify.getConfig().Auth.Cognito holds, and anything it
// printed while parsing (a warning means the file is not quite what Amplify expects).
import { Amplify } from "@aws-amplify/core";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const files = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const results = {};
for (const { name, outputs } of files) {
  const warnings = [];
  const original = { warn: console.warn, error: console.error, log: console.log };
  for (const level of Object.keys(original)) {
    console[level] = (...args) => warnings.push(`${level}: ${args.join(" ")}`);
  }
  try {
    Amplify.configure(outputs);
    results[name] = { cognito: Amplify.getConfig().Auth?.Cognito ?? null, warnings };
  } catch (error) {
    results[name] = { error: String(error), warnings };
  } finally {
    Object.assign(console, original);
  }
}
process.stdout.write(JSON.stringify(results));
