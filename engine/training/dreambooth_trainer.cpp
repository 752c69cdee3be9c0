#include "training/dreambooth_trainer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "imaging/png_io.h"
#include "models/layer_forward.h"
#include "models/stable_diffusion.h"
#include "multires/multires_conditioning.h"
#include "multires/prompt_syntax.h"
#include "multires/time_index.h"
#include "pipeline/text_to_image_pipeline.h"
#include "runtime/atomic_file.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "schedulers/scheduler.h"
#include "tensor_io/safetensors.h"
#include "text/clip_tokenizer.h"
#include "training/caption_templates.h"
#include "training/distributed.h"
#include "training/textual_inversion_trainer.h"
#include "training/settings_json.h"

namespace fs = std::filesystem;

namespace mrti {

namespace {
constexpr double kRunningMeanWeight = 0.05;
const std::string kUNetPrefix = "unet.";
const std::string kTextEncoderPrefix = "text_encoder.";
const std::string kTokenTable = "text_model.embeddings.token_embedding.weight";

// Replaces the weight files of `component_dir` (keeping config.json) with `weights`.
void replace_component_weights(const fs::path& component_dir, const TensorMap& weights, const std::string& file_name) {
  for (const auto& e : fs::directory_iterator(component_dir))
    if (e.path().filename() != "config.json") fs::remove_all(e.path());
  save_safetensors((component_dir / file_name).string(), weights, {{"format", "pt"}});
}
}  // namespace

nlohmann::json DreamBoothSettings::to_json() const { return fields_to_json(*this); }

DreamBoothSettings DreamBoothSettings::from_json(const nlohmann::json& j) {
  return fields_from_json<DreamBoothSettings>(j, "DreamBooth settings");
}

void DreamBoothSettings::validate() const {
  if (auto why = concept_name_problem(name); !why.empty()) throw Error("concept name '" + name + "': " + why);
  if (init_token.empty()) throw Error("an initializer word is needed (--init-token WORD)");
  if (num_scales < 1 || num_scales > 1000) throw Error("num_scales must be between 1 and 1000");
  if (steps < 1) throw Error("steps must be at least 1");
  if (batch_size < 1 || batch_size > 256 || grad_accum < 1 || grad_accum > 1024)
    throw Error("batch size must be between 1 and 256 and gradient accumulation between 1 and 1024");
  if (warmup_steps < 0) throw Error("warmup steps cannot be negative");
  make_schedule();  // throws naming a bad schedule
  if (!(lr > 0) || !std::isfinite(lr)) throw Error("the UNet learning rate must be a positive number (--lr)");
  if (!(embedding_lr >= 0) || !std::isfinite(embedding_lr))
    throw Error("the embedding learning rate must be a non-negative number (0 keeps the embeddings fixed)");
  if (train_text_encoder && (!(text_encoder_lr > 0) || !std::isfinite(text_encoder_lr)))
    throw Error("the text encoder learning rate must be a positive number (--text-encoder-lr)");
  if (num_class_images < 0) throw Error("the number of class images cannot be negative");
  if (num_class_images > 0 && class_prompt.empty())
    throw Error("prior preservation needs a class prompt (--class-prompt \"a photo of a dog\")");
  if (num_class_images > 0 && (class_sampling_steps < 1 || class_sampling_steps > 1000))
    throw Error("class image sampling steps must be between 1 and 1000 (--class-steps)");
  if (flip_probability < 0 || flip_probability > 1) throw Error("flip probability must be between 0 and 1");
  check_training_resolution(resolution);
  fill_caption(instance_template, "x");  // must hold {}
}

LrSchedule DreamBoothSettings::make_schedule() const {
  return LrSchedule::parse(lr_schedule, lr, warmup_steps, steps, scaled_lr_factor());
}

int generate_class_images(StableDiffusionModel& model, const std::string& prompt, const std::string& dir, int count,
                          int resolution, int steps, int64_t seed) {
  fs::create_directories(dir);
  int made = 0;
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "class-%04d.png", i);
    const std::string path = dir + "/" + name;
    if (fs::exists(path)) continue;
    TextToImageRequest request;
    request.prompt = prompt;
    request.width = request.height = resolution;
    request.steps = steps;
    request.seed = seed + i;
    request.previews = false;
    const auto result = text_to_image(model, request);
    write_png(path, result.images.at(0), {{"parameters", prompt + "\nSeed: " + std::to_string(seed + i)}});
    ++made;
  }
  return made;
}

