#include "test_support.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <map>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include "models/attention_processor.h"
#include "models/autoencoder_kl.h"
#include "models/clip_text_model.h"
#include "models/standard_configs.h"
#include "models/token_merging.h"
#include "models/config_json.h"
#include "models/fused_cpu_attention.h"
#include "models/int8_linear.h"
#include "models/layer_forward.h"
#include "models/unet_2d_condition_model.h"
#include "runtime/cpu_features.h"
#include "runtime/error.h"
#include "runtime/op_profile.h"
#include "tensor_io/safetensors.h"
#include "tensor_io/state_dict.h"

namespace {

using mrti_test::contains;
using mrti_test::error_of;

std::string unet_dir() { return mrti_test::fixture("tiny-sd15/unet"); }

mrti::UNet2DConditionModel load_tiny_unet() {
  mrti::UNet2DConditionModel unet(mrti::UNet2DConditionConfig::from_file(unet_dir()));
  const std::string weights = unet_dir() + "/diffusion_pytorch_model.safetensors";
  const auto report = mrti::load_state_dict(*unet, mrti::load_weights_file(weights), weights);
  if (!report.missing.empty() || !report.unexpected.empty()) throw mrti::Error("tiny UNet did not load strictly");
  unet->eval();
  return unet;
}

// softmax(q k^T / sqrt(D)) v in float64, the definition the chunked kernel must match.
torch::Tensor plain_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  const auto qd = q.to(torch::kDouble), kd = k.to(torch::kDouble), vd = v.to(torch::kDouble);
  const auto scores = torch::bmm(qd, kd.transpose(1, 2)) / std::sqrt(static_cast<double>(q.size(2)));
  return torch::bmm(torch::softmax(scores, -1), vd);
}

nlohmann::json tiny_config_json() { return mrti::read_config_json(unet_dir()); }

std::string write_config(const nlohmann::json& json) {
  const std::string dir = mrti_test::temp_dir("unet-config");
  std::ofstream(dir + "/config.json") << json.dump(2);
  return dir;
}

}  // namespace

