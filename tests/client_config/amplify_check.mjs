// Reads [{name, outputs, requests, token}] on stdin; runs Amplify's own code over each file and prints
// {name: {cognito, rest, requests, warnings}}:
// - cognito: Amplify.getConfig().Auth.Cognito after Amplify.configure(outputs);
// - rest: Amplify.getConfig().API.REST after the merge Amplify documents for REST APIs built
//   outside Amplify ("Set up Amplify REST API", docs.amplify.aws):
//     const amplifyConfig = parseAmplifyConfig(outputs);
//     Amplify.configure({...amplifyConfig, API: {...amplifyConfig.API, REST: outputs.custom.API}},
//                       {API: {REST: {headers: async () => ({Authorization: token})}}});
// - requests: what Amplify's REST API category (@aws-amplify/api-rest, the code behind
//   `aws-amplify/api`'s get/post/...) sends for each {apiName, method, path}: URL, method and
//   Authorization header, caught by a stand-in for fetch (nothing leaves the machine);
// - failover: for a pool with a replica, Auth.Cognito after configuring each replica's user pool
//   endpoint (custom.cognito_kit.regions) as `userPoolEndpoint`, which Amplify's auth uses
//   instead of the endpoint of the Region in the pool id;
// - warnings: anything Amplify printed (a warning means the file is not quite what it expects).
import { Amplify } from "@aws-amplify/core";
// `aws-amplify/utils` re-exports this function; the umbrella package is not installed here.
import { parseAmplifyConfig } from "@aws-amplify/core/internals/utils";
import { del, get, head, patch, post, put } from "@aws-amplify/api-rest";

const CALLS = { GET: get, POST: post, PUT: put, PATCH: patch, DELETE: del, HEAD: head };

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const files = JSON.parse(Buffer.concat(chunks).toString("utf8"));

let sent = [];
globalThis.fetch = async (url, init) => {
  const headers = new Headers(init.headers);
  sent.push({ url: String(url), method: init.method, authorization: headers.get("authorization") });
  return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
};

const results = {};
for (const { name, outputs, requests = [], token = null } of files) {
  const warnings = [];
  const original = { warn: console.warn, error: console.error, log: console.log };
  for (const level of Object.keys(original)) {
    console[level] = (...args) => warnings.push(`${level}: ${args.join(" ")}`);
  }
  try {
    Amplify.configure(outputs);
    const cognito = Amplify.getConfig().Auth?.Cognito ?? null;
    const amplifyConfig = parseAmplifyConfig(outputs);
    Amplify.configure(
      { ...amplifyConfig, API: { ...amplifyConfig.API, REST: outputs.custom.API } },
      { API: { REST: { headers: async () => ({ Authorization: token }) } } },
    );
    const rest = Amplify.getConfig().API?.REST ?? null;
    sent = [];
    for (const { apiName, method, path } of requests) {
      await CALLS[method]({ apiName, path }).response;
    }
    // A pool with a replica: the app's failover, as docs/client-config.md shows it.
    const regions = outputs.custom?.cognito_kit?.regions;
    let failover = null;
    const before = warnings.length;
    if (regions) {
      failover = {};
      for (const region of regions.replicas) {
        const config = parseAmplifyConfig(outputs);
        const endpoint = regions.user_pool_endpoints[region];
        Amplify.configure({
          ...config,
          Auth: { Cognito: { ...config.Auth.Cognito, userPoolEndpoint: endpoint } },
        });
        failover[region] = Amplify.getConfig().Auth?.Cognito ?? null;
      }
    }
    // Amplify warns whenever an endpoint is set: kept apart from the file's own warnings.
    const failoverWarnings = warnings.splice(before);
    results[name] = { cognito, rest, requests: sent, warnings, failover, failoverWarnings };
  } catch (error) {
    results[name] = { error: String(error), warnings };
  } finally {
    Object.assign(console, original);
  }
}
process.stdout.write(JSON.stringify(results));
