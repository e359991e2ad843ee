// Runs a command as a child process and captures its standard output; its
// standard error passes through to ours.
#pragma once

#include "s3loop/error.hpp"

#include <atomic>

#include <string>
#include <vector>

namespace s3loop::cli {

struct ChildResult {
  int exit_code = 0;  // 128 + signal when killed by one
  // Ended by a signal's default action, not by exit(): an s3loop command
  // outside its run (starting, checking, summing up), where it has no
  // handler -- so with no request of its run in flight.
  bool killed_by_signal = false;
  std::string out;
};

// The child runs in a process group of its own and dies with us
// (PR_SET_PDEATHSIG), so that it never outlives the command that waits for
// it; after supervise_interrupts(), SIGINT, SIGTERM and SIGHUP reach it through us.
Result<ChildResult> run_child(const std::vector<std::string>& argv);

// From now on, SIGINT, SIGTERM and SIGHUP do not end this process: the first is
// passed on to the running child (which stops cleanly, as on Ctrl-C: its own
// group does not get the terminal's Ctrl-C, so it gets the signal once) and
// remembered, so that the caller can clean up and stop. A later one is passed
// on too (a child stopping too slowly exits at once on its second); with no
// child running it prints the last set_interrupt_note() and exits 130 (143
// when the first signal was SIGTERM).
void supervise_interrupts();
bool interrupt_requested();
// How many of those signals came (one delivered twice counts twice).
int interrupts_received();
// True from the first of those signals on: for ClientShared::interrupted, so
// that the caller's own requests are cut off by it (not retried on).
const std::atomic<bool>* interrupt_flag();
// What a second interrupt says before exiting while no child runs (say what
// is left behind). Up to 1 KiB; copied, not referenced.
void set_interrupt_note(const std::string& note);

// The path of the running executable, to re-run ourselves.
std::string self_executable();

}  // namespace s3loop::cli
