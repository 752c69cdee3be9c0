#include "studio/studio_engine.h"
#include "studio/studio_engine_impl.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "imaging/generation_parameters.h"
#include "imaging/png_io.h"
#include "models/stable_diffusion.h"
#include "multires/active_intervals.h"
#include "multires/concept_library.h"
#include "multires/exporters.h"
#include "multires/importers.h"
#include "multires/multires_pipeline.h"
#include "multires/prompt_syntax.h"
#include "multires/resolution_sweep.h"
#include "multires/time_index.h"
#include "pipeline/memory_format.h"
#include "pipeline/picture_parameters.h"
#include "runtime/cpu_setup.h"
#include "runtime/error_message.h"
#include "runtime/random_seed.h"
#include "runtime/device.h"
#include "schedulers/scheduler.h"
#include "text/clip_tokenizer.h"

namespace fs = std::filesystem;

namespace mrti::studio {

namespace {

// SD 1.5's scheduler_config.json: timelines before any model is loaded.
const char* kSd15SchedulerConfig = R"({"_class_name":"PNDMScheduler","beta_end":0.012,
  "beta_schedule":"scaled_linear","beta_start":0.00085,"num_train_timesteps":1000,
  "set_alpha_to_one":false,"skip_prk_steps":true,"steps_offset":1,"clip_sample":false})";

Image thumbnail_image(const at::Tensor& t) {
  if (!t.defined() || t.dim() != 3 || t.size(2) != 3) return {};
  auto c = t.to(torch::kUInt8).contiguous();
  Image img;
  img.width = static_cast<int>(c.size(1));
  img.height = static_cast<int>(c.size(0));
  img.rgb.resize(static_cast<std::size_t>(c.numel()));
  std::memcpy(img.rgb.data(), c.data_ptr<uint8_t>(), img.rgb.size());
  return img;
}

TextToImageRequest engine_request(const GenerateRequest& r) {
  TextToImageRequest req;
  static_cast<SamplingParameters&>(req) = r;
  return req;
}

}  // namespace

StableDiffusionModel& StudioEngine::Impl::require_model() const {
  if (!model) throw Error("no model is loaded: open a model folder or checkpoint first");
  return *model;
}

void StudioEngine::Impl::refuse_while_training(const std::string& what) const {
  const std::lock_guard<std::mutex> lock(training_mutex);
  if (training.control)
    throw Error("cannot " + what + " while concept '" + training.name +
                "' is training: cancel or finish the run first");
}

std::unique_lock<std::mutex> StudioEngine::Impl::model_for_generation() const {
  TrainingControl* control = nullptr;
  {
    const std::lock_guard<std::mutex> lock(training_mutex);
    control = training.control;
    if (control && !control->paused.load())
      throw Error("concept '" + training.name +
                  "' is training and uses the model: pause the run to try the concept as it is now");
  }
  if (!control) return {};
  // Waits for the step in progress; the run takes the mutex again only after the probe.
  return std::unique_lock<std::mutex>(control->model_mutex);
}

void StudioEngine::Impl::add_training_concept(ConceptScales& scales) const {
  const std::lock_guard<std::mutex> lock(training_mutex);
  if (training.control) scales[training.name] = training.num_scales;
}

ConceptSet StudioEngine::Impl::load_concepts(const ConceptLibrary& lib, const std::vector<std::string>& used) const {
  std::function<Concept()> snapshot;
  std::string name;
  {
    const std::lock_guard<std::mutex> lock(training_mutex);
    if (training.control) {
      snapshot = training.snapshot;
      name = training.name;
    }
  }
  // A paused run's concept stands in for a library concept of the same name.
  std::vector<std::string> from_library;
  for (const auto& n : used)
    if (n != name) from_library.push_back(n);
  ConceptSet concepts = lib.load_all(from_library);
  if (snapshot && std::find(used.begin(), used.end(), name) != used.end()) concepts[name] = snapshot();
  return concepts;
}

GenerationParameters StudioEngine::Impl::base_parameters(const GenerateRequest& r, const ConceptSet& concepts,
                                                         const std::vector<std::string>& used) const {
  GenerationParameters p = picture_parameters(*model, info.source, r);
  if (!used.empty()) p.extra["Concepts"] = concepts_parameter(concepts, used);
  if (r.interpolate) p.extra["Interpolate"] = "true";
  return p;
}

