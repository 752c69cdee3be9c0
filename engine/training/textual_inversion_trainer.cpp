#include "training/textual_inversion_trainer.h"

#include <cmath>
#include <limits>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "models/layer_forward.h"
#include "models/stable_diffusion.h"
#include "multires/multires_conditioning.h"
#include "multires/prompt_syntax.h"
#include "multires/time_index.h"
#include "pipeline/memory_format.h"
#include "runtime/device.h"
#include "runtime/atomic_file.h"
#include "runtime/error.h"
#include "schedulers/scheduler.h"
#include "text/clip_tokenizer.h"
#include "training/caption_templates.h"
#include "training/distributed.h"
#include "training/settings_json.h"

namespace mrti {

namespace {

constexpr double kRunningMeanWeight = 0.05;
// fp16 loss scaling as torch.cuda.amp.GradScaler's defaults: start at 2^16, halve on an
// overflow (and skip that step), double after 2000 steps without one.
constexpr double kInitialLossScale = 65536.0;
constexpr int64_t kLossScaleGrowthInterval = 2000;

}  // namespace

nlohmann::json TextualInversionSettings::to_json() const { return fields_to_json(*this); }

TextualInversionSettings TextualInversionSettings::from_json(const nlohmann::json& j) {
  return fields_from_json<TextualInversionSettings>(j, "training settings");
}

void TextualInversionSettings::validate() const {
  if (auto why = concept_name_problem(name); !why.empty()) throw Error("concept name '" + name + "': " + why);
  if (init_token.empty()) throw Error("an initializer word is needed (--init-token WORD)");
  if (num_scales < 1 || num_scales > 1000) throw Error("num_scales must be between 1 and 1000");
  if (vectors_per_token < 1 || vectors_per_token > 75) throw Error("vectors_per_token must be between 1 and 75");
  if (steps < 1) throw Error("steps must be at least 1");
  if (batch_size < 1 || batch_size > 256) throw Error("batch size must be between 1 and 256");
  if (grad_accum < 1) throw Error("gradient accumulation must be at least 1");
  if (!(lr > 0) || !std::isfinite(lr)) throw Error("learning rate must be a positive number (--lr)");
  if (warmup_steps < 0) throw Error("warmup steps cannot be negative");
  if (flip_probability < 0 || flip_probability > 1) throw Error("flip probability must be between 0 and 1");
  check_training_resolution(resolution);
  training_dtype(precision);
  make_schedule();
}

void check_training_resolution(int resolution) {
  if (resolution < 8 || resolution > 4096 || resolution % 8)
    throw Error("resolution must be a multiple of 8 from 8 to 4096 pixels (got " + std::to_string(resolution) + ")");
}

c10::ScalarType training_dtype(const std::string& precision) {
  if (precision == "fp32") return torch::kFloat;
  if (precision == "bf16") return torch::kBFloat16;
  if (precision == "fp16") return torch::kHalf;
  throw Error("training precision '" + precision + "' is not one of fp32, bf16, fp16");
}

void check_training_precision(const std::string& precision, const StableDiffusionModel& model) {
  const c10::ScalarType dtype = training_dtype(precision);
  if (dtype == torch::kHalf && !model.device.is_cuda())
    throw Error("fp16 training needs a CUDA GPU (LibTorch has no half-precision CPU kernels): on the " +
                model.device.str() + " train in bf16 or fp32");
  if (model.dtype != dtype)
    throw Error("training in " + precision + " needs the model loaded in " + precision + ", but it is loaded in " +
                dtype_name(model.dtype) + ": load it with --dtype " + precision);
}

LrSchedule TextualInversionSettings::make_schedule() const {
  return LrSchedule::parse(lr_schedule, lr, warmup_steps, steps, scaled_lr_factor());
}

TextualInversionTrainer::TextualInversionTrainer(StableDiffusionModel& model, TextualInversionSettings settings,
                                                 std::shared_ptr<const TrainingDataset> dataset)
    : model_(model), settings_(std::move(settings)), dataset_(std::move(dataset)) {
  settings_.validate();
  if (!model_.tokenizer || !model_.text_encoder || !model_.unet || !model_.vae)
    throw Error("textual inversion needs a complete model (tokenizer, text encoder, UNet, VAE)");
  check_training_precision(settings_.precision, model_);
  if (model_.dtype == torch::kHalf) {
    dynamic_loss_scale_ = true;
    loss_scale_ = kInitialLossScale;
  }
  const auto init_id = model_.tokenizer->single_token_id(settings_.init_token);
  if (!init_id) {
    const auto ids = model_.tokenizer->token_ids(settings_.init_token);
    throw Error("initializer word '" + settings_.init_token + "' is " + std::to_string(ids.size()) +
                " tokens, not one: choose a single-token word (e.g. 'cat', 'painting')");
  }
  for (auto* module : std::vector<torch::nn::Module*>{model_.text_encoder.get(), model_.unet.get(), model_.vae.get()})
    for (auto& p : module->parameters()) p.set_requires_grad(false);

  T_ = num_train_timesteps_of(model_);
  noise_scheduler_ = make_scheduler("ddpm", model_.scheduler_config);
  const std::string prediction = model_.scheduler_config.value("prediction_type", std::string("epsilon"));
  if (prediction == "v_prediction") v_prediction_ = true;
  else if (prediction != "epsilon")
    throw Error("textual inversion supports epsilon and v_prediction models, not prediction_type '" + prediction + "'");
  scaling_factor_ = model_.vae->config().scaling_factor;
  const int64_t latent_size = settings_.resolution / model_.vae->config().downscale_factor();
  latent_shape_ = {1, model_.vae->config().latent_channels, latent_size, latent_size};

  torch::NoGradGuard no_grad;
  const at::Tensor row = model_.text_encoder->token_embedding_weight()[*init_id].detach().to(torch::kFloat);
  embeddings_ = row.reshape({1, 1, -1})
                    .expand({settings_.num_scales, settings_.vectors_per_token, row.size(0)})
                    .clone()
                    .to(model_.device)
                    .set_requires_grad(true);
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      std::vector<at::Tensor>{embeddings_}, torch::optim::AdamWOptions(settings_.lr)
                                                .betas(std::make_tuple(settings_.adam_beta1, settings_.adam_beta2))
                                                .weight_decay(settings_.weight_decay)
                                                .eps(settings_.adam_eps));
  schedule_ = settings_.make_schedule();
  generator_ = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(settings_.seed));
  scale_means_.assign(settings_.num_scales, std::numeric_limits<double>::quiet_NaN());
}

