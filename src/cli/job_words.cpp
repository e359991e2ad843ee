#include "job_words.hpp"

#include "commands.hpp"

#include <fmt/format.h>

namespace s3loop::cli {

namespace {

// Whether cp's flag `name` ("--concurrency", "-c") takes the word after it
// as its value. An unknown flag does not: cp's parser refuses it later.
bool takes_value(const CLI::App& cp, const std::string& name) {
  const CLI::Option* option = cp.get_option_no_throw(name);
  return option != nullptr && option->get_items_expected_min() > 0;
}

// Whether the word after flag word `word` is its value: "--concurrency"
// yes, "--concurrency=4" no; single-letter flags may be grouped after one
// dash (CLI11), "-rc" taking the next word for -c, "-rc4" not.
bool next_word_is_value(const CLI::App& cp, const std::string& word) {
  if (word.starts_with("--")) return word.find('=') == std::string::npos && takes_value(cp, word);
  for (std::size_t i = 1; i < word.size(); ++i) {
    const std::string letter = {'-', word[i]};
    if (takes_value(cp, letter)) return i + 1 == word.size();
    if (cp.get_option_no_throw(letter) == nullptr) return false;
  }
  return false;
}

}  // namespace

Result<JobWords> split_job_words(const std::vector<std::string>& words) {
  CLI::App app{"s3loop"};
  // The runner owns what cp's options would write into: keep it alive.
  const Runner cp_runner = add_cp_command(app);
  const CLI::App& cp = *app.get_subcommand("cp");

  JobWords out;
  std::vector<std::string> positionals;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    // ("-" alone is no flag; "--" is, ending cp's flags, and stays with them.)
    if (word.size() < 2 || word[0] != '-') {
      positionals.push_back(word);
      continue;
    }
    out.flags.push_back(word);
    if (next_word_is_value(cp, word) && i + 1 < words.size()) out.flags.push_back(words[++i]);
  }
  if (positionals.size() != 2) {
    std::string got = positionals.empty() ? "none" : "'" + positionals.front() + "'";
    for (std::size_t i = 1; i < positionals.size(); ++i) got += ", '" + positionals[i] + "'";
    return make_error(ErrorKind::usage,
                      fmt::format("compare cp takes one source and one destination "
                                  "(compare cp s3://SRC s3://DST [cp flags]); got {}",
                                  got));
  }
  out.source = positionals[0];
  out.destination = positionals[1];
  return out;
}

}  // namespace s3loop::cli
