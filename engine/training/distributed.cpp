#include "training/distributed.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

// The Gloo process group is compiled where its headers are (Debian: libgloo-dev); NCCL
// where the LibTorch is a CUDA one and nccl.h is at hand.
#if __has_include(<gloo/algorithm.h>)
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#define MRTI_HAVE_GLOO 1
#endif
#if defined(MRTI_WITH_CUDA) && __has_include(<nccl.h>) && \
    __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#define USE_C10D_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define MRTI_HAVE_NCCL 1
#endif

#include "runtime/error.h"

namespace mrti {

namespace {

// LibTorch 2 split the collectives off ProcessGroup into Backend.
#if defined(MRTI_TORCH2)
using Group = c10d::Backend;
#else
using Group = c10d::ProcessGroup;
#endif

constexpr auto kBeatInterval = std::chrono::milliseconds(250);
// How long a heartbeat may stand still before its rank counts as lost.
constexpr auto kBeatSilence = std::chrono::milliseconds(2000);

int env_int(const char* name, int fallback, int min, int max) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end || x < min || x > max)
    throw Error(std::string("the environment variable ") + name + "='" + v + "' is not a whole number from " +
                std::to_string(min) + " to " + std::to_string(max));
  return int(x);
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string beat_key(int rank) { return "mrti/beat/" + std::to_string(rank); }
std::string failed_key(int rank) { return "mrti/failed/" + std::to_string(rank); }

std::string text_of(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }
std::vector<uint8_t> bytes_of(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

}  // namespace

DistributedEnvironment DistributedEnvironment::from_environment() {
  DistributedEnvironment e;
  e.world_size = env_int("WORLD_SIZE", 1, 1, 1 << 16);
  if (e.world_size == 1) return e;
  if (!std::getenv("RANK") || !std::getenv("MASTER_ADDR") || !std::getenv("MASTER_PORT"))
    throw Error("WORLD_SIZE=" + std::to_string(e.world_size) +
                " needs RANK, MASTER_ADDR and MASTER_PORT as well (as torchrun sets them)");
  e.rank = env_int("RANK", 0, 0, e.world_size - 1);
  e.local_rank = env_int("LOCAL_RANK", e.rank, 0, 1 << 16);
  e.master_addr = std::getenv("MASTER_ADDR");
  e.master_port = env_int("MASTER_PORT", 0, 1, 65535);
  return e;
}

struct Distributed::State {
  // NCCL reduces CUDA tensors only: CPU ones (counters, generator states) go through this device.
  c10::optional<c10::Device> staging;
  c10::intrusive_ptr<c10d::TCPStore> store;  // the group's connection
  c10::intrusive_ptr<c10d::TCPStore> beats;  // heartbeats and waits: a connection of its own
  c10::intrusive_ptr<Group> group;
  std::mutex beats_mutex;
  std::thread heartbeat;
  std::atomic<bool> stop{false};
};

Distributed::Distributed(DistributedEnvironment env, std::chrono::milliseconds timeout)
    : env_(std::move(env)), timeout_(timeout), state_(std::make_unique<State>()) {}

std::shared_ptr<Distributed> Distributed::join(const DistributedEnvironment& env, bool cuda,
                                               std::chrono::milliseconds timeout) {
  std::shared_ptr<Distributed> d(new Distributed(env, timeout));
  State& s = *d->state_;
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  try {
    c10d::TCPStoreOptions o;
    o.port = static_cast<std::uint16_t>(env.master_port);
    o.isServer = env.rank == 0;
    o.numWorkers = env.world_size;
    o.waitWorkers = false;
    o.timeout = timeout;
    s.store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
    o.isServer = false;
    s.beats = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(env.rank) + " cannot reach the rendezvous store at " + where +
                (env.rank == 0 ? " (is the port in use?)" : " (is rank 0 running?)") + ": " + first_line(e.what()));
  }
  s.beats->set(beat_key(env.rank), bytes_of("0"));
  s.heartbeat = std::thread([&s, rank = env.rank] {
    int64_t n = 0;
    while (!s.stop.load()) {
      std::this_thread::sleep_for(kBeatInterval);
      try {
        std::lock_guard<std::mutex> lock(s.beats_mutex);
        s.beats->set(beat_key(rank), bytes_of(std::to_string(++n)));
      } catch (...) {
        // The store's host is gone; the next collective says so.
      }
    }
  });
  if (cuda) s.staging = c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(env.local_rank));
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("group", s.store);
  d->guarded("joining the process group", [&] {
    if (cuda) {
#if defined(MRTI_HAVE_NCCL)
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      s.group = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, env.rank, env.world_size, opts);
#else
      throw Error("this build has no NCCL: train on several GPUs with a LibTorch built with CUDA and NCCL");
#endif
    } else {
#if defined(MRTI_HAVE_GLOO)
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      const bool loopback = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
      opts->devices.push_back(loopback ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                       : c10d::ProcessGroupGloo::createDefaultDevice());
      opts->threads = 2;
      s.group = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, env.rank, env.world_size, opts);
#else
      throw Error("this build has no Gloo (Debian: libgloo-dev): it cannot train on several processes");
#endif
    }
  });
  return d;
}

