// mrti train ti / dreambooth / vae / unet / resume: multiresolution textual inversion,
// DreamBooth and from-scratch model runs from the command line, on one process or as a
// data-parallel group (torchrun's environment, or --nproc local worker processes).
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
#include "training/distributed.h"
#include "training/dreambooth_run.h"
#include "training/local_workers.h"
#include "training/model_training_run.h"
#include "training/training_run.h"

namespace mrti::cli {
namespace {

// How many processes train, for every train command.
struct ProcessArgs {
  int nproc = 1;
  double timeout_s = 300;
};

// The options bind straight into the run's settings (the record the app fills too); what
// is left here is only how the command line loads the model.
struct TrainArgs {
  TrainingRunSettings run;
  std::string device = "auto", dtype = "fp32", config_dir;
  int threads = 0;
  bool vae_fp32 = false;
  ProcessArgs procs;
  TrainArgs() { run.training.resolution = 0; }  // 0: the model's own size
};

struct DreamBoothArgs {
  DreamBoothRunSettings run;
  std::string device = "auto";
  int threads = 0;
  ProcessArgs procs;
  DreamBoothArgs() { run.training.resolution = 0; }
};

struct ModelTrainArgs {
  std::string data, out, vae, tokenizer;
  ModelTrainingSettings training;
  int64_t checkpoint_every = 250, preview_every = 500;
  int threads = 0;
  ProcessArgs procs;
};

struct ResumeArgs {
  std::string run_dir, model, device = "auto", dtype, config_dir;
  int64_t steps = 0;
  bool steps_given = false;  // 0 means "the run's own count" only when --steps is absent
  int threads = 0;
  ProcessArgs procs;
};

// This process's place in a data-parallel group: alone, a rank torchrun (or another
// launcher) started, or rank 0 of --nproc local workers it starts itself, which repeat
// this command.
struct ProcessGroup {
  std::unique_ptr<LocalWorkers> workers;  // declared first: the group closes before they are waited for
  std::shared_ptr<Distributed> dist;
  std::chrono::milliseconds timeout{0};
  DistributedEnvironment env;

