// s3loop as a library: copy every object under one S3 prefix to another,
// server side, under the strategy named (async by default: one thread, 256
// copies in flight), and say what the run did.
//
//   s3loop-example-copy s3://source-bucket/prefix/ s3://destination-bucket/prefix/ [strategy]
//
// Credentials, region, endpoint and CA bundle come from the environment and
// ~/.aws as they do for aws cli (AWS_ENDPOINT_URL, AWS_CA_BUNDLE, AWS_PROFILE,
// ...). The command `s3loop cp` adds flags, filters, progress, --verify and
// Ctrl-C handling on top of the same calls.
#include <s3loop/exec/resources.hpp>
#include <s3loop/exec/strategy.hpp>
#include <s3loop/jobs/copy_job.hpp>
#include <s3loop/one_line.hpp>
#include <s3loop/s3/client_setup.hpp>
#include <s3loop/s3/s3_url.hpp>

#include <cstdio>
#include <string>

namespace {

// A key may hold a line break or a terminal's escape sequence, and a
// message quotes keys as they are: one_line writes such characters as C
// escapes, so that each failure is one line and none can forge another.
int fail(const std::string& message, int exit_code) {
  std::fprintf(stderr, "s3loop-example-copy: %s\n", s3loop::one_line(message).c_str());
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace s3loop;
  if (argc < 3 || argc > 4) {
    return fail("usage: s3loop-example-copy s3://bucket/prefix/ s3://bucket/prefix/ [strategy]", 2);
  }
  auto source = s3::parse_s3_url(argv[1]);
  if (!source) return fail(source.error().message, 2);
  auto destination = s3::parse_s3_url(argv[2]);
  if (!destination) return fail(destination.error().message, 2);

  // Each connection is a descriptor: 256 in flight and more need the hard
  // limit rather than a soft one of 1024 or less (as the command does).
  static_cast<void>(exec::raise_open_file_limit());

  exec::Settings settings;  // async, 256 requests in flight
  if (argc == 4) {
    auto kind = exec::parse_strategy(argv[3]);
    if (!kind) return fail(kind.error().message, 2);
    settings.kind = *kind;
  }

  auto setup = s3::setup_client(s3::ClientSettings{});
  if (!setup) return fail(setup.error().message, 2);

  jobs::CopyOptions options;
  options.source = *source;
  options.destination = *destination;
  // The directory mapping of `aws s3 cp --recursive`, and its refusals (a
  // destination inside the source).
  auto copy = jobs::normalise_copy_locations(std::move(options));
  if (!copy) return fail(copy.error().message, 2);
  copy->on_object = [](const std::string& from, const std::string& to, std::uint64_t,
                       const Error* error) {
    if (error != nullptr)
      std::fprintf(stderr, "failed: %s -> %s: %s\n", one_line(from).c_str(), one_line(to).c_str(),
                   one_line(error->message).c_str());
  };

  jobs::CopyJob job(std::move(*copy));
  auto strategy = exec::make_strategy(settings);
  if (!strategy) return fail(strategy.error().message, 2);
  const exec::RunReport report = (*strategy)->run(job, *setup->shared);
  if (report.job_error) return fail(report.job_error->message, 1);
  std::printf("%s: copied %llu objects (%llu bytes), %llu failed, %s\n",
              std::string(exec::strategy_name(settings.kind)).c_str(),
              static_cast<unsigned long long>(report.succeeded),
              static_cast<unsigned long long>(report.bytes),
              static_cast<unsigned long long>(report.failed),
              exec::describe_workers(settings).c_str());
  return report.failed == 0 ? 0 : 1;
}
