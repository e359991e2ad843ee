#include "filter_flags.hpp"

#include <optional>
#include <string_view>

namespace s3loop::cli {

namespace {

struct FilterFlag {
  const char* name;
  jobs::KeyFilter::Kind kind;
};
constexpr FilterFlag kFilterFlags[] = {{"--exclude", jobs::KeyFilter::Kind::exclude},
                                       {"--include", jobs::KeyFilter::Kind::include}};

}  // namespace

void add_filter_options(CLI::App& command, std::vector<jobs::KeyFilter>& filters) {
  for (const auto& flag : kFilterFlags) {
    const auto kind = flag.kind;
    // trigger_on_parse: the callback runs at each occurrence, as parsed, so
    // "--exclude '*' --include '*.csv'" keeps its order.
    command
        .add_option_function<std::string>(
            flag.name,
            [&filters, kind](const std::string& pattern) {
              filters.push_back({kind, pattern});
            },
            kind == jobs::KeyFilter::Kind::exclude
                ? "Leave out keys (relative to the source directory) matching PATTERN: * (also "
                  "across /), ?, [abc], [!abc]; repeatable, the last matching filter decides"
                : "Take keys matching PATTERN again after an --exclude; repeatable, the last "
                  "matching filter decides")
        ->type_name("PATTERN")
        ->trigger_on_parse();
  }
}

std::vector<jobs::KeyFilter> filters_in(const std::vector<std::string>& args) {
  std::vector<jobs::KeyFilter> filters;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    for (const auto& flag : kFilterFlags) {
      const std::string_view name = flag.name;
      if (arg == name && i + 1 < args.size()) {
        filters.push_back({flag.kind, args[++i]});
      } else if (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=') {
        filters.push_back({flag.kind, std::string(arg.substr(name.size() + 1))});
      }
    }
  }
  return filters;
}

}  // namespace s3loop::cli
