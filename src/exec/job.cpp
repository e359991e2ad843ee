// The one-run rule every job shares.
#include "s3loop/exec/job.hpp"

namespace s3loop::exec {

Result<void> Job::begin_run() {
  if (ran_.exchange(true)) {
    return make_error(ErrorKind::usage,
                      "this job has run already: a job holds one run's results; make a new one "
                      "(from the same options) for another run");
  }
  return {};
}

}  // namespace s3loop::exec
