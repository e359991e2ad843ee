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
    const bool long_flag = word.size() > 2 && word.starts_with("--");
    const bool short_flag = word.size() == 2 && word[0] == '-' && word[1] != '-';
    if (!long_flag && !short_flag && !(word.size() > 2 && word[0] == '-')) {
      positionals.push_back(word);
      continue;
    }
    out.flags.push_back(word);
    // "--flag=value" and "-c4" carry their value; "--flag value" does not.
    const bool value_attached = long_flag ? word.find('=') != std::string::npos : !short_flag;
    if (!value_attached && takes_value(cp, word) && i + 1 < words.size()) {
      out.flags.push_back(words[++i]);
    }
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
