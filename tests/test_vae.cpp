#include "test_support.h"

#include <fstream>
#include <functional>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include "models/autoencoder_kl.h"
#include "models/config_json.h"
#include "models/group_norm_statistics.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"
#include "tensor_io/state_dict.h"

namespace {

using mrti_test::contains;
using mrti_test::error_of;

std::string vae_dir() { return mrti_test::fixture("tiny-sd15/vae"); }
std::string vae_weights_path() { return vae_dir() + "/diffusion_pytorch_model.safetensors"; }

mrti::AutoencoderKL make_vae() { return mrti::AutoencoderKL(mrti::AutoencoderKLConfig::from_file(vae_dir())); }

mrti::TensorMap reference() {
  return mrti::read_safetensors(mrti_test::fixture("tiny-sd15-ref/vae.safetensors")).tensors;
}

// Renames "<...>.attentions.0.<from>.<param>" keys to "<to>", as older files name them.
mrti::TensorMap with_renamed_attention(const mrti::TensorMap& weights,
                                       const std::vector<std::pair<std::string, std::string>>& renames) {
  mrti::TensorMap out;
  for (const auto& [key, t] : weights) {
    std::string k = key;
    for (const auto& [from, to] : renames) {
      const std::string needle = ".attentions.0." + from + ".";
      const auto pos = k.find(needle);
      if (pos != std::string::npos) k = k.substr(0, pos) + ".attentions.0." + to + "." + k.substr(pos + needle.size());
    }
    out[k] = t;
  }
  return out;
}

std::string write_config(const nlohmann::json& json) {
  const std::string dir = mrti_test::temp_dir("vae-config");
  std::ofstream(dir + "/config.json") << json.dump(2);
  return dir;
}

}  // namespace

