#include "flag_as_value.hpp"

#include <algorithm>

namespace s3loop::cli {
namespace {

// "--name" or "-x": a word that names an option (values carried with '=',
// and grouped short flags, are not).
bool names_an_option(const std::string& word) {
  if (word.starts_with("--")) return word.size() > 2 && word.find('=') == std::string::npos;
  return word.size() == 2 && word[0] == '-' && word[1] != '-';
}

// The subcommand of `app` called `word`, if any.
const CLI::App* command_named(const CLI::App& app, const std::string& word) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == word) return sub;
  }
  return nullptr;
}

// `select --require-columns id name s3://b/k`: the option takes one value,
// so "name" became the URL and the URL a stray word -- the one CLI11 names.
// Said which word was read as the URL, where an s3:// URL was stray and a
// URL positional holds a word that is none.
std::string misread_url(const CLI::App& reader, const std::vector<std::string>& stray) {
  const bool url_stray = std::any_of(stray.begin(), stray.end(), [](const std::string& word) {
    return word.starts_with("s3://");
  });
  if (!url_stray) return "";
  for (const CLI::Option* positional : reader.get_options()) {
    if (!positional->get_positional()) continue;
    for (const std::string& value : positional->results()) {
      if (value.starts_with("s3://")) continue;
      const std::string name = positional->get_name();
      return " ('" + value + "' was read as the " + (name == "url" ? "URL" : name) +
             ": a flag before it takes one value only)";
    }
  }
  return "";
}

}  // namespace

std::optional<Error> misread_flag(const CLI::App& app, const std::vector<std::string>& words) {
  const CLI::App* command = &app;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") break;  // the rest are not options
    // --switch=value, or -s=value (which CLI11 reads as the flags -s, -=, ...).
    const auto equals = word.find('=');
    const bool short_with_value =
        word.size() > 2 && word[0] == '-' && word[1] != '-' && equals == 2;
    if ((word.starts_with("--") && equals != word.npos) || short_with_value) {
      const std::string name = word.substr(0, equals);
      const CLI::Option* option = command->get_option_no_throw(name);
      if (option == nullptr) continue;
      if (option->get_items_expected_max() == 0) {
        return make_error(ErrorKind::usage, name + " takes no value (given " + word + "): write " +
                                                name + " alone to turn it on, or leave it out");
      }
      // "--exclude=" with nothing after the '=' (`--exclude="$UNSET"`): CLI11
      // takes the next word as its value, so `--exclude= --dry-run` copied
      // for real.
      if (equals + 1 == word.size()) {
        return make_error(ErrorKind::usage, word + " has no value after the '=': give " + name +
                                                " a value, or leave it out");
      }
      continue;
    }
    if (!names_an_option(word)) {
      // The command's name: its options from here on.
      if (command == &app) {
        if (const CLI::App* named = command_named(app, word)) command = named;
      }
      continue;
    }
    const CLI::Option* option = command->get_option_no_throw(word);
    if (option == nullptr || option->get_items_expected_min() == 0 || i + 1 == words.size()) {
      continue;
    }
    // Its value, whatever it is, is not read as an option (nor a command) --
    // unless it looks like a long flag, or is the "--" that ends options:
    // CLI11 would take either as the value.
    const std::string& next = words[++i];
    if (!next.starts_with("--")) continue;
    return make_error(ErrorKind::usage, word + " needs a value, and the next word, " + next +
                                            ", is a flag (a value that starts with '--' is "
                                            "written " +
                                            option->get_name() + "=" + next + ")");
  }
  return std::nullopt;
}

std::string describe_parse_error(const CLI::ParseError& error, const CLI::App& app) {
  const std::string what = error.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    // CLI11 names stray words last first ("not expected: extra2 extra1").
    const auto commands = app.get_subcommands();
    const CLI::App& reader = commands.empty() ? app : *commands.front();
    const std::vector<std::string> stray = reader.remaining();
    if (stray.empty()) {
      // Words after a "--", which remaining() leaves out: CLI11's sentence,
      // in the words of the others.
      constexpr std::string_view kOne = "The following argument was not expected: ";
      constexpr std::string_view kMany = "The following arguments were not expected: ";
      if (what.starts_with(kOne)) {
        return "this argument was not expected: " + what.substr(kOne.size());
      }
      if (what.starts_with(kMany)) {
        return "these arguments were not expected: " + what.substr(kMany.size());
      }
      return what;
    }
    std::string words;
    for (const auto& word : stray) words += (words.empty() ? "" : " ") + word;
    // Flags the command does not have come first: "-c 5 s3://b" to ls (no -c)
    // left 5 read as the URL and said only "-c s3://b" were not expected.
    std::vector<std::string> unknown;
    for (const auto& word : stray) {
      if (word == "--") break;
      if (word.size() > 1 && word[0] == '-') unknown.push_back(word.substr(0, word.find('=')));
    }
    if (unknown.size() == 1 && stray.size() == 1) return "unknown flag " + unknown.front();
    std::string flags;
    for (const auto& flag : unknown) flags += (flags.empty() ? "" : ", ") + flag;
    const std::string unknown_part =
        unknown.empty() ? ""
                        : (unknown.size() > 1 ? "unknown flags " : "unknown flag ") + flags + "; ";
    return unknown_part +
           (stray.size() > 1 ? "these arguments were not expected: "
                             : "this argument was not expected: ") +
           // (An unknown flag's value is what displaced the URL: said already.)
           words + (unknown.empty() ? misread_url(reader, stray) : std::string());
  }
  // "destination is required" with a flag the command does not have among
  // the words: CLI11 checks what is required before what is left over, so
  // the unknown flag went unnamed (`cp s3://a/ --only-show-errors` said only
  // that the destination was missing). The flag first: fixing it may be all.
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
    const auto commands = app.get_subcommands();
    const CLI::App& reader = commands.empty() ? app : *commands.front();
    std::vector<std::string> unknown;
    for (const auto& word : reader.remaining()) {
      if (word == "--") break;
      if (word.size() > 1 && word[0] == '-') unknown.push_back(word.substr(0, word.find('=')));
    }
    if (!unknown.empty()) {
      std::string flags;
      for (const auto& flag : unknown) flags += (flags.empty() ? "" : ", ") + flag;
      return (unknown.size() > 1 ? "unknown flags " : "unknown flag ") + flags + " (and " + what +
             ")";
    }
  }
  // "Could not convert: --concurrency = abc": no number of its type (or out
  // of its range).
  constexpr std::string_view kConvert = "Could not convert: ";
  if (const auto equals = what.find(" = "); what.starts_with(kConvert) && equals != what.npos) {
    return "invalid value '" + what.substr(equals + 3) + "' for " +
           what.substr(kConvert.size(), equals - kConvert.size()) + ": not a number it takes";
  }
  // "--exclude: 1 required PATTERN missing": the option came last, alone.
  const auto colon = what.find(": ");
  if (colon != what.npos && what.starts_with('-') && what.ends_with(" missing") &&
      what.find(" required ", colon) != what.npos) {
    return what.substr(0, colon) + " needs a value";
  }
  return what;
}

