// s3loop: bulk S3 work from one event loop.
#include "commands.hpp"
#include "common.hpp"

#include <map>

int main(int argc, char** argv) {
  using namespace s3loop::cli;
  CLI::App app{"s3loop: list, copy and query S3 data with hundreds of requests in flight"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "s3loop 0.1.0");
  std::map<CLI::App*, Runner> runners;
  auto add = [&](Runner (*adder)(CLI::App&)) {
    const std::size_t before = app.get_subcommands({}).size();
    Runner runner = adder(app);
    runners[app.get_subcommands({})[before]] = std::move(runner);
  };
  add(add_ls_command);
  add(add_cp_command);
  add(add_mb_command);
  add(add_compare_command);
  add(add_select_command);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, and the usage exit code aws cli users expect (2).
    print_error(std::string(e.what()) + " (see s3loop --help)");
    return kExitUsage;
  }
  for (auto* sub : app.get_subcommands()) return runners.at(sub)();
  return kExitUsage;
}