  bool writes() const { return !dist || dist->writes(); }
  // Rank 0 has made or updated the run folder: the other ranks may open it now.
  void folder_ready() {
    if (dist) dist->rank0_done("preparing the run folder");
  }
  // `device` with the rank's own GPU (cuda:LOCAL_RANK) when it names CUDA without an index.
  std::string device(const std::string& device) const {
    if (!env.distributed()) return device;
    const c10::Device d = parse_device(device);
    return d.is_cuda() && !d.has_index() ? "cuda:" + std::to_string(env.local_rank) : device;
  }
};

bool g_quiet = false;  // a rank other than 0: no progress output

ProcessGroup join_group(const ProcessArgs& a, const std::string& device) {
  ProcessGroup g;
  g.timeout = std::chrono::milliseconds(static_cast<int64_t>(a.timeout_s * 1000));
  g.env = DistributedEnvironment::from_environment();
  if (!g.env.distributed() && a.nproc > 1)
    g.workers = LocalWorkers::start(a.nproc, LocalWorkers::this_program(), LocalWorkers::this_arguments(), &g.env);
  if (!g.env.distributed()) return g;
  g.dist = Distributed::join(g.env, parse_device(g.device(device)).is_cuda(), g.timeout);
  if (!g.dist->writes()) {
    g_quiet = true;
    // Rank 0 speaks for the group; the others only report their errors (on stderr).
    if (!std::freopen("/dev/null", "w", stdout)) std::cerr << "rank " << g.env.rank << ": cannot silence stdout\n";
  } else {
    std::cout << "Training on " << g.env.world_size << " processes (" << (g.workers ? "local workers" : "launcher")
              << ", store " << g.env.master_addr << ":" << g.env.master_port << ", timeout " << a.timeout_s << " s)\n";
  }
  return g;
}

// Runs `body` as this rank: its error is recorded for the other ranks, and rank 0 of
// local workers waits for them and reports any that failed.
void in_group(ProcessGroup& g, const std::function<void()>& body) {
  try {
    body();
  } catch (const std::exception& e) {
    if (g.dist) g.dist->report_failure(e.what());
    if (!g.workers || g.workers->failures().empty()) throw;
    throw Error(g.workers->explain(e.what()));
  }
  if (g.workers) g.workers->finish(g.timeout);
}

void add_process_options(CLI::App* c, ProcessArgs& p) {
  c->add_option("--nproc", p.nproc,
                "Data-parallel training processes on this machine, this one and N-1 workers it starts (under "
                "torchrun, its RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT decide instead)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  c->add_option("--dist-timeout", p.timeout_s,
                "Seconds a training process waits for the others before it stops with an error naming the lost one")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
}

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
  if (g_quiet) {
    try {
      const TrainingOutcome outcome = train({}, control);
      std::signal(SIGINT, previous);
      g_control = nullptr;
      return outcome;
    } catch (...) {
      std::signal(SIGINT, previous);
      g_control = nullptr;
      throw;
    }
  }
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

// Rank 0 makes (or updates) the run folder with `first`; the other ranks then open it with
// `others`; every rank trains its part of the run.
template <class Run>
void train_in_group(ProcessGroup& g, const std::function<std::unique_ptr<Run>()>& first,
                    const std::function<std::unique_ptr<Run>()>& others) {
  std::unique_ptr<Run> run;
  if (g.writes()) run = first();
  g.folder_ready();
  if (!run) run = others();
  run->set_distributed(g.dist);
  drive(*run);
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
  ProcessGroup g = join_group(a.procs, "cpu");
  in_group(g, [&] {
    if (g.dist) g.dist->check_batch_size(rs.training.batch_size);  // before the run folder exists
    TrainingCallbacks setup;
    setup.on_message = [](const std::string& m) { std::cout << m << "\n"; };
    train_in_group<ModelTrainingRun>(
        g, [&] { return ModelTrainingRun::create(rs, setup); },
        [&] { return ModelTrainingRun::resume(rs.out_dir, 0, setup); });
  });
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
  add_process_options(c, m->procs);
  c->callback([m, stage] { run_train_model(*m, stage); });
}

// The model (the shipped one when none is named) and, when unset, the size it was trained at;
// the library, the app's when none is named.
template <class RunSettings>
void resolve_model_library_and_resolution(RunSettings& rs) {
  rs.model_path = resolve_model(rs.model_path);
  if (rs.library_dir.empty()) rs.library_dir = default_library();
  if (rs.training.resolution <= 0) {
    std::string size;
    int steps = 1;
    double guidance = 1;
    apply_model_defaults(rs.model_path, size, steps, guidance);
    rs.training.resolution = parse_size(size).first;
  }
}

void run_train_ti(TrainArgs a) {
  configure_threads(a.threads);
  auto& rs = a.run;
  resolve_model_library_and_resolution(rs);
  auto& t = rs.training;
  // The run's precision is the dtype the model is loaded in (--dtype, "auto" resolved).
  t.precision = dtype_name(parse_dtype(a.dtype, parse_device(a.device)));
  // Before the (slow) model load; the run checks both again.
  rs.validate();
  check_library_name_free(rs.library_dir, t.name, rs.replace_library_concept);
  if (!std::filesystem::is_directory(rs.data_dir))
    throw Error("training image folder '" + rs.data_dir + "' does not exist or is not a folder");
  ProcessGroup g = join_group(a.procs, a.device);
  in_group(g, [&] {
    if (g.dist) g.dist->check_batch_size(t.batch_size);  // before the run folder exists
    auto model = load_model_for_cli(rs.model_path, g.device(a.device), t.precision, a.config_dir, a.vae_fp32);
    train_in_group<TextualInversionRun>(
        g, [&] { return TextualInversionRun::create(model, rs); },
        [&] { return TextualInversionRun::resume(model, rs.out_dir); });
  });
}

void run_train_dreambooth(DreamBoothArgs a) {
  configure_threads(a.threads);
  auto& rs = a.run;
  resolve_model_library_and_resolution(rs);
  auto& s = rs.training;
  // Before the (slow) model load; the run checks both again.
  rs.validate();
  check_library_name_free(rs.library_dir, s.name, rs.replace_library_concept);
  if (!std::filesystem::is_directory(rs.data_dir))
    throw Error("instance image folder '" + rs.data_dir + "' does not exist or is not a folder");
  ProcessGroup g = join_group(a.procs, a.device);
  in_group(g, [&] {
    if (g.dist) g.dist->check_batch_size(s.batch_size);  // before the run folder exists
    auto model = load_model_for_cli(rs.model_path, g.device(a.device), "fp32", "", false);
    const auto create = [&] {
      TrainingCallbacks setup;
      setup.on_message = [](const std::string& m) { std::cout << m << "\n"; };
      if (s.num_class_images > 0)
        std::cout << "Making up to " << s.num_class_images << " class images (\"" << s.class_prompt << "\") in "
                  << rs.class_images_dir() << " ...\n";
      return DreamBoothRun::create(model, rs, setup);
    };
    train_in_group<DreamBoothRun>(g, create, [&] { return DreamBoothRun::resume(model, rs.out_dir); });
  });
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
  ProcessGroup g = join_group(a.procs, a.device);
  // Rank 0 resumes first (it may extend the step count in settings.json, or make missing
  // class images); the others then open the run as it left it.
  in_group(g, [&] {
    if (g.writes()) check_resume_step_count(a);
    const int64_t steps = g.writes() ? a.steps : 0;
    if (training_run_kind(a.run_dir) == TrainingRunKind::model) {
      TrainingCallbacks setup;
      setup.on_message = [](const std::string& m) { std::cout << m << "\n"; };
      const std::function<std::unique_ptr<ModelTrainingRun>()> resume = [&] {
        return ModelTrainingRun::resume(a.run_dir, steps, setup);
      };
      train_in_group(g, resume, resume);
      return;
    }
    if (training_run_kind(a.run_dir) == TrainingRunKind::dreambooth) {
      const DreamBoothRunSettings recorded = DreamBoothRun::read_settings(a.run_dir);
      auto model = load_model_for_cli(a.model.empty() ? recorded.model_path : a.model, g.device(a.device),
                                      a.dtype.empty() ? "fp32" : a.dtype, a.config_dir, false);
      const std::function<std::unique_ptr<DreamBoothRun>()> resume = [&] {
        return DreamBoothRun::resume(model, a.run_dir, steps);
      };
      train_in_group(g, resume, resume);
      return;
    }
    const TrainingRunSettings recorded = TextualInversionRun::read_settings(a.run_dir);
    auto model = load_model_for_cli(a.model.empty() ? recorded.model_path : a.model, g.device(a.device),
                                    a.dtype.empty() ? recorded.training.precision : a.dtype, a.config_dir, false);
    const std::function<std::unique_ptr<TextualInversionRun>()> resume = [&] {
      return TextualInversionRun::resume(model, a.run_dir, steps);
    };
    train_in_group(g, resume, resume);
  });
}

}  // namespace

void add_train(CLI::App& app) {
  auto* train = app.add_subcommand("train", "Train a multiresolution textual-inversion concept, a DreamBooth model, or a model from scratch");
  train->require_subcommand(1);

  auto a = std::make_shared<TrainArgs>();
  auto& ar = a->run;
  auto& at = a->run.training;
  auto* ti = train->add_subcommand("ti", "Multiresolution textual inversion on a folder of images");
  ti->add_option("--model", ar.model_path, "Diffusers folder or single-file checkpoint (default: the shipped model)");
  ti->add_option("--data", ar.data_dir, "Folder of training images (PNG, JPEG, WebP, BMP)")->required();
  ti->add_option("--name", at.name, "Concept name (prompts write <name|k|>)")->required();
  ti->add_option("--init-token", at.init_token, "Single-token word every scale starts from")->required();
  ti->add_option("--out", ar.out_dir, "Run folder (settings, checkpoints, loss.csv, previews)")->required();
  ti->add_option("--library", ar.library_dir, "Concept library to save into (default: the desktop app's, $XDG_DATA_HOME/mrti/mrti-studio/concepts)");
  ti->add_flag("--force", ar.replace_library_concept, "Replace a concept of the same name in the library when the run finishes");
  ti->add_option("--steps", at.steps, "Optimizer steps")->capture_default_str();
  ti->add_option("--resolution", at.resolution, "Training image size in pixels (default: the model's)");
  ti->add_option("--batch-size", at.batch_size, "Images per micro-batch")->capture_default_str();
  ti->add_option("--grad-accum", at.grad_accum, "Micro-batches per optimizer step")->capture_default_str();
  ti->add_option("--lr", at.lr, "Learning rate")->capture_default_str();
  ti->add_flag("--scale-lr", at.scale_lr, "Multiply the learning rate by batch size x accumulation");
  ti->add_option("--lr-schedule", at.lr_schedule,
                 "constant, constant_with_warmup, cosine, or rates with step limits: \"5e-3:200, 1e-3:1000, 5e-4\"")
      ->capture_default_str();
  ti->add_option("--warmup-steps", at.warmup_steps, "Warmup steps (constant_with_warmup, cosine)")->capture_default_str();
  ti->add_option("--num-scales", at.num_scales, "Number of scales N")->capture_default_str();
  ti->add_option("--vectors-per-token", at.vectors_per_token,
                 "Embedding vectors per scale (V): the concept takes V token slots in a prompt")
      ->capture_default_str();
  ti->add_option("--property", at.property, "Caption templates: object or style")->capture_default_str();
  ti->add_option("--seed", at.seed, "Seed of every random draw")->capture_default_str();
  ti->add_option("--checkpoint-every", ar.checkpoint_every, "Checkpoint interval in steps (0 = at the end)")
      ->capture_default_str();
  ti->add_option("--preview-every", ar.preview_every, "Preview interval in steps (0 = none)")->capture_default_str();
  ti->add_option("--preview-steps", ar.preview_steps, "Sampling steps of a preview")->capture_default_str();
  ti->add_flag_callback("--no-cache-latents", [&at] { at.cache_latents = false; },
                        "Encode every image with the VAE at every step");
  ti->add_flag_callback("--random-crop", [&at] { at.center_crop = false; }, "Random instead of centre crops");
  ti->add_option("--device", a->device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  ti->add_option("--dtype", a->dtype,
                 "Training precision, the dtype the frozen model runs in: fp32, bf16 (CPU or CUDA; on a CPU without "
                 "AVX512-BF16/AMX bf16 weights with float32 arithmetic, see --bf16-math), fp16 (CUDA only, with "
                 "loss scaling) or auto (fp16 on CUDA, fp32 on the CPU). The concept itself stays float32")
      ->capture_default_str();
  ti->add_flag("--gradient-checkpointing", at.gradient_checkpointing,
               "Recompute the UNet's activations in the backward pass: much less memory, ~30% slower steps");
  ti->add_flag("--vae-fp32", a->vae_fp32, "Keep the VAE in float32 (fp16 SD VAEs overflow)");
  ti->add_option("--config-dir", a->config_dir, "Diffusers folder with the configs of a single-file model");
  ti->add_option("--threads", a->threads, "CPU threads (0 = all cores)");
  add_bf16_math_option(ti);
  add_process_options(ti, a->procs);
  ti->callback([a] { run_train_ti(*a); });

  auto d = std::make_shared<DreamBoothArgs>();
  auto& dr = d->run;
  auto& dt = d->run.training;
  auto* db = train->add_subcommand("dreambooth", "Multiresolution DreamBooth: fine-tune the UNet on <name|i|>");
  db->add_option("--model", dr.model_path, "Diffusers folder of the base model (default: the shipped model)");
  db->add_option("--data", dr.data_dir, "Folder of instance images")->required();
  db->add_option("--name", dt.name, "Concept name (prompts write <name|k|>)")->required();
  db->add_option("--init-token", dt.init_token, "Single-token word every scale starts from")->required();
  db->add_option("--out", dr.out_dir, "Run folder (settings, checkpoints, loss.csv, previews, the fine-tuned model)")
      ->required();
  db->add_option("--model-out", dr.model_out_dir, "Folder for the fine-tuned diffusers model (default: OUT/model)");
  db->add_option("--library", dr.library_dir, "Concept library to save into (default: the desktop app's, $XDG_DATA_HOME/mrti/mrti-studio/concepts)");
  db->add_flag("--force", dr.replace_library_concept, "Replace a concept of the same name in the library when the run finishes");
  db->add_option("--instance-template", dt.instance_template, "Instance caption; {} = <name|i|>")->capture_default_str();
  db->add_option("--class-prompt", dt.class_prompt, "Prior preservation class prompt");
  db->add_option("--num-class-images", dt.num_class_images,
                 "Class images (0 = no prior preservation); missing ones are generated first")
      ->capture_default_str();
  db->add_option("--class-dir", dr.class_dir, "Where class images are kept (default: OUT/class-images)");
  db->add_option("--class-steps", dt.class_sampling_steps, "Sampling steps per class image")->capture_default_str();
  db->add_option("--prior-loss-weight", dt.prior_loss_weight, "Weight of the prior loss")->capture_default_str();
  db->add_option("--steps", dt.steps, "Optimizer steps")->capture_default_str();
  db->add_option("--resolution", dt.resolution, "Training image size in pixels (default: the model's)");
  db->add_option("--batch-size", dt.batch_size, "Instance images per micro-batch (and as many class images)")
      ->capture_default_str();
  db->add_option("--grad-accum", dt.grad_accum, "Micro-batches per optimizer step")->capture_default_str();
  db->add_option("--lr", dt.lr, "UNet learning rate")->capture_default_str();
  db->add_flag("--scale-lr", dt.scale_lr, "Multiply the learning rates by batch size x accumulation");
  db->add_option("--lr-schedule", dt.lr_schedule,
                 "The UNet's: constant, constant_with_warmup, cosine, or \"1e-5:200, 5e-6\"; the other rates "
                 "follow in proportion")
      ->capture_default_str();
  db->add_option("--warmup-steps", dt.warmup_steps, "Warmup steps (constant_with_warmup, cosine)")->capture_default_str();
  db->add_option("--embedding-lr", dt.embedding_lr, "Concept embedding learning rate (0 = fixed)")
      ->capture_default_str();
  db->add_flag("--train-text-encoder", dt.train_text_encoder,
               "Fine-tune the text encoder too (all but its token table), saved in the model's text_encoder/");
  db->add_option("--text-encoder-lr", dt.text_encoder_lr, "Text encoder learning rate")->capture_default_str();
  db->add_option("--num-scales", dt.num_scales, "Number of scales N")->capture_default_str();
  db->add_option("--seed", dt.seed, "Seed")->capture_default_str();
  db->add_option("--checkpoint-every", dr.checkpoint_every,
                 "Checkpoint interval in steps (0 = at the end); only the latest UNet checkpoint is kept")
      ->capture_default_str();
  db->add_option("--preview-every", dr.preview_every, "Preview interval in steps (0 = none)")->capture_default_str();
  db->add_option("--preview-steps", dr.preview_steps, "Sampling steps of a preview")->capture_default_str();
  db->add_flag("--gradient-checkpointing", dt.gradient_checkpointing,
               "Recompute the UNet's activations in the backward pass: much less memory, ~30% slower steps");
  db->add_option("--device", d->device, "cpu, cuda, cuda:N or auto (DreamBooth trains in fp32)")->capture_default_str();
  db->add_option("--threads", d->threads, "CPU threads (0 = all cores)");
  add_process_options(db, d->procs);
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
  add_process_options(resume, r->procs);
  resume->callback([r] { run_train_resume(*r); });
}

}  // namespace mrti::cli
