#pragma once
// The engine as the desktop application sees it: plain C++ types only (no torch, no Qt),
// so GUI code can include it without torch's headers. The heavy state (the loaded model)
// lives behind StudioEngine's pimpl; everything else here is cheap and needs no model.
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "imaging/image.h"
#include "multires/concept_ref.h"
#include "pipeline/sampling_parameters.h"
#include "runtime/cancellation.h"
#include "runtime/config_folder_needed.h"
#include "studio/studio_shipped.h"
#include "studio/studio_training.h"

namespace mrti::studio {

struct ModelInfo {
  std::string name;     // folder or file name
  std::string source;   // full path
  std::string kind;     // "diffusers" or "single-file"
  std::string device;   // "cpu", "cuda:0"
  std::string dtype;    // "fp32", "bf16", ...
  std::string libtorch_version;
  int64_t token_width = 0;        // the text encoder's token embedding width d
  std::string scheduler_config;   // scheduler_config.json as text (for timelines)
  std::string tokenizer_dir;      // the model's own vocabulary (token counts, initializer words)
  std::string config_dir;         // the config folder a single file was loaded with ("" = none)
  int64_t unet_parameters = 0, text_encoder_parameters = 0;  // for DreamBooth's estimates
  int64_t int8_layers = 0;        // UNet layers with int8 weights (0: none; such a model cannot train)
};

struct LoadRequest {
  std::string path;            // diffusers folder or single-file checkpoint
  std::string device = "auto";  // "cpu", "cuda", "auto"
  std::string dtype = "auto";   // "fp32", "fp16", "bf16", "auto"
  // A diffusers folder of the same model, for a single file of non-standard sizes or
  // without a tokenizer (its load throws ConfigFolderNeeded without one).
  std::string config_dir;
  bool int8_weights = false;  // int8 weights in the UNet's linear layers (CPU, generation only)
};

// component ("unet", ...) and overall fraction 0..1.
using LoadProgress = std::function<void(const std::string& component, double fraction)>;

// The sampling settings (the engine's record) and where concepts come from.
struct GenerateRequest : SamplingParameters {
  bool interpolate = false;
  std::string concept_dir;  // "" = no concept library (prompts are plain text)
};

struct GenerateStep {
  int step = 0, total = 0;
  std::vector<Image> previews;  // one per image of the batch
};
using StepProgress = std::function<void(const GenerateStep&)>;

struct GeneratedImage {
  Image image;
  int64_t seed = -1;
  std::string parameters;  // AUTOMATIC1111 infotext
  std::string label;       // what tells it from its neighbours: a sweep tile's reference ("" = its seed)
};

struct GenerateResult {
  std::vector<GeneratedImage> images;
  std::vector<std::string> warnings;
  std::string sampler;  // display name actually used
};

class StudioEngine {
 public:
  StudioEngine();
  ~StudioEngine();
  StudioEngine(const StudioEngine&) = delete;
  StudioEngine& operator=(const StudioEngine&) = delete;

  // Replaces the loaded model; on failure (mrti::Error) the previous one stays loaded.
  // A set `cancel` stops between components and throws mrti::Cancelled.
  ModelInfo load_model(const LoadRequest& request, const LoadProgress& progress = {},
                       const CancellationToken* cancel = nullptr);
  bool has_model() const;
  ModelInfo model_info() const;  // throws without a model

  GenerateResult generate(const GenerateRequest& request, const StepProgress& progress = {},
                          const CancellationToken* cancel = nullptr);

  // One small image per resolution k = 0..N-1 of concept `name` with a fixed seed, so
  // strips of different concepts compare. Cached as PNGs under
  // <library>/.cache/strips/; a cached strip is returned without sampling.
  std::vector<Image> resolution_strip(const std::string& concept_dir, const std::string& name, int size = 64,
                                      int steps = 8, int64_t seed = 1234, const CancellationToken* cancel = nullptr);