TextualInversionTrainer::~TextualInversionTrainer() = default;

std::string TextualInversionTrainer::placeholder(int64_t scale) const {
  return "<" + settings_.name + "|" + std::to_string(scale) + "|>";
}

const TextualInversionTrainer::Layout& TextualInversionTrainer::layout_for(const std::string& caption) {
  if (auto it = layouts_.find(caption); it != layouts_.end()) return it->second;
  const ParsedPrompt parsed = parse_prompt(caption, {{settings_.name, settings_.num_scales}});
  ConceptSet concepts;
  concepts[settings_.name] =
      make_concept(settings_.name, torch::zeros({settings_.num_scales, settings_.vectors_per_token, 1}));
  const PromptLayout pl = layout_prompt(*model_.tokenizer, parsed, concepts);
  Layout L;
  bool have_scale = false;
  for (const auto& slot : pl.slots) {
    if (slot.ref.form != ResolutionForm::fixed || (have_scale && slot.ref.index != L.scale))
      throw Error("training caption \"" + caption + "\" must refer to one scale of '" + settings_.name +
                  "' in the fixed form <" + settings_.name + "|i|>");
    L.scale = slot.ref.index;
    have_scale = true;
    L.slots.emplace_back(slot.position, slot.vectors);
  }
  if (!have_scale) throw Error("training caption \"" + caption + "\" holds no placeholder of '" + settings_.name + "'");
  L.ids = torch::tensor(pl.ids, torch::kLong).reshape({1, -1}).to(model_.device);
  {
    torch::NoGradGuard no_grad;
    // Slot ids lie beyond the vocabulary; their rows are replaced anyway.
    at::Tensor known = L.ids.clone();
    for (const auto& [start, count] : L.slots) known.slice(1, start, start + count).fill_(model_.tokenizer->pad_id());
    L.base_embeds = model_.text_encoder->embed_tokens(known).detach();
  }
  return layouts_.emplace(caption, std::move(L)).first->second;
}

at::Tensor TextualInversionTrainer::token_embeds(const Layout& L) {
  std::vector<at::Tensor> pieces;
  int64_t pos = 0;
  const at::Tensor e = embeddings_[L.scale].to(L.base_embeds.scalar_type());
  for (const auto& [start, count] : L.slots) {
    if (start > pos) pieces.push_back(L.base_embeds.slice(1, pos, start));
    pieces.push_back(e.slice(0, 0, count).unsqueeze(0));
    pos = start + count;
  }
  if (pos < L.base_embeds.size(1)) pieces.push_back(L.base_embeds.slice(1, pos));
  return torch::cat(pieces, 1);
}