Distributed::~Distributed() {
  state_->stop.store(true);
  if (state_->heartbeat.joinable()) state_->heartbeat.join();
}

std::pair<int64_t, int64_t> Distributed::shard(int64_t n) const {
  return {n * env_.rank / env_.world_size, n * (env_.rank + 1) / env_.world_size};
}

void check_batch_size(int64_t batch, int processes) {
  if (batch < processes)
    throw Error("a batch of " + std::to_string(batch) + " cannot be shared by " + std::to_string(processes) +
                " processes: use a batch size of at least the number of processes");
}

std::pair<int64_t, int64_t> shard_of(const Distributed* dist, int64_t n) {
  return dist ? dist->shard(n) : std::pair<int64_t, int64_t>{0, n};
}

void Distributed::check_batch_size(int64_t batch) const { mrti::check_batch_size(batch, env_.world_size); }

template <class F>
void Distributed::guarded(const char* operation, F&& f) {
  try {
    f();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Error(describe_failure(std::string(operation) + ": " + first_line(e.what_without_backtrace())));
  } catch (const std::exception& e) {
    throw Error(describe_failure(std::string(operation) + ": " + first_line(e.what())));
  }
}

namespace {
// The tensor as the group's backend takes it, and back into `t` after the collective.
at::Tensor staged(const at::Tensor& t, const c10::optional<c10::Device>& staging) {
  return staging && t.device() != *staging ? t.to(*staging) : t;
}
void unstage(at::Tensor& t, const at::Tensor& s) {
  if (!s.is_same(t)) t.copy_(s);
}
}  // namespace

void Distributed::all_reduce_sum(std::vector<at::Tensor>& tensors) {
  if (tensors.empty()) return;
  guarded("summing over the training processes", [&] {
    for (auto& t : tensors) {
      std::vector<at::Tensor> one{staged(t, state_->staging)};
      state_->group->allreduce(one)->wait();
      unstage(t, one[0]);
    }
  });
}

namespace {
class PendingWork : public Distributed::Pending {
 public:
  PendingWork(c10::intrusive_ptr<c10d::Work> work, std::function<void(const std::exception&)> on_error)
      : work_(std::move(work)), on_error_(std::move(on_error)) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& e) {
      on_error_(e);
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  std::function<void(const std::exception&)> on_error_;
};
}  // namespace

std::unique_ptr<Distributed::Pending> Distributed::all_reduce_sum_async(at::Tensor tensor) {
  std::unique_ptr<Pending> pending;
  guarded("summing gradients over the training processes", [&] {
    std::vector<at::Tensor> one{std::move(tensor)};
    auto work = state_->group->allreduce(one);
    pending = std::make_unique<PendingWork>(std::move(work), [this](const std::exception& e) {
      throw Error(describe_failure("summing gradients over the training processes: " + first_line(e.what())));
    });
  });
  return pending;
}

void Distributed::broadcast(std::vector<at::Tensor>& tensors) {
  guarded("copying rank 0's state to every process", [&] {
    for (auto& t : tensors) {
      std::vector<at::Tensor> one{staged(t, state_->staging)};
      state_->group->broadcast(one)->wait();
      unstage(t, one[0]);
    }
  });
}

bool Distributed::any(bool flag) {
  std::vector<at::Tensor> t{torch::full({1}, flag ? 1.0f : 0.0f)};
  all_reduce_sum(t);
  return t[0].item<float>() > 0;
}

