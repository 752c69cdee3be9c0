// DreamBooth runs on the tiny model: gradient checkpointing leaves the UNet's gradients
// unchanged, a short run writes a diffusers folder that loads and generates, a cancelled
// and resumed run ends with the same weights as an uninterrupted one (also when the text
// encoder trains, which the folder then holds), a batch equals accumulated micro-batches,
// rates follow their schedule, a resume with anything changed is refused with what
// differs, and bad settings or a concept name the library has stop a run before it
// writes anything.
#include "test_support.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <unordered_set>

#include "imaging/png_io.h"
#include "models/stable_diffusion.h"
#include "multires/concept.h"
#include "multires/concept_library.h"
#include "multires/multires_pipeline.h"
#include "tensor_io/safetensors.h"
#include "training/dreambooth_run.h"
#include "training/training_run.h"

using namespace mrti;
namespace fs = std::filesystem;

namespace {

std::string instance_folder(const std::string& tag) {
  const std::string dir = mrti_test::temp_dir(tag);
  write_png(dir + "/a.png", mrti_test::square_image(64, 64, {250, 240, 230}, {30, 30, 200}, 10, 12, 30));
  write_png(dir + "/b.png", mrti_test::square_image(64, 64, {235, 250, 235}, {20, 40, 180}, 24, 20, 28));
  write_png(dir + "/c.png", mrti_test::square_image(64, 64, {250, 250, 250}, {40, 20, 210}, 5, 5, 40));
  return dir;
}

StableDiffusionModel fresh_model() { return load_stable_diffusion(mrti_test::fixture("tiny-sd15")); }

DreamBoothRunSettings tiny_run(const std::string& data, const std::string& out) {
  DreamBoothRunSettings rs;
  rs.model_path = mrti_test::fixture("tiny-sd15");
  rs.data_dir = data;
  rs.out_dir = out;
  auto& s = rs.training;
  s.name = "blue";
  s.init_token = "painting";
  s.resolution = 64;
  s.steps = 4;
  s.lr = 1e-4;
  s.seed = 3;
  s.class_prompt = "a photo of a box";
  s.num_class_images = 2;
  s.class_sampling_steps = 2;
  return rs;
}

std::vector<at::Tensor> unet_weights(const StableDiffusionModel& m) {
  std::vector<at::Tensor> w;
  for (const auto& p : m.unet->parameters()) w.push_back(p.detach().clone());
  return w;
}

// The text encoder's weights but its token table (which DreamBooth keeps frozen), and the table.
std::vector<at::Tensor> text_encoder_layers(const StableDiffusionModel& m) {
  std::vector<at::Tensor> w;
  for (const auto& p : m.text_encoder->named_parameters(true))
    if (p.key() != "text_model.embeddings.token_embedding.weight") w.push_back(p.value().detach().clone());
  return w;
}
std::vector<at::Tensor> token_table(const StableDiffusionModel& m) {
  return {m.text_encoder->text_model->embeddings->token_embedding->weight.detach().clone()};
}

float max_difference(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  float d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, a[i].sub(b.at(i)).abs().max().item<float>());
  return d;
}

// Nodes of the autograd graph behind `t` whose name contains `part`.
int count_nodes(const at::Tensor& t, const std::string& part) {
  std::unordered_set<torch::autograd::Node*> seen;
  std::vector<torch::autograd::Node*> todo{t.grad_fn().get()};
  int n = 0;
  while (!todo.empty()) {
    auto* node = todo.back();
    todo.pop_back();
    if (!node || !seen.insert(node).second) continue;
    if (node->name().find(part) != std::string::npos) ++n;
    for (const auto& edge : node->next_edges()) todo.push_back(edge.function.get());
  }
  return n;
}

// A new run on a freshly loaded model, cancelled once `step` has run.
TrainingOutcome run_cancelled_after(const DreamBoothRunSettings& settings, int64_t step) {
  auto model = fresh_model();
  TrainingControl control;
  TrainingCallbacks cb;
  cb.on_step = [&](const TrainingProgress& p) {
    if (p.step == step) control.cancel.cancel();
  };
  return DreamBoothRun::create(model, settings)->run(cb, &control);
}

