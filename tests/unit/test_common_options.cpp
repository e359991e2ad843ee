// The options every command shares, as compare passes them on to its runs.
#include "common.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace s3loop::cli {
namespace {

CommonOptions parse(std::vector<std::string> words) {
  CLI::App app;
  // As main.cpp sets it: a flag given twice counts as given last.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  CommonOptions options;
  add_common_options(app, options);
  words.insert(words.begin(), "s3loop");
  std::vector<const char*> argv;
  for (const auto& w : words) argv.push_back(w.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return options;
}

TEST(CommonOptions, EveryOptionButJsonIsPassedOnAsGiven) {
  // clang-format off
  const std::vector<std::string> words = {
      "--endpoint-url", "https://127.0.0.1:9443", "--region", "eu-west-1",
      "--profile", "p", "--ca-bundle", "/tmp/ca.pem", "--no-verify-ssl",
      "--addressing-style", "path", "--max-attempts", "2", "--retry-budget", "0",
      "--connect-timeout", "0.25", "--read-timeout", "0.1", "--debug"};
  // clang-format on
  std::vector<std::string> with_json = words;
  with_json.push_back("--json");
  const CommonOptions given = parse(with_json);
  EXPECT_EQ(common_option_arguments(given), words);

  // Read back, the words give the same settings.
  const CommonOptions child = parse(common_option_arguments(given));
  EXPECT_EQ(child.endpoint_url, given.endpoint_url);
  EXPECT_EQ(child.region, given.region);
  EXPECT_EQ(child.profile, given.profile);
  EXPECT_EQ(child.ca_bundle, given.ca_bundle);
  EXPECT_EQ(child.no_verify_ssl, given.no_verify_ssl);
  EXPECT_EQ(child.addressing_style, given.addressing_style);
  EXPECT_EQ(child.max_attempts, given.max_attempts);
  EXPECT_EQ(child.retry_budget, given.retry_budget);
  EXPECT_EQ(child.connect_timeout, given.connect_timeout);
  EXPECT_EQ(child.read_timeout, given.read_timeout);
  EXPECT_EQ(child.debug, given.debug);
  EXPECT_FALSE(child.json);
}

TEST(CommonOptions, DefaultsPassOnOnlyWhatHasADefaultValue) {
  // Unset options stay unset in the child, so its environment and profile
  // decide them as they would have for the parent.
  EXPECT_EQ(common_option_arguments(parse({})),
            (std::vector<std::string>{"--max-attempts", "5", "--retry-budget", "500"}));
  // An explicit auto is passed on: it outranks the profile's style.
  EXPECT_EQ(common_option_arguments(parse({"--addressing-style", "auto"})),
            (std::vector<std::string>{"--addressing-style", "auto", "--max-attempts", "5",
                                      "--retry-budget", "500"}));
}

// A number flag given twice counts as given last, its range included: an
// earlier value outside it was refused (`--max-attempts 0 --max-attempts 3`)
// while `-c 0 -c 5` ran. Every occurrence must still be a number.
TEST(CommonOptions, ANumberGivenTwiceIsRangeCheckedAsGivenLast) {
  const CommonOptions last =
      parse({"--max-attempts", "0", "--max-attempts", "3", "--retry-budget", "-1", "--retry-budget",
             "07", "--read-timeout", "0", "--read-timeout", "2.5", "--connect-timeout", "9999",
             "--connect-timeout", "1"});
  EXPECT_EQ(last.max_attempts, 3);
  EXPECT_EQ(last.retry_budget, 7);
  EXPECT_EQ(last.read_timeout, 2.5);
  EXPECT_EQ(last.connect_timeout, 1.0);
  auto refusal = [](std::vector<std::string> words) -> std::string {
    try {
      parse(std::move(words));
    } catch (const CLI::ValidationError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refusal({"--max-attempts", "3", "--max-attempts", "0"}),
            "--max-attempts: must be between 1 and 100, got 0");
  EXPECT_EQ(refusal({"--max-attempts", "x", "--max-attempts", "3"}),
            "--max-attempts: expects a whole number, got 'x'");
  EXPECT_EQ(refusal({"--read-timeout", "2", "--read-timeout", "0"}),
            "--read-timeout: must be between 0.01 and 3600 seconds, got 0");
  EXPECT_EQ(refusal({"--read-timeout", "nan", "--read-timeout", "2"}),
            "--read-timeout: must be between 0.01 and 3600 seconds, got nan");
  EXPECT_EQ(refusal({"--read-timeout", "soon", "--read-timeout", "2"}),
            "--read-timeout: expects a number of seconds, got 'soon'");
  // Decimal, as the counts (std::stod took hexadecimal "0x10" as 16 s, and blanks, and "+").
  for (const char* bad : {"0x10", " 5", "5 ", "+5", ""}) {
    EXPECT_EQ(refusal({"--read-timeout", bad}),
              std::string("--read-timeout: expects a number of seconds, got '") + bad + "'")
        << bad;
  }
  // A number too large for a double is out of range, not "no number".
  EXPECT_EQ(refusal({"--connect-timeout", "1e400"}),
            "--connect-timeout: must be between 0.01 and 3600 seconds, got 1e400");
  EXPECT_EQ(parse({"--read-timeout", "1e1"}).read_timeout, 10.0);
  EXPECT_EQ(parse({"--read-timeout", ".5"}).read_timeout, 0.5);
}

TEST(CommonOptions, ATimeoutKeepsItsExactValue) {
  const CommonOptions given = parse({"--read-timeout", "0.1234567890123"});
  EXPECT_EQ(parse(common_option_arguments(given)).read_timeout, given.read_timeout);
}

}  // namespace
}  // namespace s3loop::cli

namespace s3loop::cli {
namespace {

// Counts are decimal digits in a range; CLI11's own Range says "Value 0 not
// in range 1 to 1024" and its conversion takes 0x10 and 1e3.
TEST(WholeNumberBetween, NamesTheRangeOrTheFormItExpects) {
  const CLI::Validator check = whole_number_between(1, 1024);
  auto says = [&](std::string value) { return check(value); };
  EXPECT_EQ(says("1"), "");
  EXPECT_EQ(says("1024"), "");
  EXPECT_EQ(says("0"), "must be between 1 and 1024, got 0");
  EXPECT_EQ(says("-3"), "must be between 1 and 1024, got -3");
  EXPECT_EQ(says("99999999999999999999"), "must be between 1 and 1024, got 99999999999999999999");
  for (const char* bad : {"abc", "0x10", "1e3", " 5", "5 ", "+5", "", "5.0"}) {
    EXPECT_EQ(says(bad), std::string("expects a whole number, got '") + bad + "'") << bad;
  }
  for (const char* bad : {"-", "--", "1-"}) {
    EXPECT_EQ(says(bad), std::string("expects a whole number, got '") + bad + "'") << bad;
  }
  // Ranged later (after every flag is read): the form, and a number no int holds.
  const CLI::Validator later = whole_number_ranged_later(1, 10'000);
  for (std::string value : {"-12", "0", "10001", "2147483647"}) EXPECT_EQ(later(value), "");
  for (std::string value : {"2147483648", "99999999999", "-99999999999"}) {
    EXPECT_EQ(later(value), "must be between 1 and 10000, got " + value);
  }
  for (std::string value : {"0x10", "1e3", "-", "", "abc"}) {
    EXPECT_EQ(later(value), "expects a whole number, got '" + value + "'");
  }
  EXPECT_EQ(later.get_description(), "");  // its range is said by its own check
  // Leading zeros are decimal, as aws cli and rclone read them (CLI11 reads 010 as octal 8):
  // the value is rewritten without them before CLI11 converts it.
  for (const auto& [given, meant] :
       std::vector<std::pair<std::string, std::string>>{{"010", "10"},
                                                        {"09", "9"},
                                                        {"0007", "7"},
                                                        {"000", "0"},
                                                        {"-010", "-10"},
                                                        {"-0", "0"},
                                                        {"0", "0"},
                                                        {"100", "100"}}) {
    std::string value = given;
    EXPECT_EQ(later(value), "") << given;
    EXPECT_EQ(value, meant) << given;
  }
  std::string zero_padded = "01024";
  EXPECT_EQ(check(zero_padded), "");
  EXPECT_EQ(zero_padded, "1024");
  std::string too_big = "01025";
  EXPECT_EQ(check(too_big), "must be between 1 and 1024, got 1025");
}

// Where the endpoint in use came from, as an error that says to check
// --endpoint-url tells it. With none set it read "is set by AWS's for the
// region", no sentence.
TEST(EndpointNote, NamesTheSettingOrThatNoneNamedOne) {
  s3::ResolvedConfig config;
  config.endpoint_url = "https://127.0.0.1:9443";
  config.endpoint_source = "--endpoint-url";
  EXPECT_EQ(endpoint_note(config), "");
  config.endpoint_source = "AWS_ENDPOINT_URL";
  EXPECT_EQ(endpoint_note(config), "the endpoint in use is set by AWS_ENDPOINT_URL");
  config.endpoint_url.clear();
  config.endpoint_source = "AWS's for the region";
  EXPECT_EQ(endpoint_note(config),
            "the endpoint in use is AWS's for the region, as no endpoint setting names another");
  config.endpoint_source += "; configured endpoints ignored (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)";
  EXPECT_EQ(endpoint_note(config),
            "the endpoint in use is AWS's for the region: configured endpoints are ignored "
            "(AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)");
}

}  // namespace
}  // namespace s3loop::cli
