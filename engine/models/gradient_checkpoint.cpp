#include "models/gradient_checkpoint.h"

#include <ATen/core/grad_mode.h>
#include <ATen/core/ivalue.h>
#include <ATen/ops/empty.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

namespace mrti {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The call and what backward needs to rebuild its inputs, carried through the autograd
// context (which holds only IValues) as a capsule.
struct CallHolder : torch::CustomClassHolder {
  CheckpointedCall fn;
  std::vector<bool> defined;         // per input of fn; undefined ones are not passed to autograd
  std::vector<bool> requires_grad;   // per defined input
  size_t num_defined = 0;
  bool anchored = false;             // an anchor follows the defined inputs
};

std::vector<at::Tensor> full_inputs(const CallHolder& call, const std::vector<at::Tensor>& defined) {
  std::vector<at::Tensor> all;
  size_t k = 0;
  for (bool d : call.defined) all.push_back(d ? defined.at(k++) : at::Tensor());
  return all;
}

class CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, c10::IValue holder, at::TensorList args) {
    const auto call = c10::static_intrusive_pointer_cast<CallHolder>(holder.toCapsule());
    ctx->saved_data["call"] = holder;
    const std::vector<at::Tensor> defined(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(call->num_defined));
    ctx->save_for_backward(defined);
    // Function::apply runs this with grad mode off: nothing inside is recorded or kept.
    return call->fn(full_inputs(*call, defined));
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto call = c10::static_intrusive_pointer_cast<CallHolder>(ctx->saved_data["call"].toCapsule());
    const variable_list saved = ctx->get_saved_variables();
    std::vector<at::Tensor> leaves;
    for (size_t i = 0; i < saved.size(); ++i) {
      at::Tensor leaf = saved[i].detach();
      leaf.requires_grad_(call->requires_grad[i]);
      leaves.push_back(leaf);
    }
    at::Tensor out;
    {
      at::AutoGradMode enable(true);
      out = call->fn(full_inputs(*call, leaves));
    }
    // A reentrant backward: besides the inputs' gradients it accumulates into every
    // parameter inside fn that requires one, as the ordinary backward pass would.
    if (out.requires_grad() && grad_outputs.at(0).defined()) torch::autograd::backward({out}, {grad_outputs[0]});
    variable_list grads;
    grads.emplace_back();  // the holder
    for (const auto& leaf : leaves) grads.push_back(leaf.requires_grad() ? leaf.grad() : at::Tensor());
    if (call->anchored) grads.emplace_back();
    return grads;
  }
};

}  // namespace

bool checkpoint_would_record(const std::vector<at::Tensor>& inputs, bool parameters_need_grad) {
  if (!at::GradMode::is_enabled()) return false;
  if (parameters_need_grad) return true;
  for (const auto& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

at::Tensor checkpoint(const CheckpointedCall& fn, const std::vector<at::Tensor>& inputs, bool parameters_need_grad) {
  if (!checkpoint_would_record(inputs, parameters_need_grad)) return fn(inputs);
  auto call = c10::make_intrusive<CallHolder>();
  call->fn = fn;
  std::vector<at::Tensor> args;
  bool input_needs_grad = false;
  for (const auto& t : inputs) {
    call->defined.push_back(t.defined());
    if (!t.defined()) continue;
    args.push_back(t);
    call->requires_grad.push_back(t.requires_grad());
    input_needs_grad = input_needs_grad || t.requires_grad();
  }
  call->num_defined = args.size();
  // Autograd records the call only when an input requires a gradient; when only the
  // parameters inside fn do, an empty anchor that requires one makes it record.
  if (!input_needs_grad) {
    const auto device = args.empty() ? c10::Device(c10::kCPU) : args.front().device();
    args.push_back(at::empty({0}, at::TensorOptions().dtype(at::kFloat).device(device)).requires_grad_(true));
    call->anchored = true;
  }
  return CheckpointFunction::apply(c10::IValue::make_capsule(std::move(call)), at::TensorList(args));
}

}  // namespace mrti