  // Every resolution of `concept_name` with the request's settings (prompt holds "{}"
  // where the reference goes, or the concept is appended); form "fixed", "fully" or "semi".
  GenerateResult resolution_sweep(const GenerateRequest& base, const std::string& concept_name,
                                  const std::string& form, const StepProgress& progress = {},
                                  const CancellationToken* cancel = nullptr);

  // Trains a multiresolution textual-inversion concept on the loaded model, on the
  // calling thread, until it finishes or `control` cancels it (a checkpoint is saved
  // first). Meanwhile other threads may generate only while `control` pauses the run; the
  // concept as it is then is used for its name (pause and probe). A finished concept is
  // saved into request.library_dir.
  TrainOutcome train(const TrainRequest& request, const TrainEvents& events, TrainingControl& control);
  // Continues the run in `run_dir` from its last checkpoint; `total_steps` > 0 replaces
  // the run's step count. Refused, naming what differs, when the loaded model or the
  // dataset are not the run's.
  TrainOutcome resume_training(const std::string& run_dir, int64_t total_steps, const TrainEvents& events,
                               TrainingControl& control);
  // The number of data-parallel processes the next runs train on (1 = this one alone).
  // With more, this process is rank 0 and starts the others as `mrti train resume RUN`
  // workers (the `mrti` beside this program, or $MRTI_WORKER_PROGRAM), each with its share
  // of the cores; the progress events report the loss of the whole batch. Such a run
  // cannot pause (the workers wait at the next step only so long).
  void set_training_processes(int processes);
  int training_processes() const;
  // A multiresolution DreamBooth run, driven like train(): it fine-tunes the loaded model
  // in place (float32 weights required). A finished run leaves the model as the folder it
  // wrote (outcome.model_dir), and says so in model_info(); an unfinished one (cancelled,
  // failed) reloads the base model's weights, so what is loaded is always a folder on disk.
  // Refused before it starts when the run folder's disk lacks dreambooth_needs().disk_bytes.
  TrainOutcome train_dreambooth(const DreamBoothRequest& request, const TrainEvents& events, TrainingControl& control);

  struct Impl;  // opaque outside engine/studio