StudioEngine::StudioEngine() : impl_(std::make_unique<Impl>()) {}
StudioEngine::~StudioEngine() = default;

ModelInfo StudioEngine::load_model(const LoadRequest& request, const LoadProgress& progress,
                                   const CancellationToken* cancel) {
  if (request.path.empty()) throw Error("no model path given: choose a diffusers folder or a .safetensors file");
  if (!fs::exists(request.path)) throw Error("'" + request.path + "' does not exist");
  impl_->refuse_while_training("load another model");
  ModelLoadOptions options;
  options.device = parse_device(request.device);
  options.dtype = parse_dtype(request.dtype, options.device);
  options.config_dir = request.config_dir;
  options.int8_weights = request.int8_weights;
  options.progress = [&](const std::string& component, double fraction) {
    check_cancelled(cancel);
    if (progress) progress(component, fraction);
  };
  check_cancelled(cancel);
  auto model = std::make_unique<StableDiffusionModel>(load_stable_diffusion(request.path, options));
  use_preferred_memory_format(*model);
  check_cancelled(cancel);
  ModelInfo info;
  info.source = request.path;
  info.name = model_name_of(request.path);
  info.kind = model->kind;
  info.device = model->device.str();
  info.dtype = dtype_name(model->dtype);
  info.libtorch_version = torch_version();
  info.token_width = model->text_encoder->config().hidden_size;
  info.scheduler_config = model->scheduler_config.dump();
  info.tokenizer_dir = model->tokenizer->folder();
  info.config_dir = request.config_dir;
  info.int8_layers = model->int8_layers;
  for (const auto& p : model->unet->parameters()) info.unet_parameters += p.numel();
  for (const auto& p : model->text_encoder->parameters()) info.text_encoder_parameters += p.numel();
  // The GUI counts tokens with it as the user types: it must not parse the vocabulary again then.
  remember_tokenizer(model->tokenizer);
  impl_->model = std::move(model);
  impl_->info = info;
  return info;
}

bool StudioEngine::has_model() const { return impl_->model != nullptr; }

ModelInfo StudioEngine::model_info() const {
  if (!impl_->model) throw Error("no model is loaded: open a model folder or checkpoint first");
  return impl_->info;
}

GenerateResult StudioEngine::generate(const GenerateRequest& r, const StepProgress& progress,
                                      const CancellationToken* cancel) {
  check_cancelled(cancel);
  impl_->require_model();
  const auto model_lock = impl_->model_for_generation();
  auto req = engine_request(r);
  if (req.seed < 0) req.seed = random_seed();
  ConceptSet concepts;
  std::vector<std::string> used;
  std::unique_ptr<ConceptLibrary> lib;
  ParsedPrompts prompts;
  if (!r.concept_dir.empty()) {
    lib = std::make_unique<ConceptLibrary>(r.concept_dir, true);
    auto scales = lib->scales();
    impl_->add_training_concept(scales);
    prompts = parse_prompts(req, scales);
    used = prompts.concept_names();
    concepts = impl_->load_concepts(*lib, used);
  }
  const auto on_step = [&](const StepEvent& ev) {
    if (!progress) return;
    GenerateStep s;
    s.step = ev.step;
    s.total = ev.total;
    s.previews = ev.previews;
    progress(s);
  };
  TextToImageResult result;
  GenerateResult out;
  if (lib) {
    MultiresOptions options;
    options.interpolate = r.interpolate;
    auto m = multires_text_to_image(*impl_->model, req, std::move(prompts), concepts, options, on_step, cancel);
    result = std::move(m.result);
    out.warnings = m.warnings;
  } else {
    result = text_to_image(*impl_->model, req, on_step, cancel);
  }
  auto p = impl_->base_parameters(r, concepts, used);
  out.sampler = p.sampler;
  for (std::size_t i = 0; i < result.images.size(); ++i) {
    p.seed = result.seeds[i];
    out.images.push_back({result.images[i], p.seed, p.to_a1111_string()});
  }
  return out;
}

