#include "flag_as_value.hpp"

namespace s3loop::cli {

std::optional<Error> flag_given_as_value(const CLI::App& app,
                                         const std::vector<std::string>& words) {
  const CLI::App* command = &app;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") break;
    if (!word.starts_with("--")) {
      // The command's name: its options from here on.
      if (command == &app) {
        for (const CLI::App* sub : app.get_subcommands({})) {
          if (sub->get_name() == word) command = sub;
        }
      }
      continue;
    }
    // --option=value carries its own value, whatever it starts with.
    if (word.find('=') != std::string::npos || i + 1 == words.size()) continue;
    const CLI::Option* option = command->get_option_no_throw(word);
    if (option == nullptr || option->get_items_expected_min() == 0) continue;
    const std::string& next = words[i + 1];
    // A lone "--" ends the options: CLI11 says the value is missing.
    if (!next.starts_with("--") || next == "--") continue;
    return make_error(ErrorKind::usage, word + " needs a value, and the next word, " + next +
                                            ", is a flag (a value that starts with '--' is "
                                            "written " +
                                            word + "=" + next + ")");
  }
  return std::nullopt;
}

}  // namespace s3loop::cli