at::Tensor TextualInversionTrainer::encode_captions(const std::vector<std::string>& captions) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> embeds, ids;
  for (const auto& c : captions) {
    const Layout& L = layout_for(c);
    embeds.push_back(token_embeds(L));
    ids.push_back(L.ids);
  }
  return model_.text_encoder->forward_embeds(torch::cat(embeds), torch::cat(ids)).last_hidden_state.detach();
}

at::Tensor TextualInversionTrainer::forward_loss(const TrainingBatch& batch, at::Tensor* noise_pred,
                                                 at::Tensor* states_out, std::vector<int64_t>* scales) {
  const int64_t B = batch.latents.size(0);
  if (static_cast<int64_t>(batch.captions.size()) != B)
    throw Error("training batch: " + std::to_string(batch.captions.size()) + " captions for " + std::to_string(B) +
                " latents");
  std::vector<at::Tensor> embeds, ids;
  for (const auto& c : batch.captions) {
    const Layout& L = layout_for(c);
    embeds.push_back(token_embeds(L));
    ids.push_back(L.ids);
    if (scales) scales->push_back(L.scale);
  }
  const at::Tensor states = model_.text_encoder->forward_embeds(torch::cat(embeds), torch::cat(ids)).last_hidden_state;
  // The forward diffusion and the target stay float32; only the UNet's input is cast.
  const at::Tensor latents = batch.latents.to(model_.device, torch::kFloat);
  const at::Tensor noise = batch.noise.to(model_.device, torch::kFloat);
  const at::Tensor t = batch.timesteps.to(torch::kLong);
  at::Tensor noisy = noise_scheduler_->add_noise(latents, noise, t).to(compute_dtype_of(*model_.unet));
  if (uses_channels_last(model_)) noisy = noisy.contiguous(at::MemoryFormat::ChannelsLast);
  // Set per call: several trainers (or none) may share the model's UNet.
  model_.unet->set_gradient_checkpointing(settings_.gradient_checkpointing);
  const at::Tensor pred = model_.unet->forward(noisy, t.to(model_.device), states);
  const at::Tensor target = v_prediction_ ? noise_scheduler_->get_velocity(latents, noise, t) : noise;
  if (noise_pred) *noise_pred = pred.detach();
  if (states_out) *states_out = states.detach();
  return torch::mse_loss(pred.to(torch::kFloat), target);
}

at::Tensor TextualInversionTrainer::image_latents(std::size_t index, bool flip, std::mt19937_64* crop_rng) {
  const bool cacheable = settings_.cache_latents && settings_.center_crop;
  at::Tensor mean, std;
  auto key = std::make_pair(index, flip);
  if (cacheable && latent_cache_.count(key)) {
    std::tie(mean, std) = latent_cache_.at(key);
  } else {
    torch::NoGradGuard no_grad;
    const at::Tensor pixels = dataset_->pixels(index, flip, crop_rng).unsqueeze(0);
    const auto vae_dtype = compute_dtype_of(*model_.vae);
    const auto dist = model_.vae->encode(pixels.to(model_.device, vae_dtype));
    mean = dist.mean.detach();
    std = dist.std.detach();
    if (cacheable) latent_cache_[key] = {mean, std};
  }
  const at::Tensor eps = torch::randn(mean.sizes(), generator_, torch::kFloat).to(mean.device(), mean.scalar_type());
  return ((mean + std * eps) * scaling_factor_).to(torch::kFloat);
}

TrainingBatch TextualInversionTrainer::next_batch() { return draw_batch(0, settings_.batch_size, nullptr); }

