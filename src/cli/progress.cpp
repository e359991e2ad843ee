#include "progress.hpp"

#include "plural.hpp"
#include "s3loop/one_line.hpp"

#include <fmt/format.h>

#include <sys/ioctl.h>

#include <chrono>

namespace s3loop::cli {

namespace {

constexpr std::chrono::milliseconds kTerminalInterval{250};
constexpr std::chrono::milliseconds kLinesInterval{1000};
constexpr const char* kClearLine = "\r\033[K";

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// 1234567 -> "1,234,567": counts of objects run into the millions.
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

ProgressMode choose_progress_mode(bool forced_on, bool forced_off, bool stderr_is_terminal,
                                  bool can_redraw) {
  if (forced_off) return ProgressMode::off;
  if (stderr_is_terminal && can_redraw) return ProgressMode::terminal;
  return forced_on ? ProgressMode::lines : ProgressMode::off;
}

std::string fit_to_width(std::string line, int columns) {
  // (The line is ASCII: a byte is a column.)
  if (columns > 1 && line.size() >= static_cast<std::size_t>(columns)) {
    line.resize(static_cast<std::size_t>(columns - 1));
  }
  return line;
}

std::string progress_line(const std::string& verb, const ProgressCounts& counts, double seconds) {
  const auto whole = static_cast<std::uint64_t>(seconds < 0 ? 0 : seconds);
  std::string line = fmt::format("{}: {} {} ({:.1f} MiB)", verb, grouped(counts.done),
                                 plural(counts.done, "object", "objects"),
                                 static_cast<double>(counts.bytes) / (1024.0 * 1024.0));
  if (counts.skipped > 0) line += fmt::format(", {} skipped", grouped(counts.skipped));
  if (counts.failed > 0) line += fmt::format(", {} failed", grouped(counts.failed));
  line += fmt::format(", {:02}:{:02}:{:02}", whole / 3600, whole / 60 % 60, whole % 60);
  // A rate over less than a second is mostly start-up noise.
  if (seconds >= 1) {
    line += fmt::format(", {:.0f} objects/s", static_cast<double>(counts.done) / seconds);
  }
  return line;
}

Progress::Progress(ProgressMode mode, std::string verb, std::FILE* out)
    : mode_(mode), verb_(std::move(verb)), out_(out), started_(now_seconds()) {}

void Progress::start(std::function<std::uint64_t()> skipped) {
  if (mode_ == ProgressMode::off || ticker_.joinable()) return;
  skipped_ = std::move(skipped);
  // A terminal shows the line at once; a log gets its first line after one
  // interval (a copy shorter than that adds nothing to the log).
  if (mode_ == ProgressMode::terminal) {
    std::lock_guard lock(mutex_);
    draw_locked();
  }
  ticker_ = std::thread([this] { run(); });
}

Progress::~Progress() {
  finish();
}

void Progress::object_done(std::uint64_t bytes, bool failed) {
  if (failed) {
    failed_.fetch_add(1, std::memory_order_relaxed);
  } else {
    done_.fetch_add(1, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
}

void Progress::message(const std::string& line) {
  std::lock_guard lock(mutex_);
  if (drawn_) std::fputs(kClearLine, out_);
  drawn_ = false;
  std::fputs(one_line(line).c_str(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
}

void Progress::finish() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  // The summary that follows says it all; the status line must not linger.
  std::lock_guard lock(mutex_);
  if (drawn_) {
    std::fputs(kClearLine, out_);
    std::fflush(out_);
    drawn_ = false;
  }
}

void Progress::run() {
  const auto interval = mode_ == ProgressMode::terminal ? kTerminalInterval : kLinesInterval;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) draw_locked();
}

void Progress::draw_locked() {
  ProgressCounts counts;
  counts.done = done_.load(std::memory_order_relaxed);
  counts.skipped = skipped_ ? skipped_() : 0;
  counts.bytes = bytes_.load(std::memory_order_relaxed);
  counts.failed = failed_.load(std::memory_order_relaxed);
  const std::string line = progress_line(verb_, counts, now_seconds() - started_);
  if (mode_ == ProgressMode::terminal) {
    // Asked at every redraw: the terminal may have been resized.
    winsize size{};
    const int columns = ioctl(fileno(out_), TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;
    std::fputs(kClearLine, out_);
    std::fputs(fit_to_width(line, columns).c_str(), out_);
    drawn_ = true;
  } else {
    std::fputs(line.c_str(), out_);
    std::fputc('\n', out_);
  }
  std::fflush(out_);
}

}  // namespace s3loop::cli