DreamBoothTrainer::DreamBoothTrainer(StableDiffusionModel& model, DreamBoothSettings settings,
                                     std::shared_ptr<const TrainingDataset> instance_images,
                                     std::shared_ptr<const TrainingDataset> class_images)
    : model_(model), settings_(std::move(settings)), instances_(std::move(instance_images)),
      classes_(std::move(class_images)) {
  settings_.validate();
  if (!instances_ || instances_->size() == 0) throw Error("DreamBooth needs instance images");
  if (settings_.num_class_images > 0 && (!classes_ || classes_->size() == 0))
    throw Error("prior preservation is on but there are no class images");
  if (model_.dtype != torch::kFloat)
    throw Error("DreamBooth trains the UNet's own weights, which must be float32 (the model is loaded in " +
                dtype_name(model_.dtype) + "): load it with --dtype fp32");
  const auto init_id = model_.tokenizer->single_token_id(settings_.init_token);
  if (!init_id)
    throw Error("initializer word '" + settings_.init_token + "' is not one token: choose a single-token word");
  for (auto& p : model_.text_encoder->parameters()) p.set_requires_grad(false);
  for (auto& p : model_.vae->parameters()) p.set_requires_grad(false);
  std::vector<at::Tensor> unet_params = model_.unet->parameters();
  for (auto& p : unet_params) p.set_requires_grad(true);
  std::vector<at::Tensor> text_encoder_params;
  for (auto& [name, p] : trained_text_encoder_parameters()) {
    p.set_requires_grad(true);
    text_encoder_params.push_back(p);
  }

  T_ = num_train_timesteps_of(model_);
  noise_scheduler_ = make_scheduler("ddpm", model_.scheduler_config);
  v_prediction_ = model_.scheduler_config.value("prediction_type", std::string("epsilon")) == "v_prediction";
  const int64_t latent_size = settings_.resolution / model_.vae->config().downscale_factor();
  latent_shape_ = {1, model_.vae->config().latent_channels, latent_size, latent_size};
  {
    torch::NoGradGuard no_grad;
    const at::Tensor row = model_.text_encoder->token_embedding_weight()[*init_id].detach().to(torch::kFloat);
    embeddings_ = row.reshape({1, 1, -1}).expand({settings_.num_scales, 1, row.size(0)}).clone().to(model_.device);
  }
  const bool train_embeddings = settings_.embedding_lr > 0;
  embeddings_.set_requires_grad(train_embeddings);
  using torch::optim::AdamWOptions;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(unet_params, std::make_unique<AdamWOptions>(
                                       AdamWOptions(settings_.lr).weight_decay(settings_.weight_decay)));
  if (train_embeddings)
    groups.emplace_back(std::vector<at::Tensor>{embeddings_},
                        std::make_unique<AdamWOptions>(
                            AdamWOptions(settings_.embedding_lr).weight_decay(settings_.weight_decay)));
  if (!text_encoder_params.empty())
    groups.emplace_back(text_encoder_params,
                        std::make_unique<AdamWOptions>(
                            AdamWOptions(settings_.text_encoder_lr).weight_decay(settings_.weight_decay)));
  for (const auto& g : groups) base_lrs_.push_back(static_cast<const AdamWOptions&>(g.options()).lr());
  optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups), AdamWOptions(settings_.lr));
  schedule_ = settings_.make_schedule();
  generator_ = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(settings_.seed));
  scale_means_.assign(settings_.num_scales, std::numeric_limits<double>::quiet_NaN());
}

DreamBoothTrainer::~DreamBoothTrainer() = default;

std::vector<std::pair<std::string, at::Tensor>> DreamBoothTrainer::trained_text_encoder_parameters() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  if (!settings_.train_text_encoder) return out;
  for (const auto& p : model_.text_encoder->named_parameters(true))
    if (p.key() != kTokenTable) out.emplace_back(p.key(), p.value());
  return out;
}

