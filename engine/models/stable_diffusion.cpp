#include "models/stable_diffusion.h"

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <filesystem>
#include <set>

#include <torch/torch.h>

#include "models/config_json.h"
#include "models/int8_linear.h"
#include "models/single_file_checkpoint.h"
#include "runtime/ascii_lower.h"
#include "runtime/device.h"
#include "runtime/config_folder_needed.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"
#include "tensor_io/state_dict.h"

namespace mrti {

std::string bundled_clip_tokenizer_dir() {
  // Installed copy first, then the source tree's (a build that was not installed).
  for (const char* dir : {MRTI_INSTALLED_TOKENIZER_DIR, MRTI_SOURCE_TOKENIZER_DIR})
    if (std::filesystem::exists(std::filesystem::path(dir) / "vocab.json")) return dir;
  return MRTI_SOURCE_TOKENIZER_DIR;
}
namespace fs = std::filesystem;

namespace {

const char* const kWeightStems[] = {"model", "pytorch_model", "diffusion_pytorch_model"};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool path_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

bool path_is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool is_checkpoint_extension(const std::string& ext) {
  return ext == ".safetensors" || ext == ".ckpt" || ext == ".pt" || ext == ".pth" || ext == ".bin";
}

void report(const ModelLoadOptions& o, const std::string& component, double fraction) {
  if (o.progress) o.progress(component, fraction);
}

// (config.json, weights file) of a component given as its folder or as a weights file.
std::pair<std::string, std::string> resolve_component(const std::string& path, const std::string& variant,
                                                      const std::string& what) {
  if (path_is_dir(path)) {
    const fs::path config = fs::path(path) / "config.json";
    if (!path_exists(config))
      throw Error("'" + config.string() + "' not found: the " + what + " folder '" + path + "' needs its config.json");
    return {config.string(), find_component_weights(path, variant)};
  }
  if (!path_exists(path)) throw Error("the " + what + " '" + path + "' does not exist");
  const fs::path config = fs::path(path).parent_path() / "config.json";
  if (!path_exists(config))
    throw Error("'" + config.string() + "' not found: the " + what + " weights '" + path +
                "' need a config.json beside them");
  return {config.string(), path};
}

void place(torch::nn::Module& m, const c10::Device& device, c10::ScalarType dtype) {
  m.to(device, dtype);
  m.eval();
}

// A model loaded in 16 bits is built with 16-bit parameters from the start (their random
// initial values are overwritten by the file), so its float32 form, twice the size, is never
// allocated. LibTorch's modules take the process's default dtype, which is global: this is
// set only for the moment of construction.
class BuildDtype {
 public:
  explicit BuildDtype(c10::ScalarType target) : before_(c10::get_default_dtype()) {
    if (target == c10::kBFloat16 || target == c10::kHalf)
      c10::set_default_dtype(c10::scalarTypeToTypeMeta(c10::kBFloat16));
  }
  ~BuildDtype() { c10::set_default_dtype(before_); }
  BuildDtype(const BuildDtype&) = delete;
  BuildDtype& operator=(const BuildDtype&) = delete;