std::vector<Image> StudioEngine::resolution_strip(const std::string& concept_dir, const std::string& name, int size,
                                                  int steps, int64_t seed, const CancellationToken* cancel) {
  const ConceptLibrary lib(concept_dir, false);
  const Concept concept = lib.load(name);
  const int64_t n = concept.num_scales();
  const std::string model = impl_->model ? impl_->info.name : std::string("none");
  const fs::path cache = fs::path(concept_dir) / ".cache" / "strips";
  const auto cached = [&](int64_t k) {
    return cache / (name + "-" + sanitize_concept_name(model) + "-" + std::to_string(size) + "-" +
                    std::to_string(seed) + "-k" + std::to_string(k) + ".png");
  };
  std::vector<Image> images;
  bool all = true;
  for (int64_t k = 0; k < n && all; ++k) all = fs::exists(cached(k));
  if (all) {
    for (int64_t k = 0; k < n; ++k) images.push_back(decode_png(cached(k).string()));
    return images;
  }
  if (!impl_->model) throw Error("rendering the resolution strip of '" + name + "' needs a loaded model");
  const auto model_lock = impl_->model_for_generation();
  check_concept_fits_model(concept, impl_->info.token_width, impl_->info.name);
  ResolutionSweepRequest sr;
  sr.base.prompt = "{}";
  sr.base.steps = steps;
  sr.base.width = sr.base.height = size;
  sr.base.seed = seed;
  sr.base.previews = false;
  sr.concept_name = name;
  ConceptSet set;
  set.emplace(name, concept);
  auto result = mrti::resolution_sweep(*impl_->model, sr, set, {}, {}, cancel);
  fs::create_directories(cache);
  for (std::size_t k = 0; k < result.images.size(); ++k)
    write_png(cached(static_cast<int64_t>(k)).string(), result.images[k]);
  return result.images;
}

GenerateResult StudioEngine::resolution_sweep(const GenerateRequest& base, const std::string& concept_name,
                                              const std::string& form, const StepProgress& progress,
                                              const CancellationToken* cancel) {
  impl_->require_model();
  if (base.concept_dir.empty()) throw Error("a resolution sweep needs a concept library folder");
  const auto model_lock = impl_->model_for_generation();
  const ConceptLibrary lib(base.concept_dir, false);
  auto scales = lib.scales();
  impl_->add_training_concept(scales);
  // The prompts may use other concepts besides the swept one.
  auto used = parse_prompts(engine_request(base), scales).concept_names();
  if (std::find(used.begin(), used.end(), concept_name) == used.end()) used.push_back(concept_name);
  ConceptSet set = impl_->load_concepts(lib, used);
  ResolutionSweepRequest sr;
  sr.base = engine_request(base);
  sr.base.batch = 1;
  if (sr.base.seed < 0) sr.base.seed = random_seed();
  if (sr.base.prompt.find("{}") == std::string::npos) sr.base.prompt += (sr.base.prompt.empty() ? "{}" : " {}");
  sr.concept_name = concept_name;
  sr.form = parse_resolution_form(form);
  MultiresOptions options;
  options.interpolate = base.interpolate;
  auto result = mrti::resolution_sweep(
      *impl_->model, sr, set, options,
      [&](int image, int images, const StepEvent& ev) {
        if (!progress) return;
        GenerateStep s;
        s.step = image * ev.total + ev.step;
        s.total = images * ev.total;
        s.previews = ev.previews;
        progress(s);
      },
      cancel);
  GenerateResult out;
  out.warnings = result.warnings;
  GenerateRequest r = base;
  auto p = impl_->base_parameters(r, set, used);
  out.sampler = p.sampler;
  for (std::size_t i = 0; i < result.images.size(); ++i) {
    p.prompt = result.prompts[i];
    p.seed = result.seed;
    p.extra["Sweep"] = "resolution " + std::to_string(result.resolutions[i]) + " of " + concept_name;
    ConceptRef ref;
    ref.name = concept_name;
    ref.form = sr.form;
    ref.index = result.resolutions[i];
    out.images.push_back({result.images[i], result.seed, p.to_a1111_string(), format_concept_ref(ref)});
  }
  return out;
}

// ---- concept library ----

