"""bench/run's boto3 contenders: the shape people write by hand.

    boto3_copy.py s3://src/prefix/ s3://dst/prefix/ --workers N

Lists every key under the source first, then calls copy_object for each: one
after the other with --workers 1 (serial), else from a ThreadPoolExecutor of N
threads (bench/run passes os.cpu_count() + 4, the executor's own default) with
as many pooled connections. Endpoint, keys, region and CA bundle come from the
usual AWS_* variables; path-style addressing. Prints one JSON line.
"""
import argparse
import concurrent.futures
import json
import os
import sys
import time

import boto3
import botocore.config


def parse(url):
    if not url.startswith("s3://"):
        raise SystemExit(f"not an s3:// URL: {url}")
    bucket, _, prefix = url[5:].partition("/")
    return bucket, prefix


def main():
    p = argparse.ArgumentParser()
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--workers", type=int, default=1)
    a = p.parse_args()
    src_bucket, src_prefix = parse(a.src)
    dst_bucket, dst_prefix = parse(a.dst)

    t0 = time.monotonic()
    # Debian's botocore predates AWS_ENDPOINT_URL: pass it on, or it would go to AWS.
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], config=botocore.config.Config(
        s3={"addressing_style": "path"}, max_pool_connections=max(10, a.workers),
        retries={"max_attempts": 5, "mode": "standard"}))
    objects = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=src_bucket, Prefix=src_prefix):
        objects.extend((o["Key"], o["Size"]) for o in page.get("Contents", []))

    def copy(obj):
        key, size = obj
        s3.copy_object(Bucket=dst_bucket, Key=dst_prefix + key[len(src_prefix):],
                       CopySource={"Bucket": src_bucket, "Key": key})
        return size

    copied = nbytes = failed = 0

    def done(obj, fut_or_size):
        nonlocal copied, nbytes, failed
        try:
            nbytes += fut_or_size() if callable(fut_or_size) else fut_or_size
            copied += 1
        except Exception as e:  # report and go on, as the other tools do
            failed += 1
            print(f"failed: {obj[0]}: {e!r}", file=sys.stderr)

    if a.workers <= 1:
        for obj in objects:
            done(obj, lambda obj=obj: copy(obj))
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.workers) as pool:
            futures = {pool.submit(copy, obj): obj for obj in objects}
            for fut in concurrent.futures.as_completed(futures):
                done(futures[fut], fut.result)
    print(json.dumps({"objects": copied, "bytes": nbytes, "failed": failed,
                      "wall_seconds": time.monotonic() - t0}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
