"""Deletes buckets and everything in them: bench/run's cleanup on a shared server.

    buckets.py delete BUCKET...

The server from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_REGION and BENCH_CA_BUNDLE. A bucket that is not there is fine.
"""
import os
import sys

import boto3
import botocore.config
import botocore.exceptions


def delete_keys(s3, bucket, keys):
    """Deletes keys, 1000 to a DeleteObjects batch. A key XML cannot carry (a control
    character) makes the server refuse its whole batch, or the reply cannot be read: a batch
    that raises or reports errors gets a DeleteObject per key it did not delete, which carries
    any key. A key that still cannot be deleted raises: objects are never left silently."""
    for i in range(0, len(keys), 1000):
        batch = keys[i:i + 1000]
        try:
            reply = s3.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": k} for k in batch], "Quiet": True})
            left = [e["Key"] for e in reply.get("Errors", [])]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
            left = batch
        for key in left:
            s3.delete_object(Bucket=bucket, Key=key)


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "delete":
        raise SystemExit(__doc__)
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                      region_name=os.environ.get("AWS_REGION") or "us-east-1",
                      verify=os.environ["BENCH_CA_BUNDLE"],
                      config=botocore.config.Config(s3={"addressing_style": "path"}))
    for bucket in sys.argv[2:]:
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                delete_keys(s3, bucket, [o["Key"] for o in page.get("Contents", [])])
            s3.delete_bucket(Bucket=bucket)
        except s3.exceptions.NoSuchBucket:
            pass


if __name__ == "__main__":
    main()
