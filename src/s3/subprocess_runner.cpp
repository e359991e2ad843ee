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
#include <thread>

extern char** environ;

namespace s3loop::s3 {

namespace {

constexpr std::size_t kMostOutput = 1024 * 1024;

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1000));
}

// The spawn's settings: no signal blocked, and SIGPIPE as a new program
// expects it (ignored here for the sockets, an ignored signal would stay so
// across exec).
struct SpawnSettings {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  SpawnSettings(int stdout_fd) {
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
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

// Reads the pipe to its end or to the deadline; false when the output grew
// past kMostOutput.
bool read_until_end(int fd, Clock::time_point deadline, std::string& out) {
  char buffer[4096];
  for (;;) {
    pollfd waiting{fd, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, millis_left(deadline));
    if (ready < 0 && errno != EINTR) return true;
    if (ready <= 0) {
      if (Clock::now() >= deadline) return true;
      continue;
    }
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > kMostOutput) return false;
  }
}

// Its exit status, once it has ended or been killed at the deadline.
int wait_for(pid_t pid, Clock::time_point deadline, bool& timed_out) {
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (Clock::now() >= deadline) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

ProcessRunner subprocess_runner(std::chrono::milliseconds timeout) {
  return [timeout](const std::vector<std::string>& argv) -> Result<ProcessOutput> {
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
    const auto deadline = Clock::now() + timeout;
    ProcessOutput result;
    const bool whole = read_until_end(pipe_fds[0], deadline, result.out);
    ::close(pipe_fds[0]);
    if (!whole) ::kill(pid, SIGKILL);
    result.exit_code = wait_for(pid, whole ? deadline : Clock::now(), result.timed_out);
    if (!whole) {
      return make_error(ErrorKind::credentials, "printed more than 1 MiB, which is no credentials");
    }
    return result;
  };
}

}  // namespace s3loop::s3
