// credential_process: the JSON a helper prints, the words its command is
// split into, and running it for real (a shell one-liner as the helper).
#include "s3/shell_words.hpp"
#include "s3loop/s3/credential_process.hpp"
#include "s3loop/s3/timestamp.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace s3loop::s3 {
namespace {

using Words = std::vector<std::string>;

TEST(ShellWords, SplitAsShlexSplits) {
  EXPECT_EQ(split_shell_words("aws-vault export --format=json dev"),
            (Words{"aws-vault", "export", "--format=json", "dev"}));
  EXPECT_EQ(split_shell_words("  a\t b\r\n c  "), (Words{"a", "b", "c"}));
  // Single quotes keep everything; double quotes escape only \ and ".
  EXPECT_EQ(split_shell_words(R"('a \b "c"' "d \"e\" \\ \f")"),
            (Words{R"(a \b "c")", R"(d "e" \ \f)"}));
  // Quotes join what touches them; an empty pair is a word; a backslash escapes a blank.
  EXPECT_EQ(split_shell_words(R"(pre'fix'"ed" '' a\ b)"), (Words{"prefixed", "", "a b"}));
  EXPECT_EQ(split_shell_words(""), Words{});
  EXPECT_EQ(split_shell_words("'open"), std::nullopt);
  EXPECT_EQ(split_shell_words("\"open\\\""), std::nullopt);
  EXPECT_EQ(split_shell_words("end\\"), std::nullopt);
}

TEST(Timestamp, ReadsIso8601WithItsZone) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601("2100-01-02T03:04:05.123456Z"), 4102542245);
  EXPECT_EQ(parse_iso8601("2100-01-02T03:04:05"), 4102542245);  // S3's: UTC
  EXPECT_EQ(parse_iso8601("2100-01-02T08:34:05+05:30"), 4102542245);
  EXPECT_EQ(parse_iso8601("2100-01-01T23:04:05-0400"), 4102542245);
  for (const char* bad : {"", "2100-01-02", "2100-13-02T03:04:05Z", "2100-01-02T03:04:05 UTC",
                          "2100-01-02T03:04:05+5:30", "tomorrow"}) {
    EXPECT_EQ(parse_iso8601(bad), std::nullopt) << bad;
  }
}

TEST(CredentialProcessOutput, ReadsVersionOne) {
  auto full = parse_credential_process_output(
      R"({"Version": 1, "AccessKeyId": "ASIA", "SecretAccessKey": "s3/cr+t", )"
      R"("SessionToken": "tok==", "Expiration": "2100-01-02T03:04:05Z", "AccountId": "1"})");
  ASSERT_TRUE(full.has_value()) << full.error().message;
  EXPECT_EQ(full->credentials.access_key_id, "ASIA");
  EXPECT_EQ(full->credentials.secret_access_key, "s3/cr+t");
  EXPECT_EQ(full->credentials.session_token, "tok==");
  EXPECT_EQ(full->expires_at, 4102542245);
  // Long-lived keys: no token, no expiry (null is as absent); 1.0 is 1, as to botocore.
  auto plain = parse_credential_process_output(
      R"({"Version": 1.0, "AccessKeyId": "AKIA", "SecretAccessKey": "S", "SessionToken": null,)"
      R"( "Expiration": null})");
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_EQ(plain->credentials.session_token, "");
  EXPECT_EQ(plain->expires_at, std::nullopt);
}

TEST(CredentialProcessOutput, SaysWhatIsWrongWithoutShowingAValue) {
  const auto problem = [](std::string_view json) {
    auto r = parse_credential_process_output(json);
    EXPECT_FALSE(r.has_value()) << json;
    if (r.has_value()) return std::string();
    EXPECT_EQ(r.error().kind, ErrorKind::credentials);
    const std::string& message = r.error().message;
    EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
    return message.substr(0, message.find(" (it must print"));
  };
  EXPECT_EQ(problem(""), "printed nothing");
  EXPECT_EQ(problem("\n"), "printed nothing");
  EXPECT_EQ(problem("AccessKeyId=SECRET"), "printed something that is not JSON (syntax error)");
  EXPECT_EQ(problem(R"({"Version": 1, "AccessKeyId": "SECRET")"),
            "printed something that is not JSON (incomplete JSON)");
  EXPECT_EQ(problem(R"(["SECRET"])"), "printed JSON that is not an object");
  EXPECT_EQ(problem(R"({"AccessKeyId": "A", "SecretAccessKey": "SECRET"})"), "printed no Version");
  EXPECT_EQ(problem(R"({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "SECRET"})"),
            "printed Version 2, which s3loop does not read: Version 1 is the one the AWS CLI "
            "and SDKs read");
  EXPECT_EQ(problem(R"({"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "SECRET"})"),
            "printed Version \"1\", which s3loop does not read: Version 1 is the one the AWS "
            "CLI and SDKs read");
  EXPECT_EQ(problem(R"({"Version": 1, "SecretAccessKey": "SECRET"})"), "printed no AccessKeyId");
  EXPECT_EQ(problem(R"({"Version": 1, "AccessKeyId": "", "SecretAccessKey": "SECRET"})"),
            "printed no AccessKeyId");
  EXPECT_EQ(problem(R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": null})"),
            "printed no SecretAccessKey");
  EXPECT_EQ(problem(R"({"Version": 1, "AccessKeyId": 7, "SecretAccessKey": "SECRET"})"),
            "printed AccessKeyId that is not a string");
  EXPECT_EQ(problem(R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "SECRET", )"
                    R"("SessionToken": ["SECRET"]})"),
            "printed SessionToken that is not a string");
  EXPECT_EQ(problem(R"({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "SECRET", )"
                    R"("Expiration": "in an hour"})"),
            "printed an Expiration that is not an ISO 8601 time (\"in an hour\")");
}

