// Multiresolution sampling against the original implementation's recorded runs
// (fixtures/multires), and the per-timestep conditioning it is built on.
#include "test_support.h"

#include <set>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "models/stable_diffusion.h"
#include "multires/concept_library.h"
#include "multires/importers.h"
#include "multires/multires_conditioning.h"
#include "multires/multires_pipeline.h"
#include "multires/resolution_sweep.h"
#include "pipeline/prompt_encoding.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"

using namespace mrti;

namespace {

using mrti_test::contains;
using mrti_test::error_of;

struct Fixture {
  StableDiffusionModel model;
  QJsonObject runs;
  TensorMap ref;
  Concept from_original, from_table;
};

Fixture& fixture() {
  static Fixture f = [] {
    Fixture x;
    x.model = load_stable_diffusion(mrti_test::fixture("tiny-sd15"));
    QFile file(QString::fromStdString(mrti_test::fixture("multires/multires_cat.json")));
    if (file.open(QIODevice::ReadOnly)) x.runs = QJsonDocument::fromJson(file.readAll()).object()["runs"].toObject();
    x.ref = read_safetensors(mrti_test::fixture("multires/multires_cat.safetensors")).tensors;
    x.from_original = import_original_concept(mrti_test::fixture("multires/concepts/cat")).concept;
    auto table = read_safetensors(mrti_test::fixture("multires/cat_embeddings.safetensors")).tensors.at("embeddings");
    x.from_table = make_concept("cat", table);
    return x;
  }();
  return f;
}

TextToImageRequest fixture_request(const QString& scheduler, const std::string& prompt, const at::Tensor& init) {
  TextToImageRequest r;
  r.prompt = prompt;
  r.negative_prompt = "";
  r.sampler = scheduler.toLower().toStdString();
  r.steps = 10;
  r.guidance = 7.5;
  r.width = r.height = 128;
  r.seed = 0;
  r.initial_latents = init;
  r.previews = false;
  return r;
}

std::string words(int n, const char* word = "red") {
  std::string s;
  for (int i = 0; i < n; ++i) s += std::string(i ? " " : "") + word;
  return s;
}

}  // namespace