TrainingBatch TextualInversionTrainer::draw_batch(int64_t begin, int64_t end, std::vector<int64_t>* timesteps) {
  if (!dataset_ || dataset_->size() == 0) throw Error("textual inversion: no training images to draw from");
  TrainingBatch b;
  std::vector<at::Tensor> latents, noise, ts;
  for (int64_t i = 0; i < settings_.batch_size; ++i) {
    const auto index = static_cast<std::size_t>(
        torch::randint(0, static_cast<int64_t>(dataset_->size()), {1}, generator_, torch::kLong).item<int64_t>());
    const bool flip = torch::rand({1}, generator_, torch::kDouble).item<double>() < settings_.flip_probability;
    const auto templates = dataset_->caption_templates_of(index);
    const auto tpl = torch::randint(0, static_cast<int64_t>(templates.size()), {1}, generator_, torch::kLong)
                         .item<int64_t>();
    std::mt19937_64 crop_rng;
    if (!settings_.center_crop)
      crop_rng.seed(static_cast<uint64_t>(
          torch::randint(0, int64_t(1) << 62, {1}, generator_, torch::kLong).item<int64_t>()));
    const int64_t t = torch::randint(0, T_, {1}, generator_, torch::kLong).item<int64_t>();
    if (timesteps) timesteps->push_back(t);
    if (i < begin || i >= end) {
      // Another rank's sample: only its draws (the latent sample's and the noise), in order.
      torch::randn(latent_shape_, generator_, torch::kFloat);
      torch::randn(latent_shape_, generator_, torch::kFloat);
      continue;
    }
    const at::Tensor lat = image_latents(index, flip, settings_.center_crop ? nullptr : &crop_rng);
    latents.push_back(lat);
    noise.push_back(torch::randn(lat.sizes(), generator_, torch::kFloat));
    ts.push_back(torch::tensor({t}, torch::kLong));
    b.captions.push_back(fill_caption(templates[tpl], placeholder(time_index(double(t), settings_.num_scales, T_))));
  }
  b.latents = torch::cat(latents);
  b.noise = torch::cat(noise);
  b.timesteps = torch::cat(ts);
  return b;
}

void TextualInversionTrainer::set_distributed(std::shared_ptr<Distributed> dist) {
  if (!dist) return;
  dist->check_batch_size(settings_.batch_size);
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  dist_ = std::move(dist);
  at::Tensor rng = generator_.get_state();
  at::Tensor counters = torch::tensor({double(step_), loss_scale_, double(good_steps_)}, torch::kDouble);
  at::Tensor means = torch::tensor(scale_means_, torch::kDouble);
  broadcast_tensors(*dist_, {embeddings_, rng, counters, means});
  broadcast_adamw_state(*dist_, *optimizer_);
  generator_.set_state(rng);
  step_ = int64_t(counters[0].item<double>());
  loss_scale_ = counters[1].item<double>();
  good_steps_ = int64_t(counters[2].item<double>());
  for (int64_t i = 0; i < means.numel(); ++i) scale_means_[std::size_t(i)] = means[i].item<double>();
  grads_ = std::make_unique<GradientAllReduce>(dist_, std::vector<at::Tensor>{embeddings_}, false);
}

