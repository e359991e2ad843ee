// Running a credential process: posix_spawn, its standard output through a
// pipe, and a deadline on the whole of it.
#include "s3loop/s3/credential_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace s3loop::s3 {

namespace {

constexpr std::size_t kMostOutput = 1024 * 1024;
// How often a wait looks at `stop` and at whether the helper has ended.
constexpr int kSliceMs = 100;

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), kSliceMs));
}

// The spawn's settings: its standard output the pipe, no other descriptor
// of ours (the connections to S3 are not close-on-exec), no signal blocked,
// and SIGPIPE as a new program expects it (ignored here for the sockets, an
// ignored signal would stay so across exec).
struct SpawnSettings {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  explicit SpawnSettings(int stdout_fd) {
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    sigset_t by_default;
    sigemptyset(&by_default);
    sigaddset(&by_default, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &by_default);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnSettings() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSettings(const SpawnSettings&) = delete;
  SpawnSettings& operator=(const SpawnSettings&) = delete;
};

enum class ReadEnd { whole, too_much, deadline, stopped };

// Whatever the pipe holds now, without waiting; false at its end.
bool drain(int fd, std::string& out) {
  char buffer[4096];
  for (;;) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 0) <= 0) return true;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > kMostOutput) return true;
  }
}

// Reads the pipe until the helper has ended (and what it wrote is read:
// something it left running may hold the pipe open for long), the deadline,
// or `stop`. Once it has ended (and is reaped), `ended` and its `status`.
ReadEnd read_until_ended(int fd, pid_t pid, Clock::time_point deadline,
                         const std::atomic<bool>* stop, std::string& out, bool& ended,
                         int& status) {
  char buffer[4096];
  for (;;) {
    if (out.size() > kMostOutput) return ReadEnd::too_much;
    if (stop != nullptr && stop->load()) return ReadEnd::stopped;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      ended = true;
      drain(fd, out);
      return out.size() > kMostOutput ? ReadEnd::too_much : ReadEnd::whole;
    }
    if (Clock::now() >= deadline) return ReadEnd::deadline;
    pollfd waiting{fd, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, millis_left(deadline));
    if (ready <= 0) continue;  // (EINTR too)
    if ((waiting.revents & (POLLIN | POLLHUP)) == 0) {
      // An error on the pipe: only its end is left to wait for.
      ::poll(nullptr, 0, kSliceMs);
      continue;
    }
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      // Closed by everyone: only its end is left to wait for (poll would
      // return at once from now on).
      while (::waitpid(pid, &status, WNOHANG) != pid) {
        if (stop != nullptr && stop->load()) return ReadEnd::stopped;
        if (Clock::now() >= deadline) return ReadEnd::deadline;
        ::poll(nullptr, 0, 5);
      }
      ended = true;
      return ReadEnd::whole;
    }
  }
}

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

ProcessRunner subprocess_runner(std::chrono::milliseconds timeout) {
  return [timeout](const std::vector<std::string>& argv,
                   const std::atomic<bool>* stop) -> Result<ProcessOutput> {
    if (argv.empty()) return make_error(ErrorKind::config, "is empty");
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      return make_error(ErrorKind::io,
                        std::string("cannot be started (pipe: ") + std::strerror(errno) + ")");
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int spawned = 0;
    {
      SpawnSettings settings(pipe_fds[1]);
      spawned = ::posix_spawnp(&pid, args[0], &settings.actions, &settings.attributes, args.data(),
                               environ);
    }
    ::close(pipe_fds[1]);
    if (spawned != 0) {
      ::close(pipe_fds[0]);
      return make_error(ErrorKind::config,
                        std::string("cannot be started: ") + std::strerror(spawned));
    }
    ProcessOutput result;
    bool ended = false;
    int status = 0;
    const ReadEnd end =
        read_until_ended(pipe_fds[0], pid, Clock::now() + timeout, stop, result.out, ended, status);
    ::close(pipe_fds[0]);
    // (Never a signal to a pid reaped already: it may be another process's now.)
    if (!ended) kill_and_reap(pid);
    switch (end) {
      case ReadEnd::whole:
        result.exit_code = exit_code_of(status);
        return result;
      case ReadEnd::deadline:
        result.timed_out = true;
        result.exit_code = 128 + SIGKILL;
        return result;
      case ReadEnd::too_much:
        return make_error(ErrorKind::credentials,
                          "printed more than 1 MiB, which is no credentials");
      case ReadEnd::stopped:
        break;
    }
    return make_error(ErrorKind::cancelled, "was stopped: s3loop no longer needs it");
  };
}

}  // namespace s3loop::s3
