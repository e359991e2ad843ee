// Which signal stopped a run, for its exit code.
#pragma once

#include <csignal>

namespace s3loop::cli {

// The signals that ask a run to stop cleanly: Ctrl-C, `kill`/`timeout`/a
// supervisor, and a terminal closed or an ssh session dropped under a long
// run (which ended it at once: compare's copies were left under a prefix
// nobody was told of, a review).
inline constexpr int kCancelSignals[] = {SIGINT, SIGTERM, SIGHUP};

// The first of them that came (async-signal-safe; later ones do not change
// it).
void note_cancel_signal(int signal_number);

// The exit code of a command a signal stopped: 128 + that signal, as a shell
// reports a process the signal ended and as aws cli and rclone exit -- 130 for
// Ctrl-C, 143 for SIGTERM (`kill`, `timeout`, a supervisor), 129 for SIGHUP.
// 130 when none was noted.
int cancelled_exit_code();

// Whether a child's exit code says a signal stopped it (130, 143 or 129).
bool is_cancelled_exit(int code);

// Whether `signal_number` (one of kCancelSignals) was ignored when the
// process started -- a script's background job (`s3loop cp ... &`) has SIGINT
// ignored, so that the terminal's Ctrl-C does not reach it, and `nohup` has
// SIGHUP ignored. Such a signal is
// left ignored, in every phase, as POSIX shells expect and as aws cli
// (Python) does. The first call reads the dispositions: main() calls it
// before any handler is installed.
bool ignored_at_start(int signal_number);

}  // namespace s3loop::cli