class TestMultiresSampling : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void originalRuns_data() {
    QTest::addColumn<QString>("run");
    QTest::addColumn<bool>("via_importer");
    for (const char* s : {"PNDM", "DDIM"})
      for (int i = 0; i < 5; ++i)
        for (bool imp : {true, false}) {
          const QString run = QString("%1_%2").arg(s).arg(i);
          QTest::newRow(qPrintable(run + (imp ? " original layout" : " scale table"))) << run << imp;
        }
  }

  // Final latents, image and every step's latents, the embedding row each step used,
  // and one encoder run per distinct time index.
  void originalRuns() {
    MRTI_REQUIRE_FIXTURES();
    QFETCH(QString, run);
    QFETCH(bool, via_importer);
    auto& f = fixture();
    const QJsonObject info = f.runs[run].toObject();
    const std::string key = run.toStdString();
    const ConceptSet concepts{{"cat", via_importer ? f.from_original : f.from_table}};
    const auto scales = scales_of(concepts);
    MultiresConditioning positive(f.model, parse_prompt(info["prompt"].toString().toStdString(), scales), concepts);
    MultiresConditioning negative(f.model, parse_prompt("", scales), concepts);
    std::vector<at::Tensor> steps;
    std::vector<double> ts;
    const auto req = fixture_request(info["scheduler"].toString(), info["prompt"].toString().toStdString(),
                                     f.ref.at("initial_latents"));
    const auto result = sample(f.model, req, positive, negative, [&](const StepEvent& e) {
      steps.push_back(e.latents.clone());
      ts.push_back(e.timestep);
    });

    const auto recorded_ts = info["timesteps"].toArray();
    QCOMPARE(int(ts.size()), recorded_ts.size());
    const auto per_step = f.ref.at(key + "_per_step_latents");
    const auto rows = f.ref.at(key + "_token_row_per_step");
    QCOMPARE(positive.layout().slots.size(), size_t{1});
    const int64_t slot = positive.layout().slots[0].position;
    QCOMPARE(slot, int64_t{4});  // BOS an image of <cat..>
    double worst_step = 0;
    for (size_t i = 0; i < ts.size(); ++i) {
      QCOMPARE(ts[i], recorded_ts[int(i)].toDouble());
      worst_step = std::max(worst_step, mrti_test::rel_l2(steps[i], per_step[i]));
      // The token embedding row this step used, zero vector included: bit-exact.
      const auto used = positive.token_embeddings_at(ts[i])[0][slot];
      QVERIFY2(torch::equal(used, rows[i]), qPrintable(QString("step %1").arg(i)));
    }
    const double e_final = mrti_test::rel_l2(result.final_latents, f.ref.at(key + "_final_latents"));
    const double e_image = mrti_test::rel_l2(result.images_tensor, f.ref.at(key + "_image"));
    qInfo("%s (%s) \"%s\": final latents %.3g, image %.3g, worst step %.3g", qPrintable(run),
          via_importer ? "original layout" : "scale table", qPrintable(info["prompt"].toString()), e_final, e_image,
          worst_step);
    QVERIFY(e_final < 1e-3);
    QVERIFY(e_image < 1e-3);
    QVERIFY(worst_step < 1e-3);
    // The forms give different pictures: every other recorded run is far off.
    for (int i = 0; i < 5; ++i) {
      const std::string other = info["scheduler"].toString().toStdString() + "_" + std::to_string(i);
      if (other == key) continue;
      const double d = mrti_test::rel_l2(result.final_latents, f.ref.at(other + "_final_latents"));
      QVERIFY2(d > 100 * e_final && d > 1e-4, qPrintable(QString("%1 vs %2: %3").arg(run).arg(other.c_str()).arg(d)));
    }

    std::set<int> distinct;
    for (const auto& j : info["time_index"].toArray()) distinct.insert(j.toInt());
    QCOMPARE(positive.encoder_runs(), int(distinct.size()));
    QCOMPARE(negative.encoder_runs(), 1);
  }

  void pipelineEntryPoint() {
    MRTI_REQUIRE_FIXTURES();
    auto& f = fixture();
    const ConceptSet concepts{{"cat", f.from_original}};
    const auto req = fixture_request("DDIM", "an image of <cat[3]>", f.ref.at("initial_latents"));
    const auto m = multires_text_to_image(f.model, req, concepts);
    MRTI_COMPARE_REL(m.result.final_latents, f.ref.at("DDIM_0_final_latents"), 1e-3);
    QCOMPARE(m.encoder_runs, 10 + 1);
    QVERIFY(m.warnings.empty());
    QCOMPARE(QString::fromStdString(concepts_parameter(concepts, {"cat"})), QString("cat: 10x1x32"));
    // Bad references fail before any sampling, naming the token.
    auto bad = req;
    bad.negative_prompt = "<cat|3>";
    const std::string msg = error_of([&] { multires_text_to_image(f.model, bad, concepts); });
    QVERIFY2(msg.find("'<cat|3>'") != std::string::npos && msg.find("negative prompt") != std::string::npos,
             msg.c_str());
  }

  void plainPromptsMatchEncodePrompt() {
    MRTI_REQUIRE_FIXTURES();
    auto& f = fixture();
    for (const std::string prompt : {std::string("a photo of a cat"), std::string(""), words(80)}) {
      MultiresConditioning c(f.model, parse_prompt(prompt, {}), {});
      const auto expected = encode_prompt(f.model, prompt);
      QVERIFY(torch::equal(c.input_ids(), expected.input_ids));
      QVERIFY(torch::equal(c.at_timestep(901), expected.states));
      QVERIFY(torch::equal(c.at_timestep(1), expected.states));
      QCOMPARE(c.encoder_runs(), 1);
      if (prompt.size() > 100) {
        QCOMPARE(c.warnings().size(), size_t{1});
        QVERIFY2(c.warnings()[0].find("only 75 fit") != std::string::npos, c.warnings()[0].c_str());
        QVERIFY2(c.warnings()[0].find("\"red red red red red\"") != std::string::npos, c.warnings()[0].c_str());
      }
    }
  }

  void longConceptPrompts() {
    MRTI_REQUIRE_FIXTURES();
    auto& f = fixture();
    const ConceptSet concepts{{"cat", f.from_original}};
    const auto scales = scales_of(concepts);
    const auto& tok = *f.model.tokenizer;
    const int64_t blue = *tok.single_token_id("blue");
    // 1 + 74 + 3 = 78 tokens: 76 fit in the 77 ids after BOS; "green yellow" and EOS are cut.
    {
      MultiresConditioning c(f.model, parse_prompt("<cat[3]> " + words(74) + " blue green yellow", scales), concepts);
      const auto& L = c.layout();
      QCOMPARE(L.ids.size(), size_t{77});
      QCOMPARE(L.token_count, 78);
      QCOMPARE(L.ids.back(), blue);  // no EOS: the original slices ids[:77]
      QVERIFY(L.eos_cut);
      QCOMPARE(L.slots.size(), size_t{1});
      QCOMPARE(L.slots[0].position, int64_t{1});
      QCOMPARE(L.cut_text, std::string("green yellow"));
      QVERIFY2(L.warning.find("cut: \"green yellow\" and the end-of-text token") != std::string::npos, L.warning.c_str());
      QCOMPARE(c.at_timestep(500).sizes(), (at::IntArrayRef{1, 77, 32}));
    }
    // Exactly 76 tokens: only the EOS goes.
    {
      MultiresConditioning c(f.model, parse_prompt("<cat[3]> " + words(75), scales), concepts);
      QVERIFY(c.layout().eos_cut);
      QVERIFY(c.layout().cut_text.empty());
      QVERIFY2(c.layout().warning.find("the end-of-text token is cut") != std::string::npos, c.layout().warning.c_str());
    }
    // 75 tokens fit with BOS and EOS: nothing to say.
    {
      MultiresConditioning c(f.model, parse_prompt("<cat[3]> " + words(74), scales), concepts);
      QVERIFY(!c.layout().eos_cut);
      QVERIFY(c.layout().warning.empty());
      QCOMPARE(c.layout().ids[76], tok.eos_id());
    }
    // A reference past the cut is lost, and the warning names it.
    {
      MultiresConditioning c(f.model, parse_prompt(words(80) + " <cat(2)>", scales), concepts);
      QVERIFY(c.layout().slots.empty());
      QVERIFY2(c.layout().warning.find("<cat(2)>") != std::string::npos, c.layout().warning.c_str());
    }
  }

  void conditioningDetails() {
    MRTI_REQUIRE_FIXTURES();
    auto& f = fixture();
    Concept multi = make_concept("multi", torch::randn({4, 3, 32}));
    const ConceptSet concepts{{"cat", f.from_original}, {"multi", multi}};
    const auto scales = scales_of(concepts);
    const auto& e = f.from_original.embeddings;

    // Cache: one encoder run per distinct time index.
    MultiresConditioning c(f.model, parse_prompt("a <cat[3]> and <cat(7)>", scales), concepts);
    const auto s901 = c.at_timestep(901);
    QVERIFY(c.at_timestep(901).is_same(s901));
    QCOMPARE(c.encoder_runs(), 1);
    c.at_timestep(801);
    c.at_timestep(850);  // same j = 8
    QCOMPARE(c.encoder_runs(), 2);
    QVERIFY(!torch::equal(c.at_timestep(801), s901));
    QCOMPARE(c.layout().slots.size(), size_t{2});

    // Semi <cat(9)>: zero at every step; the position embedding is still added by the encoder.
    MultiresConditioning semi(f.model, parse_prompt("<cat(9)>", scales), concepts);
    const int64_t p = semi.layout().slots[0].position;
    for (double t : {999.0, 500.0, 1.0}) QVERIFY(torch::equal(semi.token_embeddings_at(t)[0][p], torch::zeros({32})));

    // V = 3 vectors per token take three consecutive slots.
    MultiresConditioning mv(f.model, parse_prompt("a <multi|2|> b", scales), concepts);
    QCOMPARE(mv.layout().slots[0].position, int64_t{2});
    QCOMPARE(mv.layout().slots[0].vectors, int64_t{3});
    QVERIFY(torch::equal(mv.token_embeddings_at(100).squeeze(0).slice(0, 2, 5), multi.embeddings[2]));
    QCOMPARE(mv.layout().ids[5], *f.model.tokenizer->single_token_id("b"));

    // Interpolation: <cat|0.25|> blends e2 and e3 half and half when asked.
    MultiresOptions interp;
    interp.interpolate = true;
    MultiresConditioning blend(f.model, parse_prompt("<cat|0.25|>", scales), concepts, interp);
    const auto row = blend.token_embeddings_at(500)[0][1];
    MRTI_COMPARE_REL(row, (e[2][0] * 0.5f + e[3][0] * 0.5f), 1e-6);
    MultiresConditioning rounded(f.model, parse_prompt("<cat|0.25|>", scales), concepts);
    QVERIFY(torch::equal(rounded.token_embeddings_at(500)[0][1], e[2][0]));

    // A concept of another token width is refused with both widths named.
    const ConceptSet wide{{"big", make_concept("big", torch::randn({10, 768}), "", "sd15")}};
    const std::string msg = error_of([&] { MultiresConditioning(f.model, parse_prompt("<big|1|>", scales_of(wide)), wide); });
    QVERIFY2(msg.find("768-wide") != std::string::npos && msg.find("uses 32") != std::string::npos, msg.c_str());
  }

  void resolutionSweep() {
    MRTI_REQUIRE_FIXTURES();
    auto& f = fixture();
    const ConceptSet concepts{{"cat", f.from_original}};
    ResolutionSweepRequest req;
    req.base.prompt = "a painting of {}";
    req.base.sampler = "ddim";
    req.base.steps = 3;
    req.base.width = req.base.height = 64;
    req.base.seed = 7;
    req.base.previews = false;
    req.concept_name = "cat";
    req.form = ResolutionForm::fixed;
    req.resolutions = {0, 4, 9};
    int events = 0;
    const auto r = resolution_sweep(f.model, req, concepts, {}, [&](int, int n, const StepEvent&) {
      QCOMPARE(n, 3);
      ++events;
    });
    QCOMPARE(events, 9);
    QCOMPARE(r.images.size(), size_t{3});
    QCOMPARE(r.prompts[1], std::string("a painting of <cat|4|>"));
    QCOMPARE(r.seed, int64_t{7});
    QVERIFY(r.images[0] != r.images[1]);
    QVERIFY(r.images[1] != r.images[2]);
    QCOMPARE(r.grid.width, 3 * 64);
    QCOMPARE(r.grid.height, 64);
    // Each image is what a single generation with that prompt and seed gives.
    auto single = req.base;
    single.prompt = r.prompts[2];
    const auto one = multires_text_to_image(f.model, single, concepts);
    QVERIFY(torch::equal(one.result.final_latents, r.final_latents[2]));
    // All resolutions by default; bad requests are refused before any work.
    req.resolutions.clear();
    req.base.steps = 1;
    QCOMPARE(resolution_sweep(f.model, req, concepts).images.size(), size_t{10});
    req.resolutions = {10};
    QVERIFY(error_of([&] { resolution_sweep(f.model, req, concepts); }).find("0..9") != std::string::npos);
    req.resolutions = {};
    req.base.prompt = "no placeholder";
    QVERIFY(error_of([&] { resolution_sweep(f.model, req, concepts); }).find("{}") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestMultiresSampling)
#include "test_multires_sampling.moc"
