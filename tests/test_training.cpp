// Textual-inversion training: data set loading and its report, learning-rate schedules,
// the trainer's behaviour on the tiny model (only the sampled scale learns, the loss
// falls), and training runs (checkpoints, cancel and resume, refused resumes).
#include "test_support.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "imaging/image_decode.h"
#include "imaging/png_io.h"
#include "imaging/tensor_image.h"
#include "models/stable_diffusion.h"
#include "multires/concept_library.h"
#include "tensor_io/safetensors.h"
#include "multires/time_index.h"
#include "pipeline/memory_format.h"
#include "runtime/atomic_file.h"
#include "runtime/bfloat16_math.h"
#include "runtime/error.h"
#include "training/caption_templates.h"
#include "training/dataset.h"
#include "training/dreambooth_trainer.h"
#include "training/lr_schedule.h"
#include "training/model_training_settings.h"
#include "training/textual_inversion_trainer.h"
#include "training/training_run.h"

using namespace mrti;
namespace fs = std::filesystem;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Four small shape images.
std::string shape_folder(const std::string& tag) {
  const std::string dir = mrti_test::temp_dir(tag);
  write_png(dir + "/a.png", mrti_test::square_image(64, 64, {250, 240, 230}, {200, 30, 30}, 10, 12, 30));
  write_png(dir + "/b.png", mrti_test::square_image(80, 64, {240, 250, 230}, {180, 40, 20}, 30, 20, 28));
  write_png(dir + "/c.png", mrti_test::square_image(64, 72, {235, 235, 250}, {210, 20, 40}, 20, 30, 26));
  write_png(dir + "/d.png", mrti_test::square_image(64, 64, {250, 250, 250}, {190, 30, 30}, 5, 5, 40));
  return dir;
}

StableDiffusionModel& tiny_model() {
  static StableDiffusionModel model = load_stable_diffusion(mrti_test::fixture("tiny-sd15"));
  return model;
}

// The tiny model in bfloat16 on channels_last, as `mrti train ti --dtype bf16` loads it on the CPU.
StableDiffusionModel& tiny_model_bf16() {
  static StableDiffusionModel model = [] {
    ModelLoadOptions o;
    o.dtype = torch::kBFloat16;
    auto m = load_stable_diffusion(mrti_test::fixture("tiny-sd15"), o);
    use_channels_last(m);
    return m;
  }();
  return model;
}

// Four samples, one per quarter of the time range, with drawn latents and noise.
TrainingBatch fixed_batch(TextualInversionTrainer& drawer, TextualInversionTrainer& naming) {
  TrainingBatch batch;
  std::vector<at::Tensor> lat, noise;
  std::vector<int64_t> ts;
  for (int64_t k = 0; k < 4; ++k) {
    const TrainingBatch b = drawer.next_batch();
    lat.push_back(b.latents);
    noise.push_back(b.noise);
    ts.push_back(120 + 250 * k);
    batch.captions.push_back("a photo of a " + naming.placeholder(time_index(double(ts.back()), 10)));
  }
  batch.latents = torch::cat(lat);
  batch.noise = torch::cat(noise);
  batch.timesteps = torch::tensor(ts, torch::kLong);
  return batch;
}

double cosine(const at::Tensor& a, const at::Tensor& b) {
  const auto x = a.to(torch::kDouble).flatten(), y = b.to(torch::kDouble).flatten();
  return (x.dot(y) / (x.norm() * y.norm())).item<double>();
}

TextualInversionSettings tiny_settings(const std::string& name = "shape") {
  TextualInversionSettings s;
  s.name = name;
  s.init_token = "painting";
  s.num_scales = 10;
  s.resolution = 64;
  s.lr = 5e-3;
  s.seed = 7;
  return s;
}

// The process's working folder is `dir` while it lives.
struct WorkingFolder {
  fs::path old = fs::current_path();
  explicit WorkingFolder(const fs::path& dir) { fs::current_path(dir); }
  ~WorkingFolder() { fs::current_path(old); }
};

