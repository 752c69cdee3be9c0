#pragma once
// Shared between a training run and the threads that steer it (no torch, so the desktop
// app's facade can hold one). Pause takes effect between optimizer steps; while the run
// waits in a pause it sets `idle` and releases `model_mutex`, so another thread may use
// the same model (pause and probe) by holding that mutex, and the run does not step again
// until it is released.
#include <atomic>
#include <mutex>

#include "runtime/cancellation.h"

namespace mrti {

struct TrainingControl {
  std::atomic<bool> paused{false};
  std::atomic<bool> idle{false};  // the run is waiting in a pause
  CancellationToken cancel;
  std::mutex model_mutex;  // held by the run during each step and its previews
};

}  // namespace mrti