at::Tensor DreamBoothTrainer::encode(const std::string& caption) {
  const ParsedPrompt parsed = parse_prompt(caption, {{settings_.name, settings_.num_scales}});
  ConceptSet concepts;
  concepts[settings_.name] = make_concept(settings_.name, torch::zeros({settings_.num_scales, 1, 1}));
  const PromptLayout pl = layout_prompt(*model_.tokenizer, parsed, concepts);
  at::Tensor ids = torch::tensor(pl.ids, torch::kLong).reshape({1, -1}).to(model_.device);
  at::Tensor known = ids.clone();
  for (const auto& slot : pl.slots) known.slice(1, slot.position, slot.position + slot.vectors).fill_(model_.tokenizer->pad_id());
  at::Tensor embeds = model_.text_encoder->embed_tokens(known).detach();
  for (const auto& slot : pl.slots) {
    const at::Tensor e = embeddings_[slot.ref.index].unsqueeze(0).expand({1, slot.vectors, embeds.size(2)});
    embeds = torch::cat({embeds.slice(1, 0, slot.position), e, embeds.slice(1, slot.position + slot.vectors)}, 1);
  }
  return model_.text_encoder->forward_embeds(embeds, ids).last_hidden_state;
}

at::Tensor DreamBoothTrainer::sample_latents(const TrainingDataset& data, std::size_t index, bool flip) {
  at::Tensor mean, std;
  {
    torch::NoGradGuard no_grad;
    const auto vae_dtype = compute_dtype_of(*model_.vae);
    const auto dist = model_.vae->encode(data.pixels(index, flip).unsqueeze(0).to(model_.device, vae_dtype));
    mean = dist.mean.to(torch::kFloat);
    std = dist.std.to(torch::kFloat);
  }
  const at::Tensor eps = torch::randn(mean.sizes(), generator_, torch::kFloat).to(mean.device());
  return (mean + std * eps) * model_.vae->config().scaling_factor;
}

DreamBoothTrainer::Sample DreamBoothTrainer::draw(const TrainingDataset& data, bool instance, bool mine) {
  Sample s;
  const auto index = static_cast<std::size_t>(
      torch::randint(0, static_cast<int64_t>(data.size()), {1}, generator_, torch::kLong).item<int64_t>());
  const bool flip = torch::rand({1}, generator_, torch::kDouble).item<double>() < settings_.flip_probability;
  s.t = torch::randint(0, T_, {1}, generator_, torch::kLong).item<int64_t>();
  if (instance) s.scale_index = time_index(double(s.t), settings_.num_scales, T_);
  if (!mine) {
    torch::randn(latent_shape_, generator_, torch::kFloat);  // the latent sample's draw
    torch::randn(latent_shape_, generator_, torch::kFloat);  // the noise
    return s;
  }
  const at::Tensor latents = sample_latents(data, index, flip);
  const at::Tensor noise = torch::randn(latents.sizes(), generator_, torch::kFloat).to(latents.device());
  const at::Tensor tt = torch::tensor({s.t}, torch::kLong);
  s.noisy = noise_scheduler_->add_noise(latents, noise, tt);
  s.target = v_prediction_ ? noise_scheduler_->get_velocity(latents, noise, tt) : noise;
  if (instance) {
    s.caption = fill_caption(settings_.instance_template,
                             "<" + settings_.name + "|" + std::to_string(s.scale_index) + "|>");
  } else {
    s.caption = settings_.class_prompt;
  }
  return s;
}

std::vector<at::Tensor> DreamBoothTrainer::trained_parameters() const {
  std::vector<at::Tensor> params;
  for (const auto& group : optimizer_->param_groups())
    for (const auto& p : group.params()) params.push_back(p);
  return params;
}

void DreamBoothTrainer::set_distributed(std::shared_ptr<Distributed> dist) {
  if (!dist) return;
  dist->check_batch_size(settings_.batch_size);
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  dist_ = std::move(dist);
  std::vector<at::Tensor> tensors = trained_parameters();
  tensors.push_back(embeddings_);
  at::Tensor rng = generator_.get_state();
  at::Tensor counters = torch::tensor({double(step_)}, torch::kDouble);
  at::Tensor means = torch::tensor(scale_means_, torch::kDouble);
  tensors.insert(tensors.end(), {rng, counters, means});
  broadcast_tensors(*dist_, tensors);
  broadcast_adamw_state(*dist_, *optimizer_);
  generator_.set_state(rng);
  step_ = int64_t(counters[0].item<double>());
  for (int64_t i = 0; i < means.numel(); ++i) scale_means_[std::size_t(i)] = means[i].item<double>();
  grads_ = std::make_unique<GradientAllReduce>(dist_, trained_parameters(), true);
}