 private:
  caffe2::TypeMeta before_;
};

template <class Module, class Config>
Module build_in(const Config& config, c10::ScalarType dtype) {
  BuildDtype build(dtype);
  return Module(config);
}

ClipTextModel build_text_encoder(const ClipTextConfig& config, const TensorMap& weights, const std::string& source,
                                 const c10::Device& device, c10::ScalarType dtype) {
  ClipTextModel m = build_in<ClipTextModel>(config, dtype);
  load_clip_text_weights(m, weights, source);
  place(*m, device, dtype);
  return m;
}

UNet2DConditionModel build_unet(const UNet2DConditionConfig& config, const TensorMap& weights,
                                const std::string& source, const c10::Device& device, c10::ScalarType dtype) {
  UNet2DConditionModel m = build_in<UNet2DConditionModel>(config, dtype);
  load_state_dict(*m, weights, source);
  place(*m, device, dtype);
  return m;
}

AutoencoderKL build_vae(const AutoencoderKLConfig& config, const TensorMap& weights, const std::string& source,
                        const c10::Device& device, c10::ScalarType dtype) {
  AutoencoderKL m = build_in<AutoencoderKL>(config, dtype);
  // Older diffusers files name the mid-block attention query/key/value/proj_attn.
  load_state_dict(*m, normalize_vae_state_dict(weights), source);
  place(*m, device, dtype);
  return m;
}

std::shared_ptr<ClipTokenizer> load_tokenizer(const std::string& folder) {
  return std::make_shared<ClipTokenizer>(folder);
}

// A single file holds no tokenizer. Looked for in: the config folder's tokenizer/, a
// tokenizer/ folder beside the checkpoint, $MRTI_CLIP_TOKENIZER (a folder with
// vocab.json and merges.txt), then the CLIP vocabulary that ships with MRTI Studio. "" when none is found.
std::string single_file_tokenizer_dir(const std::string& checkpoint, const std::string& from_config_dir) {
  if (!from_config_dir.empty()) return from_config_dir;
  const fs::path beside = fs::path(checkpoint).parent_path() / "tokenizer";
  if (path_exists(beside / "vocab.json")) return beside.string();
  if (const char* env = std::getenv("MRTI_CLIP_TOKENIZER"); env && *env && path_exists(fs::path(env) / "vocab.json"))
    return env;
  const std::string bundled = bundled_clip_tokenizer_dir();
  return path_exists(fs::path(bundled) / "vocab.json") ? bundled : std::string();
}

std::string no_tokenizer_message(const std::string& checkpoint) {
  return "'" + checkpoint +
         "' holds no tokenizer, and none was found: give a diffusers folder with a tokenizer/ subfolder as the "
         "config folder, put a tokenizer/ folder (vocab.json, merges.txt) beside the checkpoint, or "
         "set MRTI_CLIP_TOKENIZER to such a folder";
}

[[noreturn]] void not_a_model(const std::string& path, const std::string& why) {
  throw Error("'" + path + "' is not a Stable Diffusion model: " + why +
              " (expected a diffusers folder or a .safetensors checkpoint)");
}

// A diffusers folder's component folder, checked to exist with its config file.
fs::path component_dir(const fs::path& root, const std::string& name, const char* config_name = "config.json") {
  const fs::path dir = root / name;
  if (!path_is_dir(dir))
    throw Error("'" + root.string() + "' lacks its " + name + "/ folder: the diffusers model is incomplete");
  if (config_name && !path_exists(dir / config_name))
    throw Error("'" + (dir / config_name).string() + "' not found: the " + name + " component of '" +
                root.string() + "' is incomplete");
  return dir;
}

void check_model_index(const fs::path& root) {
  if (!path_exists(root / "model_index.json")) {
    std::string why = "model_index.json not found";
    std::error_code ec;
    std::vector<std::string> checkpoints;
    size_t entries = 0;
    for (const auto& e : fs::directory_iterator(root, ec)) {
      ++entries;
      if (e.is_regular_file(ec) && is_checkpoint_extension(ascii_lower(e.path().extension().string())))
        checkpoints.push_back(e.path().filename().string());
    }
    if (entries == 0) why = "the folder is empty";
    else if (checkpoints.size() == 1) why += "; it holds the checkpoint '" + checkpoints[0] + "': open that file instead";
    not_a_model(root.string(), why);
  }
  const auto index = read_config_json((root / "model_index.json").string());
  const std::string cls = index.value("_class_name", "");
  if (cls.find("XL") != std::string::npos || index.contains("text_encoder_2"))
    throw Error("'" + root.string() + "' is a " + cls +
                " (Stable Diffusion XL) model; only SD 1.x and 2.x models are supported");
  for (const char* name : {"text_encoder", "unet", "vae"}) {
    if (index.contains(name) && index[name].is_array() && index[name].size() == 2 && index[name][1].is_null())
      throw Error("'" + (root / "model_index.json").string() + "' lists no " + name +
                  "; a complete Stable Diffusion model is needed");
  }
}

struct WeightStats {
  int64_t parameters = 0;  // elements of floating-point tensors
  int64_t tensors = 0;
  std::set<std::string> dtypes;
};

WeightStats stats_of(const TensorMap& weights) {
  WeightStats s;
  for (const auto& [key, t] : weights) {
    ++s.tensors;
    s.dtypes.insert(dtype_name(t.scalar_type()));
    // position_ids is an index buffer, not a parameter, even when a half-precision export made it float.
    if (at::isFloatingType(t.scalar_type()) && !ends_with(key, "position_ids")) s.parameters += t.numel();
  }
  return s;
}

nlohmann::json stats_json(const WeightStats& s) {
  return {{"parameters", s.parameters}, {"tensors", s.tensors}, {"dtypes", std::vector<std::string>(s.dtypes.begin(), s.dtypes.end())}};
}

nlohmann::json pick(const nlohmann::json& config, std::initializer_list<const char*> keys) {
  nlohmann::json j = nlohmann::json::object();
  for (const char* k : keys)
    if (config.contains(k)) j[k] = config[k];
  return j;
}

nlohmann::json describe_configs(const nlohmann::json& text, const nlohmann::json& unet, const nlohmann::json& vae,
                                const nlohmann::json& sched, const std::string& source) {
  // Parsing also checks that each config is one this engine can build.
  ClipTextConfig::from_json(text, source + " (text encoder config)");
  UNet2DConditionConfig::from_json(unet, source + " (unet config)");
  AutoencoderKLConfig::from_json(vae, source + " (vae config)");
  nlohmann::json c;
  c["text_encoder"] = pick(text, {"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                                  "hidden_act", "vocab_size", "max_position_embeddings"});
  c["unet"] = pick(unet, {"block_out_channels", "layers_per_block", "cross_attention_dim", "attention_head_dim",
                          "num_attention_heads", "use_linear_projection", "in_channels", "out_channels",
                          "sample_size"});
  c["vae"] = pick(vae, {"block_out_channels", "layers_per_block", "latent_channels", "scaling_factor",
                        "sample_size"});
  c["scheduler"] = pick(sched, {"_class_name", "beta_schedule", "beta_start", "beta_end", "num_train_timesteps",
                                "steps_offset"});
  c["scheduler"]["prediction_type"] = sched.value("prediction_type", "epsilon");
  return c;
}

StableDiffusionModel load_diffusers_folder(const fs::path& root, const ModelLoadOptions& o) {
  check_model_index(root);
  // Check every component before the slow part, so a broken folder fails at once.
  const auto te_dir = component_dir(root, "text_encoder");
  const auto unet_dir = component_dir(root, "unet");
  const auto vae_dir = component_dir(root, "vae");
  const auto sched_dir = component_dir(root, "scheduler", "scheduler_config.json");
  const auto tok_dir = component_dir(root, "tokenizer", nullptr);
  find_component_weights(te_dir.string(), o.variant);
  find_component_weights(unet_dir.string(), o.variant);
  find_component_weights(vae_dir.string(), o.variant);

  StableDiffusionModel m;
  m.source = root.string();
  m.kind = "diffusers";
  m.device = o.device;
  m.dtype = o.dtype;
  report(o, "tokenizer", 0.0);
  m.tokenizer = load_tokenizer(tok_dir.string());
  m.scheduler_config = read_config_json((sched_dir / "scheduler_config.json").string());
  report(o, "text_encoder", 0.05);
  m.text_encoder = load_text_encoder(te_dir.string(), o);
  report(o, "unet", 0.2);
  m.unet = load_unet(unet_dir.string(), o);
  report(o, "vae", 0.85);
  ModelLoadOptions vo = o;
  if (o.vae_float32) vo.dtype = c10::kFloat;
  m.vae = load_vae(vae_dir.string(), vo);
  report(o, "done", 1.0);
  return m;
}

StableDiffusionModel load_single_file(const std::string& path, const ModelLoadOptions& o) {
  report(o, "checkpoint", 0.0);
  SingleFileOptions so;
  so.config_dir = o.config_dir;
  so.prediction_type = o.prediction_type;
  ConvertedCheckpoint c = load_single_file_checkpoint(path, so);

  const std::string tok_dir = single_file_tokenizer_dir(path, c.tokenizer_dir);
  if (tok_dir.empty()) throw ConfigFolderNeeded(no_tokenizer_message(path));
  StableDiffusionModel m;
  m.source = path;
  m.kind = "single-file";
  m.device = o.device;
  m.dtype = o.dtype;
  report(o, "tokenizer", 0.05);
  m.tokenizer = load_tokenizer(tok_dir);
  m.scheduler_config = c.scheduler_config;
  const std::string from = " (" + c.config_source + ")";
  report(o, "text_encoder", 0.1);
  m.text_encoder = build_text_encoder(ClipTextConfig::from_json(c.text_encoder_config, path + from + " text encoder config"),
                                      c.text_encoder, path, o.device, o.dtype);
  report(o, "unet", 0.25);
  m.unet = build_unet(UNet2DConditionConfig::from_json(c.unet_config, path + from + " unet config"), c.unet, path,
                      o.device, o.dtype);
  report(o, "vae", 0.85);
  m.vae = build_vae(AutoencoderKLConfig::from_json(c.vae_config, path + from + " vae config"), c.vae, path, o.device,
                    o.vae_float32 ? c10::kFloat : o.dtype);
  report(o, "done", 1.0);
  return m;
}

}  // namespace

std::string find_component_weights(const std::string& folder, const std::string& variant) {
  if (!path_is_dir(folder)) throw Error("component folder '" + folder + "' does not exist");
  const fs::path dir = folder;
  std::vector<std::string> order;
  for (const char* ext : {".safetensors", ".bin"}) {
    for (const char* stem : kWeightStems) {
      if (!variant.empty()) order.push_back(std::string(stem) + "." + variant + ext);
      order.push_back(std::string(stem) + ext);
      if (!variant.empty()) order.push_back(std::string(stem) + "." + variant + ext + ".index.json");
      order.push_back(std::string(stem) + ext + ".index.json");
    }
  }
  for (const auto& name : order)
    if (path_exists(dir / name)) return (dir / name).string();
  // Only a variant (e.g. model.fp16.safetensors) is there: use it.
  std::error_code ec;
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    for (const char* stem : kWeightStems)
      if (name.rfind(std::string(stem) + ".", 0) == 0 &&
          (ends_with(name, ".safetensors") || ends_with(name, ".bin")))
        found.push_back(name);
  }
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
    const bool sa = ends_with(a, ".safetensors"), sb = ends_with(b, ".safetensors");
    return sa != sb ? sa : a < b;
  });
  if (!found.empty()) return (dir / found.front()).string();
  throw Error("no weights file in '" + folder +
              "': expected model.safetensors, diffusion_pytorch_model.safetensors or their .bin versions");
}

