#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into tests/fuzz/corpus/<target>/.

The seeds are committed; this script says how they were made and remakes
them. Inputs of targets that read through FuzzedDataProvider are laid out the
way it reads them: strings from the front (ConsumeRandomLengthString: a
backslash doubles, backslash + other byte ends the string), integers from the
back, one byte per integer whose range fits a byte.

Crash reproducers found by fuzzing are added by hand as corpus/<target>/crash-*
and are not touched here.
"""
import pathlib
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"


class Provider:
    """Builds bytes that FuzzedDataProvider consumes in the order written."""

    def __init__(self):
        self.front = b""
        self.back = []  # in consumption order: the last byte is consumed first

    def string(self, s):
        if isinstance(s, str):
            s = s.encode()
        self.front += s.replace(b"\\", b"\\\\") + b"\\ "
        return self

    def byte(self, v):  # ConsumeIntegral* with a range of at most 255, or uint8/char/bool
        self.back.append(v & 0xFF)
        return self

    def rest(self, s):
        if isinstance(s, str):
            s = s.encode()
        self.front += s
        return self

    def bytes(self):
        return self.front + bytes(reversed(self.back))


def write(target, name, data):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


# ---- xml: every parser sees every input -------------------------------------
XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
write("xml", "list-versions-radosgw", XML + """<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<EncodingType>url</EncodingType><Name>vers</Name><Prefix>v/</Prefix><MaxKeys>3</MaxKeys><IsTruncated>true</IsTruncated>
<NextKeyMarker>v/a b+c</NextKeyMarker><NextVersionIdMarker>D5MK6</NextVersionIdMarker>
<DeleteMarker><Key>v%2Fa%20b%2Bc</Key><VersionId>B8Gp3</VersionId><IsLatest>true</IsLatest></DeleteMarker>
<Version><Key>v%2Fa%20b%2Bc</Key><VersionId>rx0gW</VersionId><ETag>&quot;b6d7&quot;</ETag><Size>2</Size></Version>
<Version><Key>v%2F%C3%A9</Key><VersionId>null</VersionId><Size>1</Size></Version>
</ListVersionsResult>""")
write("xml", "versioning-enabled", XML + """<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>""")
write("xml", "list-url-encoded", XML + """<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Name>b</Name><Prefix>p%2F</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>%2F</Delimiter>
<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>1ue/X+=</NextContinuationToken>
<Contents><Key>p%2Fa+b%2Bc%3D.jpg</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>
<ETag>"fba9dede5f27731c9771645a39863328"</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>p%2F%C3%BC%25%0D%0A.txt</Key><ETag>&quot;9b2c-2&quot;</ETag><Size>18446744073709551615</Size></Contents>
<CommonPrefixes><Prefix>p%2Ffeb+%2F</Prefix></CommonPrefixes></ListBucketResult>""")
write("xml", "list-plain", XML + "<ListBucketResult><Name>b</Name><KeyCount>1</KeyCount>"
      "<IsTruncated>false</IsTruncated><Contents><Key>a&amp;b</Key><Size>0</Size>"
      "<ETag>e</ETag></Contents></ListBucketResult>")
write("xml", "list-empty", "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")
write("xml", "list-buckets", XML + """<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Owner><ID>s3loop</ID><DisplayName>s3loop</DisplayName></Owner><Buckets>
<Bucket><Name>2024-backups.eu</Name><CreationDate>2024-02-29T23:59:59.000Z</CreationDate></Bucket>
<Bucket><Name>rss</Name><CreationDate>2026-12-01T12:22:32.306Z</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket>
</Buckets></ListAllMyBucketsResult>""")
write("xml", "list-buckets-no-name", "<ListAllMyBucketsResult><Buckets><Bucket><Name>ok-1</Name></Bucket>"
      "<Bucket><Name/><CreationDate>2024-01-01T00:00:00Z</CreationDate></Bucket><Bucket></Bucket>"
      "</Buckets></ListAllMyBucketsResult>")
write("xml", "list-buckets-empty", "<ListAllMyBucketsResult><Owner><ID>x</ID></Owner><Buckets/></ListAllMyBucketsResult>")
write("xml", "error-aws", XML + "<Error><Code>NoSuchKey</Code><Message>The resource you requested "
      "does not exist</Message><Resource>/mybucket/myfoto.jpg</Resource>"
      "<RequestId>4442587FB7D0A2F9</RequestId></Error>")
write("xml", "error-radosgw", XML + "<Error><Code>NoSuchBucket</Code><Message></Message>"
      "<BucketName>nope</BucketName><RequestId>tx00000-0065a1b2c3-1234-default</RequestId>"
      "<HostId>1234-default-default</HostId></Error>")
write("xml", "copy-object", XML + '<CopyObjectResult><LastModified>2009-10-28T22:32:00</LastModified>'
      '<ETag>"9b2cf535f27731c974343645a3985328"</ETag></CopyObjectResult>')
write("xml", "copy-part", "<CopyPartResult><ETag>abc</ETag></CopyPartResult>")
write("xml", "copy-200-error", "<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>")
write("xml", "initiate", XML + "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
      "<UploadId>2~abcDEF</UploadId></InitiateMultipartUploadResult>")
write("xml", "complete", XML + '<CompleteMultipartUploadResult><Location>x</Location><Bucket>b</Bucket>'
      '<Key>k</Key><ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag></CompleteMultipartUploadResult>')
write("xml", "delete-result", XML + "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b&#13;"
      "</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>")
write("xml", "tagging", XML + '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>'
      "<Tag><Key>a&amp;b</Key><Value> x&#13;y </Value></Tag><Tag><Key>k</Key><Value/></Tag>"
      "</TagSet></Tagging>")
write("xml", "select-stats", '<Stats xmlns=""><BytesScanned>19</BytesScanned><BytesProcessed>19'
      '</BytesProcessed><BytesReturned>18</BytesReturned></Stats>')


# ---- event_stream: last byte even = raw stream, odd = framed here ------------
def header(name, value, type_=7):
    name = name.encode()
    if isinstance(value, str):
        value = value.encode()
    out = bytes([len(name)]) + name + bytes([type_])
    if type_ in (6, 7):
        out += struct.pack(">H", len(value)) + value
    else:
        out += value
    return out


def frame(headers, payload):
    total = 16 + len(headers) + len(payload)
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def event(kind, payload=b"", content_type=None):
    h = header(":message-type", "event") + header(":event-type", kind)
    if content_type:
        h += header(":content-type", content_type)
    return frame(h, payload)


STATS = b"<Stats><BytesScanned>19</BytesScanned><BytesProcessed>19</BytesProcessed>" \
        b"<BytesReturned>18</BytesReturned></Stats>"
select_stream = (event("Records", b'1,Paris,10\n2,Lyon,20\n', "application/octet-stream") +
                 event("Cont") + event("Progress", STATS.replace(b"Stats", b"Progress"), "text/xml") +
                 event("Stats", STATS, "text/xml") + event("End"))
error_stream = event("Records", b"x\n") + frame(
    header(":message-type", "error") + header(":error-code", "InvalidQuery") +
    header(":error-message", "bad SQL"), b"")


def raw(stream, cuts):
    p = Provider().rest(stream)
    p.byte(0).byte(len(cuts))
    for c in cuts:
        p.byte(c)
    return p.bytes()


def framed(pieces, cuts):
    p = Provider()
    for h, payload in pieces:
        p.string(h).string(payload)
    p.byte(1).byte(len(cuts))
    for c in cuts:
        p.byte(c)
    return p.bytes()


write("event_stream", "select-records-stats-end", raw(select_stream, [1, 11, 12, 40]))
write("event_stream", "select-error-event", raw(error_stream, [5, 0, 64]))
write("event_stream", "empty-message", raw(frame(b"", b""), [3]))
write("event_stream", "framed-every-header-type", framed([
    (header("t", b"", 0) + header("f", b"", 1) + header("b", b"\x80", 2) +
     header("s", b"\xff\xfe", 3) + header("i", b"\x80\x00\x00\x00", 4) +
     header("l", b"\x00" * 8, 5) + header("a", b"\x00\x01", 6) + header("ts", b"\x01" * 8, 8) +
     header("u", b"\x10" * 16, 9), b"payload"),
    (header(":message-type", "event") + header(":event-type", "End"), b"")], [7, 30]))
write("event_stream", "framed-records", framed([
    (header(":message-type", "event") + header(":event-type", "Records"), b"a,b\n"),
    (header(":message-type", "event") + header(":event-type", "Stats"), STATS),
    (header(":message-type", "event") + header(":event-type", "End"), b"")], []))


# ---- csv: text in front; format, header, chunk, cuts from the back -----------
def csv(text, fmt=0, header_info=2, chunk=8, cuts=(), fmt_bytes=b""):
    p = Provider().rest(text)
    p.byte(fmt)
    for b in fmt_bytes:
        p.byte(b)
    p.byte(header_info).byte(chunk - 1).byte(len(cuts))
    for c in cuts:
        p.byte(c)
    return p.bytes()


PEOPLE = "id,name,city,amount\n1,Ann,Paris,10\n2,Bob,Lyon,20\n3,Cid,Nice,30\n"
write("csv", "header-use", csv(PEOPLE, header_info=0, chunk=9, cuts=(3, 17)))
write("csv", "header-ignore-crlf", csv(PEOPLE.replace("\n", "\r\n"), header_info=1, chunk=5))
write("csv", "quoted-fields", csv('a,"b,c","d""e"\n"multi\nline",x,"ab"c\n\n"",,\n', cuts=(1, 2, 3)))
write("csv", "no-trailing-newline-lone-cr", csv("1,2\r3\n4,5\r", chunk=3))
write("csv", "tab-separated", csv("a\tb\tc\n1\t2\t3\n", fmt=1, header_info=0, chunk=4))
write("csv", "pipe-single-quote", csv("a|'b|c'|d\n1|2|3\n", fmt=2, chunk=6))
write("csv", "any-format", csv("a;b;c\n#x;y#;z\n", fmt=3, fmt_bytes=b";#", chunk=2))


# ---- sql: query, header choice, partial row, LIKE text/pattern, records ------
def sql(query, header_choice=0, records=(), partial=(), like=("", ""), escape=None):
    p = Provider().string(query)
    p.byte(header_choice)
    p.byte(len(partial))
    for s in partial:
        p.string(s)
    p.string(like[0]).string(like[1])
    p.byte(1 if escape else 0)
    if escape:
        p.byte(ord(escape))
    p.byte(len(records))
    for r in records:
        p.byte(len(r))
        for f in r:
            p.string(f)
    return p.bytes()


ROWS = [["1", "Ann", "10", "Paris", "1.5"], ["2", "Bob", "x", "Lyon", "-2e3"], ["3"], []]
write("sql", "select-star-where", sql("SELECT * FROM S3Object s WHERE s.city = 'Paris' AND "
                                      "CAST(amount AS INT) >= 10 LIMIT 5", records=ROWS))
write("sql", "aggregates", sql("SELECT COUNT(*), SUM(CAST(amount AS FLOAT)), MIN(id), MAX(id), "
                               "AVG(CAST(Price AS DECIMAL)), COUNT(name) FROM S3Object",
                               records=ROWS, partial=["3", "1.5", "2", "1", "3", "0.5", "4", "2"]))
write("sql", "positional-no-header", sql("SELECT _1, _3 AS third FROM S3Object WHERE _2 LIKE 'A%' "
                                         "OR _2 NOT LIKE '!_x' ESCAPE '!'", header_choice=1,
                                         records=ROWS))
write("sql", "quoted-names-null", sql('SELECT "Price", name FROM S3Object[*] AS t WHERE '
                                      't."Price" IS NOT NULL AND NOT (t.name IS NULL) AND '
                                      "id <> -3 AND amount != 2.50 AND name < 'Z''s'",
                                      records=ROWS))
write("sql", "cast-string-compare", sql("SELECT CAST(id AS STRING), CAST(amount AS INTEGER) FROM "
                                        "S3Object WHERE id > 1 AND id <= 3.5", records=ROWS))
write("sql", "like-pattern", sql("SELECT * FROM S3Object", like=("a%b_c%%d", "%a%_%b%c%d%"),
                                 escape="\\"))

# ---- s3_url -----------------------------------------------------------------
for name, url in [("bucket", "s3://my-bucket"), ("bucket-slash", "s3://my.bucket/"),
                  ("key", "s3://bucket-1/dir/sub//x.txt"), ("no-scheme", "bucket/key"),
                  ("bad-bucket", "s3://My_Bucket/k"), ("control-bytes", "s3://a\x01b/\xff")]:
    write("s3_url", name, url)