DreamBoothStep DreamBoothTrainer::train_step() {
  DreamBoothStep r;
  r.lr = schedule_.at(step_);
  // The other groups follow the UNet's schedule in proportion (only scale_lr's factor when the UNet's lr is 0).
  const double factor = settings_.lr > 0 ? r.lr / settings_.lr : settings_.scaled_lr_factor();
  for (std::size_t g = 0; g < optimizer_->param_groups().size(); ++g)
    static_cast<torch::optim::AdamWOptions&>(optimizer_->param_groups()[g].options()).lr(base_lrs_[g] * factor);
  optimizer_->zero_grad();
  model_.unet->set_gradient_checkpointing(settings_.gradient_checkpointing);
  const bool prior = settings_.num_class_images > 0;
  const int64_t B = settings_.batch_size;
  // This rank's instance samples and as many class samples (all without a group); the
  // losses are sums over them divided by the whole batch, so they add up over ranks.
  const auto [begin, end] = shard_of(dist_.get(), B);
  // Per micro-batch: loss, instance loss, prior loss, then every instance sample's loss
  // (zero for other ranks' samples), summed over ranks once the step is done.
  const int64_t row = 3 + B;
  at::Tensor figures = torch::zeros({settings_.grad_accum, row}, torch::kDouble);
  for (int micro = 0; micro < settings_.grad_accum; ++micro) {
    // Instance samples, then as many class samples, through the UNet as one batch.
    std::vector<Sample> samples;
    for (int64_t b = 0; b < B; ++b) samples.push_back(draw(*instances_, true, b >= begin && b < end));
    if (prior)
      for (int64_t b = 0; b < B; ++b) samples.push_back(draw(*classes_, false, b >= begin && b < end));
    std::vector<at::Tensor> noisy, targets, states;
    std::vector<int64_t> ts;
    for (const auto& s : samples) {
      if (!s.noisy.defined()) continue;
      noisy.push_back(s.noisy);
      targets.push_back(s.target);
      states.push_back(encode(s.caption));
      ts.push_back(s.t);
    }
    for (int64_t b = 0; b < B; ++b) r.timesteps.push_back(samples[std::size_t(b)].t);
    for (int64_t b = 0; b < B; ++b) r.scale_indices.push_back(samples[std::size_t(b)].scale_index);
    const int64_t n = end - begin;
    const at::Tensor pred = model_.unet->forward(torch::cat(noisy), torch::tensor(ts, torch::kLong).to(model_.device),
                                                 torch::cat(states));
    const at::Tensor per_sample = (pred.to(torch::kFloat) - torch::cat(targets)).pow(2).mean({1, 2, 3});
    const at::Tensor instance_losses = per_sample.slice(0, 0, n);
    const at::Tensor instance_loss = instance_losses.sum() / double(B);
    at::Tensor loss = instance_loss;
    at::Tensor prior_loss;
    if (prior) {
      prior_loss = per_sample.slice(0, n).sum() / double(B);
      loss = loss + settings_.prior_loss_weight * prior_loss;
    }
    if (dist_ && micro + 1 == settings_.grad_accum) grads_->arm();
    (loss / double(settings_.grad_accum)).backward();
    at::Tensor f = figures[micro];
    f[0] = loss.item<double>();
    f[1] = instance_loss.item<double>();
    if (prior) f[2] = prior_loss.item<double>();
    f.slice(0, 3 + begin, 3 + end).copy_(instance_losses.detach().to(torch::kCPU, torch::kDouble));
  }
  if (dist_) {
    grads_->finish();
    std::vector<at::Tensor> summed{figures};
    dist_->all_reduce_sum(summed);
  }
  {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    optimizer_->step();
  }
  ++step_;
  const at::Tensor mean = figures.mean(0);
  r.loss = mean[0].item<double>();
  r.instance_loss = mean[1].item<double>();
  r.prior_loss = mean[2].item<double>();
  for (std::size_t i = 0; i < r.timesteps.size(); ++i) {
    double& m = scale_means_[static_cast<std::size_t>(r.scale_indices[i])];
    const double l = figures[int64_t(i) / B][3 + int64_t(i) % B].item<double>();
    m = std::isnan(m) ? l : (1 - kRunningMeanWeight) * m + kRunningMeanWeight * l;
  }
  return r;
}

Concept DreamBoothTrainer::concept_snapshot(const std::string& base_model) const {
  at::Tensor e;
  {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    e = embeddings_.detach().to(torch::kCPU, torch::kFloat).clone();
  }
  return make_concept(settings_.name, e, settings_.init_token, base_model, step_);
}