 private:
  std::unique_ptr<Impl> impl_;
};

// ---- concept library (files only, no model) ----

struct ConceptInfo {
  std::string name, path;
  int64_t num_scales = 0, vectors_per_token = 0, token_dim = 0;
  std::string base_model;
  std::string error;    // the file cannot be read: why
  std::string warning;
  Image thumbnail;      // empty when the file has none
  bool ok() const { return error.empty(); }
};

std::vector<ConceptInfo> list_concepts(const std::string& dir);
// Why concept `c` cannot be used with a model of token width `model_token_width`
// ("" when it can, or when no model is loaded: width 0).
std::string concept_fit_problem(const ConceptInfo& c, int64_t model_token_width);
// A concept file, an embedding file or an original multires concept folder. Returns the
// new concept's name; `notes` receives what the user should know.
std::string import_concept(const std::string& dir, const std::string& source, const std::string& name = "",
                           std::vector<std::string>* notes = nullptr);
void rename_concept(const std::string& dir, const std::string& from, const std::string& to);
void delete_concept(const std::string& dir, const std::string& name);
// Scale k as a single-token embedding file (A1111 .safetensors / diffusers .bin by extension).
void export_concept_resolution(const std::string& dir, const std::string& name, int64_t k, const std::string& path);
// "" when `name` may name a concept, else why not.
std::string concept_name_problem(const std::string& name);

// ---- models on disk (nothing loaded) ----

struct ModelSummary {
  std::string path, name;   // name: the folder or file name
  std::string kind;         // "diffusers folder" or "single-file checkpoint"
  std::string family;       // e.g. "SD 1.x" for single files; "" when the file does not say
  int64_t parameters = 0;   // text encoder + UNet + VAE
  std::string dtypes;       // of the weights: "fp16", "fp32, fp16"
  int64_t bytes = 0;        // the weights files on disk
  std::string error;        // why it cannot be opened; "" when it can
};

// What `path` holds, from its configs and weight headers only (quick, no network is
// built); never throws: a problem lands in `error`.
ModelSummary describe_model(const std::string& path);

// ---- prompt analysis (no model) ----

// The engine's own reference form (multires/concept_ref.h): fixed, fully, semi.
using Form = ResolutionForm;

// A concept reference of a prompt and where it stands; ref.num_scales is 0 for a concept
// the library does not know.
struct PromptToken {
  std::size_t begin = 0, end = 0;  // UTF-16 code units, [begin, end)
  ConceptRef ref;
};

struct PromptAnalysis {
  std::vector<PromptToken> tokens;  // concept references only, in order
  bool has_error = false;
  std::string error;                // message of the first fault
  std::size_t error_begin = 0, error_end = 0;  // UTF-16 span of the faulty token
  std::vector<std::string> warnings;
};

// Concept name -> number of scales.
using Scales = ConceptScales;
Scales scales_of(const std::vector<ConceptInfo>& concepts);

PromptAnalysis analyze_prompt(const std::string& text, const Scales& known);
// Canonical text of a reference: "<cat|3|>", "<cat[0.5]>", "<cat(2)>"; rho < 0 = index.
std::string format_reference(const std::string& name, Form form, int64_t index, double rho = -1);
// What a person reads for a failed operation: the engine's message, out-of-memory said
// plainly, LibTorch's errors without their backtrace (runtime/error_message.h).
std::string error_message(const std::exception& e);

// Sets up the calling thread for engine work on the CPU (LibTorch threads, one per core
// unless `threads` says otherwise; single-threaded OpenBLAS; subnormals flushed to zero).
// Call it on every thread that runs engine work, before its first operation.
void configure_cpu_threads(int threads = 0);

// The detail-level slider's mapping (multires/time_index.h): position p in [0, N-1] <-> rho.
double position_of_rho(double rho, int64_t num_scales);
double rho_of_position(double position, int64_t num_scales);

// Prompt tokens as the text encoder sees them (concept references count V = 1 each
// unless `vectors` says otherwise), BOS/EOS not counted. `tokenizer_dir` "" = the bundled
// CLIP vocabulary.
int token_count(const std::string& text, const Scales& known, const std::string& tokenizer_dir = "");
std::string bundled_tokenizer_dir();

struct TimelineRow {
  std::string token;
  int64_t num_scales = 0;
  bool negative = false;
  std::vector<double> level;          // per step: scale (fractional for blends), -1 = zero vector
  std::vector<std::string> labels;    // per step: "e3", "zero", "e7*0.75+e8*0.25"
  std::string summary;
};
struct Timeline {
  std::string sampler;
  std::vector<double> timesteps;
  std::vector<TimelineRow> rows;
};
// Which embedding each reference uses at every step. `scheduler_config` "" = SD 1.5's.
Timeline active_intervals(const std::string& scheduler_config, const std::string& sampler, int steps,
                          const std::string& prompt, const std::string& negative, const Scales& known,
                          bool interpolate);

// Sampler command-line names with their display names ("euler_a" -> "Euler a").
std::vector<std::pair<std::string, std::string>> samplers();
std::string libtorch_version();

// ---- images ----
void save_png(const std::string& path, const Image& image, const std::string& parameters);
Image load_png(const std::string& path);
// The "parameters" text of a PNG, "" without one.
std::string png_parameters(const std::string& path);

struct ParsedParameters {
  std::string prompt, negative_prompt, sampler;
  int steps = 0, width = 0, height = 0;
  double guidance = 0;
  int64_t seed = -1;
};
// Throws mrti::Error for text that is not an infotext.
ParsedParameters parse_parameters(const std::string& text);

}  // namespace mrti::studio