class TestUNet : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void config_reads_the_head_count_quirk() {
    MRTI_REQUIRE_FIXTURES();
    const auto config = mrti::UNet2DConditionConfig::from_file(unet_dir());
    // SD 1.x configs put the head count in attention_head_dim.
    QCOMPARE(config.num_attention_heads, (std::vector<int64_t>{8, 8, 8, 8}));
    QCOMPARE(config.block_out_channels, (std::vector<int64_t>{32, 32, 64, 64}));
    QCOMPARE(config.cross_attention_dim, (std::vector<int64_t>{32, 32, 32, 32}));
    QCOMPARE(config.layers_per_block, (std::vector<int64_t>{2, 2, 2, 2}));
    QCOMPARE(config.sample_size, int64_t(16));
  }

  void matches_diffusers() {
    MRTI_REQUIRE_FIXTURES();
    auto unet = load_tiny_unet();
    int64_t params = 0;
    for (const auto& p : unet->parameters()) params += p.numel();
    QCOMPARE(params, int64_t(2446788));

    const auto ref = mrti::read_safetensors(mrti_test::fixture("tiny-sd15-ref/unet.safetensors")).tensors;
    const auto& sample = ref.at("sample");
    const auto& ehs = ref.at("encoder_hidden_states");
    torch::NoGradGuard no_grad;

    const auto out = unet->forward(sample, ref.at("timesteps"), ehs);
    const auto out_scalar = unet->forward(sample, ref.at("scalar_timestep"), ehs);
    QCOMPARE(ref.at("scalar_timestep").dim(), int64_t(0));
    const auto out_float = unet->forward(sample, ref.at("float_timesteps"), ehs);
    QCOMPARE(ref.at("float_timesteps").scalar_type(), torch::kFloat);
    qInfo("UNet rel L2: int64 t %.3g, 0-dim t %.3g, float32 t %.3g", mrti_test::rel_l2(out, ref.at("out")),
          mrti_test::rel_l2(out_scalar, ref.at("out_scalar_t500")), mrti_test::rel_l2(out_float, ref.at("out_float_t")));
    MRTI_COMPARE_REL(out, ref.at("out"), 1e-4);
    MRTI_COMPARE_REL(out_scalar, ref.at("out_scalar_t500"), 1e-4);
    MRTI_COMPARE_REL(out_float, ref.at("out_float_t"), 1e-4);

    // The same model with tiny attention blocks still matches (chunked path on LibTorch 1.x).
    mrti::set_attention_chunk_bytes(3000);
    const auto out_chunked = unet->forward(sample, ref.at("timesteps"), ehs);
    mrti::set_attention_chunk_bytes(0);
    qInfo("UNet rel L2 with 3000-byte attention chunks: %.3g", mrti_test::rel_l2(out_chunked, ref.at("out")));
    MRTI_COMPARE_REL(out_chunked, ref.at("out"), 1e-4);

    // channels_last input gives the same prediction.
    const auto out_cl = unet->forward(sample.contiguous(torch::MemoryFormat::ChannelsLast), ref.at("timesteps"), ehs);
    MRTI_COMPARE_REL(out_cl, ref.at("out"), 1e-4);
  }

  void bfloat16_channels_last_is_close() {
    MRTI_REQUIRE_FIXTURES();
    auto unet = load_tiny_unet();
    unet->to(torch::kBFloat16);
    const auto ref = mrti::read_safetensors(mrti_test::fixture("tiny-sd15-ref/unet.safetensors")).tensors;
    torch::NoGradGuard no_grad;
    const auto sample = ref.at("sample").to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast);
    const auto out = unet->forward(sample, ref.at("timesteps"), ref.at("encoder_hidden_states").to(torch::kBFloat16));
    QCOMPARE(out.scalar_type(), torch::kBFloat16);
    const double err = mrti_test::rel_l2(out, ref.at("out"));
    qInfo("UNet bfloat16 + channels_last rel L2 vs float32 reference: %.3g", err);
    QVERIFY2(err < 5e-2, qPrintable(QString("rel L2 %1").arg(err)));
  }

  void bfloat16_at_large_latent_sizes() {
    // At 64x64 latents every GroupNorm of the UNet (the resnets', the transformers' and the
    // output's) must normalise channels_last bf16 in float32: LibTorch 1.13 sums those moments
    // in bf16, off by tens of percent at this size. bf16 weights with float32 input compute in
    // float32 (runtime/bfloat16_math.h) and are nearer still.
    MRTI_REQUIRE_FIXTURES();
    auto exact = load_tiny_unet();
    auto bf16 = load_tiny_unet();
    bf16->to(torch::kBFloat16);
    torch::NoGradGuard no_grad;
    auto gen = at::detail::createCPUGenerator(7);
    const auto sample = at::randn({1, 4, 64, 64}, gen);
    const auto states = at::randn({1, 77, exact->config().cross_attention_dim.front()}, gen);
    const auto t = torch::tensor(400, torch::kLong);
    const auto want = exact->forward(sample, t, states);
    const auto nhwc = bf16->forward(sample.to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast), t,
                                    states.to(torch::kBFloat16));
    const auto widened = bf16->forward(sample, t, states);
    QCOMPARE(widened.scalar_type(), torch::kFloat);
    const double e_nhwc = mrti_test::rel_l2(nhwc, want), e_widened = mrti_test::rel_l2(widened, want);
    qInfo("UNet at 64x64 latents vs float32: bf16 channels_last %.3g, bf16 weights with float32 input %.3g", e_nhwc,
          e_widened);
    QVERIFY2(e_nhwc < 6e-2, qPrintable(QString::number(e_nhwc)));
    QVERIFY2(e_widened < 2e-2 && e_widened < e_nhwc, qPrintable(QString::number(e_widened)));
  }

  void odd_latent_sizes_keep_their_shape() {
    MRTI_REQUIRE_FIXTURES();
    auto unet = load_tiny_unet();
    torch::NoGradGuard no_grad;
    torch::manual_seed(3);
    const auto sample = torch::randn({1, 4, 15, 13});
    const auto ehs = torch::randn({1, 77, 32});
    const auto out = unet->forward(sample, torch::tensor(int64_t(250)), ehs);
    QCOMPARE(out.sizes().vec(), sample.sizes().vec());
    QVERIFY(torch::isfinite(out).all().item<bool>());
  }

  void gradients_reach_the_text_embeddings() {
    MRTI_REQUIRE_FIXTURES();
    auto unet = load_tiny_unet();
    for (auto& p : unet->parameters()) p.set_requires_grad(false);
    const auto ref = mrti::read_safetensors(mrti_test::fixture("tiny-sd15-ref/unet.safetensors")).tensors;
    const auto ehs = ref.at("encoder_hidden_states").clone().requires_grad_(true);
    mrti::set_attention_chunk_bytes(3000);  // exercise the chunked path's backward too
    const auto out = unet->forward(ref.at("sample"), ref.at("timesteps"), ehs);
    mrti::set_attention_chunk_bytes(0);
    out.pow(2).mean().backward();
    QVERIFY(ehs.grad().defined());
    QVERIFY(torch::isfinite(ehs.grad()).all().item<bool>());
    QVERIFY(ehs.grad().abs().sum().item<double>() > 0);

    // The same gradient with the default (single-block) attention.
    const auto ehs2 = ref.at("encoder_hidden_states").clone().requires_grad_(true);
    unet->forward(ref.at("sample"), ref.at("timesteps"), ehs2).pow(2).mean().backward();
    qInfo("gradient rel L2, chunked vs unchunked attention: %.3g", mrti_test::rel_l2(ehs.grad(), ehs2.grad()));
    MRTI_COMPARE_REL(ehs.grad(), ehs2.grad(), 1e-5);
  }

  void chunked_attention_equals_plain_softmax() {
    torch::manual_seed(7);
    const int64_t n = 6, lq = 50, lk = 37, d = 16;
    const auto q = torch::randn({n, lq, d}), k = torch::randn({n, lk, d}), v = torch::randn({n, lk, d});
    const auto expected = plain_attention(q, k, v);
    // Block sizes that do not divide N = 6 or Lq = 50.
    const std::vector<std::pair<int64_t, int64_t>> chunks = {{4, 7}, {1, 13}, {5, 49}, {6, 50}, {2, 50}, {1, 1}};
    for (const auto& [bc, qc] : chunks) {
      for (const bool upcast : {false, true}) {
        const auto out = mrti::chunked_attention(q, k, v, upcast, bc, qc);
        const double err = mrti_test::rel_l2(out, expected);
        qInfo("chunked attention batch_chunk %lld query_chunk %lld upcast %d: rel L2 %.3g", (long long)bc,
              (long long)qc, int(upcast), err);
        QVERIFY2(err < 1e-5, qPrintable(QString("rel L2 %1").arg(err)));
      }
    }
    // Blocks chosen from a byte budget: 37 keys * 8 bytes per query row -> 3 rows per block.
    const auto by_budget = mrti::chunked_attention(q, k, v, false, 37 * 8 * 3);
    MRTI_COMPARE_REL(by_budget, expected, 1e-5);

    // Multi-head wrapper on [B, L, H*D] with a small budget against the plain per-head form.
    const int64_t b = 2, heads = 3;
    const auto mq = torch::randn({b, lq, heads * d}), mk = torch::randn({b, lk, heads * d}),
               mv = torch::randn({b, lk, heads * d});
    auto per_head = [&](const torch::Tensor& t) {
      return t.view({b, t.size(1), heads, d}).transpose(1, 2).reshape({b * heads, t.size(1), d});
    };
    const auto mexpected =
        plain_attention(per_head(mq), per_head(mk), per_head(mv)).view({b, heads, lq, d}).transpose(1, 2).reshape(
            {b, lq, heads * d});
    mrti::set_attention_chunk_bytes(1000);
    const auto mout = mrti::multi_head_attention(mq, mk, mv, heads, false);
    mrti::set_attention_chunk_bytes(0);
    MRTI_COMPARE_REL(mout, mexpected, 1e-5);
  }

  void fused_cpu_attention_equals_plain_softmax() {
    const auto cpu = mrti::cpu_features();
    const bool vector_unit = cpu.avx2 && cpu.fma;
    torch::manual_seed(5);
    auto multi_head_plain = [](const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t heads) {
      const int64_t b = q.size(0), inner = q.size(2), d = inner / heads;
      auto per_head = [&](const torch::Tensor& t) {
        return t.view({b, t.size(1), heads, d}).transpose(1, 2).reshape({b * heads, t.size(1), d});
      };
      return plain_attention(per_head(q), per_head(k), per_head(v))
          .view({b, heads, q.size(1), d})
          .transpose(1, 2)
          .reshape({b, q.size(1), inner})
          .to(torch::kFloat);
    };
    struct Case {
      int64_t b, lq, lk, heads, d;
      double q_scale;
    };
    // Query counts and key counts that do not fill the kernel's tiles and blocks (6 and 24
    // queries, 16 and 32 keys); head sizes of 1 to 5 vectors and of several column passes
    // (SD 1.x's 40, 80 and 160, SD 2.x's 64); the text's 77 keys; large scores whose softmax
    // underflows to exact zeros for most keys.
    const std::vector<Case> cases = {{2, 50, 37, 3, 16, 1},  {1, 7, 1, 1, 8, 1},     {2, 100, 77, 8, 40, 1},
                                     {1, 33, 65, 2, 80, 1},  {2, 20, 49, 1, 160, 1}, {1, 30, 19, 2, 64, 1},
                                     {1, 25, 40, 2, 24, 1},  {2, 64, 64, 2, 40, 40}};
    for (const Case& c : cases) {
      const auto q = torch::randn({c.b, c.lq, c.heads * c.d}) * c.q_scale;
      const auto k = torch::randn({c.b, c.lk, c.heads * c.d}), v = torch::randn({c.b, c.lk, c.heads * c.d});
      QCOMPARE(mrti::fused_cpu_attention_applies(q, k, v, c.heads), vector_unit);
      if (!vector_unit) {
        QVERIFY_EXCEPTION_THROWN(mrti::fused_cpu_attention(q, k, v, c.heads), mrti::Error);
        continue;
      }
      const auto out = mrti::fused_cpu_attention(q, k, v, c.heads);
      const auto expected = multi_head_plain(q, k, v, c.heads);
      const double err = mrti_test::rel_l2(out, expected);
      qInfo("fused attention B %lld Lq %lld Lk %lld heads %lld D %lld q x%g: rel L2 %.3g", (long long)c.b,
            (long long)c.lq, (long long)c.lk, (long long)c.heads, (long long)c.d, c.q_scale, err);
      QCOMPARE(out.sizes(), q.sizes());
      QVERIFY2(err < 1e-5, qPrintable(QString("rel L2 %1").arg(err)));
      // multi_head_attention takes this path for float32 inference on LibTorch 1.x.
      MRTI_COMPARE_REL(mrti::multi_head_attention(q, k, v, c.heads, false), expected, 1e-5);
    }
    // A NaN query spoils its own rows only, as in softmax (it is not taken for a tiny score).
    if (vector_unit) {
      auto q = torch::randn({1, 40, 16}), k = torch::randn({1, 33, 16}), v = torch::randn({1, 33, 16});
      q[0][5][3] = std::nan("");
      const auto out = mrti::fused_cpu_attention(q, k, v, 2);
      QVERIFY(out[0][5].narrow(0, 0, 8).isnan().all().item<bool>());
      QVERIFY(out[0][5].narrow(0, 8, 8).isfinite().all().item<bool>());
      QCOMPARE(out.isnan().sum().item<int64_t>(), int64_t(8));
    }
    // Views with strides (a slice of a wider tensor) give the same result as their copies.
    const auto wide = torch::randn({1, 30, 64});
    const auto q = wide.narrow(2, 0, 32), k = wide.narrow(2, 16, 32), v = wide.narrow(2, 32, 32);
    if (vector_unit)
      MRTI_COMPARE_REL(mrti::fused_cpu_attention(q, k, v, 2),
                       multi_head_plain(q.contiguous(), k.contiguous(), v.contiguous(), 2), 1e-5);

    // What it does not take goes to the chunked path: gradients, other dtypes, head sizes.
    const auto x = torch::randn({1, 10, 32});
    const auto needs_grad = x.clone().requires_grad_(true);
    QVERIFY(!mrti::fused_cpu_attention_applies(needs_grad, x, x, 2));
    {
      torch::NoGradGuard no_grad;
      QCOMPARE(mrti::fused_cpu_attention_applies(needs_grad, x, x, 2), vector_unit);
    }
    QVERIFY(!mrti::fused_cpu_attention_applies(x.to(torch::kDouble), x, x, 2));
    QVERIFY(!mrti::fused_cpu_attention_applies(x.to(torch::kBFloat16), x, x, 2));
    QVERIFY(!mrti::fused_cpu_attention_applies(x, x, x, 3));                      // 32 features, 3 heads
    QVERIFY(!mrti::fused_cpu_attention_applies(x, x, x, 8));                      // heads of 4
    QVERIFY(!mrti::fused_cpu_attention_applies(torch::randn({1, 10, 512}), torch::randn({1, 10, 512}),
                                               torch::randn({1, 10, 512}), 1));  // the VAE's head of 512
    QVERIFY(!mrti::fused_cpu_attention_applies(x, torch::randn({2, 10, 32}), x, 2));  // batch mismatch
    QVERIFY(!mrti::fused_cpu_attention_applies(x, torch::randn({1, 0, 32}), torch::randn({1, 0, 32}), 2));
    QVERIFY_EXCEPTION_THROWN(mrti::fused_cpu_attention(x.to(torch::kDouble), x, x, 2), mrti::Error);

    // With gradients the multi-head wrapper takes the chunked path and stays differentiable.
    const auto gq = torch::randn({1, 12, 32}, torch::requires_grad()), gk = torch::randn({1, 9, 32}),
               gv = torch::randn({1, 9, 32});
    const auto gout = mrti::multi_head_attention(gq, gk, gv, 2, false);
    QVERIFY(gout.requires_grad());
    MRTI_COMPARE_REL(gout.detach(), multi_head_plain(gq.detach(), gk, gv, 2), 1e-5);
  }

  void dense_linear_equals_the_matrix_product() {
    torch::manual_seed(9);
    const auto w = torch::randn({48, 64}), b = torch::randn({48});
    const auto reference = [&](const torch::Tensor& x, const torch::Tensor& bias) {
      auto y = torch::matmul(x.to(torch::kDouble), w.to(torch::kDouble).t());
      if (bias.defined()) y = y + bias.to(torch::kDouble);
      return y.to(torch::kFloat);
    };
    // Token batches as the attention layers have them, a single row, a transposed (strided)
    // input and no bias: the same numbers in the layer's shape.
    const std::vector<torch::Tensor> inputs = {torch::randn({2, 77, 64}), torch::randn({1, 64}),
                                               torch::randn({64, 5}).t(), torch::randn({3, 2, 10, 64})};
    for (const auto& x : inputs) {
      for (const bool with_bias : {true, false}) {
        torch::NoGradGuard no_grad;
        const auto bias = with_bias ? b : torch::Tensor();
        const auto y = mrti::dense_linear(x, w, bias);
        auto shape = x.sizes().vec();
        shape.back() = 48;
        QCOMPARE(y.sizes(), c10::IntArrayRef(shape));
        QVERIFY(y.is_contiguous());
        MRTI_COMPARE_REL(y, reference(x, bias), 1e-5);
      }
    }
    // Training keeps LibTorch's differentiable product.
    const auto x = torch::randn({4, 64}, torch::requires_grad());
    mrti::dense_linear(x, w, b).sum().backward();
    MRTI_COMPARE_REL(x.grad(), w.sum(0).expand({4, 64}), 1e-5);
    // Other dtypes take LibTorch's linear as they are.
    const auto xd = torch::randn({3, 64}, torch::kDouble);
    MRTI_COMPARE_REL(mrti::dense_linear(xd, w.to(torch::kDouble), b.to(torch::kDouble)), reference(xd.to(torch::kFloat), b),
                     1e-5);
  }

  void chunked_attention_gradients_equal_plain() {
    torch::manual_seed(11);
    const auto q = torch::randn({3, 20, 8}, torch::requires_grad()), k = torch::randn({3, 9, 8}, torch::requires_grad()),
               v = torch::randn({3, 9, 8}, torch::requires_grad());
    const auto w = torch::randn({3, 20, 8});
    (mrti::chunked_attention(q, k, v, false, 2, 7) * w).sum().backward();
    const auto gq = q.grad().clone(), gk = k.grad().clone(), gv = v.grad().clone();
    q.grad().zero_(), k.grad().zero_(), v.grad().zero_();
    (plain_attention(q, k, v).to(torch::kFloat) * w).sum().backward();
    qInfo("chunked attention gradient rel L2: q %.3g k %.3g v %.3g", mrti_test::rel_l2(gq, q.grad()),
          mrti_test::rel_l2(gk, k.grad()), mrti_test::rel_l2(gv, v.grad()));
    MRTI_COMPARE_REL(gq, q.grad(), 1e-5);
    MRTI_COMPARE_REL(gk, k.grad(), 1e-5);
    MRTI_COMPARE_REL(gv, v.grad(), 1e-5);
  }

  void bad_config_names_the_field() {
    MRTI_REQUIRE_FIXTURES();
    const auto good = tiny_config_json();
    {
      auto j = good;
      j.erase("block_out_channels");
      MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(write_config(j)), "\"block_out_channels\"");
    }
    {
      auto j = good;
      j["layers_per_block"] = "two";
      MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(write_config(j)), "\"layers_per_block\"");
    }
    {
      auto j = good;
      j["attention_head_dim"] = {8, 8};
      MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(write_config(j)), "\"attention_head_dim\"");
    }
    {
      auto j = good;
      j["attention_head_dim"] = 5;  // 5 heads do not divide 32 channels
      MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(write_config(j)), "\"attention_head_dim\"");
    }
    {
      auto j = good;
      j["addition_embed_type"] = "text_time";  // SDXL
      MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(write_config(j)), "\"addition_embed_type\"");
    }
    {
      auto j = good;
      j["class_embed_type"] = "timestep";
      MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(write_config(j)), "\"class_embed_type\"");
    }
    {
      auto j = good;
      j["dual_cross_attention"] = true;
      MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(write_config(j)), "\"dual_cross_attention\"");
    }
    {
      auto j = good;
      j["down_block_types"][0] = "AttnDownBlock2D";
      MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(write_config(j)), "\"down_block_types\"");
    }
    {
      auto j = good;
      j["_class_name"] = "AutoencoderKL";
      MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(write_config(j)), "\"_class_name\"");
    }
    const std::string empty = mrti_test::temp_dir("unet-empty");
    MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(empty), "missing config.json in " + empty);
    const std::string broken = mrti_test::temp_dir("unet-broken");
    std::ofstream(broken + "/config.json") << "{\"in_channels\": 4,";
    MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_file(broken), "config.json is not valid JSON");
  }

  void absurd_sizes_are_refused_before_allocating() {
    // Every real configuration passes; one damaged size in a downloaded config.json is a
    // clear error instead of gigabytes of allocation.
    for (const char* arch : {"sd15", "sd21", "shapes64"}) {
      const auto c = mrti::standard_configs(arch);
      mrti::UNet2DConditionConfig::from_json(c.unet, arch);
      mrti::AutoencoderKLConfig::from_json(c.vae, arch);
      mrti::ClipTextConfig::from_json(c.text_encoder, arch);
    }
    auto c = mrti::standard_configs("sd15");
    c.text_encoder["num_hidden_layers"] = 2147483647;
    MRTI_EXPECT_ERROR(mrti::ClipTextConfig::from_json(c.text_encoder, "te/config.json"), "te/config.json", "billion");
    c.text_encoder["num_hidden_layers"] = 12;
    c.text_encoder["vocab_size"] = int64_t(1) << 62;
    c.text_encoder["max_position_embeddings"] = int64_t(1) << 62;  // a sum past int64
    MRTI_EXPECT_ERROR(mrti::ClipTextConfig::from_json(c.text_encoder, "te/config.json"), "billion");
    c.unet["block_out_channels"] = {320, 640, 1280, 1280000};
    MRTI_EXPECT_ERROR(mrti::UNet2DConditionConfig::from_json(c.unet, "unet/config.json"), "unet/config.json",
                      "billion");
    c.vae["layers_per_block"] = 1000000;
    MRTI_EXPECT_ERROR(mrti::AutoencoderKLConfig::from_json(c.vae, "vae/config.json"), "vae/config.json", "billion");
  }

  void config_accepts_older_and_sd2_layouts() {
    MRTI_REQUIRE_FIXTURES();
    auto j = tiny_config_json();
    // SD 2.x style: per-block head counts and linear projections; old configs lack many fields.
    j["attention_head_dim"] = {2, 4, 8, 8};
    j["use_linear_projection"] = true;
    for (const char* key : {"num_attention_heads", "upcast_attention", "mid_block_type", "transformer_layers_per_block",
                            "addition_embed_type", "class_embed_type", "conv_in_kernel"})
      j.erase(key);
    const auto config = mrti::UNet2DConditionConfig::from_json(j, "sd2-style config");
    QCOMPARE(config.num_attention_heads, (std::vector<int64_t>{2, 4, 8, 8}));
    QCOMPARE(config.mid_block_type, std::string("UNetMidBlock2DCrossAttn"));
    mrti::UNet2DConditionModel unet(config);
    const auto params = unet->named_parameters();
    QVERIFY(params.contains("down_blocks.0.attentions.0.proj_in.weight"));
    QCOMPARE(params["down_blocks.0.attentions.0.proj_in.weight"].dim(), int64_t(2));  // Linear
    QCOMPARE(params["down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight"].sizes().vec(),
             (std::vector<int64_t>{32, 32}));
    torch::NoGradGuard no_grad;
    const auto out = unet->forward(torch::randn({2, 4, 8, 8}), torch::tensor({10, 20}), torch::randn({2, 77, 32}));
    QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{2, 4, 8, 8}));
  }

  void wrong_weight_shape_names_the_key() {
    MRTI_REQUIRE_FIXTURES();
    mrti::UNet2DConditionModel unet(mrti::UNet2DConditionConfig::from_file(unet_dir()));
    const std::string path = unet_dir() + "/diffusion_pytorch_model.safetensors";
    auto weights = mrti::load_weights_file(path);
    const std::string key = "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight";
    QVERIFY(weights.count(key));
    weights[key] = torch::zeros({32, 48});
    MRTI_EXPECT_ERROR(mrti::load_state_dict(*unet, weights, path), key);
  }

  void bad_inputs_are_refused() {
    MRTI_REQUIRE_FIXTURES();
    mrti::UNet2DConditionModel unet(mrti::UNet2DConditionConfig::from_file(unet_dir()));
    torch::NoGradGuard no_grad;
    const auto sample = torch::randn({2, 4, 8, 8});
    MRTI_EXPECT_ERROR(unet->forward(torch::randn({2, 3, 8, 8}), torch::tensor({1, 2}), torch::randn({2, 77, 32})),
                        "sample");
    MRTI_EXPECT_ERROR(unet->forward(sample, torch::tensor({1, 2, 3}), torch::randn({2, 77, 32})), "timestep");
    MRTI_EXPECT_ERROR(unet->forward(sample, torch::tensor({1, 2}), torch::randn({2, 77, 768})),
                        "encoder_hidden_states");
  }

  void deep_cache_reuses_exactly_the_deep_features() {
    MRTI_REQUIRE_FIXTURES();
    auto unet = load_tiny_unet();
    torch::NoGradGuard no_grad;
    torch::manual_seed(3);
    const auto sample = torch::randn({2, 4, 8, 8}), states = torch::randn({2, 77, 32});
    const auto t = torch::tensor(500);
    const at::Tensor plain = unet->forward(sample, t, states);
    mrti::UNetShortcuts cache;
    cache.deep_cache_interval = 2;
    // Call 1 is whole and keeps the deep features; call 2 runs only the outer blocks on them,
    // which for the same input must give the whole UNet's answer; call 3 is whole again.
    QVERIFY(torch::equal(unet->forward(sample, t, states, &cache), plain));
    QVERIFY(cache.deep.defined());
    QVERIFY(torch::allclose(unet->forward(sample, t, states, &cache), plain, 1e-5, 1e-6));
    const auto other = torch::randn({2, 4, 8, 8});
    const at::Tensor other_plain = unet->forward(other, t, states);
    QVERIFY(torch::equal(unet->forward(other, t, states, &cache), other_plain));
    // Between whole calls a new input reuses the old deep features: a different answer.
    const at::Tensor reused = unet->forward(sample, t, states, &cache);
    QVERIFY(!torch::allclose(reused, plain, 1e-3, 1e-3));
    QCOMPARE(cache.calls, 4);
    // interval 1: every call whole.
    mrti::UNetShortcuts off;
    QVERIFY(torch::equal(unet->forward(sample, t, states, &off), plain));
    QVERIFY(torch::equal(unet->forward(other, t, states, &off), other_plain));
  }

  void token_merging_merges_alike_tokens_and_restores_them() {
    torch::NoGradGuard no_grad;
    // An 8x6 grid whose 2x2 windows each hold one value: merging any token into its window's
    // destination loses nothing, so unmerge(merge(x)) gives x back.
    const int64_t h = 8, w = 6, c = 5;
    const auto windows = torch::randn({2, h / 2, w / 2, c});
    const auto x = windows.repeat_interleave(2, 1).repeat_interleave(2, 2).reshape({2, h * w, c});
    auto gen = at::detail::createCPUGenerator(7);
    const mrti::TokenMerge merge(x, h, w, h * w / 2, gen);
    const auto merged = merge.merge(x);
    QCOMPARE(merged.sizes().vec(), (std::vector<int64_t>{2, h * w / 2, c}));
    QVERIFY(torch::allclose(merge.unmerge(merged), x, 1e-6, 1e-6));
    // Nothing to merge: the tokens pass unchanged; more than the sources: capped.
    const mrti::TokenMerge none(x, h, w, 0, gen);
    QVERIFY(torch::equal(none.merge(x), x) && torch::equal(none.unmerge(x), x));
    const mrti::TokenMerge most(x, h, w, h * w, gen);
    QCOMPARE(most.merge(x).size(1), h * w / 4);
    QVERIFY(torch::allclose(most.unmerge(most.merge(x)), x, 1e-6, 1e-6));
  }

  void token_merging_in_the_unet() {
    MRTI_REQUIRE_FIXTURES();
    auto unet = load_tiny_unet();
    torch::NoGradGuard no_grad;
    torch::manual_seed(5);
    const auto sample = torch::randn({2, 4, 16, 16}), states = torch::randn({2, 77, 32});
    const auto t = torch::tensor(300);
    const at::Tensor plain = unet->forward(sample, t, states);
    mrti::UNetShortcuts tome;
    tome.token_merge_ratio = 0.5;
    const at::Tensor merged = unet->forward(sample, t, states, &tome);
    const double rel = ((merged - plain).norm() / plain.norm()).item<double>();
    qInfo("UNet output with half the highest-resolution tokens merged: relative difference %.3f", rel);
    QVERIFY(rel > 1e-6);  // it did merge
    QVERIFY(rel < 0.5);   // and stays an approximation of the same output
    tome.calls = 0;
    QVERIFY(torch::equal(unet->forward(sample, t, states, &tome), merged));  // the same choice for the same call
    mrti::UNetShortcuts none;
    QVERIFY(torch::equal(unet->forward(sample, t, states, &none), plain));
  }

  void int8_weights_stay_close_to_the_float_layers() {
    torch::NoGradGuard no_grad;
    torch::manual_seed(11);
    torch::nn::Linear layer(64, 48);
    if (mrti::int8_engine().empty()) {  // a LibTorch without int8 kernels says so
      const std::string why = error_of([&] { mrti::quantize_linear_layers(*layer); });
      QVERIFY2(contains(why, "int8 kernels"), why.c_str());
      return;
    }
    const auto x = torch::randn({2, 5, 64});
    const at::Tensor exact = layer->forward(x);
    QCOMPARE(mrti::quantize_linear_layers(*layer), int64_t(1));
    QCOMPARE(mrti::quantize_linear_layers(*layer), int64_t(0));  // already int8
    QVERIFY(mrti::int8_weights(*layer) != nullptr);
    const at::Tensor q = mrti::linear(layer, x);
    QCOMPARE(q.sizes(), exact.sizes());
    QCOMPARE(q.scalar_type(), torch::kFloat);
    const double rel = mrti_test::rel_l2(q, exact);
    qInfo("int8 linear layer (%s kernels): relative difference %.4f", mrti::int8_engine().c_str(), rel);
    QVERIFY(rel > 1e-6 && rel < 0.03);
    QCOMPARE(mrti::linear(layer, x.to(torch::kBFloat16)).scalar_type(), torch::kBFloat16);
    // A 1x1 convolution is the same linear layer on every pixel, in either memory format.
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(64, 48, 1));
    torch::nn::Conv2d wide(torch::nn::Conv2dOptions(64, 48, 3).padding(1));
    const auto image = torch::randn({2, 64, 6, 5});
    const at::Tensor conv_exact = conv->forward(image);
    torch::nn::Conv2d strided(torch::nn::Conv2dOptions(64, 48, 1).stride(2));
    torch::nn::Sequential layers(conv, wide, strided);
    QCOMPARE(mrti::quantize_linear_layers(*layers), int64_t(1));  // not the 3x3 or the strided one
    QVERIFY(mrti::int8_weights(*wide) == nullptr);
    QVERIFY(mrti::int8_weights(*strided) == nullptr);
    const at::Tensor conv_q = mrti::pointwise_conv(conv, image);
    QVERIFY(mrti_test::rel_l2(conv_q, conv_exact) < 0.03);
    const auto image_cl = image.contiguous(torch::MemoryFormat::ChannelsLast);
    const at::Tensor conv_q_cl = mrti::pointwise_conv(conv, image_cl);
    QVERIFY(conv_q_cl.is_contiguous(torch::MemoryFormat::ChannelsLast));
    QVERIFY(torch::allclose(conv_q_cl, conv_q, 1e-5, 1e-5));
    // No gradient: training with int8 weights is refused by name.
    at::AutoGradMode grad(true);
    const auto xg = x.clone().requires_grad_(true);
    const std::string why = error_of([&] { mrti::linear(layer, xg); });
    QVERIFY2(contains(why, "generation only"), why.c_str());
  }

  void int8_unet_stays_close_to_diffusers() {
    MRTI_REQUIRE_FIXTURES();
    auto unet = load_tiny_unet();
    if (mrti::int8_engine().empty()) return;  // int8_weights_stay_close_to_the_float_layers checks the refusal
    int64_t layers = 0;
    for (const auto& m : unet->modules()) {
      if (dynamic_cast<torch::nn::LinearImpl*>(m.get())) ++layers;
      if (const auto* c = dynamic_cast<torch::nn::Conv2dImpl*>(m.get()); c && c->weight.size(2) == 1) ++layers;
    }
    const auto keys_before = unet->named_parameters().keys();
    const int64_t quantized = mrti::quantize_linear_layers(*unet);
    QCOMPARE(quantized, layers);
    QVERIFY(unet->named_parameters().keys() == keys_before);  // weights load and save by the same names
    const auto ref = mrti::read_safetensors(mrti_test::fixture("tiny-sd15-ref/unet.safetensors")).tensors;
    torch::NoGradGuard no_grad;
    const auto out = unet->forward(ref.at("sample"), ref.at("timesteps"), ref.at("encoder_hidden_states"));
    const double err = mrti_test::rel_l2(out, ref.at("out"));
    qInfo("UNet with int8 weights in %lld linear layers and 1x1 convolutions: rel L2 vs diffusers %.4f",
          static_cast<long long>(quantized), err);
    // ≈1.5 % per layer through 229 of them: 4.8 % measured with oneDNN's kernels on AVX2.
    QVERIFY2(err < 0.1, qPrintable(QString("rel L2 %1").arg(err)));
    QVERIFY(err > 1e-6);  // it did run in int8
  }

  // The benchmark's achieved rate divides this count by time: it must be the exact matrix
  // work of each operator, counted once however the operator is implemented underneath.
  void profile_counts_the_matrix_work() {
    torch::NoGradGuard no_grad;
    mrti::OpProfile profile;
    at::conv2d(torch::randn({2, 8, 10, 12}), torch::randn({16, 8, 3, 3}), {}, 1, 1);
    at::linear(torch::randn({3, 5, 8}), torch::randn({4, 8}), torch::randn({4}));
    at::matmul(torch::randn({6, 7}), torch::randn({7, 9}));
    at::bmm(torch::randn({2, 3, 4}), torch::randn({2, 4, 5}));
    double attention = 0;
#ifdef MRTI_TORCH2
    at::scaled_dot_product_attention(torch::randn({1, 2, 6, 4}), torch::randn({1, 2, 5, 4}), torch::randn({1, 2, 5, 3}));
    attention = 2.0 * 2 * 6 * 5 * (4 + 3);
#endif
    at::softmax(torch::randn({4, 4}), -1);
    const auto ops = profile.finish();
    std::map<std::string, mrti::OpTotals> by_name;
    for (const auto& o : ops) by_name[o.name] = o;
    QCOMPARE(by_name["aten::conv2d"].flops, 2.0 * (2 * 16 * 10 * 12) * (8 * 9));
    QCOMPARE(by_name["aten::linear"].flops, 2.0 * (3 * 5 * 8) * 4);
    QCOMPARE(by_name["aten::matmul"].flops, 2.0 * 6 * 7 * 9);
    QCOMPARE(by_name["aten::bmm"].flops, 2.0 * 2 * 3 * 4 * 5);
    QCOMPARE(by_name["aten::scaled_dot_product_attention"].flops, attention);
    QCOMPARE(by_name["aten::softmax"].flops, 0.0);
    QCOMPARE(by_name["aten::conv2d"].calls, int64_t(1));
    // Only outermost operators: the addmm inside linear and the randn calls' fills are not
    // counted again, and the matrix work adds up to exactly the ones above.
    QVERIFY(!by_name.count("aten::addmm"));
    QVERIFY(!by_name.count("aten::mkldnn_convolution") && !by_name.count("aten::_convolution"));
    QCOMPARE(mrti::total_flops(ops), 2.0 * (2 * 16 * 10 * 12 * 72 + 3 * 5 * 8 * 4 + 6 * 7 * 9 + 2 * 3 * 4 * 5) + attention);
    QVERIFY(mrti::total_seconds(ops) > 0);
    // Work after finish() is not recorded, and a second profile may start.
    at::mm(torch::randn({2, 2}), torch::randn({2, 2}));
    mrti::OpProfile again;
    at::mm(torch::randn({2, 3}), torch::randn({3, 4}));
    const auto second = again.finish();
    QCOMPARE(mrti::total_flops(second), 2.0 * 2 * 3 * 4);
  }

  void cpu_features_come_from_the_flags() {
    const auto f = mrti::parse_cpuinfo(
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
        "flags\t\t: fpu avx2 fma avx512f avx512_bf16 avx512_vnni amx_bf16 amx_tile amx_int8\n\n"
        "processor\t: 1\nmodel name\t: other\nflags\t\t: fpu\n");
    QCOMPARE(f.model, std::string("Intel(R) Xeon(R) Platinum 8480+"));
    QVERIFY(f.avx512_bf16 && f.avx512_vnni && f.amx_bf16 && f.amx_int8 && f.amx_tile && !f.avx_vnni);
    QCOMPARE(f.summary(), std::string("AVX2 FMA AVX-512 AVX512-BF16 AVX512-VNNI AMX-BF16 AMX-INT8"));
    const auto epyc = mrti::parse_cpuinfo("model name : AMD EPYC\nflags : avx2 fma avx512f avx512_bf16\n");
    QCOMPARE(epyc.summary(), std::string("AVX2 FMA AVX-512 AVX512-BF16, no AMX"));
    QCOMPARE(mrti::parse_cpuinfo("").summary(), std::string("no AMX"));
  }
};

QTEST_APPLESS_MAIN(TestUNet)
#include "test_unet.moc"