std::vector<ConceptInfo> list_concepts(const std::string& dir) {
  std::vector<ConceptInfo> out;
  if (dir.empty() || !fs::is_directory(dir)) return out;
  const ConceptLibrary lib(dir, false);
  for (const auto& e : lib.list()) {
    ConceptInfo c;
    c.name = e.name;
    c.path = e.path;
    c.num_scales = e.num_scales;
    c.vectors_per_token = e.vectors_per_token;
    c.token_dim = e.token_dim;
    c.base_model = e.base_model;
    c.error = e.error;
    c.warning = e.warning;
    if (e.ok() && e.has_thumbnail) {
      try {
        c.thumbnail = thumbnail_image(load_concept(e.path, e.name).thumbnail);
      } catch (const std::exception&) {
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string concept_fit_problem(const ConceptInfo& c, int64_t model_token_width) {
  if (!c.ok()) return c.error;
  if (model_token_width <= 0 || c.token_dim == model_token_width) return "";
  return "made for a model with " + std::to_string(c.token_dim) + "-wide token embeddings" +
         (c.base_model.empty() ? std::string() : " (base model " + c.base_model + ")") +
         "; the loaded model uses " + std::to_string(model_token_width);
}

std::string import_concept(const std::string& dir, const std::string& source, const std::string& name,
                           std::vector<std::string>* notes) {
  const ConceptLibrary lib(dir, true);
  // A folder, or a file holding a whole text encoder, is an original-layout concept with
  // as many scales as rows beyond CLIP's vocabulary.
  ImportedConcept imported = fs::is_directory(source) ? import_original_concept(source, name, 0)
                                                      : import_embedding_file(source, name);
  lib.save(imported.concept, false);
  if (notes) *notes = imported.notes;
  return imported.concept.name;
}

void rename_concept(const std::string& dir, const std::string& from, const std::string& to) {
  ConceptLibrary(dir, false).rename(from, to);
}
void delete_concept(const std::string& dir, const std::string& name) { ConceptLibrary(dir, false).remove(name); }
void export_concept_resolution(const std::string& dir, const std::string& name, int64_t k, const std::string& path) {
  const ConceptLibrary lib(dir, false);
  lib.check_export_path(name, path);
  export_embedding(lib.load(name), k, path);
}
std::string concept_name_problem(const std::string& name) { return mrti::concept_name_problem(name); }

// ---- prompts ----

Scales scales_of(const std::vector<ConceptInfo>& concepts) {
  Scales s;
  for (const auto& c : concepts)
    if (c.ok()) s[c.name] = c.num_scales;
  return s;
}

PromptAnalysis analyze_prompt(const std::string& text, const Scales& known) {
  PromptAnalysis a;
  ParsedPrompt parsed;
  try {
    parsed = parse_prompt(text, known);
  } catch (const PromptSyntaxError& e) {
    a.has_error = true;
    a.error = e.what();
    a.error_begin = e.span().utf16_begin;
    a.error_end = e.span().utf16_end;
    // The references before the fault are fine: keep them.
    try {
      parsed = parse_prompt(text.substr(0, e.span().byte_begin), known);
    } catch (const PromptSyntaxError&) {
      return a;
    }
  }
  a.warnings = parsed.warnings;
  for (const auto& s : parsed.segments) {
    if (!s.is_concept()) continue;
    PromptToken t{s.span.utf16_begin, s.span.utf16_end, s.ref};
    if (!known.count(s.ref.name)) t.ref.num_scales = 0;
    a.tokens.push_back(t);
  }
  return a;
}

std::string format_reference(const std::string& name, Form form, int64_t index, double rho) {
  ConceptRef r;
  r.name = name;
  r.form = form;
  r.index = index;
  if (rho >= 0) r.rho = rho;
  return format_concept_ref(r);
}

std::string error_message(const std::exception& e) { return mrti::error_message(e); }

void configure_cpu_threads(int threads) { configure_threads(threads); }

double position_of_rho(double rho, int64_t num_scales) { return mrti::position_of_rho(rho, num_scales); }
double rho_of_position(double position, int64_t num_scales) { return mrti::rho_of_position(position, num_scales); }

namespace {
std::mutex tokenizers_mutex;
std::map<std::string, std::shared_ptr<const ClipTokenizer>> tokenizers;  // by folder
}  // namespace

std::shared_ptr<const ClipTokenizer> shared_tokenizer(const std::string& tokenizer_dir) {
  const std::string dir = tokenizer_dir.empty() ? bundled_clip_tokenizer_dir() : tokenizer_dir;
  std::lock_guard<std::mutex> lock(tokenizers_mutex);
  auto& slot = tokenizers[dir];
  if (!slot) slot = std::make_shared<const ClipTokenizer>(dir);
  return slot;
}

void remember_tokenizer(const std::shared_ptr<const ClipTokenizer>& tokenizer) {
  std::lock_guard<std::mutex> lock(tokenizers_mutex);
  tokenizers[tokenizer->folder()] = tokenizer;
}

int token_count(const std::string& text, const Scales& known, const std::string& tokenizer_dir) {
  const auto tok = shared_tokenizer(tokenizer_dir);
  // Every well-formed reference is one token, also to a concept the library lacks or with
  // k out of its range (the prompt is refused elsewhere; the count stays what it will be).
  PromptParseOptions po;
  po.default_num_scales = 1000;
  const auto count = [&](const Scales& names) {
    const auto parsed = parse_prompt(text, names, po);
    int n = 0;
    for (const auto& s : parsed.segments)
      n += s.is_concept() ? 1 : static_cast<int>(tok->token_ids(s.text).size());
    return n;
  };
  try {
    return count(known);
  } catch (const PromptSyntaxError&) {
  }
  try {
    return count({});
  } catch (const PromptSyntaxError&) {
    return static_cast<int>(tok->token_ids(text).size());
  }
}

Timeline active_intervals(const std::string& scheduler_config, const std::string& sampler, int steps,
                          const std::string& prompt, const std::string& negative, const Scales& known,
                          bool interpolate) {
  PromptParseOptions po;
  po.default_num_scales = 1;
  const auto p = parse_prompt(prompt, known, po);
  po.what = "negative prompt";
  const auto n = parse_prompt(negative, known, po);
  const auto config = nlohmann::json::parse(scheduler_config.empty() ? kSd15SchedulerConfig : scheduler_config);
  const auto map = active_interval_map(config, sampler, steps, p, &n, interpolate);
  Timeline t;
  t.sampler = map.sampler;
  t.timesteps = map.timesteps;
  for (const auto& row : map.rows) {
    TimelineRow r;
    r.token = row.token;
    r.num_scales = row.ref.num_scales;
    r.negative = row.negative;
    r.summary = summarize_row(row);
    for (const auto& c : row.choices) {
      r.labels.push_back(c.label());
      double level = static_cast<double>(c.index);
      if (c.kind == EmbeddingChoice::Kind::zero) level = -1;
      if (c.kind == EmbeddingChoice::Kind::blend)
        level = c.index < 0 ? -1 + c.weight * (c.index2 + 1) : (1 - c.weight) * c.index + c.weight * c.index2;
      r.level.push_back(level);
    }
    t.rows.push_back(std::move(r));
  }
  return t;
}

std::vector<std::pair<std::string, std::string>> samplers() {
  const auto config = nlohmann::json::parse(kSd15SchedulerConfig);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& n : scheduler_names()) out.emplace_back(n, scheduler_display_name(*make_scheduler(n, config)));
  return out;
}

std::string libtorch_version() { return torch_version(); }

void save_png(const std::string& path, const Image& image, const std::string& parameters) {
  PngText text;
  if (!parameters.empty()) text = {{"parameters", parameters}};
  write_png(path, image, text);
}
Image load_png(const std::string& path) { return decode_png(path); }
std::string png_parameters(const std::string& path) {
  return find_png_text(read_png_text(path), "parameters").value_or("");
}

ParsedParameters parse_parameters(const std::string& text) {
  const auto g = parse_a1111(text);
  ParsedParameters p;
  p.prompt = g.prompt;
  p.negative_prompt = g.negative_prompt;
  p.steps = g.steps;
  p.width = g.width;
  p.height = g.height;
  p.guidance = g.cfg_scale;
  p.seed = g.seed;
  for (const auto& [cli, display] : samplers())
    if (display == g.sampler) p.sampler = cli;
  return p;
}

}  // namespace mrti::studio
