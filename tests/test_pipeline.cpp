// Text-to-image parity with diffusers' StableDiffusionPipeline on the tiny model, plus
// seeds, batches and cancellation.
#include "test_support.h"

#include <limits>

#include "models/layer_forward.h"
#include "models/stable_diffusion.h"
#include "models/unet_cuda_graph.h"
#include "pipeline/memory_format.h"
#include "pipeline/picture_parameters.h"
#include "pipeline/text_to_image_pipeline.h"
#include "pipeline/prompt_encoding.h"
#include "runtime/bfloat16_math.h"
#include "runtime/cpu_features.h"
#include "runtime/error.h"
#include "runtime/error_message.h"
#include "tensor_io/safetensors.h"

using namespace mrti;

class TestPipeline : public QObject {
  Q_OBJECT

  std::unique_ptr<StableDiffusionModel> model_;

  StableDiffusionModel& model() {
    if (!model_) model_ = std::make_unique<StableDiffusionModel>(load_stable_diffusion(mrti_test::fixture("tiny-sd15")));
    return *model_;
  }

  TextToImageRequest tiny_request() {
    TextToImageRequest r;
    r.prompt = "a photo of a cat";
    r.width = r.height = 128;
    r.steps = 10;
    r.guidance = 7.5;
    return r;
  }

