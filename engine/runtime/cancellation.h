#pragma once
// Long engine work polls a CancellationToken between steps; a set token makes it throw
// mrti::Cancelled, which callers treat as a normal outcome, not a failure.
#include <atomic>
#include <memory>

#include "runtime/error.h"

namespace mrti {

class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

class CancellationToken {
 public:
  void cancel() { flag_.store(true, std::memory_order_relaxed); }
  void reset() { flag_.store(false, std::memory_order_relaxed); }
  bool cancelled() const { return flag_.load(std::memory_order_relaxed); }
  void throw_if_cancelled() const {
    if (cancelled()) throw Cancelled();
  }

 private:
  std::atomic<bool> flag_{false};
};

using CancellationTokenPtr = std::shared_ptr<CancellationToken>;

// Null-safe poll.
inline void check_cancelled(const CancellationToken* token) {
  if (token) token->throw_if_cancelled();
}

}  // namespace mrti
