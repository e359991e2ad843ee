#include "flag_as_value.hpp"

namespace s3loop::cli {
namespace {

// "--name" or "-x": a word that names an option (values carried with '=',
// and grouped short flags, are not).
bool names_an_option(const std::string& word) {
  if (word.starts_with("--")) return word.size() > 2 && word.find('=') == std::string::npos;
  return word.size() == 2 && word[0] == '-' && word[1] != '-';
}

}  // namespace

std::optional<Error> flag_given_as_value(const CLI::App& app,
                                         const std::vector<std::string>& words) {
  const CLI::App* command = &app;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") break;  // the rest are not options
    if (!names_an_option(word)) {
      // The command's name: its options from here on.
      if (command == &app) {
        for (const CLI::App* sub : app.get_subcommands({})) {
          if (sub->get_name() == word) command = sub;
        }
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

}  // namespace s3loop::cli