void Distributed::rank0_done(const std::string& what) {
  const std::string key = "mrti/done/" + std::to_string(++rank0_waits_);
  State& s = *state_;
  if (writes()) {
    std::lock_guard<std::mutex> lock(s.beats_mutex);
    s.beats->set(key, bytes_of("1"));
    return;
  }
  std::string last_beat;
  auto beat_changed = std::chrono::steady_clock::now();
  while (true) {
    try {
      std::lock_guard<std::mutex> lock(s.beats_mutex);
      if (s.beats->check({key})) return;
      const std::string beat = text_of(s.beats->get(beat_key(0)));
      if (beat != last_beat) {
        last_beat = beat;
        beat_changed = std::chrono::steady_clock::now();
      }
    } catch (const std::exception& e) {
      throw Error(describe_failure("waiting for rank 0 (" + what + "): " + first_line(e.what())));
    }
    if (std::chrono::steady_clock::now() - beat_changed > std::max<std::chrono::milliseconds>(kBeatSilence, timeout_))
      throw Error(describe_failure("waiting for rank 0 (" + what + ")"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Distributed::report_failure(const std::string& why) {
  try {
    std::lock_guard<std::mutex> lock(state_->beats_mutex);
    state_->beats->set(failed_key(env_.rank), bytes_of(why));
  } catch (...) {
    // Nobody left to tell.
  }
}

std::string Distributed::describe_failure(const std::string& what) {
  State& s = *state_;
  const int W = env_.world_size;
  std::vector<std::string> lost;
  std::map<int, std::string> failed;
  try {
    std::vector<std::string> before(W), after(W);
    const auto read = [&](std::vector<std::string>& beats) {
      std::lock_guard<std::mutex> lock(s.beats_mutex);
      for (int r = 0; r < W; ++r) {
        if (r == env_.rank) continue;
        if (s.beats->check({failed_key(r)})) failed[r] = text_of(s.beats->get(failed_key(r)));
        beats[r] = s.beats->check({beat_key(r)}) ? text_of(s.beats->get(beat_key(r))) : "";
      }
    };
    read(before);
    std::this_thread::sleep_for(kBeatSilence);
    read(after);
    for (int r = 0; r < W; ++r)
      if (r != env_.rank && (failed.count(r) || after[r].empty() || after[r] == before[r]))
        lost.push_back(std::to_string(r));
  } catch (const std::exception&) {
    // The store is rank 0's: rank 0 is gone.
    lost = {"0"};
  }
  std::string names;
  for (std::size_t i = 0; i < lost.size(); ++i) names += (i ? (i + 1 == lost.size() ? " and " : ", ") : "") + lost[i];
  std::string m = "rank " + std::to_string(env_.rank) + " of " + std::to_string(W) + ": ";
  if (lost.empty())
    m += "the other training processes did not answer within " + std::to_string(timeout_.count() / 1000) +
         " s (" + what + ")";
  else
    m += "lost the training process" + std::string(lost.size() > 1 ? "es of ranks " : " of rank ") + names +
         " (" + what + ")";
  for (const auto& [r, why] : failed) m += "; rank " + std::to_string(r) + " stopped: " + why;
  return m;
}

void broadcast_tensors(Distributed& dist, const std::vector<at::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> list;
  for (const auto& t : tensors)
    if (t.defined()) list.push_back(t.is_contiguous() ? t : t.contiguous());
  dist.broadcast(list);
  std::size_t i = 0;
  for (const auto& t : tensors) {
    if (!t.defined()) continue;
    if (!list[i].is_same(t)) const_cast<at::Tensor&>(t).copy_(list[i]);
    ++i;
  }
}

namespace {
// LibTorch 1 keys optimizer state by the parameter's address as text, LibTorch 2 by the address.
template <class Map>
typename Map::key_type state_key(const Map&, const at::Tensor& p) {
  if constexpr (std::is_same_v<typename Map::key_type, std::string>)
    return c10::guts::to_string(p.unsafeGetTensorImpl());
  else
    return static_cast<typename Map::key_type>(p.unsafeGetTensorImpl());
}
}  // namespace

void broadcast_adamw_state(Distributed& dist, torch::optim::AdamW& optimizer) {
  auto& states = optimizer.state();
  std::vector<torch::optim::AdamWParamState*> found;
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) {
      const auto it = states.find(state_key(states, p));
      if (it != states.end()) found.push_back(static_cast<torch::optim::AdamWParamState*>(it->second.get()));
    }
  const int64_t count = int64_t(found.size());
  std::vector<at::Tensor> counts{torch::tensor({double(count), double(count) * double(count)}, torch::kDouble)};
  dist.all_reduce_sum(counts);
  const double W = dist.world_size();
  if (counts[0][0].item<double>() != W * double(count) || counts[0][1].item<double>() != W * double(count * count))
    throw Error("the training processes start from different optimizer states: each must resume the same checkpoint");
  std::vector<at::Tensor> tensors;
  std::vector<double> steps;
  for (auto* s : found) {
    tensors.push_back(s->exp_avg());
    tensors.push_back(s->exp_avg_sq());
    steps.push_back(double(s->step()));
  }
  at::Tensor step_tensor = torch::tensor(steps, torch::kDouble);
  tensors.push_back(step_tensor);
  broadcast_tensors(dist, tensors);
  for (std::size_t i = 0; i < found.size(); ++i) found[i]->step(int64_t(step_tensor[int64_t(i)].item<double>()));
}

struct GradientAllReduce::Bucket {
  at::Tensor flat;
  std::vector<std::size_t> members;
  std::size_t ready = 0;
  std::unique_ptr<Distributed::Pending> pending;
};

GradientAllReduce::GradientAllReduce(std::shared_ptr<Distributed> dist, std::vector<at::Tensor> params, bool overlap,
                                     int64_t bucket_bytes)
    : dist_(std::move(dist)), params_(std::move(params)), overlap_(overlap) {
  place_.resize(params_.size());
  // Backward produces the last layers' gradients first: buckets run from the end.
  int64_t bytes = 0;
  for (std::size_t k = params_.size(); k-- > 0;) {
    const at::Tensor& p = params_[k];
    const int64_t size = p.numel() * int64_t(p.element_size());
    const bool fresh = buckets_.empty() || bytes + size > bucket_bytes ||
                       buckets_.back()->flat.scalar_type() != p.scalar_type() ||
                       buckets_.back()->flat.device() != p.device();
    if (fresh) {
      buckets_.push_back(std::make_unique<Bucket>());
      buckets_.back()->flat = torch::empty({0}, p.options());
      bytes = 0;
    }
    place_[k] = {buckets_.size() - 1, bytes / int64_t(p.element_size())};
    buckets_.back()->members.push_back(k);
    bytes += size;
    buckets_.back()->flat = torch::empty({bytes / int64_t(p.element_size())}, p.options().requires_grad(false));
  }
  if (!overlap_) return;
  for (std::size_t k = 0; k < params_.size(); ++k) {
    hooks_.push_back(params_[k].register_hook([this, k](const at::Tensor& grad) {
      if (!armed_) return;
      const auto [b, offset] = place_[k];
      Bucket& bucket = *buckets_[b];
      at::Tensor slot = bucket.flat.narrow(0, offset, params_[k].numel());
      torch::NoGradGuard no_grad;
      // The hook sees this micro-batch's gradient before it joins the earlier ones in .grad.
      slot.copy_(grad.reshape(-1));
      if (params_[k].grad().defined()) slot.add_(params_[k].grad().reshape(-1));
      ++bucket.ready;
      launch_ready();
    }));
  }
}

GradientAllReduce::~GradientAllReduce() {
  for (std::size_t k = 0; k < hooks_.size(); ++k) params_[k].remove_hook(hooks_[k]);
}

void GradientAllReduce::arm() {
  for (auto& b : buckets_) {
    b->ready = 0;
    b->pending.reset();
  }
  next_launch_ = 0;
  armed_ = overlap_;
}

void GradientAllReduce::launch_ready() {
  // In bucket order on every rank: collectives pair up by their order.
  while (next_launch_ < buckets_.size() && buckets_[next_launch_]->ready == buckets_[next_launch_]->members.size()) {
    Bucket& b = *buckets_[next_launch_++];
    b.pending = dist_->all_reduce_sum_async(b.flat);
  }
}

void GradientAllReduce::finish() {
  torch::NoGradGuard no_grad;
  if (!armed_) arm();
  armed_ = false;
  // Parameters backward did not reach (or all of them, without overlap) are taken from .grad.
  for (std::size_t b = next_launch_; b < buckets_.size(); ++b) {
    Bucket& bucket = *buckets_[b];
    for (std::size_t k : bucket.members) {
      at::Tensor slot = bucket.flat.narrow(0, place_[k].second, params_[k].numel());
      const at::Tensor& g = params_[k].grad();
      if (g.defined()) slot.copy_(g.reshape(-1));
      else slot.zero_();
    }
    bucket.ready = bucket.members.size();
  }
  launch_ready();
  for (auto& b : buckets_) b->pending->wait();
  for (std::size_t k = 0; k < params_.size(); ++k) {
    at::Tensor& p = params_[k];
    const Bucket& bucket = *buckets_[place_[k].first];
    const at::Tensor summed = bucket.flat.narrow(0, place_[k].second, p.numel()).view(p.sizes());
    if (p.grad().defined()) p.mutable_grad().copy_(summed);
    else p.mutable_grad() = summed.clone();
  }
}

}  // namespace mrti