void TextualInversionTrainer::apply_lr(double lr) {
  for (auto& group : optimizer_->param_groups())
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

bool TextualInversionTrainer::optimizer_step() {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  if (dynamic_loss_scale_) {
    torch::NoGradGuard no_grad;
    at::Tensor grad = embeddings_.mutable_grad();
    grad.div_(loss_scale_);
    if (!torch::isfinite(grad).all().item<bool>()) {
      loss_scale_ = std::max(1.0, loss_scale_ / 2);
      good_steps_ = 0;
      return false;
    }
    if (++good_steps_ >= kLossScaleGrowthInterval) {
      loss_scale_ *= 2;
      good_steps_ = 0;
    }
  }
  optimizer_->step();
  return true;
}

StepResult TextualInversionTrainer::train_on(const TrainingBatch& batch, double lr) {
  StepResult r;
  r.lr = lr >= 0 ? lr : schedule_.at(step_);
  optimizer_->zero_grad();
  const at::Tensor loss = forward_loss(batch, &r.noise_pred, &r.encoder_hidden_states, &r.scale_indices);
  (dynamic_loss_scale_ ? loss * loss_scale_ : loss).backward();
  r.loss = loss.item<double>();
  const at::Tensor t = batch.timesteps.reshape({-1}).to(torch::kCPU);
  for (int64_t i = 0; i < t.numel(); ++i) r.timesteps.push_back(t[i].item<int64_t>());
  apply_lr(r.lr);
  r.skipped = !optimizer_step();
  r.grad = embeddings_.grad().detach().clone();  // unscaled; the optimizer leaves it as it is
  ++step_;
  for (int64_t s : r.scale_indices) {
    double& m = scale_means_[s];
    m = std::isnan(m) ? r.loss : (1 - kRunningMeanWeight) * m + kRunningMeanWeight * r.loss;
  }
  return r;
}

StepResult TextualInversionTrainer::train_step() {
  StepResult r;
  r.lr = schedule_.at(step_);
  optimizer_->zero_grad();
  // This rank's share of every micro-batch (all of it without a group); its loss is
  // weighted by that share, so the sum over ranks is the loss of the whole batch.
  const int64_t B = settings_.batch_size;
  const auto [begin, end] = shard_of(dist_.get(), B);
  const double share = double(end - begin) / double(B);
  std::vector<double> losses;
  for (int a = 0; a < settings_.grad_accum; ++a) {
    const TrainingBatch batch = draw_batch(begin, end, &r.timesteps);
    const at::Tensor loss = forward_loss(batch, &r.noise_pred, &r.encoder_hidden_states, nullptr);
    (loss * ((dynamic_loss_scale_ ? loss_scale_ : 1.0) * share / double(settings_.grad_accum))).backward();
    losses.push_back(loss.item<double>() * share);
  }
  if (dist_) {
    grads_->finish();
    std::vector<at::Tensor> summed{torch::tensor(losses, torch::kDouble)};
    dist_->all_reduce_sum(summed);
    for (std::size_t a = 0; a < losses.size(); ++a) losses[a] = summed[0][int64_t(a)].item<double>();
  }
  apply_lr(r.lr);
  r.skipped = !optimizer_step();
  r.grad = embeddings_.grad().detach().clone();
  ++step_;
  for (std::size_t i = 0; i < r.timesteps.size(); ++i) {
    const int64_t s = time_index(double(r.timesteps[i]), settings_.num_scales, T_);
    const double l = losses[i / std::size_t(B)];
    r.scale_indices.push_back(s);
    double& m = scale_means_[std::size_t(s)];
    m = std::isnan(m) ? l : (1 - kRunningMeanWeight) * m + kRunningMeanWeight * l;
  }
  for (double l : losses) r.loss += l / settings_.grad_accum;
  return r;
}

double TextualInversionTrainer::evaluate(const TrainingBatch& batch) {
  torch::NoGradGuard no_grad;
  return forward_loss(batch, nullptr, nullptr, nullptr).item<double>();
}

at::Tensor TextualInversionTrainer::embeddings_snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return embeddings_.detach().to(torch::kCPU, torch::kFloat).clone();
}

Concept TextualInversionTrainer::concept_snapshot(const std::string& base_model) const {
  return make_concept(settings_.name, embeddings_snapshot(), settings_.init_token, base_model, step_);
}

void TextualInversionTrainer::save_state(const std::string& path) const {
  torch::serialize::OutputArchive archive;
  archive.write("embeddings", embeddings_snapshot());
  archive.write("rng_state", generator_.get_state());
  archive.write("step", torch::tensor({step_}, torch::kLong));
  archive.write("scale_means", torch::tensor(scale_means_, torch::kDouble));
  archive.write("loss_scale", torch::tensor({loss_scale_}, torch::kDouble));
  archive.write("loss_scale_good_steps", torch::tensor({good_steps_}, torch::kLong));
  torch::serialize::OutputArchive opt;
  optimizer_->save(opt);
  archive.write("optimizer", opt);
  write_atomically(path, [&](const std::string& tmp) { archive.save_to(tmp); });
}

void TextualInversionTrainer::load_state(const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, model_.device);
  } catch (const c10::Error& e) {
    throw Error("training checkpoint '" + path + "' cannot be read: " + e.what_without_backtrace());
  }
  at::Tensor emb, rng, step, means;
  archive.read("embeddings", emb);
  archive.read("rng_state", rng);
  archive.read("step", step);
  archive.read("scale_means", means);
  if (emb.sizes() != embeddings_.sizes())
    throw Error("training checkpoint '" + path + "' holds embeddings of another shape than this run's concept");
  {
    torch::NoGradGuard no_grad;
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    embeddings_.copy_(emb);
  }
  generator_.set_state(rng.to(torch::kCPU));
  step_ = step.to(torch::kCPU).item<int64_t>();
  means = means.to(torch::kCPU);
  for (int64_t i = 0; i < means.numel() && i < static_cast<int64_t>(scale_means_.size()); ++i)
    scale_means_[i] = means[i].item<double>();
  at::Tensor scale, good;
  if (archive.try_read("loss_scale", scale) && archive.try_read("loss_scale_good_steps", good)) {
    loss_scale_ = scale.to(torch::kCPU).item<double>();
    good_steps_ = good.to(torch::kCPU).item<int64_t>();
  }
  torch::serialize::InputArchive opt;
  archive.read("optimizer", opt);
  optimizer_->load(opt);
}

}  // namespace mrti
