#include "child_process.hpp"
#include "cancel_signal.hpp"
#include "interrupt_echo.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace s3loop::cli {

namespace {

// Shared with the signal handler: lock-free atomics and a fixed buffer only.
std::atomic<pid_t> g_child{0};
std::atomic<int> g_interrupts{0};
std::atomic<bool> g_interrupted{false};  // what clients read to cut requests off
char g_note[1024] = {};
std::atomic<std::size_t> g_note_size{0};

InterruptEcho g_interrupt_echo;

extern "C" void on_supervised_interrupt(int signal_number) {
  g_interrupt_echo.note();
  note_cancel_signal(signal_number);
  g_interrupted.store(true);
  const int seen = g_interrupts.fetch_add(1) + 1;
  if (const pid_t child = g_child.load(); child > 0) {
    // The child tells an echo from a second interrupt itself. To its whole
    // group: a credential_process it runs must stop too.
    ::kill(-child, signal_number);
    return;
  }
  // A second interrupt while compare itself works (verifying, cleaning up)
  // exits now, leaving what the note names; the first delivered twice does not.
  if (seen > 1 && !g_interrupt_echo.is_echo()) {
    const std::size_t size = g_note_size.load();
    const ssize_t written = size > 0 ? ::write(STDERR_FILENO, g_note, size) : 0;
    static_cast<void>(written);
    ::_exit(cancelled_exit_code());
  }
}

}  // namespace

void supervise_interrupts() {
  static_assert(std::atomic<pid_t>::is_always_lock_free && std::atomic<int>::is_always_lock_free);
  struct sigaction action {};
  action.sa_handler = on_supervised_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // (as the commands' own handler: a write goes on)
  // (One ignored at start stays ignored, by the runs too: they inherit it.)
  for (const int signal_number : kCancelSignals) {
    if (!ignored_at_start(signal_number)) sigaction(signal_number, &action, nullptr);
  }
}

bool interrupt_requested() {
  return g_interrupts.load() > 0;
}

int interrupts_received() {
  return g_interrupts.load();
}

const std::atomic<bool>* interrupt_flag() {
  static_assert(std::atomic<bool>::is_always_lock_free);
  return &g_interrupted;
}

void set_interrupt_note(const std::string& note) {
  g_note_size.store(0);  // the handler never sees half a note
  const std::size_t size = std::min(note.size(), sizeof g_note);
  std::memcpy(g_note, note.data(), size);
  g_note_size.store(size);
}

std::string self_executable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("s3loop") : path.string();
}

Result<ChildResult> run_child(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    return make_error(ErrorKind::io, std::string("pipe failed: ") + std::strerror(errno));
  }
  // Everything the child needs is built before the fork: between fork and
  // exec only async-signal-safe calls are allowed.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  // Held back from fork until the child is known (g_child): an interrupt in
  // between is then passed on, not lost. The child would otherwise run our
  // handler until its exec -- which swallowed a signal passed on to it there
  // (g_child is 0 in its copy), and the whole run went on.
  sigset_t interrupts;
  sigset_t before;
  sigemptyset(&interrupts);
  for (const int signal_number : kCancelSignals) sigaddset(&interrupts, signal_number);
  pthread_sigmask(SIG_BLOCK, &interrupts, &before);
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return make_error(ErrorKind::io, "cannot start " + argv[0] + ": " + std::strerror(error));
  }
  if (pid == 0) {
    // Until the run has handlers of its own, a signal ends it as it ends any
    // program (one ignored at start stays ignored).
    for (const int signal_number : kCancelSignals) {
      struct sigaction current {};
      if (sigaction(signal_number, nullptr, &current) == 0 &&
          current.sa_handler == on_supervised_interrupt) {
        struct sigaction by_default {};
        by_default.sa_handler = SIG_DFL;
        sigaction(signal_number, &by_default, nullptr);
      }
    }
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    setpgid(0, 0);
    // In a group of its own the run is in the terminal's background: with
    // `stty tostop` its first line on stderr (a failed copy) stopped it with
    // SIGTTOU, and compare waited for it for ever, deaf to Ctrl-C (a stopped
    // process acts on no signal until continued). Ignored, the write goes
    // through, as a foreground process's would. (Kept across exec.)
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGTTOU, &ignore, nullptr);  // (async-signal-safe, as signal() is not)
    // So does a read from the terminal (a credential_process asking for an
    // MFA code): with SIGTTIN ignored it fails (EIO) rather than stopping the
    // run, and compare, for ever.
    sigaction(SIGTTIN, &ignore, nullptr);
    // Dies with us: a supervisor's kill -9 of compare must not leave a copy
    // running on. (The parent may have died before this call.)
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execve(args[0], args.data(), environ);
    _exit(127);
  }
  // Both sides set the group, whichever runs first: a signal forwarded right
  // away must find it.
  setpgid(pid, pid);
  g_child.store(pid);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  // An interrupt that came before g_child was set reached nobody: any at all
  // (compare ends at its first, so no run may go on after one). Counting
  // only those since this call began missed one that came between the
  // caller's check and here: the whole run went on (a review, with gdb).
  if (g_interrupts.load() > 0) kill(pid, SIGTERM);
  close(pipe_fds[1]);
  ChildResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.out.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child.store(0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.killed_by_signal = WIFSIGNALED(status);
  if (result.exit_code == 127 && result.out.empty()) {
    return make_error(ErrorKind::io, "cannot start " + argv[0]);
  }
  return result;
}

}  // namespace s3loop::cli
