#pragma once
// Where the time of a piece of work goes, operator by operator: ATen's RecordFunction
// callbacks (the hooks PyTorch's own profiler uses) on the calling thread, counting only the
// outermost operators so that their times add up to the whole. Each operator also gets the
// floating-point work of its convolutions and matrix products, computed from the shapes.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mrti {

struct OpTotals {
  std::string name;  // "aten::conv2d"
  int64_t calls = 0;
  double seconds = 0;
  double flops = 0;  // multiply-adds count 2; 0 for operators that do no matrix work
};

class OpProfile {
 public:
  // Starts recording on this thread; one OpProfile per thread at a time.
  OpProfile();
  ~OpProfile();
  OpProfile(const OpProfile&) = delete;
  OpProfile& operator=(const OpProfile&) = delete;

  // Stops recording; the operators by time, largest first.
  std::vector<OpTotals> finish();

  struct State;  // what the callbacks fill in

 private:
  std::unique_ptr<State> state_;
};

double total_flops(const std::vector<OpTotals>& ops);
double total_seconds(const std::vector<OpTotals>& ops);

}  // namespace mrti