TensorMap read_component_weights(const std::string& file) {
  if (!ends_with(file, ".index.json")) return load_weights_file(file);
  const auto index = read_config_json(file);
  if (!index.contains("weight_map") || !index["weight_map"].is_object())
    throw Error("'" + file + "' has no weight_map: it is not a sharded weights index");
  std::set<std::string> shards;
  for (const auto& [key, shard] : index["weight_map"].items()) {
    if (!shard.is_string()) throw Error("'" + file + "': weight_map entry '" + key + "' is not a file name");
    const std::string name = shard.get<std::string>();
    if (name.find('/') != std::string::npos || name.find("..") != std::string::npos)
      throw Error("'" + file + "': shard '" + name + "' must be a file beside the index");
    shards.insert(name);
  }
  TensorMap all;
  for (const auto& name : shards) {
    const auto part = load_weights_file((fs::path(file).parent_path() / name).string());
    all.insert(part.begin(), part.end());
  }
  return all;
}

ClipTextModel load_text_encoder(const std::string& folder_or_file, const ModelLoadOptions& o) {
  const auto [config, weights] = resolve_component(folder_or_file, o.variant, "text encoder");
  return build_text_encoder(ClipTextConfig::from_file(config), read_component_weights(weights), weights, o.device,
                            o.dtype);
}