int csv_rows(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int rows = -1;  // the header
  while (std::getline(in, line)) ++rows;
  return rows;
}

}  // namespace

class TestDreamBooth : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void checkpointed_unet_gives_the_same_gradients() {
    MRTI_REQUIRE_FIXTURES();
    auto model = fresh_model();
    auto& unet = model.unet;
    torch::manual_seed(11);
    const auto sample = torch::randn({2, 4, 16, 16});
    const auto states = torch::randn({2, 77, 32});
    const auto t = torch::tensor({700, 40}, torch::kLong);
    const auto target = torch::randn({2, 4, 16, 16});
    // Every weight trains (DreamBooth), and the encoder states carry a gradient (textual inversion).
    for (auto& p : unet->parameters()) p.set_requires_grad(true);
    const auto grads = [&](bool checkpointing, int* checkpoint_nodes) {
      unet->set_gradient_checkpointing(checkpointing);
      unet->zero_grad();
      const auto ehs = states.clone().requires_grad_(true);
      const auto out = unet->forward(sample, t, ehs);
      const auto loss = torch::mse_loss(out, target);
      *checkpoint_nodes = count_nodes(loss, "Checkpoint");
      loss.backward();
      std::vector<at::Tensor> g{out.detach(), ehs.grad().clone()};
      for (const auto& p : unet->parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
      return g;
    };
    int plain_nodes = 0, checkpoint_nodes = 0;
    const auto a = grads(false, &plain_nodes);
    const auto b = grads(true, &checkpoint_nodes);
    // 3 cross-attention down blocks of 2 resnets and 2 attentions, 1 plain down block of 2
    // resnets, the mid block's 2 resnets and 1 attention, and up blocks of 3 resnets
    // (plus 3 attentions in the cross-attention ones).
    QCOMPARE(plain_nodes, 0);
    QCOMPARE(checkpoint_nodes, 3 * 4 + 2 + 3 + 3 + 3 * 6);
    QCOMPARE(b[0].sub(a[0]).abs().max().item<float>(), 0.f);  // same forward values
    const double e_states = mrti_test::rel_l2(b[1], a[1]);
    std::vector<at::Tensor> pa(a.begin() + 2, a.end()), pb(b.begin() + 2, b.end());
    const auto flat = [](const std::vector<at::Tensor>& v) {
      std::vector<at::Tensor> f;
      for (const auto& x : v) f.push_back(x.flatten());
      return torch::cat(f);
    };
    const double e_params = mrti_test::rel_l2(flat(pb), flat(pa));
    std::printf("checkpointed UNet: encoder-state gradient rel L2 %.3g, parameter gradients rel L2 %.3g\n", e_states,
                e_params);
    QVERIFY(flat(pa).abs().max().item<float>() > 0);
    QVERIFY2(e_states < 1e-5, qPrintable(QString("encoder states: %1").arg(e_states)));
    QVERIFY2(e_params < 1e-5, qPrintable(QString("parameters: %1").arg(e_params)));

    // Only the weights inside the blocks train and no input needs a gradient: the
    // checkpointed calls must still record and reach those weights.
    for (auto* m : std::vector<torch::nn::Module*>{unet->conv_in.get(), unet->time_embedding.get(), unet->time_proj.get()})
      for (auto& p : m->parameters()) p.set_requires_grad(false);
    const auto frozen_inputs = [&](bool checkpointing) {
      unet->set_gradient_checkpointing(checkpointing);
      unet->zero_grad();
      torch::mse_loss(unet->forward(sample, t, states), target).backward();
      std::vector<at::Tensor> g;
      for (const auto& p : unet->down_blocks->parameters())
        g.push_back(p.grad().defined() ? p.grad().flatten().clone() : torch::zeros({p.numel()}));
      return torch::cat(g);
    };
    const auto fa = frozen_inputs(false), fb = frozen_inputs(true);
    QVERIFY(fa.abs().max().item<float>() > 0);
    MRTI_COMPARE_REL(fb, fa, 1e-5);

    // Inference is untouched.
    torch::NoGradGuard no_grad;
    unet->set_gradient_checkpointing(false);
    const auto ref = unet->forward(sample, t, states);
    unet->set_gradient_checkpointing(true);
    QCOMPARE(unet->forward(sample, t, states).sub(ref).abs().max().item<float>(), 0.f);
  }

