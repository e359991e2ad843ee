// The subcommands. Each registers its flags and returns the function that
// runs it (after parsing) and yields the exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace s3loop::cli {

using Runner = std::function<int()>;

Runner add_ls_command(CLI::App& app);
Runner add_cp_command(CLI::App& app);
Runner add_mb_command(CLI::App& app);
Runner add_compare_command(CLI::App& app);
Runner add_select_command(CLI::App& app);

}  // namespace s3loop::cli