void DreamBoothTrainer::save_state(const std::string& weights_path, const std::string& state_path) const {
  TensorMap weights;
  for (const auto& p : model_.unet->named_parameters(true)) weights[kUNetPrefix + p.key()] = p.value().detach();
  for (const auto& [name, p] : trained_text_encoder_parameters()) weights[kTextEncoderPrefix + name] = p.detach();
  weights["embeddings"] = embeddings_.detach();
  save_safetensors(weights_path, weights, {{"format", "mrti-dreambooth-checkpoint/1"}, {"step", std::to_string(step_)}});
  torch::serialize::OutputArchive archive;
  archive.write("rng_state", generator_.get_state());
  archive.write("step", torch::tensor({step_}, torch::kLong));
  archive.write("scale_means", torch::tensor(scale_means_, torch::kDouble));
  torch::serialize::OutputArchive opt;
  optimizer_->save(opt);
  archive.write("optimizer", opt);
  write_atomically(state_path, [&](const std::string& tmp) { archive.save_to(tmp); });
}

void DreamBoothTrainer::load_state(const std::string& weights_path, const std::string& state_path) {
  const SafetensorsFile file = read_safetensors(weights_path);
  const auto take = [&](const std::string& key, at::Tensor& into) {
    const auto it = file.tensors.find(key);
    if (it == file.tensors.end())
      throw Error("DreamBooth checkpoint '" + weights_path + "' lacks '" + key + "': it belongs to another model");
    if (it->second.sizes() != into.sizes())
      throw Error("DreamBooth checkpoint '" + weights_path + "': '" + key + "' has another shape than this model's");
    torch::NoGradGuard no_grad;
    into.copy_(it->second);
  };
  {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    for (auto& p : model_.unet->named_parameters(true)) take(kUNetPrefix + p.key(), p.value());
    for (auto& [name, p] : trained_text_encoder_parameters()) take(kTextEncoderPrefix + name, p);
    take("embeddings", embeddings_);
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(state_path, model_.device);
  } catch (const c10::Error& e) {
    throw Error("training checkpoint '" + state_path + "' cannot be read: " + e.what_without_backtrace());
  }
  at::Tensor rng, step, means;
  archive.read("rng_state", rng);
  archive.read("step", step);
  archive.read("scale_means", means);
  generator_.set_state(rng.to(torch::kCPU));
  step_ = step.to(torch::kCPU).item<int64_t>();
  means = means.to(torch::kCPU);
  for (int64_t i = 0; i < means.numel() && i < static_cast<int64_t>(scale_means_.size()); ++i)
    scale_means_[i] = means[i].item<double>();
  torch::serialize::InputArchive opt;
  archive.read("optimizer", opt);
  optimizer_->load(opt);
}

void DreamBoothTrainer::save(const std::string& base_model_dir, const std::string& out_dir) const {
  if (!fs::is_regular_file(fs::path(base_model_dir) / "model_index.json"))
    throw Error("DreamBooth output is written from a diffusers folder; '" + base_model_dir +
                "' is not one (convert a single-file checkpoint to a diffusers folder first)");
  if (fs::exists(out_dir) && !fs::is_empty(out_dir))
    throw Error("'" + out_dir + "' exists and is not empty: choose a new folder for the fine-tuned model");
  fs::create_directories(out_dir);
  fs::copy(base_model_dir, out_dir, fs::copy_options::recursive);
  // A trained component keeps only its config: the new weights replace every old weights file.
  const auto state_of = [](const torch::nn::Module& m) {
    TensorMap weights;
    for (const auto& p : m.named_parameters(true)) weights[p.key()] = p.value().detach().to(torch::kCPU).contiguous();
    for (const auto& b : m.named_buffers(true)) weights[b.key()] = b.value().detach().to(torch::kCPU).contiguous();
    return weights;
  };
  replace_component_weights(fs::path(out_dir) / "unet", state_of(*model_.unet), "diffusion_pytorch_model.safetensors");
  if (settings_.train_text_encoder) {
    TensorMap weights = state_of(*model_.text_encoder);
    // As transformers writes it, so other tools load the folder too.
    weights["text_model.embeddings.position_ids"] =
        torch::arange(model_.text_encoder->config().max_position_embeddings, torch::kLong).unsqueeze(0);
    replace_component_weights(fs::path(out_dir) / "text_encoder", weights, "model.safetensors");
  }
  save_concept(out_dir + "/" + settings_.name + ".safetensors", concept_snapshot(base_model_dir));
}

}  // namespace mrti
