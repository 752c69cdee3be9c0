#include "training/model_trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "training/distributed.h"

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

std::pair<int64_t, int64_t> ModelTrainer::shard() const { return shard_of(dist_.get(), settings_.batch_size); }

void ModelTrainer::set_distributed(std::shared_ptr<Distributed> dist) {
  if (!dist) return;
  dist->check_batch_size(settings_.batch_size);
  dist_ = std::move(dist);
  std::vector<at::Tensor> tensors, params;
  for (auto& [name, m] : modules_) {
    for (auto& p : m->parameters()) params.push_back(p);
    for (auto& b : m->buffers()) tensors.push_back(b);
  }
  tensors.insert(tensors.end(), params.begin(), params.end());
  for (auto& a : averages_) tensors.insert(tensors.end(), a->shadow().begin(), a->shadow().end());
  at::Tensor rng = generator_.get_state();
  std::vector<double> counters{double(step_)};
  for (auto& a : averages_) counters.push_back(double(a->updates()));
  at::Tensor counts = torch::tensor(counters, torch::kDouble);
  tensors.insert(tensors.end(), {rng, counts});
  broadcast_tensors(*dist_, tensors);
  broadcast_adamw_state(*dist_, *optimizer_);
  generator_.set_state(rng);
  step_ = int64_t(counts[0].item<double>());
  for (std::size_t i = 0; i < averages_.size(); ++i) averages_[i]->set_updates(int64_t(counts[int64_t(i) + 1].item<double>()));
  grads_ = std::make_unique<GradientAllReduce>(dist_, params, true);
}

ModelStepResult ModelTrainer::train_step() {
  ModelStepResult r;
  r.lr = schedule_.at(step_);
  for (auto& g : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(r.lr);
  optimizer_->zero_grad();
  const at::Tensor loss = batch_loss(r.parts);
  if (dist_) {
    // Each shard's mean weighted by its share of the batch: the sum over ranks is the batch's mean.
    const auto [begin, end] = shard();
    const double share = double(end - begin) / double(settings_.batch_size);
    grads_->arm();
    (loss * share).backward();
    grads_->finish();
    std::vector<double> figures{loss.item<double>()};
    figures.insert(figures.end(), r.parts.begin(), r.parts.end());
    std::vector<at::Tensor> summed{torch::tensor(figures, torch::kDouble) * share};
    dist_->all_reduce_sum(summed);
    r.loss = summed[0][0].item<double>();
    for (std::size_t i = 0; i < r.parts.size(); ++i) r.parts[i] = summed[0][int64_t(i) + 1].item<double>();
  } else {
    loss.backward();
    r.loss = loss.item<double>();
  }
  if (settings_.max_grad_norm > 0) {
    std::vector<at::Tensor> params;
    for (auto& [name, m] : modules_)
      for (auto& p : m->parameters()) params.push_back(p);
    torch::nn::utils::clip_grad_norm_(params, settings_.max_grad_norm);
  }
  optimizer_->step();
  for (std::size_t i = 0; i < modules_.size(); ++i) averages_[i]->update(*modules_[i].second);
  ++step_;
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