// The real runner, with /bin/sh as the helper.
Result<ProcessOutput> run(const std::string& script,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  return subprocess_runner(timeout)(Words{"sh", "-c", script}, nullptr);
}

TEST(SubprocessRunner, CapturesStandardOutputAndTheExitStatus) {
  // Found in PATH; its arguments passed as they are, not through a shell.
  auto printed = subprocess_runner()(Words{"printf", "%s|", "a b", "$HOME", ""}, nullptr);
  ASSERT_TRUE(printed.has_value()) << printed.error().message;
  EXPECT_EQ(printed->out, "a b|$HOME||");
  EXPECT_EQ(printed->exit_code, 0);
  EXPECT_FALSE(printed->timed_out);

  auto failed = run("echo partial; echo oops >&2; exit 3");
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->out, "partial\n");  // standard error is not captured: it is the user's
  EXPECT_EQ(failed->exit_code, 3);

  auto killed = run("kill -TERM $$");
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(killed->exit_code, 128 + 15);

  // SIGPIPE as any program expects it, whatever the caller set for itself.
  auto piped = run("yes | head -c 3");
  ASSERT_TRUE(piped.has_value());
  EXPECT_EQ(piped->out, "y\ny");
  EXPECT_EQ(piped->exit_code, 0);
}

TEST(SubprocessRunner, AProgramThatIsNotThereCannotBeStarted) {
  auto missing = subprocess_runner()(Words{"/nonexistent/s3loop-creds"}, nullptr);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, ErrorKind::config);
  EXPECT_EQ(missing.error().message, "cannot be started: No such file or directory");
  auto not_in_path = subprocess_runner()(Words{"s3loop-no-such-helper"}, nullptr);
  ASSERT_FALSE(not_in_path.has_value());
  EXPECT_EQ(not_in_path.error().message, "cannot be started: No such file or directory");
}

TEST(SubprocessRunner, OneThatHangsIsKilledAtTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  auto hung = run("echo started; exec sleep 30", std::chrono::milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(hung.has_value());
  EXPECT_TRUE(hung->timed_out);
  EXPECT_EQ(hung->exit_code, 128 + 9);
  EXPECT_EQ(hung->out, "started\n");
  EXPECT_LT(took, std::chrono::seconds(20));  // not the 30 s it would have slept

  // One that closes its output but does not end is no different.
  auto lingering = run("exec >&-; exec sleep 30", std::chrono::milliseconds(300));
  ASSERT_TRUE(lingering.has_value());
  EXPECT_TRUE(lingering->timed_out);
}

TEST(SubprocessRunner, EndsWithTheHelperNotWithWhatItLeftRunning) {
  // A helper that starts something which keeps its output open: botocore waits for that
  // too; the answer is whole once the helper itself has ended.
  const auto start = std::chrono::steady_clock::now();
  auto left = run("echo answer; sleep 30 & exit 0");
  ASSERT_TRUE(left.has_value());
  EXPECT_FALSE(left->timed_out);
  EXPECT_EQ(left->exit_code, 0);
  EXPECT_EQ(left->out, "answer\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  // What it wrote just before it ended is all read.
  auto burst = run("head -c 200000 /dev/zero | tr '\\0' x; exit 4");
  ASSERT_TRUE(burst.has_value());
  EXPECT_EQ(burst->out, std::string(200000, 'x'));
  EXPECT_EQ(burst->exit_code, 4);
}

TEST(SubprocessRunner, TheHelperGetsNoDescriptorOfOursButItsOwnThree) {
  // Not close-on-exec, as the connections to S3 are not.
  const int ours = ::fcntl(STDERR_FILENO, F_DUPFD, 50);
  ASSERT_GE(ours, 50);
  auto seen = run("if [ -e /proc/self/fd/" + std::to_string(ours) +
                  " ]; then echo inherited; else echo closed; fi");
  ::close(ours);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->out, "closed\n");
}

TEST(SubprocessRunner, StoppedWhenItsCallerNoLongerNeedsIt) {
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto stopped = subprocess_runner()(Words{"sleep", "30"}, &stop);
  stopper.join();
  ASSERT_FALSE(stopped.has_value());
  EXPECT_EQ(stopped.error().kind, ErrorKind::cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
}

TEST(SubprocessRunner, RefusesOutputPastOneMebibyte) {
  auto flood = run("head -c 2000000 /dev/zero; sleep 30");
  ASSERT_FALSE(flood.has_value());
  EXPECT_EQ(flood.error().kind, ErrorKind::credentials);
  EXPECT_EQ(flood.error().message, "printed more than 1 MiB, which is no credentials");
}

}  // namespace
}  // namespace s3loop::s3