UNet2DConditionModel load_unet(const std::string& folder_or_file, const ModelLoadOptions& o) {
  const auto [config, weights] = resolve_component(folder_or_file, o.variant, "unet");
  return build_unet(UNet2DConditionConfig::from_file(config), read_component_weights(weights), weights, o.device,
                    o.dtype);
}

AutoencoderKL load_vae(const std::string& folder_or_file, const ModelLoadOptions& o) {
  const auto [config, weights] = resolve_component(folder_or_file, o.variant, "vae");
  return build_vae(AutoencoderKLConfig::from_file(config), read_component_weights(weights), weights, o.device,
                   o.vae_float32 ? c10::kFloat : o.dtype);
}

StableDiffusionModel load_stable_diffusion(const std::string& path, const ModelLoadOptions& options) {
  if (path.empty()) throw Error("no model given: expected a diffusers folder or a .safetensors checkpoint");
  if (!path_exists(path)) throw Error("'" + path + "' does not exist: expected a diffusers folder or a .safetensors checkpoint");
  if (options.device.is_cpu() && options.dtype == c10::kHalf)
    throw Error("float16 weights cannot run on the CPU (LibTorch lacks CPU kernels for them); use fp32 or bf16");
  if (options.int8_weights && !options.device.is_cpu())
    throw Error("int8 weights run on the CPU only; use fp16 or bf16 on " + options.device.str());
  if (options.int8_weights) require_int8_engine();  // before the weights are read
  if (options.cuda_graphs && !options.device.is_cuda())
    throw Error("CUDA graphs need a CUDA device (the model is to run on " + options.device.str() + ")");
  if (options.cuda_graphs && !UNetCudaGraph::available())
    throw Error("CUDA graphs need a LibTorch built with CUDA; this build has none");
  const fs::path p = path;
  StableDiffusionModel model;
  if (path_is_dir(path))
    model = load_diffusers_folder(path, options);
  else if (p.filename() == "model_index.json")
    model = load_diffusers_folder(p.parent_path(), options);
  else if (!is_checkpoint_extension(ascii_lower(p.extension().string())))
    not_a_model(path, "unknown file type '" + p.extension().string() + "'");
  else
    model = load_single_file(path, options);
  if (options.int8_weights) model.int8_layers = quantize_linear_layers(*model.unet);
  if (options.cuda_graphs) model.unet_graph = std::make_shared<UNetCudaGraph>();
  return model;
}