  void short_run_writes_a_loadable_model_that_generates() {
    MRTI_REQUIRE_FIXTURES();
    auto model = fresh_model();
    const std::string base = mrti_test::temp_dir("db-short");
    auto rs = tiny_run(instance_folder("db-short-data"), base + "/run");
    rs.training.steps = 3;
    rs.checkpoint_every = 1;
    rs.preview_every = 3;
    rs.preview_steps = 2;
    rs.preview_scales = {0, 9};
    rs.library_dir = base + "/library";
    std::vector<std::string> messages;
    TrainingCallbacks setup;
    setup.on_message = [&](const std::string& m) { messages.push_back(m); };
    auto run = DreamBoothRun::create(model, rs, setup);
    QCOMPARE(messages.size(), std::size_t(1));
    QVERIFY(mrti_test::contains(messages[0], "generated 2 class images"));
    QVERIFY(fs::exists(rs.out_dir + "/class-images/class-0001.png"));
    QCOMPARE(training_run_kind(rs.out_dir), TrainingRunKind::dreambooth);

    std::vector<TrainingProgress> steps;
    std::vector<TrainingPreview> previews;
    TrainingCallbacks cb;
    cb.on_step = [&](const TrainingProgress& p) { steps.push_back(p); };
    cb.on_preview = [&](const TrainingPreview& p) { previews.push_back(p); };
    const TrainingOutcome o = run->run(cb);
    QVERIFY(o.finished);
    QCOMPARE(o.step, int64_t(3));
    QCOMPARE(steps.size(), std::size_t(3));
    QCOMPARE(steps.back().total_steps, int64_t(3));
    QCOMPARE(steps.back().scale_loss_means.size(), std::size_t(10));
    QCOMPARE(steps.back().scale_indices.size(), std::size_t(1));
    QVERIFY(std::isfinite(steps.back().loss) && steps.back().images_per_second > 0);
    QCOMPARE(previews.size(), std::size_t(2));
    QVERIFY(fs::exists(rs.out_dir + "/previews/step000003-k9.png"));
    QCOMPARE(csv_rows(rs.out_dir + "/loss.csv"), 3);
    // Only the latest UNet checkpoint stays; every concept checkpoint does.
    QVERIFY(fs::exists(rs.out_dir + "/checkpoints/weights-step000003.safetensors"));
    QVERIFY(!fs::exists(rs.out_dir + "/checkpoints/weights-step000002.safetensors"));
    QVERIFY(!fs::exists(rs.out_dir + "/checkpoints/state-step000001.pt"));
    QVERIFY(fs::exists(rs.out_dir + "/checkpoints/blue-step000001.safetensors"));
    QVERIFY(fs::exists(base + "/library/blue.safetensors"));

    // The fine-tuned folder loads, holds the trained UNet, and generates with the concept.
    QCOMPARE(QString::fromStdString(o.model_dir), QString::fromStdString(rs.out_dir + "/model"));
    auto tuned = load_stable_diffusion(o.model_dir);
    QCOMPARE(max_difference(unet_weights(tuned), unet_weights(model)), 0.f);
    ConceptSet concepts;
    concepts["blue"] = load_concept(o.model_dir + "/blue.safetensors");
    QCOMPARE(concepts["blue"].num_scales(), int64_t(10));
    TextToImageRequest request;
    request.prompt = "a photo of <blue[3]>";
    request.width = request.height = 64;
    request.steps = 2;
    request.seed = 5;
    request.previews = false;
    const auto image = multires_text_to_image(tuned, request, concepts).result.images.at(0);
    QCOMPARE(image.width, 64);
    QCOMPARE(image.height, 64);

    // A second run may not reuse the folder.
    MRTI_EXPECT_ERROR(DreamBoothRun::create(model, rs), "already holds a training run");
  }

