#include "models/int8_linear.h"

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include "models/layer_forward.h"
#include "runtime/cpu_features.h"
#include "runtime/error.h"

namespace mrti {

namespace {

c10::OperatorHandle operator_handle(const char* name) {
  return c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
}

std::string engine_name(at::QEngine engine) { return c10::toString(engine); }

// Switches the process's quantized engine while weights are packed for it.
class QEngineScope {
 public:
  explicit QEngineScope(at::QEngine engine) : previous_(at::globalContext().qEngine()) {
    at::globalContext().setQEngine(engine);
  }
  ~QEngineScope() { at::globalContext().setQEngine(previous_); }
  QEngineScope(const QEngineScope&) = delete;
  QEngineScope& operator=(const QEngineScope&) = delete;

 private:
  at::QEngine previous_;
};

bool find_engine(at::QEngine& found) {
  // By name, as X86 exists only in LibTorch 2.x. FBGEMM and X86 kernels are the fastest on x86;
  // oneDNN's are what Debian's LibTorch has (≈1.5x float's GEMM rate on AVX2 with 2 threads).
  for (const char* wanted : {"X86", "FBGEMM", "ONEDNN"})
    for (const auto engine : at::globalContext().supportedQEngines())
      if (engine_name(engine) == wanted) {
        found = engine;
        return true;
      }
  return false;
}

at::QEngine required_engine() {
  at::QEngine engine;
  if (!find_engine(engine))
    throw Error("int8 weights need LibTorch's FBGEMM or oneDNN int8 kernels, and this LibTorch has neither");
  return engine;
}

bool is_pointwise_conv(torch::nn::Conv2dImpl& conv) {
  if (conv.weight.size(2) != 1 || conv.weight.size(3) != 1 || conv.options.groups() != 1) return false;
  // No padding and stride 1 exactly when 2x2 pixels stay 2x2 (asked of the layer itself: how
  // its padding is held differs between LibTorch versions).
  at::NoGradGuard no_grad;
  const at::Tensor out = conv.forward(at::zeros({1, conv.weight.size(1), 2, 2}, conv.weight.options()));
  return out.size(2) == 2 && out.size(3) == 2;
}

}  // namespace

Int8LinearWeightsImpl::Int8LinearWeightsImpl(const at::Tensor& weight, const at::Tensor& bias) {
  at::NoGradGuard no_grad;
  const at::Tensor w = weight.detach().to(at::kFloat).reshape({weight.size(0), -1}).contiguous();
  out_features_ = w.size(0);
  in_features_ = w.size(1);
  // Symmetric per output channel; an all-zero row keeps scale 1 (its values are exact anyway).
  at::Tensor scales = w.abs().amax(1).div(127.0).to(at::kDouble);
  scales = at::where(scales > 0, scales, at::ones_like(scales));
  const at::Tensor qweight =
      at::quantize_per_channel(w, scales, at::zeros({out_features_}, at::kLong), 0, at::kQInt8);
  const at::QEngine engine = required_engine();
  QEngineScope scope(engine);
  // Without VNNI (or AMX) the x86 int8 kernels sum pairs of u8*s8 products in 16 bits, which
  // saturate with 8-bit activations (measured: 10-20 % error per layer); 7-bit activations
  // keep the sums in range. FBGEMM keeps PyTorch's own default of 7 bits everywhere.
  static const bool vnni = [] {
    const CpuFeatures cpu = cpu_features();
    return cpu.avx512_vnni || cpu.avx_vnni || cpu.amx_int8;
  }();
  reduce_range_ = !(vnni && engine_name(engine) == "ONEDNN");
  torch::jit::Stack stack{qweight, bias.defined() ? c10::IValue(bias.detach().to(at::kFloat).contiguous())
                                                   : c10::IValue()};
  operator_handle("quantized::linear_prepack").callBoxed(&stack);
  packed_ = std::move(stack.at(0));
}

at::Tensor Int8LinearWeightsImpl::forward(const at::Tensor& x) const {
  if (x.requires_grad() && at::GradMode::is_enabled())
    throw Error("int8 weights are for generation only: they have no gradient (load the model without them to train)");
  if (x.size(-1) != in_features_)
    throw Error("int8 linear layer: input has " + std::to_string(x.size(-1)) + " features, the layer takes " +
                std::to_string(in_features_));
  auto out_shape = x.sizes().vec();
  out_shape.back() = out_features_;
  torch::jit::Stack stack{x.reshape({-1, in_features_}).to(at::kFloat).contiguous(), packed_, reduce_range_};
  static const c10::OperatorHandle op = operator_handle("quantized::linear_dynamic");
  op.callBoxed(&stack);
  return stack.at(0).toTensor().view(out_shape).to(x.scalar_type());
}

const Int8LinearWeightsImpl* int8_weights(const torch::nn::Module& layer) {
  for (const auto& child : layer.children())
    if (const auto* weights = dynamic_cast<const Int8LinearWeightsImpl*>(child.get())) return weights;
  return nullptr;
}

at::Tensor linear(const torch::nn::Linear& layer, const at::Tensor& x) {
  if (const auto* weights = int8_weights(*layer)) return weights->forward(x);
  return dense_linear(x, in_dtype_of(layer->weight, x), in_dtype_of(layer->bias, x));
}

at::Tensor pointwise_conv(const torch::nn::Conv2d& conv, const at::Tensor& x) {
  const auto* weights = int8_weights(*conv);
  if (!weights) return conv2d(conv, x);
  return weights->forward(x.permute({0, 2, 3, 1})).permute({0, 3, 1, 2}).contiguous(x.suggest_memory_format());
}

std::string int8_engine() {
  at::QEngine engine;
  return find_engine(engine) ? engine_name(engine) : std::string();
}

std::string require_int8_engine() { return engine_name(required_engine()); }

int64_t quantize_linear_layers(torch::nn::Module& model) {
  require_int8_engine();
  int64_t layers = 0;
  for (const auto& module : model.modules()) {
    if (int8_weights(*module)) continue;
    at::Tensor weight, bias;
    if (auto* l = dynamic_cast<torch::nn::LinearImpl*>(module.get())) {
      weight = l->weight;
      bias = l->bias;
    } else if (auto* c = dynamic_cast<torch::nn::Conv2dImpl*>(module.get())) {
      if (!is_pointwise_conv(*c)) continue;
      weight = c->weight;
      bias = c->bias;
    } else {
      continue;
    }
    if (!weight.device().is_cpu()) throw Error("int8 weights run on the CPU only; the model is on " + weight.device().str());
    module->register_module("int8", std::make_shared<Int8LinearWeightsImpl>(weight, bias));
    ++layers;
  }
  return layers;
}

}  // namespace mrti
