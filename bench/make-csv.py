#!/usr/bin/python3
"""Writes the seeded `select-csv` data set -- one CSV object of about --size bytes -- to
s3://bucket/key (bucket created if missing), streaming it up as a multipart upload.

  bench/make-csv.py s3://bucket/key.csv --size 1GiB [--seed 1]

Columns, the reference schema: id (1..N, increasing), name (some quoted, with a delimiter or
doubled quotes inside: the RFC 4180 edge cases), age (18..90), latitude (-90..90) and longitude
(-180..180) with 4 to 6 decimals, monthly_income (0..20000, about 5% empty), experienced
(true/false). Same seed and size, same bytes.
Uses AWS_ENDPOINT_URL / AWS_CA_BUNDLE / credentials from the environment (Debian's boto3).
"""

import argparse
import io
import os
import random
import re
import sys

import boto3
import boto3.s3.transfer

UNITS = {"": 1, "B": 1, "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30}


def parse_size(text):
    m = re.fullmatch(r"(\d+)\s*([KMG]iB|B)?", text.strip(), re.IGNORECASE)
    if not m:
        raise SystemExit(f"make-csv: --size '{text}' is not a size like 64MiB or 1GiB")
    return int(m.group(1)) * UNITS[(m.group(2) or "").upper()]


class CsvStream(io.RawIOBase):
    """A readable stream of exactly the CSV bytes (whole records, about `size` bytes)."""

    def __init__(self, size, seed):
        self.size = size
        self.rng = random.Random(seed)
        self.pending = b"id,name,age,latitude,longitude,monthly_income,experienced\n"
        self.produced = 0
        self.next_id = 1
        self.names = ["Alice", "Bob", '"Smith, John"', '"Jo ""JJ"" Lee"', "Chen", "Dana",
                      "Eve", "Farid"]

    def readable(self):
        return True

    def _block(self):
        rng = self.rng

        def coord(limit):  # 4 to 6 decimals, as GPS exports vary
            return f"{rng.uniform(-limit, limit):.{rng.randint(4, 6)}f}"

        lines = []
        for _ in range(2000):
            name, age, lat, lon = rng.choice(self.names), rng.randint(18, 90), coord(90), coord(180)
            # Some empty incomes: CASTs and aggregates must cope with missing values.
            income = "" if rng.random() < 0.05 else rng.randint(0, 20000)
            experienced = rng.choice(("true", "false"))
            lines.append(f"{self.next_id},{name},{age},{lat},{lon},{income},{experienced}\n")
            self.next_id += 1
        return "".join(lines).encode()

    def readinto(self, buffer):
        while len(self.pending) < len(buffer) and self.produced + len(self.pending) < self.size:
            self.pending += self._block()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        self.produced += n
        return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--size", default="1GiB")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    m = re.fullmatch(r"s3://([^/]+)/(.+)", args.url)
    if not m:
        raise SystemExit(f"make-csv: '{args.url}' is not s3://bucket/key")
    bucket, key = m.groups()
    s3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
                      verify=os.environ.get("AWS_CA_BUNDLE"))
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    stream = CsvStream(parse_size(args.size), args.seed)
    config = boto3.s3.transfer.TransferConfig(multipart_chunksize=64 << 20, max_concurrency=4)
    s3.upload_fileobj(io.BufferedReader(stream, 1 << 20), bucket, key, Config=config)
    size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    print(f"make-csv: s3://{bucket}/{key}: {size} bytes, {stream.next_id - 1} records",
          file=sys.stderr)


if __name__ == "__main__":
    main()
