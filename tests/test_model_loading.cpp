#include "test_support.h"

#include "runtime/config_folder_needed.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <caffe2/serialize/inline_container.h>

#include "models/config_json.h"
#include "models/single_file_checkpoint.h"
#include "models/stable_diffusion.h"
#include "runtime/bfloat16_math.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"
#include "tensor_io/state_dict.h"

namespace fs = std::filesystem;

namespace {

using mrti_test::contains;
using mrti_test::error_of;

std::string tiny() { return mrti_test::fixture("tiny-sd15"); }
std::string single_file() { return mrti_test::fixture("single-file/tiny-sd15-fp16.safetensors"); }

mrti::TensorMap weights_of(const std::string& component) {
  return mrti::load_weights_file(mrti::find_component_weights(tiny() + "/" + component));
}

std::set<std::string> keys_of(const mrti::TensorMap& m) {
  std::set<std::string> s;
  for (const auto& [k, v] : m) s.insert(k);
  return s;
}

// Every tensor of `converted` equals the same-named tensor of `reference` rounded to
// float16, and both hold the same keys. Returns "" or the first problem.
std::string exact_fp16_match(const mrti::TensorMap& converted, const mrti::TensorMap& reference) {
  if (keys_of(converted) != keys_of(reference)) {
    std::string diff;
    for (const auto& k : keys_of(converted))
      if (!reference.count(k)) diff += " extra:" + k;
    for (const auto& k : keys_of(reference))
      if (!converted.count(k)) diff += " missing:" + k;
    return "key sets differ:" + diff.substr(0, 400);
  }
  for (const auto& [k, ref] : reference) {
    const auto& c = converted.at(k);
    if (c.sizes() != ref.sizes()) return "shape of " + k;
    if (c.scalar_type() != torch::kHalf) return "dtype of " + k;
    if (!torch::equal(c, ref.to(torch::kHalf))) return "values of " + k;
  }
  return {};
}

// Parameters of two modules equal after rounding `b` to float16 (when `round`).
std::string same_parameters(torch::nn::Module& a, torch::nn::Module& b, bool round) {
  auto pa = a.named_parameters();
  auto pb = b.named_parameters();
  if (pa.size() != pb.size()) return "parameter counts differ";
  for (const auto& item : pb) {
    const auto* other = pa.find(item.key());
    if (!other) return "missing " + item.key();
    auto expected = round ? item.value().to(torch::kHalf).to(other->scalar_type()) : item.value();
    if (!torch::equal(*other, expected)) return "values of " + item.key();
  }
  return {};
}

int64_t count_parameters(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

// A diffusers folder whose components link to tiny-sd15's, except those in `own`
// (created empty, for the test to fill).
std::string linked_copy(const std::string& tag, const std::set<std::string>& own) {
  const fs::path root = fs::path(mrti_test::temp_dir(tag)) / "model";
  fs::create_directories(root);
  fs::copy_file(fs::path(tiny()) / "model_index.json", root / "model_index.json");
  for (const char* c : {"text_encoder", "tokenizer", "unet", "vae", "scheduler"}) {
    if (own.count(c))
      fs::create_directories(root / c);
    else
      fs::create_directory_symlink(fs::path(tiny()) / c, root / c);
  }
  return root.string();
}

// A tensor of the given shape that takes no memory (all elements alias one).
torch::Tensor shaped(std::vector<int64_t> shape) { return torch::zeros({1}).expand(shape); }

// The shape-bearing keys of a full-size SD 1.x (context 768) or SD 2.x (1024, OpenCLIP,
// linear projections) checkpoint: enough to recognise it, not to run it.
mrti::TensorMap standard_skeleton(bool sd2) {
  mrti::TensorMap m;
  const std::string u = "model.diffusion_model.";
  const std::vector<int64_t> ch = {320, 640, 1280, 1280};
  const int64_t ctx = sd2 ? 1024 : 768;
  auto attention = [&](const std::string& at, int64_t c) {
    m[at + "proj_in.weight"] = sd2 ? shaped({c, c}) : shaped({c, c, 1, 1});
    m[at + "transformer_blocks.0.attn2.to_k.weight"] = shaped({c, ctx});
  };
  m[u + "time_embed.0.weight"] = shaped({1280, 320});
  m[u + "input_blocks.0.0.weight"] = shaped({320, 4, 3, 3});
  m[u + "out.2.weight"] = shaped({4, 320, 3, 3});
  for (int i = 1; i < 12; ++i) {
    const int level = (i - 1) / 3, layer = (i - 1) % 3;
    const std::string b = u + "input_blocks." + std::to_string(i) + ".";
    if (layer == 2) {
      m[b + "0.op.weight"] = shaped({ch[level], ch[level], 3, 3});
      continue;
    }
    m[b + "0.out_layers.3.weight"] = shaped({ch[level], ch[level], 3, 3});
    if (level < 3) attention(b + "1.", ch[level]);
  }
  m[u + "middle_block.0.out_layers.3.weight"] = shaped({1280, 1280, 3, 3});
  attention(u + "middle_block.1.", 1280);
  m[u + "middle_block.2.out_layers.3.weight"] = shaped({1280, 1280, 3, 3});
  for (int i = 0; i < 12; ++i) {
    const int level = i / 3, layer = i % 3;
    const int64_t c = ch[3 - level];
    const std::string b = u + "output_blocks." + std::to_string(i) + ".";
    m[b + "0.out_layers.3.weight"] = shaped({c, c, 3, 3});
    if (level > 0) attention(b + "1.", c);
    if (layer == 2 && level < 3) m[b + (level > 0 ? "2" : "1") + ".conv.weight"] = shaped({c, c, 3, 3});
  }
  const std::string v = "first_stage_model.";
  const std::vector<int64_t> vch = {128, 256, 512, 512};
  m[v + "encoder.conv_in.weight"] = shaped({128, 3, 3, 3});
  m[v + "decoder.conv_out.weight"] = shaped({3, 128, 3, 3});
  m[v + "post_quant_conv.weight"] = shaped({4, 4, 1, 1});
  for (int l = 0; l < 4; ++l)
    for (int j = 0; j < 2; ++j) {
      m[v + "encoder.down." + std::to_string(l) + ".block." + std::to_string(j) + ".conv1.weight"] =
          shaped({vch[l], vch[l], 3, 3});
      m[v + "encoder.down." + std::to_string(l) + ".block." + std::to_string(j) + ".conv2.weight"] =
          shaped({vch[l], vch[l], 3, 3});
    }
  if (sd2) {
    const std::string t = "cond_stage_model.model.";
    m[t + "token_embedding.weight"] = shaped({49408, 1024});
    m[t + "text_projection"] = shaped({1024, 1024});
    for (int l = 0; l < 24; ++l) {
      m[t + "transformer.resblocks." + std::to_string(l) + ".ln_1.weight"] = shaped({1024});
      m[t + "transformer.resblocks." + std::to_string(l) + ".attn.in_proj_weight"] = shaped({3072, 1024});
    }
  } else {
    const std::string t = "cond_stage_model.transformer.text_model.";
    m[t + "embeddings.token_embedding.weight"] = shaped({49408, 768});
    for (int l = 0; l < 12; ++l) m[t + "encoder.layers." + std::to_string(l) + ".layer_norm1.weight"] = shaped({768});
  }
  m["model_ema.decay"] = torch::ones({});
  m["alphas_cumprod"] = shaped({1000});
  return m;
}

// torch.save-style zip with a hand-written pickle.
void write_torch_zip(const std::string& path, const std::string& pickle) {
  caffe2::serialize::PyTorchStreamWriter w(path);
  w.writeRecord("data.pkl", pickle.data(), pickle.size());
  w.writeEndOfFile();
}

}  // namespace

class TestModelLoading : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void diffusersFolder() {
    MRTI_REQUIRE_FIXTURES();
    std::vector<std::pair<std::string, double>> progress;
    mrti::ModelLoadOptions o;
    o.progress = [&](const std::string& c, double f) { progress.emplace_back(c, f); };
    auto m = mrti::load_stable_diffusion(tiny(), o);
    QCOMPARE(m.kind, std::string("diffusers"));
    QCOMPARE(m.source, tiny());
    QVERIFY(m.tokenizer);
    QVERIFY(m.text_encoder && m.unet && m.vae);
    QCOMPARE(m.scheduler_config.value("_class_name", ""), std::string("PNDMScheduler"));
    QCOMPARE(m.scheduler_config.value("steps_offset", 0), 1);
    // The parameter counts the fixtures README gives.
    QCOMPARE(count_parameters(*m.text_encoder), int64_t(1597162));
    QCOMPARE(count_parameters(*m.unet), int64_t(2446788));
    QCOMPARE(count_parameters(*m.vae), int64_t(1399879));
    QCOMPARE(m.tokenizer->size(), int64_t(49408));
    QCOMPARE(m.text_encoder->config().hidden_size, int64_t(32));
    QCOMPARE(m.unet->config().cross_attention_dim.front(), int64_t(32));
    for (const auto& p : m.unet->parameters()) QCOMPARE(p.scalar_type(), torch::kFloat);
    QVERIFY(!m.unet->is_training());
    // Weights are the file's.
    auto file = weights_of("unet");
    QVERIFY(torch::equal(m.unet->conv_in->weight, file.at("conv_in.weight")));
    // Progress: ordered, named, ending at 1.
    QVERIFY(progress.size() >= 4);
    for (size_t i = 1; i < progress.size(); ++i) QVERIFY(progress[i].second >= progress[i - 1].second);
    QCOMPARE(progress.back().second, 1.0);
    std::set<std::string> names;
    for (const auto& p : progress) names.insert(p.first);
    for (const char* c : {"text_encoder", "unet", "vae"}) QVERIFY2(names.count(c), c);
    // model_index.json itself names the folder too.
    auto again = mrti::load_stable_diffusion(tiny() + "/model_index.json");
    QCOMPARE(again.kind, std::string("diffusers"));
  }

