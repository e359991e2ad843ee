// Micro-benchmarks of the per-request protocol work the client does on its
// loop thread: signing a request and parsing the replies of a copy.
#include "s3loop/s3/sigv4.hpp"
#include "s3loop/s3/xml.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace s3loop::s3;

SigningInput copy_request() {
  SigningInput in;
  in.method = "PUT";
  in.canonical_uri = "/dst-bucket/copy/part-07/obj-00000123.dat";
  in.region = "us-east-1";
  in.amz_date = "20261125T120000Z";
  in.payload_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  in.headers = {{"x-amz-copy-source", "/src-bucket/data/part-07/obj-00000123.dat"},
                {"host", "127.0.0.1:9443"},
                {"x-amz-date", in.amz_date},
                {"x-amz-content-sha256", in.payload_hash}};
  return in;
}

void BM_SignCopyObject(benchmark::State& state) {
  const SigningInput in = copy_request();
  const Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  for (auto _ : state) benchmark::DoNotOptimize(sign_v4(in, creds));
}
BENCHMARK(BM_SignCopyObject);

void BM_ParseCopyResult(benchmark::State& state) {
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CopyObjectResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LastModified>2026-11-25T12:00:00.000Z"
      "</LastModified><ETag>9b2cf535f27731c974343645a3985328</ETag></CopyObjectResult>";
  for (auto _ : state) benchmark::DoNotOptimize(parse_copy_result(xml));
}
BENCHMARK(BM_ParseCopyResult);

void BM_ParseListPage1000(benchmark::State& state) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix>data/</Prefix>"
      "<KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType>"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>abc</NextContinuationToken>";
  for (int i = 0; i < 1000; ++i) {
    xml += "<Contents><Key>data%2Fpart-07%2Fobj-" + std::to_string(100000 + i) +
           ".dat</Key><LastModified>2026-11-25T12:00:00.000Z</LastModified><ETag>&quot;"
           "9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1234</Size>"
           "<StorageClass>STANDARD</StorageClass></Contents>";
  }
  xml += "</ListBucketResult>";
  for (auto _ : state) benchmark::DoNotOptimize(parse_list_objects_v2(xml));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ParseListPage1000);

}  // namespace

BENCHMARK_MAIN();
