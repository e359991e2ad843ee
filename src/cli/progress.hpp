// A status line on stderr while a copy runs, as aws cli and rclone -P show:
// redrawn in place on a terminal, a plain line each second when asked for
// elsewhere (logs), nothing by default when stderr is not a terminal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace s3loop::cli {

enum class ProgressMode { off, terminal, lines };

// --progress / --no-progress (both false: decide by whether stderr is a
// terminal). `can_redraw`: a line can be redrawn in place there -- not on a
// dumb terminal (TERM=dumb: no escape sequences), nor while other lines go
// to it (--debug's, a dry run's on the same terminal), which would tear it:
// then a plain line each second when asked for, none by default.
ProgressMode choose_progress_mode(bool forced_on, bool forced_off, bool stderr_is_terminal,
                                  bool can_redraw = true);

// `line` cut to fit in a terminal `columns` wide without wrapping (one column
// left for the cursor): a wrapped line leaves its first rows behind at every
// redraw, since the clear goes back to the start of the last row only.
// columns <= 0 (unknown): as it is.
std::string fit_to_width(std::string line, int columns);

struct ProgressCounts {
  std::uint64_t done = 0;  // objects copied
  std::uint64_t bytes = 0;
  std::uint64_t skipped = 0;  // already there (journal, --skip-existing)
  std::uint64_t failed = 0;
};

// "copying: 1,234 objects (12.3 MiB), 5 skipped, 2 failed, 00:01:05, 19 objects/s"
std::string progress_line(const std::string& verb, const ProgressCounts& counts, double seconds);

class Progress {
 public:
  Progress(ProgressMode mode, std::string verb, std::FILE* out);
  ~Progress();
  // Starts drawing; `skipped` is read at each redraw (the job counts those).
  void start(std::function<std::uint64_t()> skipped = {});
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void object_done(std::uint64_t bytes, bool failed);
  // Writes a whole line (an error) without tearing the status line.
  void message(const std::string& line);
  // Stops the ticker and clears the status line; idempotent.
  void finish();

 private:
  void run();
  void draw_locked();

  ProgressMode mode_;
  std::string verb_;
  std::FILE* out_;
  std::function<std::uint64_t()> skipped_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> failed_{0};
  const double started_;
  std::mutex mutex_;  // guards out_ and stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  bool drawn_ = false;  // a status line is on the terminal now
  std::thread ticker_;
};

}  // namespace s3loop::cli
