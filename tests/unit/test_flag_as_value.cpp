// A flag right after an option that needs a value is refused, not read as
// that value (`--exclude --dry-run` would copy for real), and so is a value
// given to a switch (`--dry-run=off` would too); flags before the command are
// named with where they go.
#include "flag_as_value.hpp"

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace s3loop::cli {
namespace {

struct Commands {
  CLI::App app{"s3loop"};
  std::vector<std::string> patterns;
  std::vector<std::string> columns;
  std::string url;
  std::string source;
  std::string destination;
  std::string job;
  std::string strategies;
  std::string region;
  int concurrency = 0;
  bool dry_run = false;
  bool json = false;

  Commands() {
    auto* cp = app.add_subcommand("cp");
    cp->add_option("--exclude", patterns);
    cp->add_option("--concurrency,-c", concurrency);
    cp->add_flag("--dry-run", dry_run);
    cp->add_option("--region", region);
    auto* select = app.add_subcommand("select");
    select->add_option("url", url)->required();
    select->add_option("--require-columns", columns)->expected(1)->allow_extra_args(false);
    auto* compare = app.add_subcommand("compare");
    compare->add_option("job", job);
    compare->add_option("--strategies", strategies);
    compare->allow_extras();
    auto* copy = app.add_subcommand("copy");
    copy->add_option("source", source)->required();
    copy->add_option("destination", destination)->required();
    copy->add_option("--region", region);
    auto* ls = app.add_subcommand("ls");
    ls->add_flag("--json,-j", json);
  }
  std::optional<Error> check(const std::vector<std::string>& words) const {
    return misread_flag(app, words);
  }
};

TEST(FlagGivenAsValue, AFlagAfterAnOptionThatNeedsAValueIsRefused) {
  const Commands commands;
  auto refused = commands.check({"cp", "s3://a/x/", "s3://b/y/", "--exclude", "--dry-run"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind, ErrorKind::usage);
  EXPECT_EQ(refused->message,
            "--exclude needs a value, and the next word, --dry-run, is a flag (a value that "
            "starts with '--' is written --exclude=--dry-run)");
  // Any word that looks like a long flag, known or not; any option with a value.
  EXPECT_TRUE(commands.check({"cp", "--region", "--no-such-flag"}));
  EXPECT_TRUE(commands.check({"cp", "--concurrency", "--dry-run"}));
  // A short option too.
  auto short_one = commands.check({"cp", "-c", "--dry-run"});
  ASSERT_TRUE(short_one);
  EXPECT_EQ(short_one->message,
            "-c needs a value, and the next word, --dry-run, is a flag (a value that starts "
            "with '--' is written --concurrency=--dry-run)");
  // A lone "--" after an option is no value either: CLI11 would take it as one, and read
  // the flags after it as options (`--exclude -- --include --dry-run` copied for real).
  auto dashes = commands.check({"cp", "--exclude", "--", "--dry-run"});
  ASSERT_TRUE(dashes);
  EXPECT_EQ(dashes->message,
            "--exclude needs a value, and the next word, --, is a flag (a value that starts "
            "with '--' is written --exclude=--)");
}

TEST(FlagGivenAsValue, ValuesAndFlagsInTheirPlacesPass) {
  const Commands commands;
  EXPECT_FALSE(commands.check({"cp", "--exclude", "*.tmp", "--dry-run"}));
  // The explicit form carries any value; a short or negative one is a value.
  EXPECT_FALSE(commands.check({"cp", "--exclude=--dry-run", "--dry-run"}));
  EXPECT_FALSE(commands.check({"cp", "--exclude", "-x*"}));
  EXPECT_FALSE(commands.check({"cp", "--concurrency", "-1"}));
  // A flag followed by a flag; a flag's name in another command's place.
  EXPECT_FALSE(commands.check({"cp", "--dry-run", "--exclude", "a"}));
  EXPECT_FALSE(commands.check({"ls", "--json", "--json"}));
  EXPECT_FALSE(commands.check({"ls", "--exclude", "--json"}));  // ls has no --exclude
  // After a lone "--" nothing is an option; an option last is CLI11's to refuse.
  EXPECT_FALSE(commands.check({"cp", "--", "--exclude", "--dry-run"}));
  EXPECT_FALSE(commands.check({"cp", "--exclude"}));
  // A value is skipped whatever it is: a command's name, a word like a short flag.
  EXPECT_FALSE(commands.check({"--dry-run", "cp", "--region", "ls", "--exclude", "-c"}));
  // A value that looks like a flag with its own value is still a flag where a value belongs.
  EXPECT_TRUE(commands.check({"cp", "--exclude", "--dry-run=x"}));
  // Options of no command yet are the program's (here none take a value).
  EXPECT_FALSE(commands.check({"--exclude", "--dry-run", "cp"}));
}

TEST(FlagsBeforeCommand, NamesTheFirstFlagAndMovesTheWordsAfterTheCommand) {
  const Commands commands;
  auto refused = flags_before_command(commands.app, {"-c", "5", "cp", "s3://a/"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind, ErrorKind::usage);
  EXPECT_EQ(refused->message,
            "-c stands before the command cp: flags go after it (s3loop cp ... -c 5)");
  auto two = flags_before_command(commands.app, {"--dry-run", "--region", "x", "cp"});
  ASSERT_TRUE(two);
  EXPECT_EQ(two->message,
            "--dry-run stands before the command cp: flags go after it (s3loop cp ... "
            "--dry-run --region x)");
}

TEST(FlagsBeforeCommand, AFlagTheCommandDoesNotKnowIsNamedAsSuch) {
  const Commands commands;
  auto unknown = flags_before_command(commands.app, {"--frob", "ls"});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->message, "--frob is no flag of s3loop ls (see s3loop ls --help)");
  // Another command's flag is no flag of this one.
  auto elsewhere = flags_before_command(commands.app, {"--dry-run=x", "ls"});
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->message, "--dry-run=x is no flag of s3loop ls (see s3loop ls --help)");
  // A short flag with its value attached is the flag's.
  auto attached = flags_before_command(commands.app, {"-c5", "cp"});
  ASSERT_TRUE(attached);
  EXPECT_EQ(attached->message,
            "-c5 stands before the command cp: flags go after it (s3loop cp ... -c5)");
}

TEST(FlagsBeforeCommand, HelpVersionAndCommandsFirstPass) {
  const Commands commands;
  EXPECT_FALSE(flags_before_command(commands.app, {"--help", "ls"}));
  // "--" is no flag: said to be out of place (it said "-- is no flag of s3loop ls").
  auto dashes = flags_before_command(commands.app, {"--", "ls", "s3://b"});
  ASSERT_TRUE(dashes);
  EXPECT_EQ(dashes->message, "'--' stands before the command ls: leave it out (s3loop ls ...)");
  EXPECT_FALSE(flags_before_command(commands.app, {"-h", "cp"}));
  EXPECT_FALSE(flags_before_command(commands.app, {"--version", "ls"}));
  EXPECT_FALSE(flags_before_command(commands.app, {"ls", "-c", "5"}));
  EXPECT_FALSE(flags_before_command(commands.app, {"-c", "5"}));  // no command: CLI11's
  EXPECT_FALSE(flags_before_command(commands.app, {"-c"}));
  EXPECT_FALSE(flags_before_command(commands.app, {}));
}

// `--dry-run=off` turned the switch off in CLI11, and the copy ran for real.
TEST(SwitchGivenAValue, AnyValueGivenToASwitchIsRefused) {
  const Commands commands;
  for (const char* value : {"off", "false", "0", "no", "maybe", "true", ""}) {
    const std::string word = std::string("--dry-run=") + value;
    auto refused = commands.check({"cp", "s3://a/x/", "s3://b/y/", word});
    ASSERT_TRUE(refused) << word;
    EXPECT_EQ(refused->kind, ErrorKind::usage);
    EXPECT_EQ(refused->message, "--dry-run takes no value (given " + word +
                                    "): write --dry-run alone to turn it on, or leave it out");
  }
  // A short switch too (CLI11 read -r=false as the flags -r, -=, -f...).
  auto short_one = commands.check({"ls", "-j=false"});
  ASSERT_TRUE(short_one);
  EXPECT_EQ(short_one->message,
            "-j takes no value (given -j=false): write -j alone to turn it on, or leave it out");
  EXPECT_FALSE(commands.check({"cp", "-c=5"}));  // not a switch: CLI11's to read
  // The switches of the command named, not another's.
  EXPECT_TRUE(commands.check({"ls", "--json=false"}));
  EXPECT_FALSE(commands.check({"cp", "--json=false"}));
  // Options with values take them after '='; the switch alone is fine; after a lone "--"
  // nothing is an option.
  EXPECT_FALSE(commands.check(
      {"cp", "--exclude=*.tmp", "--concurrency=5", "--region=eu-west-1", "--dry-run"}));
  EXPECT_FALSE(commands.check({"cp", "--", "--dry-run=off"}));
}

// "--exclude=" with nothing after the '=' (`--exclude="$UNSET"`) is refused: CLI11 took the
// next word as the pattern, so `--exclude= --dry-run` copied for real (a review's finding).
TEST(EmptyValueAfterEquals, IsRefusedWhateverFollows) {
  const Commands commands;
  for (const std::vector<std::string>& words :
       {std::vector<std::string>{"cp", "s3://a/x/", "s3://b/y/", "--exclude=", "--dry-run"},
        {"cp", "--exclude=", "*.tmp"},
        {"cp", "--exclude="}}) {
    auto refused = commands.check(words);
    ASSERT_TRUE(refused) << words.back();
    EXPECT_EQ(refused->kind, ErrorKind::usage);
    EXPECT_EQ(refused->message,
              "--exclude= has no value after the '=': give --exclude a value, or leave it out");
  }
  auto short_one = commands.check({"cp", "-c=", "5"});
  ASSERT_TRUE(short_one);
  EXPECT_EQ(short_one->message, "-c= has no value after the '=': give -c a value, or leave it out");
  // A value after the '=' passes, as does an option of another command.
  EXPECT_FALSE(commands.check({"cp", "--exclude=x", "--region=eu-west-1"}));
  EXPECT_FALSE(commands.check({"ls", "--exclude="}));
}

// One walk over the words: the first misread word is the one named, whichever its kind.
TEST(MisreadFlag, TheFirstMisreadWordIsNamed) {
  const Commands commands;
  auto switch_first = commands.check({"cp", "--dry-run=0", "--exclude", "--json"});
  ASSERT_TRUE(switch_first);
  EXPECT_TRUE(switch_first->message.starts_with("--dry-run takes no value"))
      << switch_first->message;
  auto value_first = commands.check({"cp", "--exclude", "--json", "--dry-run=0"});
  ASSERT_TRUE(value_first);
  EXPECT_TRUE(value_first->message.starts_with("--exclude needs a value")) << value_first->message;
}

// `compare -c 4 cp ...` took "4" for the job: the cp flag before cp is named, and where it goes.
TEST(JobFlagsBeforeJob, ACpFlagBeforeCpIsNamedWithWhereItGoes) {
  const Commands commands;
  auto refused = job_flags_before_job(commands.app, {"compare", "-c", "4", "cp", "s3://a/"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind, ErrorKind::usage);
  EXPECT_EQ(refused->message,
            "-c is a flag of cp and stands before it: cp's flags go after cp (s3loop compare cp "
            "... -c 4)");
  // Its value attached: the same (it ran at C=4 while "-c 4" was refused).
  auto attached = job_flags_before_job(commands.app, {"compare", "-c4", "cp", "s3://a/"});
  ASSERT_TRUE(attached);
  EXPECT_EQ(attached->message,
            "-c is a flag of cp and stands before it: cp's flags go after cp (s3loop compare cp "
            "... -c4)");
  auto long_form = job_flags_before_job(commands.app, {"compare", "--exclude=x", "cp"});
  ASSERT_TRUE(long_form);
  EXPECT_TRUE(long_form->message.starts_with("--exclude is a flag of cp")) << long_form->message;
  auto no_job = job_flags_before_job(commands.app, {"compare", "--region", "eu"});
  ASSERT_TRUE(no_job);
  EXPECT_EQ(no_job->message,
            "--region is a flag of cp, and compare's job is missing: write s3loop compare cp SRC "
            "DST --region ...");
  // compare's own flags, flags after cp, other commands, words after "--": nothing to say.
  EXPECT_FALSE(job_flags_before_job(commands.app, {"compare", "--strategies", "async", "cp"}));
  EXPECT_FALSE(job_flags_before_job(commands.app, {"compare", "cp", "s3://a/", "-c", "4"}));
  EXPECT_FALSE(job_flags_before_job(commands.app, {"cp", "-c", "4"}));
  EXPECT_FALSE(job_flags_before_job(commands.app, {"compare", "--", "-c", "cp"}));
  EXPECT_FALSE(job_flags_before_job(commands.app, {"compare", "--frob", "cp"}));  // no cp flag
}

// `compare cp -- SRC DST`: CLI11 ended compare at the mark (its job read) and
// refused the URLs as s3loop's own stray words; the mark is taken out, and a
// flag after it is refused, as "--" says it is none.
TEST(CompareEndOfOptions, TheMarkIsTakenOutAndFlagsAfterItAreRefused) {
  using Words = std::vector<std::string>;
  auto taken_out = without_compare_end_of_options({"compare", "cp", "--", "s3://a/", "s3://b/"});
  ASSERT_TRUE(taken_out);
  EXPECT_EQ(*taken_out, (Words{"compare", "cp", "s3://a/", "s3://b/"}));
  auto before_job = without_compare_end_of_options({"compare", "--", "cp", "s3://a/", "s3://b/"});
  ASSERT_TRUE(before_job);
  EXPECT_EQ(*before_job, (Words{"compare", "cp", "s3://a/", "s3://b/"}));
  auto flag_after =
      without_compare_end_of_options({"compare", "cp", "--", "s3://a/", "s3://b/", "-c", "4"});
  ASSERT_FALSE(flag_after);
  EXPECT_EQ(flag_after.error().kind, ErrorKind::usage);
  EXPECT_EQ(flag_after.error().message,
            "this argument was not expected: -c (after '--' come only the job, its source and "
            "its destination: flags go before '--')");
  EXPECT_FALSE(without_compare_end_of_options({"compare", "cp", "--", "s3://a/", "--"}));
  // Other commands keep their "--", which CLI11 reads rightly for them.
  EXPECT_EQ(*without_compare_end_of_options({"cp", "--", "s3://a/", "-b"}),
            (Words{"cp", "--", "s3://a/", "-b"}));
  EXPECT_EQ(*without_compare_end_of_options({"compare", "cp", "s3://a/", "s3://b/", "-"}),
            (Words{"compare", "cp", "s3://a/", "s3://b/", "-"}));
}

// CLI11's words for a refused command line, said plainly (compare passes cp's flags through
// the same words as cp).
std::string parse_error_of(Commands& commands, std::vector<std::string> words) {
  words.insert(words.begin(), "s3loop");
  std::vector<const char*> argv;
  for (const auto& word : words) argv.push_back(word.c_str());
  try {
    commands.app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return describe_parse_error(e, commands.app);
  }
  return "<parsed>";
}

TEST(DescribeParseError, SaysWhatWasWrongInPlainWords) {
  {
    Commands commands;  // (a parse leaves its results in the app)
    EXPECT_EQ(parse_error_of(commands, {"cp", "--exclude"}), "--exclude needs a value");
  }
  {
    Commands commands;
    EXPECT_EQ(parse_error_of(commands, {"cp", "-c"}), "--concurrency needs a value");
  }
  {
    Commands commands;
    EXPECT_EQ(parse_error_of(commands, {"cp", "-c", "abc"}),
              "invalid value 'abc' for --concurrency: not a number it takes");
  }
  {
    Commands commands;  // in the order typed (CLI11 names them last first)
    EXPECT_EQ(parse_error_of(commands, {"ls", "extra1", "extra2"}),
              "these arguments were not expected: extra1 extra2");
  }
  {
    Commands commands;
    EXPECT_EQ(parse_error_of(commands, {"cp", "--frob"}), "unknown flag --frob");
  }
  {
    Commands commands;  // (these Commands take no URLs: every stray word is named)
    EXPECT_EQ(parse_error_of(commands, {"ls", "-c", "5"}),
              "unknown flag -c; these arguments were not expected: -c 5");
  }
  {
    Commands commands;  // after a "--" (CLI11's own sentence leaked: "The following ...")
    EXPECT_EQ(parse_error_of(commands, {"ls", "--", "extra"}),
              "this argument was not expected: extra");
  }
  {
    // A required URL missing and an unknown flag: the flag is named too (it said only
    // "destination is required": a help review).
    Commands commands;
    EXPECT_EQ(parse_error_of(commands, {"copy", "s3://a/", "--frob=1"}),
              "unknown flag --frob (and destination is required)");
  }
  {
    Commands commands;  // every one, as when the URLs are there
    EXPECT_EQ(parse_error_of(commands, {"copy", "s3://a/", "--frob=1", "--nope"}),
              "unknown flags --frob, --nope (and destination is required)");
  }
  {
    Commands commands;  // without one, the missing URL alone
    EXPECT_EQ(parse_error_of(commands, {"copy", "s3://a/"}), "destination is required");
  }
  {
    Commands commands;
    EXPECT_EQ(parse_error_of(commands, {"cp", "--frob=1", "--nope", "x"}),
              "unknown flags --frob, --nope; these arguments were not expected: --frob=1 "
              "--nope x");
  }
}

// A flag given two values leaves the second as the URL and the URL stray: the word read as
// the URL is named (the line named only the URL, as if it were wrong).
TEST(DescribeParseError, NamesTheWordReadAsTheUrl) {
  {
    Commands commands;
    EXPECT_EQ(parse_error_of(commands, {"select", "--require-columns", "id", "name", "s3://b/k"}),
              "this argument was not expected: s3://b/k ('name' was read as the URL: a flag "
              "before it takes one value only)");
  }
  {
    Commands commands;
    EXPECT_EQ(parse_error_of(commands, {"copy", "--region", "eu", "west", "s3://a/", "s3://b/"}),
              "this argument was not expected: s3://b/ ('west' was read as the source: a flag "
              "before it takes one value only)");
  }
  {
    Commands commands;  // URLs where they belong: the stray word is all there is to say
    EXPECT_EQ(parse_error_of(commands, {"select", "s3://b/k", "s3://b/j"}),
              "this argument was not expected: s3://b/j");
  }
  {
    Commands commands;  // a stray word that is no URL: no URL was displaced
    EXPECT_EQ(parse_error_of(commands, {"select", "x", "y"}), "this argument was not expected: y");
  }
  {
    Commands commands;  // an unknown flag's value took the URL's place: the flag is the news
    EXPECT_EQ(parse_error_of(commands, {"select", "-c", "5", "s3://b/k"}),
              "unknown flag -c; these arguments were not expected: -c s3://b/k");
  }
}

// compare's own flags go anywhere, also those cp has too (the common ones: --region,
// --endpoint-url...): only a flag of cp alone is refused before cp.
TEST(JobFlagsBeforeJob, ACompareFlagThatCpHasTooPassesBeforeCp) {
  Commands commands;
  std::string region;
  commands.app.get_subcommand("compare")->add_option("--region", region);
  EXPECT_FALSE(job_flags_before_job(commands.app,
                                    {"compare", "--region", "eu", "cp", "s3://a/", "s3://b/"}));
}

// What follows "--" is no flag, also when a required word is missing.
TEST(DescribeParseError, AMissingWordAfterDoubleDashNamesNoDashesAsAFlag) {
  Commands commands;
  EXPECT_EQ(parse_error_of(commands, {"copy", "s3://a/", "--frob", "--"}),
            "unknown flag --frob (and destination is required)");
}

}  // namespace
}  // namespace s3loop::cli
