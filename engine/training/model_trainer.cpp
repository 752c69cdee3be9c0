#include "training/model_trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "runtime/atomic_file.h"
#include "runtime/error.h"

namespace mrti {

ModelTrainer::ModelTrainer(ModelTrainingSettings settings)
    : settings_(std::move(settings)),
      generator_(at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(settings_.seed))) {
  settings_.validate();
  schedule_ = settings_.make_schedule();
}

ModelTrainer::~ModelTrainer() = default;

void ModelTrainer::set_trained_modules(
    std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> modules) {
  modules_ = std::move(modules);
  std::vector<at::Tensor> params;
  for (auto& [name, m] : modules_) {
    for (auto& p : m->parameters()) {
      p.set_requires_grad(true);
      params.push_back(p);
    }
    averages_.push_back(std::make_unique<ExponentialMovingAverage>(*m, settings_.ema_decay));
  }
  using torch::optim::AdamWOptions;
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      params, AdamWOptions(settings_.lr)
                  .betas({settings_.adam_beta1, settings_.adam_beta2})
                  .eps(settings_.adam_eps)
                  .weight_decay(settings_.weight_decay));
}

ModelStepResult ModelTrainer::train_step() {
  ModelStepResult r;
  r.lr = schedule_.at(step_);
  for (auto& g : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(r.lr);
  optimizer_->zero_grad();
  const at::Tensor loss = batch_loss(r.parts);
  loss.backward();
  if (settings_.max_grad_norm > 0) {
    std::vector<at::Tensor> params;
    for (auto& [name, m] : modules_)
      for (auto& p : m->parameters()) params.push_back(p);
    torch::nn::utils::clip_grad_norm_(params, settings_.max_grad_norm);
  }
  optimizer_->step();
  for (std::size_t i = 0; i < modules_.size(); ++i) averages_[i]->update(*modules_[i].second);
  ++step_;
  r.loss = loss.item<double>();
  return r;
}

void ModelTrainer::copy_average_to(std::size_t i, torch::nn::Module& into) const { averages_.at(i)->copy_to(into); }

void ModelTrainer::save_state(const std::string& path) const {
  torch::serialize::OutputArchive archive;
  archive.write("step", torch::tensor({step_}, torch::kLong));
  archive.write("rng_state", generator_.get_state());
  for (std::size_t i = 0; i < modules_.size(); ++i) {
    torch::serialize::OutputArchive weights, average;
    modules_[i].second->save(weights);
    averages_[i]->save(average);
    archive.write(modules_[i].first, weights);
    archive.write(modules_[i].first + "_average", average);
  }
  torch::serialize::OutputArchive opt;
  optimizer_->save(opt);
  archive.write("optimizer", opt);
  write_atomically(path, [&](const std::string& tmp) { archive.save_to(tmp); });
}

void ModelTrainer::load_state(const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
    at::Tensor step, rng;
    archive.read("step", step);
    archive.read("rng_state", rng);
    for (std::size_t i = 0; i < modules_.size(); ++i) {
      torch::serialize::InputArchive weights, average;
      archive.read(modules_[i].first, weights);
      archive.read(modules_[i].first + "_average", average);
      modules_[i].second->load(weights);
      averages_[i]->load(average);
    }
    torch::serialize::InputArchive opt;
    archive.read("optimizer", opt);
    optimizer_->load(opt);
    step_ = step.item<int64_t>();
    generator_.set_state(rng);
  } catch (const c10::Error& e) {
    throw Error("training checkpoint '" + path + "' cannot be read: " + e.what_without_backtrace());
  }
}

c10::ScalarType save_dtype_of(const std::string& name) {
  if (name == "fp16") return torch::kHalf;
  if (name == "fp32") return torch::kFloat;
  throw Error("save dtype must be fp16 or fp32, not '" + name + "'");
}

TensorMap module_weights(const torch::nn::Module& module, c10::ScalarType dtype) {
  TensorMap out;
  torch::NoGradGuard no_grad;
  const auto put = [&](const std::string& key, const at::Tensor& t) {
    at::Tensor c = t.detach().to(torch::kCPU);
    if (c.is_floating_point()) c = c.to(dtype);
    out[key] = c.contiguous();
  };
  for (const auto& p : module.named_parameters(true)) put(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) put(b.key(), b.value());
  return out;
}

}  // namespace mrti