  void castToBfloat16() {
    MRTI_REQUIRE_FIXTURES();
    auto ref = mrti::load_stable_diffusion(tiny());
    mrti::ModelLoadOptions o;
    o.dtype = torch::kBFloat16;
    auto m = mrti::load_stable_diffusion(tiny(), o);
    QCOMPARE(m.dtype, torch::kBFloat16);
    for (auto* mod : std::vector<torch::nn::Module*>{m.text_encoder.get(), m.unet.get(), m.vae.get()})
      for (const auto& p : mod->parameters()) QCOMPARE(p.scalar_type(), torch::kBFloat16);
    QVERIFY(torch::equal(m.unet->conv_in->weight, ref.unet->conv_in->weight.to(torch::kBFloat16)));
    o.vae_float32 = true;
    auto kept = mrti::load_stable_diffusion(tiny(), o);
    for (const auto& p : kept.vae->parameters()) QCOMPARE(p.scalar_type(), torch::kFloat);
    for (const auto& p : kept.unet->parameters()) QCOMPARE(p.scalar_type(), torch::kBFloat16);
    // The bf16 text encoder still runs.
    torch::NoGradGuard no_grad;
    auto ids = torch::full({1, 77}, 49407, torch::kLong);
    ids.index_put_({0, 0}, 49406);
    auto out = m.text_encoder->forward(ids);
    QCOMPARE(out.last_hidden_state.scalar_type(), mrti::compute_dtype(m.device, torch::kBFloat16));
    o.dtype = torch::kHalf;
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(tiny(), o), "CPU");
  }

  void unetLayoutFromShapes() {
    MRTI_REQUIRE_FIXTURES();
    mrti::TensorMap unet;
    const std::string prefix = "model.diffusion_model.";
    for (const auto& [k, v] : mrti::load_weights_file(single_file()))
      if (k.rfind(prefix, 0) == 0) unet[k.substr(prefix.size())] = v;
    const auto l = mrti::infer_ldm_unet_layout(unet, "x");
    QCOMPARE(l.block_out_channels, (std::vector<int64_t>{32, 32, 64, 64}));
    QCOMPARE(l.layers_per_block, int64_t(2));
    QCOMPARE(l.cross_attention_dim, int64_t(32));
    QCOMPARE(l.in_channels, int64_t(4));
    QCOMPARE(l.out_channels, int64_t(4));
    QVERIFY(!l.use_linear_projection);
    QVERIFY(l.mid_attention);
    QCOMPARE(l.down_attention, (std::vector<bool>{true, true, true, false}));
    QCOMPARE(l.up_attention, (std::vector<bool>{false, true, true, true}));
  }

  // The fp16 single file, converted with tiny-sd15's configs, is exactly tiny-sd15
  // rounded to float16: same keys, same shapes, equal values.
  void singleFileConversionIsExact() {
    MRTI_REQUIRE_FIXTURES();
    mrti::SingleFileOptions so;
    so.config_dir = tiny();
    const auto c = mrti::load_single_file_checkpoint(single_file(), so);
    QCOMPARE(c.family, std::string("SD 1.x"));
    QCOMPARE(c.config_source, tiny());
    QCOMPARE(c.tokenizer_dir, tiny() + "/tokenizer");
    QCOMPARE(c.text_encoder.size() + c.unet.size() + c.vae.size(), size_t(965));
    QVERIFY(c.dropped.empty());
    for (const char* comp : {"text_encoder", "unet", "vae"}) {
      const auto& converted = std::string(comp) == "unet" ? c.unet : std::string(comp) == "vae" ? c.vae : c.text_encoder;
      const auto problem = exact_fp16_match(converted, weights_of(comp));
      QVERIFY2(problem.empty(), (std::string(comp) + ": " + problem).c_str());
    }
    QCOMPARE(c.unet_config, mrti::read_config_json(tiny() + "/unet/config.json"));
    QCOMPARE(c.scheduler_config, mrti::read_config_json(tiny() + "/scheduler/scheduler_config.json"));
  }

  void singleFileLoads() {
    MRTI_REQUIRE_FIXTURES();
    auto ref = mrti::load_stable_diffusion(tiny());
    mrti::ModelLoadOptions o;
    o.config_dir = tiny();
    auto m = mrti::load_stable_diffusion(single_file(), o);
    QCOMPARE(m.kind, std::string("single-file"));
    QVERIFY(m.tokenizer);
    QCOMPARE(m.scheduler_config.value("_class_name", ""), std::string("PNDMScheduler"));
    for (auto [a, b] : std::vector<std::pair<torch::nn::Module*, torch::nn::Module*>>{
             {m.text_encoder.get(), ref.text_encoder.get()}, {m.unet.get(), ref.unet.get()}, {m.vae.get(), ref.vae.get()}}) {
      const auto problem = same_parameters(*a, *b, /*round=*/true);
      QVERIFY2(problem.empty(), problem.c_str());
    }
  }

  void singleFileNeedsConfigsForNonStandardShapes() {
    MRTI_REQUIRE_FIXTURES();
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(single_file()), single_file(), "standard", "config folder",
                      "[32, 32, 64, 64]");
    // A config folder for another model is caught before loading.
    const auto dir = linked_copy("other-config", {"unet"});
    auto config = mrti::read_config_json(tiny() + "/unet/config.json");
    config["block_out_channels"] = {32, 64, 64, 64};
    std::ofstream(dir + "/unet/config.json") << config.dump(2);
    mrti::ModelLoadOptions o;
    o.config_dir = dir;
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(single_file(), o), "does not describe", "block_out_channels");
  }

  // Real SD 1.x checkpoints store the VAE attention biases as [C]; the fixture as [C, 1, 1].
  void singleFileWithVectorBiases() {
    MRTI_REQUIRE_FIXTURES();
    auto raw = mrti::load_weights_file(single_file());
    int reshaped = 0;
    mrti::TensorMap edited;
    for (const auto& [k, v] : raw) {
      if (k.find(".mid.attn_1.") != std::string::npos && v.dim() == 3) {
        edited[k] = v.reshape({-1}).clone();
        ++reshaped;
      } else {
        edited[k] = v;
      }
    }
    QCOMPARE(reshaped, 8);
    const auto path = mrti_test::temp_dir("sf-bias") + "/real-layout.safetensors";
    mrti::save_safetensors(path, edited);
    mrti::SingleFileOptions so;
    so.config_dir = tiny();
    const auto c = mrti::load_single_file_checkpoint(path, so);
    const auto problem = exact_fp16_match(c.vae, weights_of("vae"));
    QVERIFY2(problem.empty(), problem.c_str());
    mrti::ModelLoadOptions o;
    o.config_dir = tiny();
    auto m = mrti::load_stable_diffusion(path, o);
    auto ref = mrti::load_stable_diffusion(tiny());
    const auto p2 = same_parameters(*m.vae, *ref.vae, true);
    QVERIFY2(p2.empty(), p2.c_str());
  }

  // Diffusers folders from before diffusers 0.14 name the VAE attention query / key /
  // value / proj_attn.
  void legacyVaeKeyNames() {
    MRTI_REQUIRE_FIXTURES();
    const auto dir = linked_copy("legacy-vae", {"vae"});
    fs::copy_file(tiny() + "/vae/config.json", dir + "/vae/config.json");
    mrti::TensorMap legacy;
    int renamed = 0;
    for (const auto& [k, v] : weights_of("vae")) {
      std::string key = k;
      for (auto [from, to] : {std::pair<std::string, std::string>{".to_q.", ".query."}, {".to_k.", ".key."},
                              {".to_v.", ".value."}, {".to_out.0.", ".proj_attn."}}) {
        const auto at = key.find(from);
        if (at != std::string::npos) {
          key.replace(at, from.size(), to);
          ++renamed;
        }
      }
      legacy[key] = v;
    }
    QCOMPARE(renamed, 16);
    mrti::save_safetensors(dir + "/vae/diffusion_pytorch_model.safetensors", legacy);
    auto m = mrti::load_stable_diffusion(dir);
    auto ref = mrti::load_stable_diffusion(tiny());
    const auto problem = same_parameters(*m.vae, *ref.vae, false);
    QVERIFY2(problem.empty(), problem.c_str());
  }

  // SD 2.x text encoders are OpenCLIP's: fused q/k/v, other names, and one more layer
  // than diffusers keeps. Built here from the tiny text encoder (plus a last layer to drop).
  void openClipTextEncoder() {
    MRTI_REQUIRE_FIXTURES();
    const auto te = weights_of("text_encoder");
    mrti::TensorMap ckpt;
    for (const auto& [k, v] : mrti::load_weights_file(single_file()))
      if (k.rfind("cond_stage_model.", 0) != 0) ckpt[k] = v;
    const std::string p = "cond_stage_model.model.";
    ckpt[p + "token_embedding.weight"] = te.at("text_model.embeddings.token_embedding.weight");
    ckpt[p + "positional_embedding"] = te.at("text_model.embeddings.position_embedding.weight");
    ckpt[p + "ln_final.weight"] = te.at("text_model.final_layer_norm.weight");
    ckpt[p + "ln_final.bias"] = te.at("text_model.final_layer_norm.bias");
    ckpt[p + "text_projection"] = torch::randn({32, 32});
    ckpt[p + "logit_scale"] = torch::ones({});
    for (int layer = 0; layer < 3; ++layer) {
      const std::string src = "text_model.encoder.layers." + std::to_string(layer % 2) + ".";
      const std::string dst = p + "transformer.resblocks." + std::to_string(layer) + ".";
      for (const char* wb : {"weight", "bias"}) {
        const std::string w = wb;
        ckpt[dst + "attn.in_proj_" + w] = torch::cat(
            {te.at(src + "self_attn.q_proj." + w), te.at(src + "self_attn.k_proj." + w), te.at(src + "self_attn.v_proj." + w)});
        ckpt[dst + "attn.out_proj." + w] = te.at(src + "self_attn.out_proj." + w);
        ckpt[dst + "ln_1." + w] = te.at(src + "layer_norm1." + w);
        ckpt[dst + "ln_2." + w] = te.at(src + "layer_norm2." + w);
        ckpt[dst + "mlp.c_fc." + w] = te.at(src + "mlp.fc1." + w);
        ckpt[dst + "mlp.c_proj." + w] = te.at(src + "mlp.fc2." + w);
      }
    }
    mrti::SingleFileOptions so;
    so.config_dir = tiny();  // its text encoder has 2 layers: the file's third is dropped
    const auto c = mrti::convert_single_file_checkpoint(ckpt, "sd2-like", so);
    QCOMPARE(c.family, std::string("SD 2.x"));
    auto expected = te;
    expected.erase("text_model.embeddings.position_ids");
    QCOMPARE(keys_of(c.text_encoder), keys_of(expected));
    for (const auto& [k, v] : expected) QVERIFY2(torch::equal(c.text_encoder.at(k), v), k.c_str());
    std::set<std::string> dropped(c.dropped.begin(), c.dropped.end());
    QVERIFY(dropped.count(p + "text_projection"));
    QVERIFY(dropped.count(p + "transformer.resblocks.2.attn.in_proj_weight"));
    QVERIFY(!dropped.count(p + "transformer.resblocks.1.attn.in_proj_weight"));
    // And the converted state dict loads into the model.
    mrti::ClipTextModel model(mrti::ClipTextConfig::from_json(c.text_encoder_config, "cfg"));
    mrti::load_clip_text_weights(model, c.text_encoder, "sd2-like");
  }

  // Full-size SD 1.x / 2.x checkpoints get diffusers' SD 1.5 / 2.x configs from their
  // shapes alone (values as in runwayml/stable-diffusion-v1-5 and stabilityai/stable-diffusion-2-1).
  void standardConfigurationsFromShapes() {
    auto sd1 = mrti::convert_single_file_checkpoint(standard_skeleton(false), "sd1.safetensors");
    QCOMPARE(sd1.family, std::string("SD 1.x"));
    QCOMPARE(sd1.config_source, std::string("standard SD 1.x configuration"));
    QCOMPARE(sd1.unet_config["block_out_channels"], nlohmann::json({320, 640, 1280, 1280}));
    QCOMPARE(sd1.unet_config["attention_head_dim"].get<int>(), 8);
    QCOMPARE(sd1.unet_config["cross_attention_dim"].get<int>(), 768);
    QCOMPARE(sd1.unet_config["sample_size"].get<int>(), 64);
    QCOMPARE(sd1.unet_config.value("use_linear_projection", false), false);
    QCOMPARE(sd1.unet_config["up_block_types"],
             nlohmann::json({"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}));
    QCOMPARE(sd1.text_encoder_config["hidden_act"].get<std::string>(), std::string("quick_gelu"));
    QCOMPARE(sd1.text_encoder_config["num_hidden_layers"].get<int>(), 12);
    QCOMPARE(sd1.text_encoder_config["num_attention_heads"].get<int>(), 12);
    QCOMPARE(sd1.vae_config["block_out_channels"], nlohmann::json({128, 256, 512, 512}));
    QCOMPARE(sd1.vae_config["latent_channels"].get<int>(), 4);
    QCOMPARE(sd1.vae_config["layers_per_block"].get<int>(), 2);
    QCOMPARE(sd1.scheduler_config["_class_name"].get<std::string>(), std::string("PNDMScheduler"));
    QCOMPARE(sd1.scheduler_config["beta_schedule"].get<std::string>(), std::string("scaled_linear"));
    QCOMPARE(sd1.scheduler_config["steps_offset"].get<int>(), 1);
    QCOMPARE(sd1.scheduler_config.value("prediction_type", "epsilon"), std::string("epsilon"));
    QVERIFY(sd1.notes.empty());
    QCOMPARE(sd1.dropped, (std::vector<std::string>{"alphas_cumprod", "model_ema.decay"}));
    // The UNet keys land where diffusers puts them.
    QVERIFY(sd1.unet.count("up_blocks.0.upsamplers.0.conv.weight"));
    QVERIFY(sd1.unet.count("up_blocks.2.upsamplers.0.conv.weight"));
    QVERIFY(sd1.unet.count("down_blocks.2.downsamplers.0.conv.weight"));
    QVERIFY(sd1.unet.count("up_blocks.3.attentions.2.proj_in.weight"));
    QVERIFY(sd1.unet.count("mid_block.attentions.0.proj_in.weight"));
    QVERIFY(sd1.unet.count("time_embedding.linear_1.weight"));

    auto sd2 = mrti::convert_single_file_checkpoint(standard_skeleton(true), "sd2.safetensors");
    QCOMPARE(sd2.family, std::string("SD 2.x"));
    QCOMPARE(sd2.unet_config["attention_head_dim"], nlohmann::json({5, 10, 20, 20}));
    QCOMPARE(sd2.unet_config["cross_attention_dim"].get<int>(), 1024);
    QCOMPARE(sd2.unet_config["use_linear_projection"].get<bool>(), true);
    QCOMPARE(sd2.unet_config["sample_size"].get<int>(), 64);  // epsilon: the 512 base model
    QCOMPARE(sd2.text_encoder_config["num_hidden_layers"].get<int>(), 23);
    QCOMPARE(sd2.text_encoder_config["hidden_act"].get<std::string>(), std::string("gelu"));
    QCOMPARE(sd2.text_encoder_config["num_attention_heads"].get<int>(), 16);
    QCOMPARE(sd2.text_encoder_config["intermediate_size"].get<int>(), 4096);
    QVERIFY(sd2.text_encoder.count("text_model.encoder.layers.22.self_attn.v_proj.weight"));
    QVERIFY(!sd2.text_encoder.count("text_model.encoder.layers.23.self_attn.v_proj.weight"));
    QCOMPARE(sd2.text_encoder.at("text_model.encoder.layers.0.self_attn.k_proj.weight").sizes(),
             (torch::IntArrayRef{1024, 1024}));
    QCOMPARE(sd2.notes.size(), size_t(1));
    QVERIFY(contains(sd2.notes[0], "v_prediction"));
    mrti::SingleFileOptions v;
    v.prediction_type = "v_prediction";
    auto sd2v = mrti::convert_single_file_checkpoint(standard_skeleton(true), "sd2.safetensors", v);
    QCOMPARE(sd2v.scheduler_config["prediction_type"].get<std::string>(), std::string("v_prediction"));
    QCOMPARE(sd2v.unet_config["sample_size"].get<int>(), 96);
    QCOMPARE(sd2v.vae_config["sample_size"].get<int>(), 768);
    QVERIFY(sd2v.notes.empty());
    v.prediction_type = "sample";
    MRTI_EXPECT_ERROR(mrti::convert_single_file_checkpoint(standard_skeleton(true), "x", v), "sample");
    // SDXL is recognised and refused.
    auto xl = standard_skeleton(false);
    xl["conditioner.embedders.0.transformer.text_model.final_layer_norm.weight"] = shaped({768});
    MRTI_EXPECT_ERROR(mrti::convert_single_file_checkpoint(xl, "xl.safetensors"), "XL");
  }

  void variantWeightFiles() {
    MRTI_REQUIRE_FIXTURES();
    const auto dir = mrti_test::temp_dir("variant");
    const auto src = tiny() + "/text_encoder/model.safetensors";
    fs::create_symlink(src, dir + "/model.fp16.safetensors");
    QCOMPARE(mrti::find_component_weights(dir), dir + "/model.fp16.safetensors");
    fs::create_symlink(src, dir + "/model.safetensors");
    QCOMPARE(mrti::find_component_weights(dir), dir + "/model.safetensors");
    QCOMPARE(mrti::find_component_weights(dir, "fp16"), dir + "/model.fp16.safetensors");
    fs::create_symlink(tiny() + "/text_encoder/pytorch_model.bin", dir + "/pytorch_model.bin");
    QCOMPARE(mrti::find_component_weights(dir), dir + "/model.safetensors");
    const auto empty = mrti_test::temp_dir("variant-none");
    MRTI_EXPECT_ERROR(mrti::find_component_weights(empty), empty, "model.safetensors");
  }

  void badInput() {
    MRTI_REQUIRE_FIXTURES();
    // Not there at all.
    const auto missing = mrti_test::temp_dir("bad") + "/nothing-here";
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(missing), missing, "does not exist");
    // An empty folder.
    const auto empty = mrti_test::temp_dir("bad-empty");
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(empty), empty, "is not a Stable Diffusion model", "empty");
    // A folder of other things.
    const auto other = mrti_test::temp_dir("bad-other");
    std::ofstream(other + "/notes.txt") << "hello";
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(other), other, "model_index.json not found",
                      "expected a diffusers folder or a .safetensors checkpoint");
    // A folder holding one checkpoint points at it.
    const auto holder = mrti_test::temp_dir("bad-holder");
    fs::create_symlink(single_file(), holder + "/model.safetensors");
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(holder), "model.safetensors", "open that file");
    // model_index.json, but the unet has no config.json.
    const auto no_config = linked_copy("bad-noconfig", {"unet"});
    fs::create_symlink(tiny() + "/unet/diffusion_pytorch_model.safetensors",
                       no_config + "/unet/diffusion_pytorch_model.safetensors");
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(no_config), no_config + "/unet/config.json", "not found");
    // A component folder without weights.
    const auto no_weights = linked_copy("bad-noweights", {"vae"});
    fs::copy_file(tiny() + "/vae/config.json", no_weights + "/vae/config.json");
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(no_weights), no_weights + "/vae", "no weights file");
    // A component folder missing entirely.
    const auto no_vae = linked_copy("bad-novae", {});
    fs::remove(no_vae + "/vae");
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(no_vae), "vae/", "incomplete");
    // A weight of the wrong shape: the error names the key.
    const auto bad_shape = linked_copy("bad-shape", {"unet"});
    fs::copy_file(tiny() + "/unet/config.json", bad_shape + "/unet/config.json");
    auto unet = weights_of("unet");
    unet["conv_in.weight"] = torch::zeros({32, 4, 1, 1});
    mrti::save_safetensors(bad_shape + "/unet/diffusion_pytorch_model.safetensors", unet);
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(bad_shape), "conv_in.weight", "[32, 4, 3, 3]",
                      "diffusion_pytorch_model.safetensors");
    // A safetensors file that is not a Stable Diffusion checkpoint.
    const auto foreign = mrti_test::temp_dir("bad-foreign") + "/lora.safetensors";
    mrti::save_safetensors(foreign, {{"lora_unet_down.alpha", torch::ones({1})}});
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(foreign), foreign, "not a Stable Diffusion checkpoint");
    // A training checkpoint that pickles a PyTorch Lightning object.
    const auto ckpt = mrti_test::temp_dir("bad-ckpt") + "/trained.ckpt";
    std::string pickle("\x80\x02}", 3);
    pickle += std::string("\x8c\x09", 2) + "callbacks";
    pickle += "cpytorch_lightning.callbacks.model_checkpoint\nModelCheckpoint\n";
    pickle += ")\x81s.";
    write_torch_zip(ckpt, pickle);
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(ckpt), ckpt, "Convert the checkpoint to .safetensors",
                      "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint");
    // Unknown file type.
    const auto txt = mrti_test::temp_dir("bad-txt") + "/model.txt";
    std::ofstream(txt) << "x";
    MRTI_EXPECT_ERROR(mrti::load_stable_diffusion(txt), txt, "unknown file type");
  }

  void describe() {
    MRTI_REQUIRE_FIXTURES();
    const auto d = mrti::describe_stable_diffusion(tiny());
    QCOMPARE(d["kind"].get<std::string>(), std::string("diffusers folder"));
    QCOMPARE(d["components"]["text_encoder"]["parameters"].get<int64_t>(), int64_t(1597162));
    QCOMPARE(d["components"]["unet"]["parameters"].get<int64_t>(), int64_t(2446788));
    QCOMPARE(d["components"]["vae"]["parameters"].get<int64_t>(), int64_t(1399879));
    QCOMPARE(d["components"]["unet"]["dtypes"], nlohmann::json({"fp32"}));
    QCOMPARE(d["config"]["unet"]["cross_attention_dim"].get<int>(), 32);
    QCOMPARE(d["config"]["scheduler"]["prediction_type"].get<std::string>(), std::string("epsilon"));
    const auto s = mrti::describe_stable_diffusion(single_file(), tiny());
    QCOMPARE(s["kind"].get<std::string>(), std::string("single-file checkpoint"));
    QCOMPARE(s["family"].get<std::string>(), std::string("SD 1.x"));
    QCOMPARE(s["components"]["unet"]["parameters"].get<int64_t>(), int64_t(2446788));
    QCOMPARE(s["components"]["text_encoder"]["parameters"].get<int64_t>(), int64_t(1597162));
    QCOMPARE(s["components"]["vae"]["dtypes"], nlohmann::json({"fp16"}));
    QCOMPARE(s["file"]["tensors"].get<int>(), 965);
    MRTI_EXPECT_ERROR(mrti::describe_stable_diffusion(single_file()), "config folder");
    // A type of its own, so each front end can offer the folder its way.
    QVERIFY_THROWS_EXCEPTION(mrti::ConfigFolderNeeded, mrti::load_stable_diffusion(single_file()));
  }
};

QTEST_APPLESS_MAIN(TestModelLoading)
#include "test_model_loading.moc"
