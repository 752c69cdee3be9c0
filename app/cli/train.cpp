// mrti train ti / dreambooth / resume: multiresolution textual inversion and DreamBooth
// runs from the command line.
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "runtime/cpu_setup.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "training/dreambooth_run.h"
#include "training/model_training_run.h"
#include "training/training_run.h"

namespace mrti::cli {
namespace {

struct TrainArgs {
  std::string model, data, name, init_token, out, library, lr_schedule = "constant", property = "object";
  std::string device = "auto", dtype = "fp32", config_dir;
  int64_t steps = 3000, seed = 0, checkpoint_every = 500, preview_every = 0, num_scales = 10, warmup = 0;
  int resolution = 0, batch_size = 1, grad_accum = 1, threads = 0, preview_steps = 20;
  double lr = 5e-3;
  bool scale_lr = false, no_cache_latents = false, random_crop = false, vae_fp32 = false;
  bool gradient_checkpointing = false, force = false;
};

struct DreamBoothArgs {
  std::string model, data, name, init_token, out, model_out, library, class_prompt, class_dir;
  std::string instance_template = "a photo of {}";
  std::string device = "auto";
  std::string lr_schedule = "constant";
  int64_t steps = 400, seed = 0, num_scales = 10, checkpoint_every = 100, preview_every = 0, warmup = 0;
  int resolution = 0, num_class_images = 0, class_steps = 25, threads = 0, preview_steps = 20;
  int batch_size = 1, grad_accum = 1;
  double lr = 5e-6, embedding_lr = 5e-3, prior_loss_weight = 1.0, text_encoder_lr = 5e-6;
  bool gradient_checkpointing = false, train_text_encoder = false, scale_lr = false, force = false;
};

struct ModelTrainArgs {
  std::string data, out, vae, tokenizer;
  ModelTrainingSettings training;
  int64_t checkpoint_every = 250, preview_every = 500;
  int threads = 0;
};

struct ResumeArgs {
  std::string run_dir, model, device = "auto", dtype, config_dir;
  int64_t steps = 0;
  bool steps_given = false;  // 0 means "the run's own count" only when --steps is absent
  int threads = 0;
};

// The desktop app's default library (Qt's AppDataLocation for organisation "mrti", app
// "mrti-studio"), so a concept trained here shows up there.
std::string default_library() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/mrti/mrti-studio/concepts";
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw Error("neither XDG_DATA_HOME nor HOME is set: pass --library DIR");
  return std::string(home) + "/.local/share/mrti/mrti-studio/concepts";
}

// Ctrl-C asks the run to stop after the current step (it saves a checkpoint first).
TrainingControl* g_control = nullptr;
extern "C" void on_interrupt(int) {
  if (g_control) g_control->cancel.cancel();
}

std::string format_seconds(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const long t = std::lround(s);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

// Runs `train` with a progress bar, Ctrl-C as a cancel, and messages on stderr.
TrainingOutcome drive(const std::string& label, int64_t first_step,
                      const std::function<TrainingOutcome(const TrainingCallbacks&, TrainingControl&)>& train) {
  TrainingControl control;
  g_control = &control;
  auto previous = std::signal(SIGINT, on_interrupt);
  ProgressBar bar(label, "it");
  TrainingCallbacks cb;
  cb.on_step = [&](const TrainingProgress& p) {
    char suffix[192];
    std::snprintf(suffix, sizeof suffix, "loss %.4f lr %.2e %.1f img/s ETA %s", p.loss, p.lr, p.images_per_second,
                  format_seconds(p.seconds_left).c_str());
    // A resumed run's bar counts this session's steps; the run's own step says where it is.
    if (first_step > 0)
      std::snprintf(suffix + std::strlen(suffix), sizeof suffix - std::strlen(suffix), " step %lld/%lld",
                    static_cast<long long>(p.step), static_cast<long long>(p.total_steps));
    bar.update(static_cast<int>(p.step - first_step), static_cast<int>(p.total_steps - first_step), suffix);
  };
  cb.on_preview = [&](const TrainingPreview& p) {
    bar.note("preview (scale " + std::to_string(p.scale_index) + "): " + p.path);
  };
  cb.on_message = [&](const std::string& m) {
    if (m.rfind("checkpoint at step", 0) != 0) bar.note(m);
  };
  TrainingOutcome outcome;
  try {
    outcome = train(cb, control);
  } catch (...) {
    std::signal(SIGINT, previous);
    g_control = nullptr;
    throw;
  }
  std::signal(SIGINT, previous);
  g_control = nullptr;
  bar.finish();
  return outcome;
}

void print_scale_means(const std::vector<double>& means) {
  std::cout << "Per-scale running loss:";
  for (std::size_t i = 0; i < means.size(); ++i) {
    std::cout << " e" << i << "=";
    if (std::isnan(means[i])) std::cout << "-";  // never sampled
    else std::cout << means[i];
  }
  std::cout << "\n";
}

void drive(TextualInversionRun& run) {
  std::cout << run.dataset().report().summary() << "\n";
  const auto& s = run.settings();
  std::cout << "Training '" << s.training.name << "' (" << s.training.num_scales << " scales, init '"
            << s.training.init_token << "', " << s.training.precision
            << (s.training.gradient_checkpointing ? ", gradient checkpointing" : "") << ") from step "
            << run.trainer().step() << " to " << s.training.steps << " in " << s.out_dir << "\n";
  const TrainingOutcome outcome = drive("train", run.trainer().step(), [&](const TrainingCallbacks& cb, TrainingControl& c) {
    return run.run(cb, &c);
  });
  if (!outcome.finished) {
    std::cout << "Stopped at step " << outcome.step << "; checkpoint saved. Continue with: mrti train resume "
              << s.out_dir << "\n";
    return;
  }
  std::cout << "Done: " << outcome.step << " steps, mean loss of the last steps " << outcome.final_loss_mean << "\n";
  print_scale_means(run.trainer().scale_loss_means());
  std::cout << "Concept: " << outcome.concept_path << "\n";
  if (!outcome.library_path.empty())
    std::cout << "Saved to the library: " << outcome.library_path << " (use it as <" << s.training.name << "|k|>)\n";
}

void drive(DreamBoothRun& run) {
  std::cout << run.dataset().report().summary() << "\n";
  if (run.class_dataset()) std::cout << "Class images: " << run.class_dataset()->report().summary() << "\n";
  const auto& s = run.settings();
  std::cout << "DreamBooth '" << s.training.name << "' (" << s.training.num_scales << " scales, init '"
            << s.training.init_token << "'" << (s.training.gradient_checkpointing ? ", gradient checkpointing" : "")
            << ") from step " << run.trainer().step() << " to " << s.training.steps << " in " << s.out_dir << "\n";
  const TrainingOutcome outcome = drive("dreambooth", run.trainer().step(),
                                        [&](const TrainingCallbacks& cb, TrainingControl& c) { return run.run(cb, &c); });
  if (!outcome.finished) {
    std::cout << "Stopped at step " << outcome.step << "; checkpoint saved. Continue with: mrti train resume "
              << s.out_dir << "\n";
    return;
  }
  std::cout << "Done: " << outcome.step << " steps, mean loss of the last steps " << outcome.final_loss_mean << "\n";
  print_scale_means(run.trainer().scale_loss_means());
  std::cout << "Fine-tuned model: " << outcome.model_dir << "\nConcept: " << outcome.concept_path << "\n";
  if (!outcome.library_path.empty())
    std::cout << "Saved to the library: " << outcome.library_path << " (use it with the fine-tuned model as <"
              << s.training.name << "|k|>)\n";
}

void drive(ModelTrainingRun& run) {
  const auto& s = run.settings();
  std::cout << "Training the " << s.training.stage << " stage of a " << s.training.arch << " model on "
            << run.dataset().size() << " pictures from step " << run.trainer().step() << " to " << s.training.steps
            << " (batch " << s.training.batch_size << ") in " << s.out_dir << "\n";
  const TrainingOutcome outcome = drive(s.training.stage, run.trainer().step(),
                                        [&](const TrainingCallbacks& cb, TrainingControl& c) { return run.run(cb, &c); });
  if (!outcome.finished) {
    std::cout << "Stopped at step " << outcome.step << "; checkpoint saved. Continue with: mrti train resume "
              << s.out_dir << "\n";
    return;
  }
  std::cout << "Done: " << outcome.step << " steps, mean loss of the last steps " << outcome.final_loss_mean << "\n";
  std::cout << (s.training.stage == "vae" ? "VAE: " : "Model: ") << outcome.model_dir << "\n";
}

void run_train_model(const ModelTrainArgs& a, const std::string& stage) {
  configure_threads(a.threads);
  ModelTrainingRunSettings rs;
  rs.data_dir = a.data;
  rs.out_dir = a.out;
  rs.vae_dir = a.vae;
  rs.tokenizer_dir = a.tokenizer;
  rs.training = a.training;
  rs.training.stage = stage;
  rs.checkpoint_every = a.checkpoint_every;
  rs.preview_every = a.preview_every;
  rs.training.validate();
  if (!std::filesystem::is_directory(a.data))
    throw Error("picture folder '" + a.data + "' does not exist or is not a folder");
  TrainingCallbacks setup;
  setup.on_message = [](const std::string& m) { std::cout << m << "\n"; };
  auto run = ModelTrainingRun::create(rs, setup);
  drive(*run);
}

void add_model_stage(CLI::App* train, const std::string& stage, const std::shared_ptr<ModelTrainArgs>& m) {
  const bool vae = stage == "vae";
  auto& t = m->training;
  if (vae) {
    t.steps = 3000, t.batch_size = 16, t.lr = 1e-3, t.warmup_steps = 100;
  }
  auto* c = train->add_subcommand(
      stage, vae ? "Train an AutoencoderKL from scratch on a folder of pictures (a model's first stage)"
                 : "Train a UNet and a CLIP text encoder from scratch on captioned pictures over a trained VAE");
  c->add_option("--data", m->data, vae ? "Folder of pictures" : "Folder of pictures with .txt captions (NNNNN.png + NNNNN.txt)")
      ->required();
  c->add_option("--out", m->out, "Run folder (settings, checkpoints, loss.csv, previews, the result)")->required();
  if (!vae) {
    c->add_option("--vae", m->vae, "The trained VAE folder (a vae run's OUT/vae)")->required();
    c->add_option("--tokenizer", m->tokenizer, "CLIP tokenizer folder (default: the bundled one)");
  }
  c->add_option("--arch", t.arch, "Architecture whose sizes are built (shapes64)")->capture_default_str();
  c->add_option("--resolution", t.resolution, "Picture size in pixels")->capture_default_str();
  c->add_option("--steps", t.steps, "Optimizer steps")->capture_default_str();
  c->add_option("--batch-size", t.batch_size, "Pictures per step")->capture_default_str();
  c->add_option("--lr", t.lr, "Peak learning rate")->capture_default_str();
  c->add_option("--lr-schedule", t.lr_schedule, "constant, constant_with_warmup, cosine or piecewise rates")
      ->capture_default_str();
  c->add_option("--warmup-steps", t.warmup_steps, "Warmup steps")->capture_default_str();
  c->add_option("--weight-decay", t.weight_decay, "AdamW weight decay")->capture_default_str();
  c->add_option("--ema-decay", t.ema_decay, "Decay of the weights' moving average, which is what is written")
      ->capture_default_str();
  if (vae)
    c->add_option("--kl-weight", t.kl_weight, "Weight of the KL term against the L1 reconstruction")
        ->capture_default_str();
  else
  {
    c->add_option("--caption-dropout", t.caption_dropout, "Share of empty captions (classifier-free guidance)")
        ->capture_default_str();
    c->add_option("--snr-gamma", t.snr_gamma, "Min-SNR loss weighting gamma (0 = none; 5 is usual)")
        ->capture_default_str();
  }
  c->add_option("--save-dtype", t.save_dtype, "Dtype of the written weights: fp16 or fp32")->capture_default_str();
  c->add_option("--seed", t.seed, "Seed of the initial weights and every random draw")->capture_default_str();
  c->add_option("--checkpoint-every", m->checkpoint_every, "Checkpoint interval in steps (0 = at the end)")
      ->capture_default_str();
  c->add_option("--preview-every", m->preview_every, "Preview interval in steps (0 = none)")->capture_default_str();
  c->add_option("--threads", m->threads, "CPU threads (0 = all cores)");
  c->callback([m, stage] { run_train_model(*m, stage); });
}

// The model (the shipped one when none is named) and, when unset, the size it was trained at.
template <class Args>
void resolve_model_and_resolution(Args& a) {
  a.model = resolve_model(a.model);
  if (a.resolution <= 0) {
    std::string size;
    int steps = 1;
    double guidance = 1;
    apply_model_defaults(a.model, size, steps, guidance);
    a.resolution = parse_size(size).first;
  }
}

void run_train_ti(TrainArgs a) {
  configure_threads(a.threads);
  resolve_model_and_resolution(a);
  TrainingRunSettings rs;
  rs.model_path = a.model;
  rs.data_dir = a.data;
  rs.out_dir = a.out;
  rs.library_dir = a.library.empty() ? default_library() : a.library;
  rs.replace_library_concept = a.force;
  rs.checkpoint_every = a.checkpoint_every;
  rs.preview_every = a.preview_every;
  rs.preview_steps = a.preview_steps;
  auto& t = rs.training;
  t.name = a.name;
  t.init_token = a.init_token;
  t.num_scales = a.num_scales;
  t.property = a.property;
  t.resolution = a.resolution;
  t.center_crop = !a.random_crop;
  t.steps = a.steps;
  t.batch_size = a.batch_size;
  t.grad_accum = a.grad_accum;
  t.lr = a.lr;
  t.scale_lr = a.scale_lr;
  t.lr_schedule = a.lr_schedule;
  t.warmup_steps = a.warmup;
  t.seed = a.seed;
  t.cache_latents = !a.no_cache_latents;
  t.gradient_checkpointing = a.gradient_checkpointing;
  // The run's precision is the dtype the model is loaded in (--dtype, "auto" resolved).
  t.precision = dtype_name(parse_dtype(a.dtype, parse_device(a.device)));
  // Before the (slow) model load; the run checks both again.
  rs.validate();
  check_library_name_free(rs.library_dir, t.name, rs.replace_library_concept);
  if (!std::filesystem::is_directory(a.data))
    throw Error("training image folder '" + a.data + "' does not exist or is not a folder");
  auto model = load_model_for_cli(a.model, a.device, t.precision, a.config_dir, a.vae_fp32);
  auto run = TextualInversionRun::create(model, rs);
  drive(*run);
}

void run_train_dreambooth(DreamBoothArgs a) {
  configure_threads(a.threads);
  resolve_model_and_resolution(a);
  DreamBoothRunSettings rs;
  rs.model_path = a.model;
  rs.data_dir = a.data;
  rs.class_dir = a.class_dir;
  rs.out_dir = a.out;
  rs.model_out_dir = a.model_out;
  rs.library_dir = a.library.empty() ? default_library() : a.library;
  rs.replace_library_concept = a.force;
  rs.checkpoint_every = a.checkpoint_every;
  rs.preview_every = a.preview_every;
  rs.preview_steps = a.preview_steps;
  auto& s = rs.training;
  s.name = a.name;
  s.init_token = a.init_token;
  s.num_scales = a.num_scales;
  s.instance_template = a.instance_template;
  s.class_prompt = a.class_prompt;
  s.num_class_images = a.num_class_images;
  s.prior_loss_weight = a.prior_loss_weight;
  s.class_sampling_steps = a.class_steps;
  s.resolution = a.resolution;
  s.steps = a.steps;
  s.lr = a.lr;
  s.embedding_lr = a.embedding_lr;
  s.batch_size = a.batch_size;
  s.grad_accum = a.grad_accum;
  s.scale_lr = a.scale_lr;
  s.lr_schedule = a.lr_schedule;
  s.warmup_steps = a.warmup;
  s.seed = a.seed;
  s.gradient_checkpointing = a.gradient_checkpointing;
  s.train_text_encoder = a.train_text_encoder;
  s.text_encoder_lr = a.text_encoder_lr;
  // Before the (slow) model load; the run checks both again.
  rs.validate();
  check_library_name_free(rs.library_dir, s.name, rs.replace_library_concept);
  if (!std::filesystem::is_directory(a.data))
    throw Error("instance image folder '" + a.data + "' does not exist or is not a folder");
  auto model = load_model_for_cli(a.model, a.device, "fp32", "", false);
  TrainingCallbacks setup;
  setup.on_message = [](const std::string& m) { std::cout << m << "\n"; };
  if (s.num_class_images > 0)
    std::cout << "Making up to " << s.num_class_images << " class images (\"" << s.class_prompt << "\") in "
              << rs.class_images_dir() << " ...\n";
  auto run = DreamBoothRun::create(model, rs, setup);
  drive(*run);
}

// Refuses a step count the run cannot reach (before any model load) and says when it
// stretches the learning-rate schedule.
void check_resume_step_count(const ResumeArgs& a) {
  if (a.steps_given && a.steps <= 0)
    throw Error("--steps must be a positive total step count (got " + std::to_string(a.steps) + ")");
  const std::string note = check_resume_steps(a.run_dir, a.steps);
  if (!note.empty()) std::cout << "note: " << note << "\n";
}

void run_train_resume(const ResumeArgs& a) {
  configure_threads(a.threads);
  check_resume_step_count(a);
  if (training_run_kind(a.run_dir) == TrainingRunKind::model) {
    TrainingCallbacks setup;
    setup.on_message = [](const std::string& m) { std::cout << m << "\n"; };
    auto run = ModelTrainingRun::resume(a.run_dir, a.steps, setup);
    drive(*run);
    return;
  }
  if (training_run_kind(a.run_dir) == TrainingRunKind::dreambooth) {
    const DreamBoothRunSettings recorded = DreamBoothRun::read_settings(a.run_dir);
    auto model = load_model_for_cli(a.model.empty() ? recorded.model_path : a.model, a.device,
                                    a.dtype.empty() ? "fp32" : a.dtype, a.config_dir, false);
    auto run = DreamBoothRun::resume(model, a.run_dir, a.steps);
    drive(*run);
    return;
  }
  const TrainingRunSettings recorded = TextualInversionRun::read_settings(a.run_dir);
  auto model = load_model_for_cli(a.model.empty() ? recorded.model_path : a.model, a.device,
                                  a.dtype.empty() ? recorded.training.precision : a.dtype, a.config_dir, false);
  auto run = TextualInversionRun::resume(model, a.run_dir, a.steps);
  drive(*run);
}

}  // namespace

void add_train(CLI::App& app) {
  auto* train = app.add_subcommand("train", "Train a multiresolution textual-inversion concept, a DreamBooth model, or a model from scratch");
  train->require_subcommand(1);

  auto a = std::make_shared<TrainArgs>();
  auto* ti = train->add_subcommand("ti", "Multiresolution textual inversion on a folder of images");
  ti->add_option("--model", a->model, "Diffusers folder or single-file checkpoint (default: the shipped model)");
  ti->add_option("--data", a->data, "Folder of training images (PNG, JPEG, WebP, BMP)")->required();
  ti->add_option("--name", a->name, "Concept name (prompts write <name|k|>)")->required();
  ti->add_option("--init-token", a->init_token, "Single-token word every scale starts from")->required();
  ti->add_option("--out", a->out, "Run folder (settings, checkpoints, loss.csv, previews)")->required();
  ti->add_option("--library", a->library, "Concept library to save into (default: the desktop app's, $XDG_DATA_HOME/mrti/mrti-studio/concepts)");
  ti->add_flag("--force", a->force, "Replace a concept of the same name in the library when the run finishes");
  ti->add_option("--steps", a->steps, "Optimizer steps")->capture_default_str();
  ti->add_option("--resolution", a->resolution, "Training image size in pixels (default: the model's)");
  ti->add_option("--batch-size", a->batch_size, "Images per micro-batch")->capture_default_str();
  ti->add_option("--grad-accum", a->grad_accum, "Micro-batches per optimizer step")->capture_default_str();
  ti->add_option("--lr", a->lr, "Learning rate")->capture_default_str();
  ti->add_flag("--scale-lr", a->scale_lr, "Multiply the learning rate by batch size x accumulation");
  ti->add_option("--lr-schedule", a->lr_schedule,
                 "constant, constant_with_warmup, cosine, or rates with step limits: \"5e-3:200, 1e-3:1000, 5e-4\"")
      ->capture_default_str();
  ti->add_option("--warmup-steps", a->warmup, "Warmup steps (constant_with_warmup, cosine)")->capture_default_str();
  ti->add_option("--num-scales", a->num_scales, "Number of scales N")->capture_default_str();
  ti->add_option("--property", a->property, "Caption templates: object or style")->capture_default_str();
  ti->add_option("--seed", a->seed, "Seed of every random draw")->capture_default_str();
  ti->add_option("--checkpoint-every", a->checkpoint_every, "Checkpoint interval in steps (0 = at the end)")
      ->capture_default_str();
  ti->add_option("--preview-every", a->preview_every, "Preview interval in steps (0 = none)")->capture_default_str();
  ti->add_option("--preview-steps", a->preview_steps, "Sampling steps of a preview")->capture_default_str();
  ti->add_flag("--no-cache-latents", a->no_cache_latents, "Encode every image with the VAE at every step");
  ti->add_flag("--random-crop", a->random_crop, "Random instead of centre crops");
  ti->add_option("--device", a->device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  ti->add_option("--dtype", a->dtype,
                 "Training precision, the dtype the frozen model runs in: fp32, bf16 (CPU or CUDA; on the CPU much "
                 "faster where it has AVX512-BF16/AMX), fp16 (CUDA only, with loss scaling) or auto (fp16 on CUDA, "
                 "fp32 on the CPU). The concept itself stays float32")
      ->capture_default_str();
  ti->add_flag("--gradient-checkpointing", a->gradient_checkpointing,
               "Recompute the UNet's activations in the backward pass: much less memory, ~30% slower steps");
  ti->add_flag("--vae-fp32", a->vae_fp32, "Keep the VAE in float32 (fp16 SD VAEs overflow)");
  ti->add_option("--config-dir", a->config_dir, "Diffusers folder with the configs of a single-file model");
  ti->add_option("--threads", a->threads, "CPU threads (0 = all cores)");
  ti->callback([a] { run_train_ti(*a); });

  auto d = std::make_shared<DreamBoothArgs>();
  auto* db = train->add_subcommand("dreambooth", "Multiresolution DreamBooth: fine-tune the UNet on <name|i|>");
  db->add_option("--model", d->model, "Diffusers folder of the base model (default: the shipped model)");
  db->add_option("--data", d->data, "Folder of instance images")->required();
  db->add_option("--name", d->name, "Concept name (prompts write <name|k|>)")->required();
  db->add_option("--init-token", d->init_token, "Single-token word every scale starts from")->required();
  db->add_option("--out", d->out, "Run folder (settings, checkpoints, loss.csv, previews, the fine-tuned model)")
      ->required();
  db->add_option("--model-out", d->model_out, "Folder for the fine-tuned diffusers model (default: OUT/model)");
  db->add_option("--library", d->library, "Concept library to save into (default: the desktop app's, $XDG_DATA_HOME/mrti/mrti-studio/concepts)");
  db->add_flag("--force", d->force, "Replace a concept of the same name in the library when the run finishes");
  db->add_option("--instance-template", d->instance_template, "Instance caption; {} = <name|i|>")->capture_default_str();
  db->add_option("--class-prompt", d->class_prompt, "Prior preservation class prompt");
  db->add_option("--num-class-images", d->num_class_images,
                 "Class images (0 = no prior preservation); missing ones are generated first")
      ->capture_default_str();
  db->add_option("--class-dir", d->class_dir, "Where class images are kept (default: OUT/class-images)");
  db->add_option("--class-steps", d->class_steps, "Sampling steps per class image")->capture_default_str();
  db->add_option("--prior-loss-weight", d->prior_loss_weight, "Weight of the prior loss")->capture_default_str();
  db->add_option("--steps", d->steps, "Optimizer steps")->capture_default_str();
  db->add_option("--resolution", d->resolution, "Training image size in pixels (default: the model's)");
  db->add_option("--batch-size", d->batch_size, "Instance images per micro-batch (and as many class images)")
      ->capture_default_str();
  db->add_option("--grad-accum", d->grad_accum, "Micro-batches per optimizer step")->capture_default_str();
  db->add_option("--lr", d->lr, "UNet learning rate")->capture_default_str();
  db->add_flag("--scale-lr", d->scale_lr, "Multiply the learning rates by batch size x accumulation");
  db->add_option("--lr-schedule", d->lr_schedule,
                 "The UNet's: constant, constant_with_warmup, cosine, or \"1e-5:200, 5e-6\"; the other rates "
                 "follow in proportion")
      ->capture_default_str();
  db->add_option("--warmup-steps", d->warmup, "Warmup steps (constant_with_warmup, cosine)")->capture_default_str();
  db->add_option("--embedding-lr", d->embedding_lr, "Concept embedding learning rate (0 = fixed)")
      ->capture_default_str();
  db->add_flag("--train-text-encoder", d->train_text_encoder,
               "Fine-tune the text encoder too (all but its token table), saved in the model's text_encoder/");
  db->add_option("--text-encoder-lr", d->text_encoder_lr, "Text encoder learning rate")->capture_default_str();
  db->add_option("--num-scales", d->num_scales, "Number of scales N")->capture_default_str();
  db->add_option("--seed", d->seed, "Seed")->capture_default_str();
  db->add_option("--checkpoint-every", d->checkpoint_every,
                 "Checkpoint interval in steps (0 = at the end); only the latest UNet checkpoint is kept")
      ->capture_default_str();
  db->add_option("--preview-every", d->preview_every, "Preview interval in steps (0 = none)")->capture_default_str();
  db->add_option("--preview-steps", d->preview_steps, "Sampling steps of a preview")->capture_default_str();
  db->add_flag("--gradient-checkpointing", d->gradient_checkpointing,
               "Recompute the UNet's activations in the backward pass: much less memory, ~30% slower steps");
  db->add_option("--device", d->device, "cpu, cuda, cuda:N or auto (DreamBooth trains in fp32)")->capture_default_str();
  db->add_option("--threads", d->threads, "CPU threads (0 = all cores)");
  db->callback([d] { run_train_dreambooth(*d); });

  add_model_stage(train, "vae", std::make_shared<ModelTrainArgs>());
  add_model_stage(train, "unet", std::make_shared<ModelTrainArgs>());

  auto r = std::make_shared<ResumeArgs>();
  auto* resume = train->add_subcommand("resume", "Continue a textual-inversion, DreamBooth or model run from its last checkpoint");
  resume->add_option("RUN_DIR", r->run_dir, "Run folder")->required();
  resume->add_option("--steps", r->steps, "New total step count (larger extends the run; not below the step reached)")
      ->each([r](const std::string&) { r->steps_given = true; });
  resume->add_option("--model", r->model, "The (base) model, when it moved since the run started");
  resume->add_option("--device", r->device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  resume->add_option("--dtype", r->dtype, "The model's dtype (default: the run's precision)");
  resume->add_option("--config-dir", r->config_dir, "Diffusers folder with the configs of a single-file model");
  resume->add_option("--threads", r->threads, "CPU threads (0 = all cores)");
  resume->callback([r] { run_train_resume(*r); });
}

}  // namespace mrti::cli