nlohmann::json describe_stable_diffusion(const std::string& path, const std::string& config_dir,
                                         const std::string& prediction_type) {
  if (!path_exists(path)) throw Error("'" + path + "' does not exist: expected a diffusers folder or a .safetensors checkpoint");
  nlohmann::json d;
  d["path"] = path;
  fs::path root = path;
  if (!path_is_dir(root) && root.filename() == "model_index.json") root = root.parent_path();
  if (path_is_dir(root)) {
    check_model_index(root);
    d["kind"] = "diffusers folder";
    const auto index = read_config_json((root / "model_index.json").string());
    d["pipeline_class"] = index.value("_class_name", "");
    nlohmann::json configs[3];
    const char* names[] = {"text_encoder", "unet", "vae"};
    for (int i = 0; i < 3; ++i) {
      const auto dir = component_dir(root, names[i]);
      const std::string file = find_component_weights(dir.string());
      configs[i] = read_config_json((dir / "config.json").string());
      nlohmann::json c = stats_json(stats_of(read_component_weights(file)));
      c["weights"] = file;
      if (index.contains(names[i]) && index[names[i]].is_array() && index[names[i]].size() == 2)
        c["class"] = index[names[i]][1];
      d["components"][names[i]] = c;
    }
    const auto sched_dir = component_dir(root, "scheduler", "scheduler_config.json");
    const auto sched = read_config_json((sched_dir / "scheduler_config.json").string());
    const auto tok_dir = component_dir(root, "tokenizer", nullptr);
    for (const char* f : {"vocab.json", "merges.txt"})
      if (!path_exists(tok_dir / f))
        throw Error("'" + (tok_dir / f).string() + "' not found: the tokenizer of '" + root.string() + "' is incomplete");
    d["components"]["tokenizer"] = {{"folder", tok_dir.string()}};
    d["components"]["scheduler"] = {{"class", sched.value("_class_name", "")}};
    d["config"] = describe_configs(configs[0], configs[1], configs[2], sched, root.string());
    return d;
  }

  const std::string ext = ascii_lower(fs::path(path).extension().string());
  if (!is_checkpoint_extension(ext)) not_a_model(path, "unknown file type '" + ext + "'");
  d["kind"] = "single-file checkpoint";
  const TensorMap raw = read_checkpoint_file(path);
  SingleFileOptions so;
  so.config_dir = config_dir;
  so.prediction_type = prediction_type;
  const ConvertedCheckpoint c = convert_single_file_checkpoint(raw, path, so);
  d["family"] = c.family;
  d["config_source"] = c.config_source;
  d["file"] = stats_json(stats_of(raw));
  d["components"]["text_encoder"] = stats_json(stats_of(c.text_encoder));
  d["components"]["text_encoder"]["class"] = "CLIPTextModel";
  d["components"]["unet"] = stats_json(stats_of(c.unet));
  d["components"]["unet"]["class"] = "UNet2DConditionModel";
  d["components"]["vae"] = stats_json(stats_of(c.vae));
  d["components"]["vae"]["class"] = "AutoencoderKL";
  const std::string tok_dir = single_file_tokenizer_dir(path, c.tokenizer_dir);
  d["components"]["tokenizer"] = {{"folder", tok_dir.empty() ? "none found" : tok_dir}};
  auto notes = c.notes;
  if (tok_dir.empty()) notes.push_back(no_tokenizer_message(path));
  d["components"]["scheduler"] = {{"class", c.scheduler_config.value("_class_name", "")}};
  d["config"] = describe_configs(c.text_encoder_config, c.unet_config, c.vae_config, c.scheduler_config, path);
  d["dropped_keys"] = c.dropped.size();
  d["notes"] = notes;
  return d;
}

}  // namespace mrti