  void cancel_then_resume_equals_an_uninterrupted_run() {
    MRTI_REQUIRE_FIXTURES();
    const std::string base = mrti_test::temp_dir("db-resume");
    const std::string data = instance_folder("db-resume-data");
    auto rs = tiny_run(data, "");
    rs.class_dir = base + "/class";  // generated once, shared by both runs
    rs.checkpoint_every = 0;

    auto full_model = fresh_model();
    auto full_settings = rs;
    full_settings.out_dir = base + "/full";
    const TrainingOutcome a = DreamBoothRun::create(full_model, full_settings)->run();
    QVERIFY(a.finished);

    auto part_settings = rs;
    part_settings.out_dir = base + "/part";
    {
      const TrainingOutcome b = run_cancelled_after(part_settings, 2);
      QVERIFY(!b.finished);
      QCOMPARE(b.step, int64_t(2));
      QVERIFY(fs::exists(part_settings.out_dir + "/checkpoints/weights-step000002.safetensors"));
      QVERIFY(!fs::exists(part_settings.out_dir + "/model"));
    }
    // A new process would load the base model again.
    auto resumed_model = fresh_model();
    auto resumed = DreamBoothRun::resume(resumed_model, part_settings.out_dir);
    QCOMPARE(resumed->trainer().step(), int64_t(2));
    const TrainingOutcome c = resumed->run();
    QVERIFY(c.finished);
    QCOMPARE(c.step, int64_t(4));
    const float d_unet = max_difference(unet_weights(resumed_model), unet_weights(full_model));
    const float d_concept =
        load_concept(c.concept_path).embeddings.sub(load_concept(a.concept_path).embeddings).abs().max().item<float>();
    std::printf("DreamBooth cancel-then-resume vs uninterrupted: max |UNet difference| %g, max |concept difference| %g\n",
                d_unet, d_concept);
    QVERIFY(max_difference(unet_weights(full_model), unet_weights(fresh_model())) > 0);  // it did train
    QVERIFY2(d_unet <= 1e-7f, qPrintable(QString("UNet difference %1").arg(d_unet)));
    QVERIFY2(d_concept <= 1e-7f, qPrintable(QString("concept difference %1").arg(d_concept)));
    QCOMPARE(csv_rows(part_settings.out_dir + "/loss.csv"), 4);
    const auto f1 = read_safetensors(a.model_dir + "/unet/diffusion_pytorch_model.safetensors").tensors;
    const auto f2 = read_safetensors(c.model_dir + "/unet/diffusion_pytorch_model.safetensors").tensors;
    QCOMPARE(f1.size(), f2.size());
    QCOMPARE(f1.at("conv_in.weight").sub(f2.at("conv_in.weight")).abs().max().item<float>(), 0.f);

    // Extending the finished run replaces its model folder.
    auto more_model = fresh_model();
    auto more = DreamBoothRun::resume(more_model, part_settings.out_dir, 5);
    QCOMPARE(more->trainer().step(), int64_t(4));
    const TrainingOutcome e = more->run();
    QCOMPARE(e.step, int64_t(5));
    QVERIFY(!fs::exists(e.model_dir + ".partial") && !fs::exists(e.model_dir + ".old"));
    const auto f3 = read_safetensors(e.model_dir + "/unet/diffusion_pytorch_model.safetensors").tensors;
    QVERIFY(f3.at("conv_in.weight").sub(f2.at("conv_in.weight")).abs().max().item<float>() > 0);
  }