class TestVae : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void config_is_read() {
    MRTI_REQUIRE_FIXTURES();
    const auto c = mrti::AutoencoderKLConfig::from_file(vae_dir());
    QCOMPARE(c.block_out_channels, (std::vector<int64_t>{32, 32, 64, 64}));
    QCOMPARE(c.latent_channels, int64_t(4));
    QCOMPARE(c.layers_per_block, int64_t(2));
    QCOMPARE(c.scaling_factor, 0.18215);
    QCOMPARE(c.downscale_factor(), int64_t(8));
    // Old configs have no scaling_factor: SD's 0.18215 is the default.
    auto j = mrti::read_config_json(vae_dir());
    j.erase("scaling_factor");
    QCOMPARE(mrti::AutoencoderKLConfig::from_json(j, "old config").scaling_factor, 0.18215);
  }

  void matches_diffusers() {
    MRTI_REQUIRE_FIXTURES();
    auto vae = make_vae();
    mrti::load_state_dict(*vae, mrti::load_weights_file(vae_weights_path()), vae_weights_path());
    int64_t params = 0;
    for (const auto& p : vae->parameters()) params += p.numel();
    QCOMPARE(params, int64_t(1399879));
    const auto ref = reference();
    torch::NoGradGuard no_grad;

    const auto posterior = vae->encode(ref.at("image"));
    const auto decoded = vae->decode(ref.at("latent"));
    qInfo("VAE rel L2: moments %.3g, mean %.3g, logvar %.3g, std %.3g, decoded %.3g",
          mrti_test::rel_l2(posterior.moments, ref.at("moments")),
          mrti_test::rel_l2(posterior.mean, ref.at("posterior_mean")),
          mrti_test::rel_l2(posterior.logvar, ref.at("posterior_logvar")),
          mrti_test::rel_l2(posterior.std, ref.at("posterior_std")), mrti_test::rel_l2(decoded, ref.at("decoded")));
    MRTI_COMPARE_REL(posterior.moments, ref.at("moments"), 1e-4);
    MRTI_COMPARE_REL(posterior.mean, ref.at("posterior_mean"), 1e-4);
    MRTI_COMPARE_REL(posterior.logvar, ref.at("posterior_logvar"), 1e-4);
    MRTI_COMPARE_REL(posterior.std, ref.at("posterior_std"), 1e-4);
    MRTI_COMPARE_REL(decoded, ref.at("decoded"), 1e-4);

    // Tiny attention blocks (the chunked path on LibTorch 1.x) and channels_last agree.
    mrti::set_attention_chunk_bytes(5000);
    const auto decoded_chunked = vae->decode(ref.at("latent"));
    const auto moments_chunked = vae->encode(ref.at("image")).moments;
    mrti::set_attention_chunk_bytes(0);
    qInfo("VAE rel L2 with 5000-byte attention chunks: moments %.3g, decoded %.3g",
          mrti_test::rel_l2(moments_chunked, ref.at("moments")), mrti_test::rel_l2(decoded_chunked, ref.at("decoded")));
    MRTI_COMPARE_REL(decoded_chunked, ref.at("decoded"), 1e-4);
    MRTI_COMPARE_REL(moments_chunked, ref.at("moments"), 1e-4);
    const auto decoded_cl = vae->decode(ref.at("latent").contiguous(torch::MemoryFormat::ChannelsLast));
    MRTI_COMPARE_REL(decoded_cl, ref.at("decoded"), 1e-4);
  }

  void posterior_sampling() {
    MRTI_REQUIRE_FIXTURES();
    const auto ref = reference();
    mrti::DiagonalGaussianDistribution posterior(ref.at("moments"));
    torch::manual_seed(5);
    const auto noise = torch::randn_like(ref.at("posterior_mean"));
    MRTI_COMPARE_REL(posterior.sample_with_noise(noise), ref.at("posterior_mean") + ref.at("posterior_std") * noise,
                     1e-6);
    MRTI_COMPARE_REL(posterior.mode(), ref.at("posterior_mean"), 1e-7);
    // A seeded generator gives the same draw twice, and the draw is mean + std * N(0, 1).
    const auto a = posterior.sample(at::detail::createCPUGenerator(42));
    const auto b = posterior.sample(at::detail::createCPUGenerator(42));
    QCOMPARE(mrti_test::rel_l2(a, b), 0.0);
    const auto z = (a - ref.at("posterior_mean")) / ref.at("posterior_std");
    QVERIFY(std::abs(z.mean().item<double>()) < 0.2);
    QVERIFY(std::abs(z.std().item<double>() - 1.0) < 0.2);
    MRTI_EXPECT_ERROR(posterior.sample_with_noise(torch::randn({1, 4, 8, 8})), "noise");
  }

  void slicing_gives_the_same_result() {
    MRTI_REQUIRE_FIXTURES();
    auto vae = make_vae();
    mrti::load_state_dict(*vae, mrti::load_weights_file(vae_weights_path()), vae_weights_path());
    torch::NoGradGuard no_grad;
    torch::manual_seed(9);
    const auto latents = torch::randn({2, 4, 8, 8});
    const auto whole = vae->decode(latents);
    vae->set_slicing(true);
    const auto sliced = vae->decode(latents);
    QCOMPARE(sliced.sizes().vec(), (std::vector<int64_t>{2, 3, 64, 64}));
    MRTI_COMPARE_REL(sliced, whole, 1e-5);
  }

  void bf16_group_norm_on_channels_last_input() {
    // The decoder's GroupNorm on bfloat16 NHWC input of its sizes (mean far from 0, as its
    // activations are): within bfloat16 rounding of float32, as on NCHW input.
    torch::NoGradGuard no_grad;
    torch::manual_seed(4);
    torch::nn::GroupNorm norm(torch::nn::GroupNormOptions(32, 64).eps(1e-6));
    norm->weight.normal_();
    norm->bias.normal_();
    for (const int64_t side : {16, 64, 128}) {
      const auto x = torch::randn({1, 64, side, side}) * 2 + 3;
      const auto want = norm->forward(x);
      torch::nn::GroupNorm half(torch::nn::GroupNormOptions(32, 64).eps(1e-6));
      half->to(torch::kBFloat16);
      half->weight.copy_(norm->weight);
      half->bias.copy_(norm->bias);
      for (const auto format : {at::MemoryFormat::Contiguous, at::MemoryFormat::ChannelsLast}) {
        const auto got = mrti::group_norm(half, x.to(torch::kBFloat16).contiguous(format));
        QVERIFY(got.is_contiguous(format));
        MRTI_COMPARE_REL(got.to(torch::kFloat), want, 2e-2);
      }
    }
  }

  void legacy_attention_names_and_shapes_load() {
    MRTI_REQUIRE_FIXTURES();
    const auto weights = mrti::load_weights_file(vae_weights_path());
    const auto ref = reference();
    // Pre-0.14 diffusers names: query/key/value/proj_attn.
    const auto legacy = with_renamed_attention(
        weights, {{"to_q", "query"}, {"to_k", "key"}, {"to_v", "value"}, {"to_out.0", "proj_attn"}});
    QVERIFY(legacy.count("decoder.mid_block.attentions.0.proj_attn.weight"));
    QVERIFY(!legacy.count("decoder.mid_block.attentions.0.to_out.0.weight"));
    {
      auto vae = make_vae();
      MRTI_EXPECT_ERROR(mrti::load_state_dict(*vae, legacy, "legacy.safetensors"),
                          "decoder.mid_block.attentions.0.query.weight");
    }
    // Conv-shaped tensors as the original-layout converter writes them: [C,1,1] biases and
    // [O,I,1,1] weights.
    mrti::TensorMap conv_shaped = legacy;
    for (auto& [key, t] : conv_shaped) {
      if (key.find(".attentions.0.") == std::string::npos || key.find("group_norm") != std::string::npos) continue;
      t = t.dim() == 1 ? t.reshape({t.size(0), 1, 1}) : t.reshape({t.size(0), t.size(1), 1, 1});
    }
    QCOMPARE(conv_shaped.at("encoder.mid_block.attentions.0.key.bias").dim(), int64_t(3));
    for (const mrti::TensorMap* variant : {&legacy, static_cast<const mrti::TensorMap*>(&conv_shaped)}) {
      auto vae = make_vae();
      const auto report = mrti::load_state_dict(*vae, mrti::normalize_vae_state_dict(*variant), "legacy.safetensors");
      QVERIFY(report.missing.empty() && report.unexpected.empty());
      torch::NoGradGuard no_grad;
      const auto decoded = vae->decode(ref.at("latent"));
      const auto moments = vae->encode(ref.at("image")).moments;
      qInfo("VAE from legacy keys%s: decoded rel L2 %.3g, moments %.3g",
            variant == &conv_shaped ? " with conv shapes" : "", mrti_test::rel_l2(decoded, ref.at("decoded")),
            mrti_test::rel_l2(moments, ref.at("moments")));
      MRTI_COMPARE_REL(decoded, ref.at("decoded"), 1e-4);
      MRTI_COMPARE_REL(moments, ref.at("moments"), 1e-4);
    }
    // Current names pass through unchanged.
    const auto same = mrti::normalize_vae_state_dict(weights);
    QCOMPARE(same.size(), weights.size());
    for (const auto& [key, t] : weights) QVERIFY(same.count(key) && same.at(key).is_same(t));
  }

  void bad_config_names_the_field() {
    MRTI_REQUIRE_FIXTURES();
    const auto good = mrti::read_config_json(vae_dir());
    {
      auto j = good;
      j.erase("latent_channels");
      MRTI_EXPECT_ERROR(mrti::AutoencoderKLConfig::from_file(write_config(j)), "\"latent_channels\"");
    }
    {
      auto j = good;
      j["block_out_channels"] = {32, "64"};
      MRTI_EXPECT_ERROR(mrti::AutoencoderKLConfig::from_file(write_config(j)), "\"block_out_channels\"");
    }
    {
      auto j = good;
      j["scaling_factor"] = "0.18215";
      MRTI_EXPECT_ERROR(mrti::AutoencoderKLConfig::from_file(write_config(j)), "\"scaling_factor\"");
    }
    {
      auto j = good;
      j["up_block_types"] = {"UpDecoderBlock2D", "UpDecoderBlock2D"};
      MRTI_EXPECT_ERROR(mrti::AutoencoderKLConfig::from_file(write_config(j)), "\"up_block_types\"");
    }
    {
      auto j = good;
      j["norm_num_groups"] = 24;
      MRTI_EXPECT_ERROR(mrti::AutoencoderKLConfig::from_file(write_config(j)), "\"norm_num_groups\"");
    }
    {
      auto j = good;
      j["act_fn"] = "tanh";
      MRTI_EXPECT_ERROR(mrti::AutoencoderKLConfig::from_file(write_config(j)), "\"act_fn\"");
    }
    const std::string empty = mrti_test::temp_dir("vae-empty");
    MRTI_EXPECT_ERROR(mrti::AutoencoderKLConfig::from_file(empty), "missing config.json in " + empty);
  }

  void wrong_weight_shape_names_the_key() {
    MRTI_REQUIRE_FIXTURES();
    auto vae = make_vae();
    auto weights = mrti::load_weights_file(vae_weights_path());
    const std::string key = "decoder.up_blocks.1.resnets.0.conv1.weight";
    QVERIFY(weights.count(key));
    weights[key] = torch::zeros({64, 64, 1, 1});
    MRTI_EXPECT_ERROR(mrti::load_state_dict(*vae, weights, vae_weights_path()), key);
  }

  void bad_inputs_are_refused() {
    MRTI_REQUIRE_FIXTURES();
    auto vae = make_vae();
    torch::NoGradGuard no_grad;
    MRTI_EXPECT_ERROR(vae->encode(torch::randn({1, 4, 64, 64})), "image");
    MRTI_EXPECT_ERROR(vae->decode(torch::randn({1, 3, 8, 8})), "latent");
  }
};

QTEST_APPLESS_MAIN(TestVae)
#include "test_vae.moc"
