// s3loop: bulk S3 work from one event loop.
#include "commands.hpp"
#include "common.hpp"
#include "flag_as_value.hpp"
#include "heap_pages.hpp"
#include "s3loop/exec/resources.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>

namespace {

// Output that did not reach its file (a full disk, /dev/full) must not pass
// for a result: the command fails, saying so. stdio keeps the error flag of
// any earlier failed write; the final flush catches the rest.
int check_output_written(int code) {
  using namespace s3loop::cli;
  errno = 0;
  const bool flush_failed = std::fflush(stdout) != 0;
  const int error = errno;
  if (!flush_failed && !std::ferror(stdout)) return code;
  // The errno of an earlier failed write is gone by now (network calls
  // followed it); the final flush's own is exact.
  std::string why = flush_failed && error != 0 ? std::strerror(error) : "is the disk full?";
  // (A stdout closed at start holds guard_standard_descriptors' read-only
  // placeholder.)
  if (const int flags = ::fcntl(STDOUT_FILENO, F_GETFL);
      (flags == -1 && errno == EBADF) || (flags != -1 && (flags & O_ACCMODE) == O_RDONLY)) {
    why = "stdout is closed, or not open for writing";
  }
  // A pipe whose reader went away (`| head` with SIGPIPE ignored, as some
  // supervisors and CI runners leave it) says so itself: POLLERR.
  pollfd out{STDOUT_FILENO, POLLOUT, 0};
  if (::poll(&out, 1, 0) == 1 && (out.revents & POLLERR) != 0) {
    why = std::strerror(EPIPE);
    why += ": the reader of the output went away";
  }
  print_error(
      fmt::format("writing the output to stdout failed ({}): what it holds is incomplete", why));
  return code == kExitOk ? kExitFailed : code;
}

// Started with stdin, stdout or stderr closed (`>&-`), the next file opened
// would take its number: the journal became stdout, and the summary and
// error lines were written into it (a rerun then refused the journal as not
// JSON); asio's eventfd became stdout for ls. Each closed one is held by
// /dev/null opened read-only, so that writes to it fail (and are reported:
// check_output_written) instead of landing in another file. What POSIX
// utilities do, as glibc does for set-user-ID programs.
void guard_standard_descriptors() {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int held = ::open("/dev/null", O_RDONLY);
    if (held != fd) {
      // (Not the lowest free number: nothing else is open yet, so this does
      // not happen; no file may take the number later either way.)
      if (held >= 0) ::close(held);
      std::_Exit(s3loop::cli::kExitFailed);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace s3loop::cli;
  guard_standard_descriptors();  // before anything opens a file
  use_huge_pages_for_the_heap(argc, argv);
  static_cast<void>(ignored_at_start(SIGINT));  // read before any handler is installed
  // Each connection is a descriptor: --concurrency 3000 needs the hard limit,
  // not Debian's soft 1024 (check_open_files then reads the limit in force).
  static_cast<void>(s3loop::exec::raise_open_file_limit());
  CLI::App app{"s3loop: list, copy and query S3 data with hundreds of requests in flight"};
  app.require_subcommand(1);
  // A flag given twice counts as given last, as aws cli's argparse and most
  // tools take it (CLI11 alone refuses: "At Most 1 required but received 2").
  // Repeatable flags (--exclude, --include) keep every value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
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
  // Before CLI11 reads them: it would take a flag as the value of the option
  // before it, and flags before the command as stray words.
  const std::vector<std::string> typed(argv + 1, argv + argc);
  if (auto refused = flags_before_command(app, typed)) return usage_error(*refused);
  auto words = without_compare_end_of_options(typed);
  if (!words) return usage_error(words.error());
  if (auto refused = job_flags_before_job(app, *words)) return usage_error(*refused);
  if (auto refused = misread_flag(app, *words)) return usage_error(*refused);
  try {
    // (As typed, but for the mark taken out; argv[0] names the program in help.)
    std::vector<const char*> parsed = {argv[0]};
    for (const auto& word : *words) parsed.push_back(word.c_str());
    app.parse(static_cast<int>(parsed.size()), parsed.data());
  } catch (const CLI::CallForHelp& e) {
    // Help and version that could not be written fail too, as other output.
    return check_output_written(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return check_output_written(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return check_output_written(app.exit(e));
  } catch (const CLI::ParseError& e) {
    // No command read: CLI11 says only "A subcommand is required". An
    // unknown first word is a command the user misspelled; a flag first is
    // none of s3loop's own (those are read, or stood before a command).
    if (app.get_subcommands().empty()) {
      if (argc > 1 && argv[1][0] != '-') {
        print_error(
            fmt::format("unknown command '{}': expected ls, cp, compare, select or mb "
                        "(see s3loop --help)",
                        argv[1]));
      } else {
        print_error(
            fmt::format("expected a command (ls, cp, compare, select or mb){} "
                        "(see s3loop --help)",
                        argc > 1 ? fmt::format(" before {}", argv[1]) : ""));
      }
      return kExitUsage;
    }
    // One line, and the usage exit code aws cli users expect (2), pointing at
    // the help of the command that was being read.
    const auto commands = app.get_subcommands();
    const std::string help =
        commands.empty() ? "s3loop --help" : "s3loop " + commands.front()->get_name() + " --help";
    print_error(describe_parse_error(e, app) + " (see " + help + ")");
    return kExitUsage;
  }
  for (auto* sub : app.get_subcommands()) {
    try {
      return check_output_written(runners.at(sub)());
    } catch (...) {
      // What escaped a command (the run's own failures are its results):
      // out of memory, a thread the system would not start (a process
      // limit). One line, not std::terminate's abort.
      print_error(s3loop::error_from_exception(std::current_exception()).message);
      return kExitFailed;
    }
  }
  return kExitUsage;
}