  void batches_accumulation_and_schedules() {
    MRTI_REQUIRE_FIXTURES();
    const std::string data = instance_folder("db-batches-data");
    auto instances = std::make_shared<TrainingDataset>(data, DatasetOptions{64});
    auto settings = tiny_run(data, "").training;
    settings.num_class_images = 0;
    settings.steps = 10;
    // One batch of 2 and two accumulated micro-batches of 1 draw the same samples and
    // average the same losses.
    auto batched = settings;
    batched.batch_size = 2;
    auto accumulated = settings;
    accumulated.grad_accum = 2;
    auto m1 = fresh_model();
    auto m2 = fresh_model();
    DreamBoothTrainer t1(m1, batched, instances);
    DreamBoothTrainer t2(m2, accumulated, instances);
    const DreamBoothStep a = t1.train_step();
    const DreamBoothStep b = t2.train_step();
    QCOMPARE(a.timesteps.size(), std::size_t(2));
    QCOMPARE(a.timesteps, b.timesteps);
    QCOMPARE(a.scale_indices, b.scale_indices);
    QVERIFY2(std::abs(a.loss - b.loss) <= 1e-5 * std::abs(b.loss), qPrintable(QString("%1 vs %2").arg(a.loss).arg(b.loss)));

    // The UNet's rate follows the schedule, scaled by batch x accumulation with scale_lr.
    auto scheduled = settings;
    scheduled.lr_schedule = "constant_with_warmup";
    scheduled.warmup_steps = 4;
    scheduled.scale_lr = true;
    scheduled.batch_size = 2;
    auto m3 = fresh_model();
    DreamBoothTrainer t3(m3, scheduled, instances);
    std::vector<double> rates;
    for (int i = 0; i < 5; ++i) rates.push_back(t3.train_step().lr);
    const double full = settings.lr * 2;
    for (int i = 0; i < 5; ++i)
      QVERIFY2(std::abs(rates[i] - full * i / 4) <= 1e-12 * full, qPrintable(QString("step %1: %2").arg(i + 1).arg(rates[i])));
    settings.lr_schedule = "1e-4:x";
    MRTI_EXPECT_ERROR(settings.validate(), "'x'");
  }

  void text_encoder_trains_resumes_and_is_saved() {
    MRTI_REQUIRE_FIXTURES();
    const std::string base = mrti_test::temp_dir("db-text-encoder");
    auto rs = tiny_run(instance_folder("db-text-encoder-data"), "");
    rs.training.num_class_images = 0;
    rs.training.steps = 3;
    rs.training.train_text_encoder = true;
    rs.training.text_encoder_lr = 1e-3;
    rs.checkpoint_every = 0;

    auto full_model = fresh_model();
    auto full_settings = rs;
    full_settings.out_dir = base + "/full";
    const TrainingOutcome a = DreamBoothRun::create(full_model, full_settings)->run();
    QVERIFY(a.finished);
    const auto untouched = fresh_model();
    QVERIFY(max_difference(text_encoder_layers(full_model), text_encoder_layers(untouched)) > 1e-5f);
    QCOMPARE(max_difference(token_table(full_model), token_table(untouched)), 0.f);

    auto part_settings = rs;
    part_settings.out_dir = base + "/part";
    QVERIFY(!run_cancelled_after(part_settings, 2).finished);
    auto resumed_model = fresh_model();
    QVERIFY(DreamBoothRun::resume(resumed_model, part_settings.out_dir)->run().finished);
    const float d_text = max_difference(text_encoder_layers(resumed_model), text_encoder_layers(full_model));
    std::printf("DreamBooth with the text encoder, cancel-then-resume vs uninterrupted: max |difference| %g\n",
                d_text);
    QVERIFY2(d_text <= 1e-7f, qPrintable(QString("text encoder difference %1").arg(d_text)));
    QVERIFY(max_difference(unet_weights(resumed_model), unet_weights(full_model)) <= 1e-7f);

    // The fine-tuned folder holds the trained text encoder, loadable by our loader.
    const auto tuned = load_stable_diffusion(a.model_dir);
    QCOMPARE(max_difference(text_encoder_layers(tuned), text_encoder_layers(full_model)), 0.f);
    QCOMPARE(max_difference(token_table(tuned), token_table(untouched)), 0.f);
    QVERIFY(fs::exists(a.model_dir + "/text_encoder/config.json"));
    QVERIFY(!fs::exists(a.model_dir + "/text_encoder/pytorch_model.bin"));  // the base's old weights are gone
    const auto file = read_safetensors(a.model_dir + "/text_encoder/model.safetensors").tensors;
    QCOMPARE(file.at("text_model.embeddings.position_ids").scalar_type(), torch::kLong);
  }

