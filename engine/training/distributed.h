#pragma once
// Data-parallel training over LibTorch's c10d: a TCP store hosted by rank 0 and a process
// group on it (Gloo for CPU tensors, NCCL for CUDA ones where the build has it), joined
// as torchrun starts processes: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.
//
// How the trainers use it: every rank draws the random numbers of the whole global batch
// from the run's one seeded generator (cheap next to the model), so all ranks agree on the
// batch and a run gives the same result on any number of processes; each rank runs the
// model on its contiguous shard only, and the gradients of the shards, each weighted by
// its share of the batch, are summed (GradientAllReduce). Rank 0 alone writes files.
//
// Faults: each rank beats a heartbeat into the store from its own thread. A collective
// that fails (a peer's connection closed) or outlasts the timeout makes the caller throw
// an Error naming the ranks that stopped beating (or that reported an error of their own).
// Work only rank 0 does (checkpoints, previews) is waited for through the store, not a
// collective, so it may take longer than the timeout while rank 0's heartbeat goes on.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace torch::optim {
class AdamW;
}

namespace mrti {

// The launch environment. world_size 1 (nothing set) is a run of one process.
struct DistributedEnvironment {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;

  // Reads RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; throws mrti::Error naming
  // a malformed or inconsistent one (WORLD_SIZE above 1 needs RANK, MASTER_ADDR and MASTER_PORT).
  static DistributedEnvironment from_environment();
  bool distributed() const { return world_size > 1; }
};

// Refuses, saying what to do, a batch too small to give each of `processes` ranks a sample.
void check_batch_size(int64_t batch, int processes);

class Distributed;
// The part [begin, end) of n items a rank of `dist` takes: all of them without a group.
std::pair<int64_t, int64_t> shard_of(const Distributed* dist, int64_t n);

class Distributed {
 public:
  // Connects to the store and forms the group; blocks until every rank has joined or the
  // timeout passes. `cuda`: the tensors live on a CUDA device (NCCL), else Gloo.
  static std::shared_ptr<Distributed> join(const DistributedEnvironment& env, bool cuda,
                                           std::chrono::milliseconds timeout);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  bool writes() const { return env_.rank == 0; }  // checkpoints, logs, previews, results
  std::chrono::milliseconds timeout() const { return timeout_; }

  // This rank's contiguous part [begin, end) of n items; every rank's part is non-empty
  // when n >= world_size.
  std::pair<int64_t, int64_t> shard(int64_t n) const;
  // Refuses, saying what to do, a batch too small to give every rank a sample.
  void check_batch_size(int64_t batch) const;

  // In place: every rank ends with the sum over ranks.
  void all_reduce_sum(std::vector<at::Tensor>& tensors);
  // Started now, finished by wait(); for overlapping a gradient bucket with the backward pass.
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual void wait() = 0;
  };
  std::unique_ptr<Pending> all_reduce_sum_async(at::Tensor tensor);
  // In place: every rank ends with rank 0's values (same shapes everywhere).
  void broadcast(std::vector<at::Tensor>& tensors);
  // The largest value of `flag` over ranks (e.g. "did any rank ask to stop").
  bool any(bool flag);
  // Rank 0 calls it after work only it does; the others wait there for it through the
  // store, however long it takes while rank 0 lives.
  void rank0_done(const std::string& what);

  // Records why this rank stops, for the others' error message.
  void report_failure(const std::string& why);
  // The message for a failed collective: which ranks are lost, and `what` happened here.
  std::string describe_failure(const std::string& what);

 private:
  struct State;
  Distributed(DistributedEnvironment env, std::chrono::milliseconds timeout);
  template <class F>
  void guarded(const char* operation, F&& f);

  DistributedEnvironment env_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<State> state_;
  int64_t rank0_waits_ = 0;
};

// Gradient averaging of a set of parameters. With `overlap`, a parameter's gradient is
// copied into its bucket (about bucket_bytes, filled in reverse parameter order, the order
// backward produces them) as the backward pass of the last micro-batch produces it, and a
// full bucket's all-reduce starts at once, in bucket order on every rank; finish() waits
// for the rest and writes the summed gradients back. Without overlap, finish() reduces
// the buckets after backward. The caller scales each rank's loss by its share of the
// global batch, so the sum is the global gradient.
class GradientAllReduce {
 public:
  GradientAllReduce(std::shared_ptr<Distributed> dist, std::vector<at::Tensor> params, bool overlap,
                    int64_t bucket_bytes = 25 << 20);
  ~GradientAllReduce();
  // Call before the last micro-batch's backward (with overlap, hooks copy from then on).
  void arm();
  // Sums every parameter's gradient over ranks (zeros where a rank has none).
  void finish();

 private:
  struct Bucket;
  void launch_ready();
  std::shared_ptr<Distributed> dist_;
  std::vector<at::Tensor> params_;
  bool overlap_ = false;
  bool armed_ = false;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  std::vector<std::pair<std::size_t, int64_t>> place_;  // per parameter: bucket, offset
  std::vector<unsigned> hooks_;
  std::size_t next_launch_ = 0;
};

// Makes every rank's tensors equal to rank 0's (parameters, optimizer moments, averages).
void broadcast_tensors(Distributed& dist, const std::vector<at::Tensor>& tensors);
// The same for AdamW's per-parameter moments and step counts; refuses, naming it, a group
// whose ranks hold different optimizer states (a resume from different checkpoints).
void broadcast_adamw_state(Distributed& dist, torch::optim::AdamW& optimizer);

}  // namespace mrti