template <typename F>
QString error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestTraining : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void caption_templates_match_the_original_script() {
    QCOMPARE(object_caption_templates().size(), std::size_t(27));
    QCOMPARE(style_caption_templates().size(), std::size_t(19));
    QCOMPARE(QString::fromStdString(object_caption_templates().front()), QString("a photo of a {}"));
    QCOMPARE(QString::fromStdString(style_caption_templates().back()), QString("a large painting in the style of {}"));
    QCOMPARE(QString::fromStdString(fill_caption("a photo of a {}", "<c|3|>")), QString("a photo of a <c|3|>"));
    QVERIFY(error_of([] { fill_caption("no placeholder", "<c|0|>"); }).contains("{}"));
    QVERIFY(error_of([] { caption_templates("scene"); }).contains("scene"));
  }

  void lr_schedules() {
    auto c = LrSchedule::parse("constant", 1e-3, 0, 100);
    QCOMPARE(c.at(0), 1e-3);
    QCOMPARE(c.at(99), 1e-3);
    auto scaled = LrSchedule::parse("constant", 1e-3, 0, 100, 4.0);
    QCOMPARE(scaled.at(5), 4e-3);
    auto w = LrSchedule::parse("constant_with_warmup", 1e-3, 10, 100);
    QCOMPARE(w.at(0), 0.0);
    QCOMPARE(w.at(5), 0.5e-3);
    QCOMPARE(w.at(10), 1e-3);
    auto cos = LrSchedule::parse("cosine", 1e-3, 0, 100);
    QCOMPARE(cos.at(0), 1e-3);
    QVERIFY(std::abs(cos.at(50) - 0.5e-3) < 1e-12);
    QVERIFY(cos.at(99) < 1e-5);
    auto cw = LrSchedule::parse("cosine", 1e-3, 10, 110);
    QCOMPARE(cw.at(5), 0.5e-3);
    QCOMPARE(cw.at(10), 1e-3);
    QVERIFY(std::abs(cw.at(60) - 0.5e-3) < 1e-12);

    auto p = LrSchedule::parse("5e-3:200, 1e-3:1000, 5e-4", 99, 0, 5000);
    QCOMPARE(QString::fromStdString(p.kind()), QString("piecewise"));
    QCOMPARE(p.at(0), 5e-3);     // step 1
    QCOMPARE(p.at(199), 5e-3);   // step 200
    QCOMPARE(p.at(200), 1e-3);   // step 201
    QCOMPARE(p.at(999), 1e-3);
    QCOMPARE(p.at(1000), 5e-4);
    QCOMPARE(p.at(4999), 5e-4);
    auto closed = LrSchedule::parse("1e-2:10,2e-3:20", 0, 0, 100);
    QCOMPARE(closed.at(15), 2e-3);
    QCOMPARE(closed.at(50), 2e-3);  // past the last limit the last rate continues
    QCOMPARE(LrSchedule::parse("0.004", 1, 0, 10).at(3), 0.004);
    QCOMPARE(LrSchedule::parse("1e-3:5, 1e-4", 0, 0, 10, 2.0).at(7), 2e-4);

    QVERIFY(error_of([] { LrSchedule::parse("linear_decay", 1e-3, 0, 10); }).contains("unknown learning-rate schedule"));
    QVERIFY(error_of([] { LrSchedule::parse("5e-3:0", 1e-3, 0, 10); }).contains("'0'"));
    QVERIFY(error_of([] { LrSchedule::parse("5e-3:200, 1e-3:100", 1e-3, 0, 10); }).contains("does not come after"));
    QVERIFY(error_of([] { LrSchedule::parse("5e-3, 1e-3:100", 1e-3, 0, 10); }).contains("only the last rate"));
    QVERIFY(error_of([] { LrSchedule::parse("5e-3:x", 1e-3, 0, 10); }).contains("'x'"));
    QVERIFY(error_of([] { LrSchedule::parse("5e-3:10,, 1e-4", 1e-3, 0, 10); }).contains("empty entry"));
    QVERIFY(error_of([] { LrSchedule::parse("1e-3:10, abc", 1e-3, 0, 10); }).contains("'abc'"));
  }

  void dataset_reports_what_it_skipped() {
    const std::string dir = shape_folder("ds");
    fs::copy_file(dir + "/a.png", dir + "/z-copy.png");
    write_text(dir + "/notes.md", "not an image");
    write_text(dir + "/broken.png", "this is no PNG at all");
    write_png(dir + "/tiny.png", make_image(16, 16, {1, 2, 3}));
    write_text(dir + "/b.txt", "a sketch of {} on a table");
    write_text(dir + "/lonely.txt", "{}");
    fs::create_symlink("loop2.png", dir + "/loop1.png");  // a symlink loop
    fs::create_symlink("loop1.png", dir + "/loop2.png");
    std::string bomb = read_file(dir + "/a.png");  // a header declaring 30000x30000
    for (int at : {16, 20}) bomb[at] = 0, bomb[at + 1] = 0, bomb[at + 2] = char(0x75), bomb[at + 3] = char(0x30);
    write_text(dir + "/bomb.png", bomb);
    DatasetOptions o;
    o.resolution = 64;
    TrainingDataset ds(dir, o);
    QCOMPARE(ds.size(), std::size_t(4));
    const auto& r = ds.report();
    QCOMPARE(r.used, (std::vector<std::string>{"a.png", "b.png", "c.png", "d.png"}));
    std::map<std::string, std::string> why(r.skipped.begin(), r.skipped.end());
    QCOMPARE(why.size(), std::size_t(8));
    QVERIFY(QString::fromStdString(why["loop1.png"]).contains("cannot be read"));
    QVERIFY(QString::fromStdString(why["loop2.png"]).contains("cannot be read"));
    QVERIFY2(QString::fromStdString(why["bomb.png"]).contains("30000x30000"), why["bomb.png"].c_str());
    QVERIFY(QString::fromStdString(why["z-copy.png"]).contains("duplicate of a.png"));
    QVERIFY(QString::fromStdString(why["notes.md"]).contains("not an image"));
    QVERIFY(QString::fromStdString(why["broken.png"]).contains("unreadable"));
    QVERIFY(QString::fromStdString(why["tiny.png"]).contains("smaller than the minimum 64"));
    QVERIFY(QString::fromStdString(why["lonely.txt"]).contains("caption file"));
    QVERIFY(QString::fromStdString(r.summary()).contains("Using 4 images"));
    QCOMPARE(r.hash.size(), std::size_t(16));

    // Captions: the caption file for b, the templates for the others.
    QCOMPARE(ds.caption_templates_of(1), std::vector<std::string>{"a sketch of {} on a table"});
    QCOMPARE(ds.caption_templates_of(0).size(), std::size_t(27));

    // Pixels: [3, 64, 64] in [-1, 1]; the 80x64 image is centre-cropped; flip mirrors.
    const auto px = ds.pixels(1, false);
    QCOMPARE(px.sizes().vec(), (std::vector<int64_t>{3, 64, 64}));
    QVERIFY(px.min().item<float>() >= -1.f && px.max().item<float>() <= 1.f);
    const auto expected = image_to_tensor(center_crop(decode_image(dir + "/b.png"), 64));
    QCOMPARE(px.sub(expected).abs().max().item<float>(), 0.f);
    QCOMPARE(ds.pixels(1, true).flip({2}).sub(px).abs().max().item<float>(), 0.f);

    // A changed file changes the hash.
    write_png(dir + "/d.png", mrti_test::square_image(64, 64, {0, 0, 0}, {255, 255, 255}, 5, 5, 40));
    QVERIFY(TrainingDataset(dir, o).report().hash != r.hash);
  }

  void empty_or_missing_folder_is_a_clear_error() {
    const std::string empty = mrti_test::temp_dir("empty");
    QString e = error_of([&] { TrainingDataset ds(empty); });
    QVERIFY2(e.contains(QString::fromStdString(empty)) && e.contains("no usable image"), qPrintable(e));
    write_text(empty + "/readme.txt", "hello");
    write_text(empty + "/x.jpg", "garbage");
    e = error_of([&] { TrainingDataset ds(empty); });
    QVERIFY2(e.contains("no usable image"), qPrintable(e));
    e = error_of([&] { TrainingDataset ds(empty + "/missing"); });
    QVERIFY2(e.contains("does not exist"), qPrintable(e));
  }

  void initializer_must_be_one_token() {
    MRTI_REQUIRE_FIXTURES();
    auto s = tiny_settings();
    s.init_token = "photograph of";
    const QString e = error_of([&] { TextualInversionTrainer t(tiny_model(), s, nullptr); });
    QVERIFY2(e.contains("'photograph of'") && e.contains("not one"), qPrintable(e));
  }

  void first_step_changes_only_the_sampled_scale() {
    MRTI_REQUIRE_FIXTURES();
    const std::string dir = shape_folder("first");
    DatasetOptions o;
    o.resolution = 64;
    auto ds = std::make_shared<TrainingDataset>(dir, o);
    for (double wd : {0.0, 1e-2}) {
      auto s = tiny_settings();
      s.weight_decay = wd;
      TextualInversionTrainer t(tiny_model(), s, ds);
      const auto before = t.embeddings_snapshot();
      const StepResult r = t.train_step();
      QCOMPARE(r.scale_indices.size(), std::size_t(1));
      const int64_t i = r.scale_indices[0];
      QCOMPARE(i, time_index(double(r.timesteps[0]), 10));
      const auto after = t.embeddings_snapshot();
      QVERIFY(after[i].sub(before[i]).abs().max().item<float>() > 1e-4f);
      for (int64_t k = 0; k < 10; ++k) {
        if (k == i) continue;
        QCOMPARE(r.grad[k].abs().max().item<float>(), 0.f);
        // AdamW's decoupled decay is the only change to the other scales.
        const auto expected = before[k] * float(1.0 - s.lr * wd);
        QVERIFY(after[k].sub(expected).abs().max().item<float>() < 1e-7f);
      }
    }
  }

  void loss_falls_on_a_fixed_evaluation_batch() {
    MRTI_REQUIRE_FIXTURES();
    // One image, no flips: a consistent target the concept can fit.
    const std::string dir = mrti_test::temp_dir("falls");
    write_png(dir + "/a.png", mrti_test::square_image(64, 64, {250, 240, 230}, {200, 30, 30}, 10, 12, 30));
    DatasetOptions o;
    o.resolution = 64;
    auto ds = std::make_shared<TrainingDataset>(dir, o);
    auto s = tiny_settings();
    s.num_scales = 4;
    s.lr = 5e-2;
    s.flip_probability = 0;
    TextualInversionTrainer t(tiny_model(), s, ds);
    // The same latents and noise at one timestep per scale.
    auto es = s;
    es.seed = 99;
    TextualInversionTrainer drawer(tiny_model(), es, ds);
    TrainingBatch eval;
    std::vector<at::Tensor> lat, noise;
    std::vector<int64_t> ts;
    for (int64_t i = 0; i < 8; ++i) {
      const TrainingBatch b = drawer.next_batch();
      for (int64_t k = 0; k < s.num_scales; ++k) {
        lat.push_back(b.latents);
        noise.push_back(b.noise);
        ts.push_back(k * 250 + 125);
        eval.captions.push_back("a photo of a " + t.placeholder(k));
      }
    }
    eval.latents = torch::cat(lat);
    eval.noise = torch::cat(noise);
    eval.timesteps = torch::tensor(ts, torch::kLong);
    const double before = t.evaluate(eval);
    for (int i = 0; i < 100; ++i) t.train_step();
    const double after = t.evaluate(eval);
    std::printf("evaluation loss: %.6f before, %.6f after 100 steps\n", before, after);
    QVERIFY2(after < before, qPrintable(QString("loss %1 -> %2").arg(before).arg(after)));
  }

  void cancel_then_resume_equals_an_uninterrupted_run() {
    MRTI_REQUIRE_FIXTURES();
    const std::string data = shape_folder("resume");
    const std::string base = mrti_test::temp_dir("runs");
    TrainingRunSettings rs;
    rs.model_path = mrti_test::fixture("tiny-sd15");
    rs.data_dir = data;
    rs.training = tiny_settings();
    rs.training.steps = 8;
    rs.training.batch_size = 2;
    rs.training.grad_accum = 2;
    rs.training.lr_schedule = "cosine";
    rs.checkpoint_every = 3;

    // Uninterrupted, with previews (which must not disturb the training draws).
    auto full_settings = rs;
    full_settings.out_dir = base + "/full";
    full_settings.library_dir = base + "/library";
    full_settings.preview_every = 4;
    full_settings.preview_steps = 2;
    std::vector<int64_t> preview_scales;
    std::vector<TrainingProgress> events;
    TrainingCallbacks cb;
    cb.on_preview = [&](const TrainingPreview& p) {
      preview_scales.push_back(p.scale_index);
      QVERIFY(fs::exists(p.path));
      QCOMPARE(p.image.width, 64);
    };
    cb.on_step = [&](const TrainingProgress& p) { events.push_back(p); };
    auto full = TextualInversionRun::create(tiny_model(), full_settings);
    const TrainingOutcome a = full->run(cb);
    QVERIFY(a.finished);
    QCOMPARE(a.step, int64_t(8));
    QCOMPARE(preview_scales, (std::vector<int64_t>{0, 5, 9, 0, 5, 9}));
    QCOMPARE(events.size(), std::size_t(8));
    QCOMPARE(events.back().step, int64_t(8));
    QCOMPARE(events.back().scale_loss_means.size(), std::size_t(10));
    QCOMPARE(events.back().scale_indices.size(), std::size_t(4));  // batch 2 x accumulation 2
    QVERIFY(events.back().images_per_second > 0);
    QCOMPARE(events.front().seconds_left > 0, true);
    QVERIFY(fs::exists(full_settings.out_dir + "/settings.json"));
    QVERIFY(fs::exists(full_settings.out_dir + "/checkpoints/shape-step000003.safetensors"));
    QVERIFY(fs::exists(full_settings.out_dir + "/checkpoints/state-step000006.pt"));
    QVERIFY(fs::exists(full_settings.out_dir + "/previews/step000008-k9.png"));
    // The loss log: header plus one row per sample.
    std::ifstream csv(full_settings.out_dir + "/loss.csv");
    std::string line;
    std::getline(csv, line);
    QCOMPARE(QString::fromStdString(line), QString("step,timestep,scale_index,loss,lr"));
    int rows = 0;
    while (std::getline(csv, line)) ++rows;
    QCOMPARE(rows, 8 * 4);
    // The finished concept, in the run folder and the library, with a thumbnail.
    const Concept saved = ConceptLibrary(base + "/library").load("shape");
    QCOMPARE(saved.num_scales(), int64_t(10));
    QCOMPARE(saved.train_steps, int64_t(8));
    QVERIFY(saved.thumbnail.defined());
    QCOMPARE(saved.thumbnail.size(0), int64_t(64));
    QCOMPARE(QString::fromStdString(saved.init_token), QString("painting"));

    // Cancelled after step 5, then resumed.
    auto part_settings = rs;
    part_settings.out_dir = base + "/part";
    TrainingControl control;
    TrainingCallbacks cancel_cb;
    cancel_cb.on_step = [&](const TrainingProgress& p) {
      if (p.step == 5) control.cancel.cancel();
    };
    const TrainingOutcome b = TextualInversionRun::create(tiny_model(), part_settings)->run(cancel_cb, &control);
    QVERIFY(!b.finished);
    QCOMPARE(b.step, int64_t(5));
    QVERIFY(fs::exists(part_settings.out_dir + "/checkpoints/state-step000005.pt"));
    // A new run in the same folder is refused.
    QVERIFY(error_of([&] { TextualInversionRun::create(tiny_model(), part_settings); }).contains("already holds"));

    auto resumed = TextualInversionRun::resume(tiny_model(), part_settings.out_dir);
    QCOMPARE(resumed->trainer().step(), int64_t(5));
    const TrainingOutcome c = resumed->run();
    QVERIFY(c.finished);
    QCOMPARE(c.step, int64_t(8));
    const auto e_full = load_concept(a.concept_path).embeddings;
    const auto e_resumed = load_concept(c.concept_path).embeddings;
    const float diff = e_full.sub(e_resumed).abs().max().item<float>();
    std::printf("cancel-then-resume vs uninterrupted: max |difference| %g\n", diff);
    QVERIFY2(diff <= 1e-6f, qPrintable(QString("max difference %1").arg(diff)));
    std::ifstream csv2(part_settings.out_dir + "/loss.csv");
    std::getline(csv2, line);
    int rows2 = 0;
    while (std::getline(csv2, line)) ++rows2;
    QCOMPARE(rows2, 8 * 4);

    // Extending the run continues it.
    auto extended = TextualInversionRun::resume(tiny_model(), part_settings.out_dir, 9);
    QCOMPARE(extended->trainer().step(), int64_t(8));
    QCOMPARE(extended->run().step, int64_t(9));

    // Refused resumes name what differs.
    auto other = rs.training;
    other.lr = 1e-4;
    QString e = error_of([&] { TextualInversionRun::resume(tiny_model(), part_settings.out_dir, 0, &other); });
    QVERIFY2(e.contains("settings differ") && e.contains("lr"), qPrintable(e));
    write_png(data + "/e.png", mrti_test::square_image(64, 64, {0, 0, 0}, {255, 0, 0}, 1, 1, 20));
    e = error_of([&] { TextualInversionRun::resume(tiny_model(), part_settings.out_dir); });
    QVERIFY2(e.contains("dataset"), qPrintable(e));
    fs::remove(data + "/e.png");
    {
      torch::NoGradGuard no_grad;
      at::Tensor w = tiny_model().unet->parameters().front();
      const auto saved_w = w.clone();
      w.add_(1.0);
      e = error_of([&] { TextualInversionRun::resume(tiny_model(), part_settings.out_dir); });
      w.copy_(saved_w);
    }
    QVERIFY2(e.contains("model differs"), qPrintable(e));
    e = error_of([&] { TextualInversionRun::resume(tiny_model(), base + "/nothing"); });
    QVERIFY2(e.contains("not a training run folder"), qPrintable(e));
  }

  void invalid_run_settings_are_refused_before_a_run_folder_exists() {
    MRTI_REQUIRE_FIXTURES();
    const std::string data = shape_folder("invalid-settings");
    const std::string base = mrti_test::temp_dir("invalid-settings-runs");
    TrainingRunSettings good;
    good.model_path = mrti_test::fixture("tiny-sd15");
    good.data_dir = data;
    good.training = tiny_settings();
    good.training.steps = 2;
    QVERIFY(error_of([&] { good.validate(); }).isEmpty());
    struct Case {
      const char* what;
      std::function<void(TrainingRunSettings&)> change;
      const char* message;
    };
    const std::vector<Case> cases = {
        {"preview steps 0", [](TrainingRunSettings& s) { s.preview_steps = 0; }, "preview steps must be between 1"},
        {"steps 0", [](TrainingRunSettings& s) { s.training.steps = 0; }, "steps must be at least 1"},
        {"batch 0", [](TrainingRunSettings& s) { s.training.batch_size = 0; }, "batch size must be between 1 and 256"},
        {"batch 1e8", [](TrainingRunSettings& s) { s.training.batch_size = 100000000; }, "between 1 and 256"},
        {"resolution 65536", [](TrainingRunSettings& s) { s.training.resolution = 65536; }, "from 8 to 4096"},
        {"resolution 100", [](TrainingRunSettings& s) { s.training.resolution = 100; }, "multiple of 8"},
        {"resolution 8192", [](TrainingRunSettings& s) { s.training.resolution = 8192; }, "from 8 to 4096"},
        {"lr 0", [](TrainingRunSettings& s) { s.training.lr = 0; }, "learning rate must be a positive number"},
        {"lr -1", [](TrainingRunSettings& s) { s.training.lr = -1; }, "learning rate must be a positive number"},
        {"scales 0", [](TrainingRunSettings& s) { s.training.num_scales = 0; }, "num_scales must be between 1"},
        {"checkpoints", [](TrainingRunSettings& s) { s.checkpoint_every = -1; }, "checkpoint interval"},
        {"preview prompt", [](TrainingRunSettings& s) { s.preview_prompt = "a photo"; }, "has no {}"},
    };
    int i = 0;
    for (const auto& c : cases) {
      auto s = good;
      s.out_dir = base + "/run" + std::to_string(i++);
      c.change(s);
      const QString e = error_of([&] { TextualInversionRun::create(tiny_model(), s); });
      QVERIFY2(e.contains(c.message), qPrintable(QString(c.what) + ": " + e));
      QVERIFY2(!fs::exists(s.out_dir), c.what);
    }
    // A resume checks the same: a run whose settings.json was edited to preview steps 0
    // is refused before it trains.
    auto s = good;
    s.out_dir = base + "/edited";
    TextualInversionRun::create(tiny_model(), s);
    auto j = nlohmann::json::parse(read_file(s.out_dir + "/settings.json"));
    j["preview_steps"] = 0;
    write_text(s.out_dir + "/settings.json", j.dump(2));
    QVERIFY(error_of([&] { TextualInversionRun::resume(tiny_model(), s.out_dir); }).contains("preview steps"));
  }

  void runs_keep_library_concepts_record_absolute_paths_and_refuse_fewer_steps() {
    MRTI_REQUIRE_FIXTURES();
    const std::string data = shape_folder("keep-data");
    const std::string base = mrti_test::temp_dir("keep-runs");
    const ConceptLibrary library(base + "/library");
    library.save(make_concept("keep", torch::ones({3, 1, 32}), "cat"));
    const std::string mine = read_file(library.path_of("keep"));
    TrainingRunSettings rs;
    rs.model_path = mrti_test::fixture("tiny-sd15");
    rs.data_dir = data;
    rs.library_dir = library.dir();
    rs.training = tiny_settings("keep");
    rs.training.steps = 2;
    rs.training.lr_schedule = "cosine";
    rs.checkpoint_every = 0;
    rs.out_dir = base + "/refused";

    // A library concept of the name (or of the name in other letter case) stops a new run
    // before it creates anything.
    QString e = error_of([&] { TextualInversionRun::create(tiny_model(), rs); });
    QVERIFY2(e.contains("already has a concept named 'keep'") && e.contains("--force") &&
                 e.contains("choose another name"),
             qPrintable(e));
    auto other_case = rs;
    other_case.training.name = "Keep";
    QVERIFY(error_of([&] { TextualInversionRun::create(tiny_model(), other_case); }).contains("letter case"));
    QVERIFY(!fs::exists(rs.out_dir));
    QCOMPARE(read_file(library.path_of("keep")) == mine, true);

    // Allowed, it replaces it.
    auto replacing = rs;
    replacing.out_dir = base + "/replacing";
    replacing.replace_library_concept = true;
    QVERIFY(TextualInversionRun::create(tiny_model(), replacing)->run().finished);
    QCOMPARE(library.load("keep").train_steps, int64_t(2));

    // A concept that takes the name while a run trains stays; the run says where its own is.
    // The run starts with relative paths, which settings.json records absolute.
    auto late = rs;
    late.training.name = "late";
    late.out_dir = base + "/late";
    std::unique_ptr<TextualInversionRun> run;
    {
      const WorkingFolder elsewhere(fs::path(data).parent_path());
      late.data_dir = fs::path(data).filename().string();
      late.model_path = fs::relative(mrti_test::fixture("tiny-sd15")).string();
      late.library_dir = fs::relative(library.dir()).string();
      run = TextualInversionRun::create(tiny_model(), late);
    }
    const TrainingRunSettings recorded = TextualInversionRun::read_settings(late.out_dir);
    for (const auto& [path, original] : {std::pair{recorded.data_dir, data},
                                         std::pair{recorded.model_path, mrti_test::fixture("tiny-sd15")},
                                         std::pair{recorded.library_dir, library.dir()}}) {
      QVERIFY2(fs::path(path).is_absolute(), path.c_str());
      QCOMPARE(QString::fromStdString(fs::canonical(path).string()),
               QString::fromStdString(fs::canonical(original).string()));
    }
    library.save(make_concept("late", torch::ones({3, 1, 32}), "dog"));
    const std::string theirs = read_file(library.path_of("late"));
    std::string messages;
    TrainingCallbacks cb;
    cb.on_message = [&](const std::string& m) { messages += m + "\n"; };
    const TrainingOutcome out = run->run(cb);
    QVERIFY(out.finished);
    QVERIFY(out.library_path.empty());
    QVERIFY2(QString::fromStdString(messages).contains("not saved to the library") &&
                 QString::fromStdString(messages).contains(QString::fromStdString(late.out_dir + "/late.safetensors")),
             messages.c_str());
    QCOMPARE(read_file(library.path_of("late")) == theirs, true);

    // A resume (from this working folder) cannot go below the step reached; a longer
    // cosine schedule is noted.
    MRTI_EXPECT_ERROR(TextualInversionRun::resume(tiny_model(), late.out_dir, 1), "at step 2 already");
    MRTI_EXPECT_ERROR(TextualInversionRun::resume(tiny_model(), late.out_dir, -3), "must be positive");
    QCOMPARE(check_resume_steps(late.out_dir, 2), std::string());
    QVERIFY(mrti_test::contains(check_resume_steps(late.out_dir, 4), "stretched over 4"));
    auto extended = TextualInversionRun::resume(tiny_model(), late.out_dir, 3);
    QCOMPARE(extended->trainer().step(), int64_t(2));
  }

  void dreambooth_fine_tunes_the_unet_and_saves_a_loadable_folder() {
    MRTI_REQUIRE_FIXTURES();
    // Its own copy of the model: the UNet changes.
    auto model = load_stable_diffusion(mrti_test::fixture("tiny-sd15"));
    const std::string base = mrti_test::temp_dir("dreambooth");
    DatasetOptions o;
    o.resolution = 64;
    auto instances = std::make_shared<TrainingDataset>(shape_folder("db-instances"), o);
    QCOMPARE(generate_class_images(model, "a photo of a box", base + "/class", 2, 64, 2, 5), 2);
    QCOMPARE(generate_class_images(model, "a photo of a box", base + "/class", 2, 64, 2, 5), 0);  // already there
    auto classes = std::make_shared<TrainingDataset>(base + "/class", o);
    QCOMPARE(classes->size(), std::size_t(2));

    DreamBoothSettings s;
    s.name = "box";
    s.init_token = "painting";
    s.resolution = 64;
    s.steps = 3;
    s.lr = 1e-4;
    s.class_prompt = "a photo of a box";
    s.num_class_images = 2;
    const auto unet_before = model.unet->parameters().front().detach().clone();
    const auto te_before = model.text_encoder->token_embedding_weight().detach().clone();
    DreamBoothTrainer trainer(model, s, instances, classes);
    for (int i = 0; i < 3; ++i) QVERIFY(std::isfinite(trainer.train_step().loss));
    QCOMPARE(trainer.step(), int64_t(3));
    QVERIFY(model.unet->parameters().front().sub(unet_before).abs().max().item<float>() > 0);
    QCOMPARE(model.text_encoder->token_embedding_weight().sub(te_before).abs().max().item<float>(), 0.f);

    const std::string out = base + "/model";
    trainer.save(mrti_test::fixture("tiny-sd15"), out);
    auto reloaded = load_stable_diffusion(out);
    QCOMPARE(reloaded.unet->parameters().front().sub(model.unet->parameters().front()).abs().max().item<float>(), 0.f);
    const Concept c = load_concept(out + "/box.safetensors");
    QCOMPARE(c.num_scales(), int64_t(10));
    QVERIFY(error_of([&] { trainer.save(mrti_test::fixture("tiny-sd15"), out); }).contains("not empty"));
    s.num_class_images = 1;
    s.class_prompt.clear();
    QVERIFY(error_of([&] { DreamBoothTrainer t(model, s, instances); }).contains("class prompt"));
  }

  void bf16_step_is_close_to_the_fp32_step() {
    MRTI_REQUIRE_FIXTURES();
    // At the tiny UNet's own size (16x16 latents). At 64 pixels its lowest block is 1x1,
    // where GroupNorm normalizes 2 values and bf16's 8-bit mantissa loses the gradient.
    DatasetOptions o;
    o.resolution = 128;
    auto ds = std::make_shared<TrainingDataset>(shape_folder("bf16"), o);
    auto s = tiny_settings();
    s.resolution = 128;
    TextualInversionTrainer fp32(tiny_model(), s, ds);
    const TrainingBatch batch = fixed_batch(fp32, fp32);
    const StepResult a = fp32.train_on(batch, 0.0);
    s.precision = "bf16";
    // bf16 arithmetic, and bf16 weights with float32 arithmetic (CPUs without bf16 units).
    for (const auto math : {Bfloat16Math::Native, Bfloat16Math::Float32}) {
      const Bfloat16MathScope scope(math);
      TextualInversionTrainer bf16(tiny_model_bf16(), s, ds);
      // The concept is a float32 master copy in both.
      QCOMPARE(bf16.embeddings().scalar_type(), torch::kFloat);
      const StepResult b = bf16.train_on(batch, 0.0);
      QCOMPARE(b.grad.scalar_type(), torch::kFloat);
      QCOMPARE(b.scale_indices, a.scale_indices);
      const double loss_rel = std::abs(b.loss - a.loss) / std::abs(a.loss);
      const double cos = cosine(b.grad, a.grad);
      std::printf("bf16 (%s arithmetic) vs fp32 step: loss %.6f vs %.6f (relative difference %.4f), gradient "
                  "cosine %.5f, relative L2 %.4f\n", bfloat16_math_name(math).c_str(), b.loss, a.loss, loss_rel, cos,
                  mrti_test::rel_l2(b.grad, a.grad));
      QVERIFY(torch::isfinite(b.grad).all().item<bool>());
      QVERIFY2(loss_rel < 0.03, qPrintable(QString("loss %1 vs %2").arg(b.loss).arg(a.loss)));
      QVERIFY2(cos > 0.9, qPrintable(QString("gradient cosine similarity %1").arg(cos)));
      // Only the sampled scales have a gradient, in bf16 too.
      for (int64_t k = 0; k < 10; ++k)
        if (std::find(a.scale_indices.begin(), a.scale_indices.end(), k) == a.scale_indices.end())
          QCOMPARE(b.grad[k].abs().max().item<float>(), 0.f);
    }
  }

  void precision_must_match_the_model() {
    MRTI_REQUIRE_FIXTURES();
    auto s = tiny_settings();
    s.precision = "fp8";
    MRTI_EXPECT_ERROR(s.validate(), "'fp8'", "fp32, bf16, fp16");
    s.precision = "fp32";
    MRTI_EXPECT_ERROR(TextualInversionTrainer(tiny_model_bf16(), s, nullptr), "fp32", "loaded in bf16", "--dtype fp32");
    s.precision = "bf16";
    MRTI_EXPECT_ERROR(TextualInversionTrainer(tiny_model(), s, nullptr), "loaded in fp32", "--dtype bf16");
    // fp16 is refused on the CPU even where the model claims that dtype (the loader
    // itself refuses float16 CPU weights).
    StableDiffusionModel fp16_model = tiny_model();
    fp16_model.dtype = torch::kHalf;
    s.precision = "fp16";
    MRTI_EXPECT_ERROR(TextualInversionTrainer(fp16_model, s, nullptr), "fp16", "CUDA", "bf16 or fp32");
    // Recorded in the settings.
    const auto j = s.to_json();
    QCOMPARE(QString::fromStdString(j.at("precision").get<std::string>()), QString("fp16"));
    QCOMPARE(QString::fromStdString(TextualInversionSettings::from_json(j).precision), QString("fp16"));
    QCOMPARE(TextualInversionSettings::from_json(nlohmann::json::object()).precision, std::string("fp32"));
  }

  void settings_numbers_must_fit_their_fields() {
    // Found by the settings fuzzer: a float far beyond a whole-number field's range was
    // converted (undefined behaviour); an integer beyond an int field's range would wrap.
    using nlohmann::json;
    MRTI_EXPECT_ERROR(TextualInversionSettings::from_json(json{{"num_scales", 4.44444e33}}), "num_scales",
                      "not a whole number");
    MRTI_EXPECT_ERROR(TextualInversionSettings::from_json(json{{"batch_size", 4294967297LL}}), "batch_size",
                      "not a whole number");
    MRTI_EXPECT_ERROR(DreamBoothSettings::from_json(json{{"steps", 2.5}}), "steps", "not a whole number");
    MRTI_EXPECT_ERROR(ModelTrainingSettings::from_json(json{{"steps", json(18446744073709551615ULL)}}), "steps",
                      "not a whole number");
    MRTI_EXPECT_ERROR(TextualInversionSettings::from_json(json{{"steps", "ten"}}), "steps", "wrong type");
    // Whole numbers written as floats still read, as other tools write them.
    QCOMPARE(TextualInversionSettings::from_json(json{{"steps", 300.0}}).steps, int64_t(300));
    QCOMPARE(TextualInversionSettings::from_json(json{{"num_scales", 6}}).num_scales, int64_t(6));
  }

  void gradient_checkpointing_gives_the_same_gradient() {
    MRTI_REQUIRE_FIXTURES();
    // 128 pixels, as above: at 64 the 1x1 lowest block makes the gradient so sensitive
    // that summation order alone moves it by ~1e-5.
    DatasetOptions o;
    o.resolution = 128;
    auto ds = std::make_shared<TrainingDataset>(shape_folder("ckpt"), o);
    auto s = tiny_settings();
    s.resolution = 128;
    TextualInversionTrainer plain(tiny_model(), s, ds);
    s.gradient_checkpointing = true;
    TextualInversionTrainer checkpointed(tiny_model(), s, ds);
    const TrainingBatch batch = fixed_batch(plain, plain);
    const StepResult a = plain.train_on(batch, 0.0);
    QVERIFY(!tiny_model().unet->gradient_checkpointing());
    const StepResult b = checkpointed.train_on(batch, 0.0);
    QVERIFY(tiny_model().unet->gradient_checkpointing());
    const double e = mrti_test::rel_l2(b.grad, a.grad);
    std::printf("gradient checkpointing: concept gradient relative L2 %.3g, loss %.9g vs %.9g\n", e, b.loss, a.loss);
    QVERIFY(a.grad.abs().max().item<float>() > 0);
    QVERIFY2(e < 1e-5, qPrintable(QString("relative L2 %1").arg(e)));
    QCOMPARE(b.loss, a.loss);
    tiny_model().unet->set_gradient_checkpointing(false);
    // Recorded in the settings.
    QVERIFY(TextualInversionSettings::from_json(s.to_json()).gradient_checkpointing);
  }

  void resume_with_another_precision_is_refused() {
    MRTI_REQUIRE_FIXTURES();
    TrainingRunSettings rs;
    rs.model_path = mrti_test::fixture("tiny-sd15");
    rs.data_dir = shape_folder("bf16-run");
    rs.out_dir = mrti_test::temp_dir("bf16-run") + "/run";
    rs.training = tiny_settings();
    rs.training.precision = "bf16";
    rs.training.steps = 3;
    rs.checkpoint_every = 0;
    TrainingControl control;
    TrainingCallbacks cb;
    cb.on_step = [&](const TrainingProgress& p) {
      QVERIFY(std::isfinite(p.loss));
      if (p.step == 1) control.cancel.cancel();
    };
    const TrainingOutcome o = TextualInversionRun::create(tiny_model_bf16(), rs)->run(cb, &control);
    QVERIFY(!o.finished);
    QCOMPARE(QString::fromStdString(TextualInversionRun::read_settings(rs.out_dir).training.precision), QString("bf16"));
    MRTI_EXPECT_ERROR(TextualInversionRun::resume(tiny_model(), rs.out_dir), "trains in bf16", "loaded in fp32",
                      "--dtype bf16");
    auto resumed = TextualInversionRun::resume(tiny_model_bf16(), rs.out_dir);
    QCOMPARE(resumed->trainer().step(), int64_t(1));
    const TrainingOutcome done = resumed->run();
    QVERIFY(done.finished);
    QVERIFY(torch::isfinite(load_concept(done.concept_path).embeddings).all().item<bool>());
  }

  void paused_training_waits_and_allows_snapshots() {
    MRTI_REQUIRE_FIXTURES();
    TrainingRunSettings rs;
    rs.model_path = mrti_test::fixture("tiny-sd15");
    rs.data_dir = shape_folder("pause");
    rs.out_dir = mrti_test::temp_dir("pause-run") + "/run";
    rs.training = tiny_settings();
    rs.training.steps = 4;
    rs.checkpoint_every = 0;
    auto run = TextualInversionRun::create(tiny_model(), rs);
    TrainingControl control;
    int64_t steps_while_paused = -1;
    TrainingCallbacks cb;
    cb.on_step = [&](const TrainingProgress& p) {
      if (p.step == 2) control.paused = true;
    };
    std::thread worker([&] { run->run(cb, &control); });
    while (!control.paused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    steps_while_paused = run->trainer().step();
    const Concept snap = run->concept_snapshot();
    QCOMPARE(snap.train_steps, int64_t(2));
    control.paused = false;
    worker.join();
    QCOMPARE(steps_while_paused, int64_t(2));
    QCOMPARE(run->trainer().step(), int64_t(4));
  }
};

QTEST_APPLESS_MAIN(TestTraining)
#include "test_training.moc"
