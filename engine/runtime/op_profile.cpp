#include "runtime/op_profile.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <ATen/record_function.h>
#include <ATen/core/ivalue.h>

#include "runtime/error.h"

namespace mrti {

struct OpProfile::State {
  at::CallbackHandle handle = 0;
  std::map<std::string, OpTotals> ops;
  int depth = 0;
  bool active = false;
};

namespace {

thread_local OpProfile::State* current = nullptr;

using Clock = std::chrono::steady_clock;

struct Started : at::ObserverContext {
  Clock::time_point start;
  bool outermost = false;
};

const at::Tensor* tensor_at(c10::ArrayRef<const c10::IValue> values, std::size_t i) {
  return i < values.size() && values[i].isTensor() ? &values[i].toTensor() : nullptr;
}

// Multiply-adds x 2 of the operators that carry a model's matrix work.
double flops_of(const at::RecordFunction& fn) {
  const std::string name = fn.name();
  const auto in = fn.inputs();
  const auto& outs = fn.outputs();
  const at::Tensor* out = outs.empty() || !outs[0].isTensor() ? nullptr : &outs[0].toTensor();
  const auto d = [](const at::Tensor* t, int64_t i) { return double(t->size(i < 0 ? t->dim() + i : i)); };
  if (name == "aten::conv2d" || name == "aten::convolution" || name == "aten::_convolution" ||
      name == "aten::mkldnn_convolution" || name == "aten::conv1d" || name == "aten::conv3d") {
    const at::Tensor* w = tensor_at(in, 1);
    if (!w || !out || w->dim() < 2 || w->size(0) == 0) return 0;
    return 2.0 * double(out->numel()) * double(w->numel() / w->size(0));
  }
  if (name == "aten::linear") {
    const at::Tensor* x = tensor_at(in, 0);
    const at::Tensor* w = tensor_at(in, 1);
    if (!x || !w || w->dim() != 2) return 0;
    return 2.0 * double(x->numel()) * d(w, 0);
  }
  if (name == "aten::mm" || name == "aten::addmm" || name == "aten::bmm" || name == "aten::baddbmm" ||
      name == "aten::matmul") {
    const std::size_t first = name == "aten::addmm" || name == "aten::baddbmm" ? 1 : 0;
    const at::Tensor* a = tensor_at(in, first);
    if (!a || !out || a->dim() < 1) return 0;
    return 2.0 * double(out->numel()) * d(a, -1);
  }
  if (name == "aten::scaled_dot_product_attention" || name == "mrti::fused_cpu_attention") {
    const at::Tensor* q = tensor_at(in, 0);
    const at::Tensor* k = tensor_at(in, 1);
    const at::Tensor* v = tensor_at(in, 2);
    if (!q || !k || !v || q->dim() < 2 || k->dim() < 2) return 0;
    // Q K^T and P V.
    const double batch = double(q->numel()) / (d(q, -1) * d(q, -2));
    return 2.0 * batch * d(q, -2) * d(k, -2) * (d(q, -1) + d(v, -1));
  }
  return 0;
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction&) {
  if (!current || !current->active) return nullptr;
  auto ctx = std::make_unique<Started>();
  ctx->outermost = current->depth++ == 0;
  ctx->start = Clock::now();
  return ctx;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext* c) {
  auto* ctx = static_cast<Started*>(c);
  if (!ctx || !current) return;
  const double seconds = std::chrono::duration<double>(Clock::now() - ctx->start).count();
  --current->depth;
  if (!ctx->outermost) return;
  OpTotals& t = current->ops[fn.name()];
  t.calls += 1;
  t.seconds += seconds;
  t.flops += flops_of(fn);
}

}  // namespace

OpProfile::OpProfile() : state_(std::make_unique<State>()) {
  if (current) throw Error("an operator profile is already recording on this thread");
  current = state_.get();
  state_->active = true;
  state_->handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(on_start, on_end).needsInputs(true).needsOutputs(true).scopes(
          {at::RecordScope::FUNCTION, at::RecordScope::USER_SCOPE}));
}

OpProfile::~OpProfile() {
  if (state_->active) finish();
}

std::vector<OpTotals> OpProfile::finish() {
  if (state_->active) {
    at::removeCallback(state_->handle);
    state_->active = false;
    current = nullptr;
  }
  std::vector<OpTotals> out;
  for (auto& [name, t] : state_->ops) {
    t.name = name;
    out.push_back(t);
  }
  std::sort(out.begin(), out.end(), [](const OpTotals& a, const OpTotals& b) { return a.seconds > b.seconds; });
  return out;
}

double total_flops(const std::vector<OpTotals>& ops) {
  double s = 0;
  for (const auto& o : ops) s += o.flops;
  return s;
}

double total_seconds(const std::vector<OpTotals>& ops) {
  double s = 0;
  for (const auto& o : ops) s += o.seconds;
  return s;
}

}  // namespace mrti
