// bench/run's AWS JavaScript SDK v3 contender: copies every object under
// s3://SRC_BUCKET/SRC_PREFIX to s3://DST_BUCKET/DST_PREFIX + the same relative
// key with CopyObject, from ONE Node event loop with at most C requests in
// flight: the closest peer of s3loop's async strategy. Like it, the listing
// streams: C workers pull keys from one shared page iterator, so no key list
// is held beyond the page being worked on.
//
//   node copy.mjs s3://src/prefix/ s3://dst/prefix/ --concurrency C
//
// Endpoint, keys and region come from the usual AWS_* variables; the local CA
// from NODE_EXTRA_CA_CERTS (bench/run sets it). Path-style addressing. Prints
// one JSON line: objects, bytes, failed, wall_seconds.
import https from "node:https";
import { S3Client, CopyObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";

function parseUrl(url) {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: m[1], prefix: m[2] };
}

const args = process.argv.slice(2);
let concurrency = 64;
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--concurrency") concurrency = Number(args[++i]);
  else positional.push(args[i]);
}
if (positional.length !== 2 || !(concurrency >= 1)) {
  console.error("usage: node copy.mjs s3://src/prefix/ s3://dst/prefix/ --concurrency C");
  process.exit(2);
}
const src = parseUrl(positional[0]);
const dst = parseUrl(positional[1]);

const client = new S3Client({
  endpoint: process.env.AWS_ENDPOINT_URL,
  region: process.env.AWS_REGION || "us-east-1",
  forcePathStyle: true,
  maxAttempts: 5,
  // CopyObject has no body; keep newer SDKs from adding checksum headers an
  // older server may not know.
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
  // The SDK's default agent allows 50 sockets; give every request in flight
  // its own kept-alive connection, as s3loop does.
  requestHandler: new NodeHttpHandler({
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: concurrency }),
  }),
});

// The copy source is "bucket/key" with the key URL-encoded ('/' kept).
const encodeKey = (key) => encodeURIComponent(key).replace(/%2F/g, "/");

const pages = paginateListObjectsV2({ client, pageSize: 1000 }, { Bucket: src.bucket, Prefix: src.prefix });
let page = [];
let pagesDone = false;
let pending = null; // one page fetch shared by every worker waiting for keys

async function nextObject() {
  while (page.length === 0) {
    if (pagesDone) return null;
    if (!pending) {
      pending = pages.next().then((r) => {
        if (r.done) pagesDone = true;
        else page.push(...(r.value.Contents || []));
        pending = null;
      });
    }
    await pending;
  }
  return page.shift();
}

let objects = 0;
let bytes = 0;
let failed = 0;
const t0 = process.hrtime.bigint();

async function worker() {
  for (let o = await nextObject(); o; o = await nextObject()) {
    const rel = o.Key.slice(src.prefix.length);
    try {
      await client.send(new CopyObjectCommand({
        Bucket: dst.bucket,
        Key: dst.prefix + rel,
        CopySource: `${src.bucket}/${encodeKey(o.Key)}`,
      }));
      objects++;
      bytes += o.Size;
    } catch (e) {
      failed++;
      console.error(`failed: ${o.Key}: ${e.name}: ${e.message}`);
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ objects, bytes, failed, wall_seconds: wall }));
client.destroy();
process.exit(failed ? 1 : 0);