std::optional<Error> flags_before_command(const CLI::App& app,
                                          const std::vector<std::string>& words) {
  if (words.size() < 2 || !words[0].starts_with('-')) return std::nullopt;
  const std::string& first = words[0];
  if (first == "--help" || first == "-h" || first == "--version") return std::nullopt;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const CLI::App* command = command_named(app, words[i]);
    if (command == nullptr) continue;
    if (first == "--") {
      return make_error(ErrorKind::usage, "'--' stands before the command " + words[i] +
                                              ": leave it out (s3loop " + words[i] + " ...)");
    }
    // A flag the command does not know either: moving it would only meet
    // another error.
    // (--name=value, or -c5: a short flag with its value attached.)
    if (const std::string name =
            first.starts_with("--") ? first.substr(0, first.find('=')) : first.substr(0, 2);
        command->get_option_no_throw(name) == nullptr) {
      return make_error(ErrorKind::usage, first + " is no flag of s3loop " + words[i] +
                                              " (see s3loop " + words[i] + " --help)");
    }
    // The words before the command, values and all, moved after it.
    std::string moved;
    for (std::size_t j = 0; j < i; ++j) moved += " " + words[j];
    return make_error(ErrorKind::usage, first + " stands before the command " + words[i] +
                                            ": flags go after it (s3loop " + words[i] + " ..." +
                                            moved + ")");
  }
  return std::nullopt;
}

std::optional<Error> job_flags_before_job(const CLI::App& app,
                                          const std::vector<std::string>& words) {
  if (words.empty() || words[0] != "compare") return std::nullopt;
  const CLI::App* compare = command_named(app, "compare");
  const CLI::App* cp = command_named(app, "cp");
  if (compare == nullptr || cp == nullptr) return std::nullopt;
  const auto job = std::find(words.begin(), words.end(), "cp");
  for (auto word = words.begin() + 1; word != job; ++word) {
    if (*word == "--") return std::nullopt;
    // (-c4: a short flag with its value attached, as CLI11 reads it.)
    const bool short_with_value = word->size() > 2 && (*word)[0] == '-' && (*word)[1] != '-';
    if (!names_an_option(*word) && !word->starts_with("--") && !short_with_value) continue;
    const std::string name =
        short_with_value ? word->substr(0, 2) : word->substr(0, word->find('='));
    if (compare->get_option_no_throw(name) != nullptr || cp->get_option_no_throw(name) == nullptr) {
      continue;
    }
    if (job == words.end()) {
      return make_error(ErrorKind::usage, name +
                                              " is a flag of cp, and compare's job is "
                                              "missing: write s3loop compare cp SRC DST " +
                                              *word + " ...");
    }
    // The words before the job, values and all, moved after it (compare's
    // own flags go anywhere).
    std::string moved;
    for (auto before = words.begin() + 1; before != job; ++before) moved += " " + *before;
    return make_error(ErrorKind::usage, name +
                                            " is a flag of cp and stands before it: cp's "
                                            "flags go after cp (s3loop compare cp ..." +
                                            moved + ")");
  }
  return std::nullopt;
}

Result<std::vector<std::string>> without_compare_end_of_options(std::vector<std::string> words) {
  if (words.empty() || words[0] != "compare") return words;
  const auto mark = std::find(words.begin() + 1, words.end(), "--");
  if (mark == words.end()) return words;
  for (auto word = mark + 1; word != words.end(); ++word) {
    if (word->size() > 1 && word->starts_with('-')) {
      return make_error(ErrorKind::usage, "this argument was not expected: " + *word +
                                              " (after '--' come only the job, its source "
                                              "and its destination: flags go before '--')");
    }
  }
  words.erase(mark);
  return words;
}

}  // namespace s3loop::cli
