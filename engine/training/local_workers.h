#pragma once
// `--nproc N` and the app's worker processes: ranks 1..N-1 of a local process group
// started as child processes (torchrun's environment: RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR=127.0.0.1, MASTER_PORT a free port), this process being rank 0.
#include <chrono>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include "training/distributed.h"

namespace mrti {

class LocalWorkers {
 public:
  // Starts `program` with `args` as ranks 1..nproc-1; returns rank 0's environment.
  static std::unique_ptr<LocalWorkers> start(int nproc, const std::string& program,
                                             const std::vector<std::string>& args, DistributedEnvironment* rank0);
  // This program and its own arguments (/proc/self), for workers that repeat the command.
  static std::string this_program();
  static std::vector<std::string> this_arguments();

  // Waits up to `timeout` for every worker to end, then stops the rest; "" when all ended
  // with status 0, else what became of the others ("rank 1 (pid 123) was killed by signal 9").
  std::string wait(std::chrono::milliseconds timeout);
  // The same without waiting: workers that already ended badly.
  std::string failures();
  // `what` (this process's error), with the workers that already ended badly, if any.
  std::string explain(const std::string& what);
  // After a run: waits for the workers as wait() does and throws when any failed.
  void finish(std::chrono::milliseconds timeout);
  ~LocalWorkers();

 private:
  struct Worker {
    int rank = 0;
    pid_t pid = -1;
    int status = 0;
    bool ended = false;
  };
  void reap(bool block);
  std::vector<Worker> workers_;
};

}  // namespace mrti