  void bad_settings_and_a_taken_concept_name_are_refused_up_front() {
    MRTI_REQUIRE_FIXTURES();
    const std::string base = mrti_test::temp_dir("db-up-front");
    auto model = fresh_model();
    auto rs = tiny_run(instance_folder("db-up-front-data"), base + "/run");
    rs.training.num_class_images = 0;
    auto bad = rs;
    bad.preview_steps = 0;
    MRTI_EXPECT_ERROR(DreamBoothRun::create(model, bad), "preview steps must be between 1 and 1000");
    bad = rs;
    bad.training.resolution = 4104;
    MRTI_EXPECT_ERROR(DreamBoothRun::create(model, bad), "from 8 to 4096");
    bad = rs;
    bad.training.lr = 0;
    MRTI_EXPECT_ERROR(DreamBoothRun::create(model, bad), "learning rate must be a positive number");
    QVERIFY(!fs::exists(rs.out_dir));

    // The finished concept would replace the library's: refused before anything is written.
    rs.library_dir = base + "/library";
    ConceptLibrary(rs.library_dir).save(make_concept("blue", torch::ones({3, 1, 32}), "cat"));
    MRTI_EXPECT_ERROR(DreamBoothRun::create(model, rs), "already has a concept named 'blue'", "--force");
    QVERIFY(!fs::exists(rs.out_dir));

    // Allowed, the run records that it may replace it, and its paths absolute.
    rs.replace_library_concept = true;
    rs.data_dir = fs::relative(rs.data_dir).string();
    DreamBoothRun::create(model, rs);
    const DreamBoothRunSettings recorded = DreamBoothRun::read_settings(rs.out_dir);
    QVERIFY(recorded.replace_library_concept);
    QVERIFY(fs::path(recorded.data_dir).is_absolute());
    QVERIFY(fs::path(recorded.model_path).is_absolute());
    QVERIFY(fs::path(recorded.library_dir).is_absolute());
    MRTI_EXPECT_ERROR(DreamBoothRun::resume(model, rs.out_dir, -1), "must be positive");
  }

  void resume_with_changes_is_refused() {
    MRTI_REQUIRE_FIXTURES();
    const std::string base = mrti_test::temp_dir("db-refuse");
    const std::string data = instance_folder("db-refuse-data");
    auto rs = tiny_run(data, base + "/run");
    rs.training.num_class_images = 0;
    rs.training.steps = 2;
    {
      auto model = fresh_model();
      TrainingControl control;
      control.cancel.cancel();  // stops before the first step, with a checkpoint
      QVERIFY(!DreamBoothRun::create(model, rs)->run({}, &control).finished);
    }
    auto model = fresh_model();
    auto other = rs.training;
    other.lr = 5e-5;
    other.gradient_checkpointing = true;
    MRTI_EXPECT_ERROR(DreamBoothRun::resume(model, rs.out_dir, 0, &other), "settings differ", "lr (run: 0.0001",
                      "gradient_checkpointing");
    auto same_but_steps = rs.training;
    same_but_steps.steps = 50;
    QCOMPARE(DreamBoothRun::resume(model, rs.out_dir, 0, &same_but_steps)->trainer().step(), int64_t(0));

    write_png(data + "/d.png", mrti_test::square_image(64, 64, {0, 0, 0}, {255, 255, 255}, 3, 3, 20));
    MRTI_EXPECT_ERROR(DreamBoothRun::resume(model, rs.out_dir), "instance images", data);
    fs::remove(data + "/d.png");
    {
      torch::NoGradGuard no_grad;
      model.unet->parameters().front().add_(0.5);
    }
    MRTI_EXPECT_ERROR(DreamBoothRun::resume(model, rs.out_dir), "model differs", "base model");
    ModelLoadOptions bf16;
    bf16.dtype = torch::kBFloat16;
    auto bf16_model = load_stable_diffusion(mrti_test::fixture("tiny-sd15"), bf16);
    MRTI_EXPECT_ERROR(DreamBoothRun::resume(bf16_model, rs.out_dir), "fp32", "loaded in bf16");
    // The run kind is told apart.
    MRTI_EXPECT_ERROR(TextualInversionRun::read_settings(rs.out_dir), "not a textual-inversion run");
    MRTI_EXPECT_ERROR(DreamBoothRun::read_settings(base), "not a training run folder");
    // The finished model is written from a diffusers folder, so a single file is refused up front.
    auto single = rs;
    single.out_dir = base + "/single";
    single.model_path = mrti_test::fixture("single-file/tiny-sd15-fp16.safetensors");
    MRTI_EXPECT_ERROR(DreamBoothRun::create(model, single), "diffusers folder", single.model_path);
  }
};

QTEST_APPLESS_MAIN(TestDreamBooth)
#include "test_dreambooth.moc"