 private Q_SLOTS:
  void txt2img_matches_diffusers_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("sampler");
    QTest::newRow("PNDM") << "txt2img_PNDM.safetensors" << "";  // the model's default
    QTest::newRow("DDIM") << "txt2img_DDIM.safetensors" << "ddim";
    QTest::newRow("Euler") << "txt2img_EulerDiscrete.safetensors" << "euler";
  }

  void txt2img_matches_diffusers() {
    MRTI_REQUIRE_FIXTURES();
    QFETCH(QString, file);
    QFETCH(QString, sampler);
    auto ref = read_safetensors(mrti_test::fixture("tiny-sd15-ref/" + file.toStdString())).tensors;

    MRTI_COMPARE_REL(encode_prompt(model(), "a photo of a cat").states, ref.at("prompt_embeds"), 1e-4);
    MRTI_COMPARE_REL(encode_prompt(model(), "").states, ref.at("negative_prompt_embeds"), 1e-4);

    auto req = tiny_request();
    req.sampler = sampler.toStdString();
    req.initial_latents = ref.at("initial_latents").clone();
    std::vector<at::Tensor> steps;
    std::vector<double> timesteps;
    auto result = text_to_image(model(), req, [&](const StepEvent& ev) {
      steps.push_back(ev.latents.clone());
      timesteps.push_back(ev.timestep);
      QCOMPARE(ev.previews.size(), size_t(1));
      QCOMPARE(ev.previews[0].width, 16);
    });
    const auto& per_step = ref.at("per_step_latents");
    QCOMPARE(int64_t(steps.size()), per_step.size(0));
    auto ref_t = ref.at("timesteps");
    double worst = 0;
    for (size_t i = 0; i < steps.size(); ++i) {
      QCOMPARE(timesteps[i], ref_t[i].item<double>());
      worst = std::max(worst, mrti_test::rel_l2(steps[i], per_step[i]));
    }
    qInfo("%s: worst per-step latent rel L2 %.3g", qPrintable(file), worst);
    QVERIFY2(worst < 1e-3, qPrintable(QString("per-step latents differ: %1").arg(worst)));
    MRTI_COMPARE_REL(result.final_latents, ref.at("final_latents"), 1e-3);
    MRTI_COMPARE_REL(result.images_tensor, ref.at("image"), 1e-3);
    qInfo("%s: final latents %.3g, image %.3g", qPrintable(file),
          mrti_test::rel_l2(result.final_latents, ref.at("final_latents")),
          mrti_test::rel_l2(result.images_tensor, ref.at("image")));
    QCOMPARE(result.images.size(), size_t(1));
    QCOMPARE(result.images[0].width, 128);
  }

  void seeds_are_per_image() {
    MRTI_REQUIRE_FIXTURES();
    // Image 1 of a batch seeded 40 is image 0 of a run seeded 41, for a stochastic sampler too.
    auto req = tiny_request();
    req.steps = 4;
    req.sampler = "euler_a";
    req.batch = 2;
    req.seed = 40;
    auto batch = text_to_image(model(), req);
    QCOMPARE(batch.seeds, (std::vector<int64_t>{40, 41}));
    req.batch = 1;
    req.seed = 41;
    auto single = text_to_image(model(), req);
    QVERIFY(mrti_test::rel_l2(batch.final_latents[1], single.final_latents[0]) < 1e-5);
    QVERIFY(mrti_test::rel_l2(batch.final_latents[0], single.final_latents[0]) > 1e-2);
    // The same seed again gives the same picture.
    auto again = text_to_image(model(), req);
    QVERIFY(torch::equal(again.final_latents, single.final_latents));
    QVERIFY(again.images[0] == single.images[0]);
  }

  void seeded_noise_is_deterministic() {
    auto a = seeded_noise(7, 8, 8);
    auto b = seeded_noise(7, 8, 8);
    auto c = seeded_noise(8, 8, 8);
    QVERIFY(torch::equal(a, b));
    QVERIFY(!torch::equal(a, c));
    QCOMPARE(a.sizes().vec(), (std::vector<int64_t>{1, 4, 8, 8}));
    // N(0,1) statistics on a larger draw.
    auto big = seeded_noise(3, 64, 64);
    QVERIFY(std::abs(big.mean().item<double>()) < 0.05);
    QVERIFY(std::abs(big.std().item<double>() - 1.0) < 0.05);
  }

  void damaged_weights_are_an_error_not_a_black_picture() {
    MRTI_REQUIRE_FIXTURES();
    auto req = tiny_request();
    req.steps = 2;
    torch::NoGradGuard no_grad;
    for (auto* part : {static_cast<torch::nn::Module*>(model().unet.get()),
                       static_cast<torch::nn::Module*>(model().vae.get())}) {
      at::Tensor bias;
      for (const auto& p : part->named_parameters())
        if (p.key().find("conv_out.bias") != std::string::npos) bias = p.value();
      QVERIFY(bias.defined());
      const at::Tensor kept = bias.clone();
      bias.fill_(std::numeric_limits<float>::quiet_NaN());
      QString message;
      try {
        text_to_image(model(), req);
      } catch (const mrti::Error& e) {
        message = e.what();
      }
      bias.copy_(kept);
      QVERIFY2(message.contains(part == model().unet.get() ? "UNet" : "VAE") && message.contains("NaN"),
               qPrintable(message));
    }
    QVERIFY(torch::isfinite(text_to_image(model(), req).images_tensor).all().item<bool>());
  }

  void memory_layout_and_cuda_graphs_where_they_pay_off() {
    // channels_last where it pays off (bf16 on the CPU, half precision on CUDA), and a bf16
    // model laid out so gives the float32 model's picture up to bf16 rounding.
    QVERIFY(channels_last_pays_off(c10::Device(c10::kCPU), c10::kBFloat16));
    QVERIFY(!channels_last_pays_off(c10::Device(c10::kCPU), c10::kFloat));
    QVERIFY(channels_last_pays_off(c10::Device(c10::kCUDA, 0), c10::kHalf));
    QVERIFY(channels_last_pays_off(c10::Device(c10::kCUDA, 0), c10::kBFloat16));
    QVERIFY(!channels_last_pays_off(c10::Device(c10::kCUDA, 0), c10::kFloat));
    MRTI_REQUIRE_FIXTURES();
    const Bfloat16MathScope native(Bfloat16Math::Native);
    QVERIFY(!use_preferred_memory_format(model()));
    QVERIFY(!uses_channels_last(model()));
    ModelLoadOptions bf16;
    bf16.dtype = c10::kBFloat16;
    auto nhwc = load_stable_diffusion(mrti_test::fixture("tiny-sd15"), bf16);
    QVERIFY(use_preferred_memory_format(nhwc));
    auto req = tiny_request();
    req.seed = 3;
    req.steps = 4;
    const auto exact = text_to_image(model(), req);
    const auto got = text_to_image(nhwc, req);
    MRTI_COMPARE_REL(got.final_latents, exact.final_latents, 5e-2);
    MRTI_COMPARE_REL(got.images_tensor, exact.images_tensor, 5e-2);

    // A CUDA graph replays the UNet only for CUDA tensors: on the CPU it is the eager UNet,
    // and a model for the CPU cannot ask for one.
    UNetCudaGraph graph;
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({2, 4, 16, 16});
    const auto t = torch::tensor(500, torch::kLong);
    const auto states = encode_prompt(model(), "a photo of a cat").states.expand({2, -1, -1});
    QVERIFY(torch::equal(graph.forward(model().unet, x, t, states), model().unet->forward(x, t, states)));
    QCOMPARE(graph.captures(), 0);
    QVERIFY(graph.failure().empty());
    ModelLoadOptions graphs;
    graphs.cuda_graphs = true;
    QString message;
    try {
      load_stable_diffusion(mrti_test::fixture("tiny-sd15"), graphs);
    } catch (const Error& e) {
      message = e.what();
    }
    QVERIFY2(message.contains("CUDA graphs need a CUDA device"), qPrintable(message));
  }

  void bfloat16_weights_with_float32_arithmetic() {
    // Where the CPU has no bf16 units, a bf16 model keeps bf16 weights and computes in float32.
    QCOMPARE(parse_bfloat16_math("fp32"), Bfloat16Math::Float32);
    QCOMPARE(parse_bfloat16_math("Native"), Bfloat16Math::Native);
    QCOMPARE(parse_bfloat16_math("auto"), Bfloat16Math::Automatic);
    MRTI_EXPECT_ERROR(parse_bfloat16_math("bf8"), "'bf8'", "auto, native or float32");
    const c10::Device cpu(c10::kCPU), cuda(c10::kCUDA, 0);
    {
      const Bfloat16MathScope f32(Bfloat16Math::Float32);
      QCOMPARE(cpu_bfloat16_math(), Bfloat16Math::Float32);
      QCOMPARE(compute_dtype(cpu, c10::kBFloat16), c10::kFloat);
      QCOMPARE(compute_dtype(cpu, c10::kFloat), c10::kFloat);
      QCOMPARE(compute_dtype(cuda, c10::kBFloat16), c10::kBFloat16);  // CUDA has bf16 units
      QCOMPARE(compute_dtype(cuda, c10::kHalf), c10::kHalf);
      {
        const Bfloat16MathScope inner(Bfloat16Math::Native);
        QCOMPARE(compute_dtype(cpu, c10::kBFloat16), c10::kBFloat16);
      }
      QCOMPARE(compute_dtype(cpu, c10::kBFloat16), c10::kFloat);  // the scope put it back
    }
    const auto automatic = cpu_features().avx512_bf16 || cpu_features().amx_bf16 ? c10::kBFloat16 : c10::kFloat;
    QCOMPARE(compute_dtype(cpu, c10::kBFloat16), automatic);

    MRTI_REQUIRE_FIXTURES();
    ModelLoadOptions bf16;
    bf16.dtype = c10::kBFloat16;
    auto weights = load_stable_diffusion(mrti_test::fixture("tiny-sd15"), bf16);
    auto req = tiny_request();
    req.seed = 3;
    req.steps = 4;
    const auto exact = text_to_image(model(), req);
    double native_error = 0;
    {
      const Bfloat16MathScope native(Bfloat16Math::Native);
      native_error = mrti_test::rel_l2(text_to_image(weights, req).final_latents, exact.final_latents);
    }
    const Bfloat16MathScope f32(Bfloat16Math::Float32);
    QCOMPARE(compute_dtype_of(*weights.unet), c10::kFloat);
    QCOMPARE(compute_dtype_of(*weights.vae), c10::kFloat);
    // float32 arithmetic does not pay for channels_last; the picture is recorded as made so.
    QVERIFY(!use_preferred_memory_format(weights));
    QCOMPARE(QString::fromStdString(picture_parameters(weights, "tiny-sd15", req).extra.at("Arithmetic")),
             QString("fp32"));
    QVERIFY(!picture_parameters(model(), "tiny-sd15", req).extra.count("Arithmetic"));
    const auto got = text_to_image(weights, req);
    // The weights stay bf16 (half the memory); only they are rounded, so the picture is
    // nearer the float32 one than with bf16 arithmetic.
    for (const auto& p : weights.unet->parameters()) QCOMPARE(p.scalar_type(), c10::kBFloat16);
    for (const auto& p : weights.text_encoder->parameters()) QCOMPARE(p.scalar_type(), c10::kBFloat16);
    const double error = mrti_test::rel_l2(got.final_latents, exact.final_latents);
    std::printf("bf16 weights vs float32: latents relative error %.4f with float32 arithmetic, %.4f with bf16\n",
                error, native_error);
    QVERIFY2(error < 2e-2, qPrintable(QString::number(error)));
    QVERIFY2(error < native_error, qPrintable(QString("%1 vs %2").arg(error).arg(native_error)));
    MRTI_COMPARE_REL(got.images_tensor, exact.images_tensor, 2e-2);
    torch::NoGradGuard no_grad;
    const auto states = encode_prompt(weights, "a photo of a cat").states;
    QCOMPARE(states.scalar_type(), c10::kFloat);
    const auto x = torch::randn({1, 4, 16, 16});
    const auto out = weights.unet->forward(x, torch::tensor(500, torch::kLong), states);
    QCOMPARE(out.scalar_type(), c10::kFloat);
    MRTI_COMPARE_REL(out, model().unet->forward(x, torch::tensor(500, torch::kLong), states), 2e-2);
  }

  void out_of_memory_is_said_plainly() {
    // An allocation the machine cannot give (16 TB) and a C++ bad_alloc read as a person
    // would want: what happened and what to try, without LibTorch's backtrace.
    std::string torch_message, cpp_message;
    try {
      (void)torch::empty({int64_t(1) << 42}, torch::kFloat);
    } catch (const std::exception& e) {
      torch_message = mrti::error_message(e);
    }
    try {
      throw std::bad_alloc();
    } catch (const std::exception& e) {
      cpp_message = mrti::error_message(e);
    }
    for (const auto& m : {torch_message, cpp_message}) {
      QVERIFY2(mrti_test::contains(m, "out of memory") && mrti_test::contains(m, "smaller batch"), m.c_str());
      QVERIFY2(m.find("Exception raised from") == std::string::npos && m.find('\n') == std::string::npos, m.c_str());
    }
  }

  void cancel_stops_between_steps() {
    MRTI_REQUIRE_FIXTURES();
    auto req = tiny_request();
    req.seed = 1;
    CancellationToken token;
    int seen = 0;
    bool cancelled = false;
    try {
      text_to_image(model(), req, [&](const StepEvent& ev) {
        seen = ev.step;
        if (ev.step == 3) token.cancel();
      }, &token);
    } catch (const Cancelled&) {
      cancelled = true;
    }
    QVERIFY(cancelled);
    QCOMPARE(seen, 3);  // no step ran after the one that cancelled
  }

  void bad_requests_are_refused() {
    auto expect_error = [](TextToImageRequest r, const char* needle) {
      try {
        validate_request(r);
      } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains(needle), e.what());
        return;
      }
      QFAIL(qPrintable(QString("no error for a request that should fail with '%1'").arg(needle)));
    };
    TextToImageRequest r;
    r.width = 100;
    expect_error(r, "multiples of 8");
    r = {};
    r.steps = 0;
    expect_error(r, "steps must be at least 1");
    r = {};
    r.batch = 0;
    expect_error(r, "batch size");
    r.batch = 100000000;
    expect_error(r, "between 1 and 256");
    r = {};
    r.initial_latents = torch::zeros({2, 4, 64, 64});  // batch 1 asked for
    expect_error(r, "initial latents have shape");
  }
};

QTEST_APPLESS_MAIN(TestPipeline)
#include "test_pipeline.moc"
