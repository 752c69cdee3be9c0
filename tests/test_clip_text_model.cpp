#include "test_support.h"

#include <functional>
#include <string>

#include "models/clip_text_model.h"
#include "models/stable_diffusion.h"
#include "runtime/bfloat16_math.h"
#include "runtime/error.h"
#include "tensor_io/safetensors.h"

namespace {

using mrti_test::contains;
using mrti_test::error_of;

struct Reference {
  torch::Tensor input_ids, last_hidden_state, pooler_output;
};

Reference reference() {
  auto f = mrti::read_safetensors(mrti_test::fixture("tiny-sd15-ref/text_encoder.safetensors"));
  return {f.tensors.at("input_ids"), f.tensors.at("last_hidden_state"), f.tensors.at("pooler_output")};
}

std::string encoder_dir() { return mrti_test::fixture("tiny-sd15/text_encoder"); }

}  // namespace

class TestClipTextModel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void configFromFixture() {
    MRTI_REQUIRE_FIXTURES();
    const auto c = mrti::ClipTextConfig::from_file(encoder_dir() + "/config.json");
    QCOMPARE(c.vocab_size, int64_t(49408));
    QCOMPARE(c.hidden_size, int64_t(32));
    QCOMPARE(c.intermediate_size, int64_t(37));
    QCOMPARE(c.num_hidden_layers, int64_t(2));
    QCOMPARE(c.num_attention_heads, int64_t(4));
    QCOMPARE(c.max_position_embeddings, int64_t(77));
    QCOMPARE(c.hidden_act, std::string("quick_gelu"));
    QCOMPARE(c.layer_norm_eps, 1e-5);
    QVERIFY(c.projection_dim.has_value());
    QCOMPARE(*c.projection_dim, int64_t(32));
    QCOMPARE(c.pad_token_id, int64_t(1));
  }

  void badConfigs() {
    auto msg = error_of([] { mrti::ClipTextConfig::from_json({{"hidden_act", "relu"}}, "te.json"); });
    QVERIFY2(msg.find("te.json") != std::string::npos && msg.find("hidden_act") != std::string::npos, msg.c_str());
    msg = error_of([] { mrti::ClipTextConfig::from_json({{"hidden_size", 30}, {"num_attention_heads", 4}}, "te.json"); });
    QVERIFY2(msg.find("num_attention_heads") != std::string::npos, msg.c_str());
    msg = error_of([] { mrti::ClipTextConfig::from_json({{"num_hidden_layers", "two"}}, "te.json"); });
    QVERIFY2(msg.find("num_hidden_layers") != std::string::npos, msg.c_str());
  }

  void paritySafetensors() {
    MRTI_REQUIRE_FIXTURES();
    // The folder form picks model.safetensors over pytorch_model.bin.
    const auto file = mrti::find_component_weights(encoder_dir());
    QVERIFY2(file.size() > 18 && file.substr(file.size() - 18) == "/model.safetensors", file.c_str());
    auto model = mrti::load_text_encoder(encoder_dir());
    const auto ref = reference();
    torch::NoGradGuard no_grad;
    auto out = model->forward(ref.input_ids);
    qInfo("safetensors: last_hidden_state rel L2 %.3g, pooler_output rel L2 %.3g",
          mrti_test::rel_l2(out.last_hidden_state, ref.last_hidden_state),
          mrti_test::rel_l2(out.pooler_output, ref.pooler_output));
    MRTI_COMPARE_REL(out.last_hidden_state, ref.last_hidden_state, 1e-4);
    MRTI_COMPARE_REL(out.pooler_output, ref.pooler_output, 1e-4);
  }

  void parityPytorchBin() {
    MRTI_REQUIRE_FIXTURES();
    auto model = mrti::load_text_encoder(encoder_dir() + "/pytorch_model.bin");
    const auto ref = reference();
    torch::NoGradGuard no_grad;
    auto out = model->forward(ref.input_ids);
    qInfo("pytorch_model.bin: last_hidden_state rel L2 %.3g, pooler_output rel L2 %.3g",
          mrti_test::rel_l2(out.last_hidden_state, ref.last_hidden_state),
          mrti_test::rel_l2(out.pooler_output, ref.pooler_output));
    MRTI_COMPARE_REL(out.last_hidden_state, ref.last_hidden_state, 1e-4);
    MRTI_COMPARE_REL(out.pooler_output, ref.pooler_output, 1e-4);
  }

  void forwardEmbedsEqualsForward() {
    MRTI_REQUIRE_FIXTURES();
    auto model = mrti::load_text_encoder(encoder_dir());
    const auto ref = reference();
    torch::NoGradGuard no_grad;
    auto a = model->forward(ref.input_ids);
    auto embeds = model->token_embedding_weight().index_select(0, ref.input_ids.reshape({-1})).view({3, 77, 32});
    auto b = model->forward_embeds(embeds, ref.input_ids);
    QVERIFY(torch::equal(a.last_hidden_state, b.last_hidden_state));
    QVERIFY(torch::equal(a.pooler_output, b.pooler_output));
    QVERIFY(torch::equal(model->embed_tokens(ref.input_ids), embeds));
  }

  // A substituted row (here the zero vector, as the semi resolution-dependent form uses)
  // keeps its position embedding and, the attention being causal, changes only the
  // outputs from its position on.
  void substitutedRowIsCausal() {
    MRTI_REQUIRE_FIXTURES();
    auto model = mrti::load_text_encoder(encoder_dir());
    const auto ids = reference().input_ids.slice(0, 0, 1);
    torch::NoGradGuard no_grad;
    auto embeds = model->embed_tokens(ids).clone();
    const int64_t k = 4;
    embeds.index_put_({0, k}, torch::zeros({32}));
    mrti::ClipTextForwardOptions opts;
    opts.output_hidden_states = true;
    auto base = model->forward(ids);
    auto sub = model->forward_embeds(embeds, ids, opts);
    const auto& pos = model->text_model->embeddings->position_embedding->weight;
    QVERIFY(torch::equal(sub.hidden_states[0][0][k], pos[k]));
    QVERIFY(torch::equal(sub.last_hidden_state.slice(1, 0, k), base.last_hidden_state.slice(1, 0, k)));
    QVERIFY((sub.last_hidden_state[0][k] - base.last_hidden_state[0][k]).abs().max().item<double>() > 1e-3);
    QVERIFY((sub.last_hidden_state[0][76] - base.last_hidden_state[0][76]).abs().max().item<double>() > 1e-6);
  }

  void hiddenStatesAndClipSkip() {
    MRTI_REQUIRE_FIXTURES();
    auto model = mrti::load_text_encoder(encoder_dir());
    const auto ref = reference();
    torch::NoGradGuard no_grad;
    mrti::ClipTextForwardOptions all;
    all.output_hidden_states = true;
    auto full = model->forward(ref.input_ids, all);
    QCOMPARE(full.hidden_states.size(), size_t(3));  // embeddings + 2 layers
    // hidden_states[0] is token + position embedding.
    const auto& emb = *model->text_model->embeddings;
    auto expected0 = emb.token_embedding->weight.index_select(0, ref.input_ids.reshape({-1})).view({3, 77, 32}) +
                     emb.position_embedding->weight.unsqueeze(0);
    MRTI_COMPARE_REL(full.hidden_states[0], expected0, 1e-7);
    // The last layer's output, final-layer-normed, is the reference last_hidden_state.
    const auto& ln = model->text_model->final_layer_norm;
    auto normed_last = torch::layer_norm(full.hidden_states[2], {32}, ln->weight, ln->bias, 1e-5);
    MRTI_COMPARE_REL(normed_last, ref.last_hidden_state, 1e-4);
    // clip_skip 1: the penultimate layer, final-layer-normed (diffusers' clip_skip).
    mrti::ClipTextForwardOptions skip;
    skip.clip_skip = 1;
    auto skipped = model->forward(ref.input_ids, skip);
    auto expected = torch::layer_norm(full.hidden_states[1], {32}, ln->weight, ln->bias, 1e-5);
    MRTI_COMPARE_REL(skipped.last_hidden_state, expected, 1e-6);
    QVERIFY(mrti_test::rel_l2(skipped.last_hidden_state, ref.last_hidden_state) > 1e-2);
    skip.clip_skip = 2;
    auto msg = error_of([&] { model->forward(ref.input_ids, skip); });
    QVERIFY2(msg.find("clip skip") != std::string::npos, msg.c_str());
  }

  void gradientsReachTokenEmbeddings() {
    MRTI_REQUIRE_FIXTURES();
    auto model = mrti::load_text_encoder(encoder_dir());
    const auto ids = reference().input_ids.slice(0, 0, 1);
    // Into substituted embeddings.
    auto row = torch::randn({32}, torch::requires_grad());
    auto embeds = model->embed_tokens(ids).detach();
    auto parts = std::vector<torch::Tensor>{embeds.slice(1, 0, 5), row.view({1, 1, 32}), embeds.slice(1, 6)};
    auto out = model->forward_embeds(torch::cat(parts, 1), ids);
    out.last_hidden_state.pow(2).sum().backward();
    QVERIFY(row.grad().defined());
    QVERIFY(row.grad().abs().sum().item<double>() > 0);
    // Into the embedding matrix: only the rows of the prompt's ids get a gradient.
    model->zero_grad();
    auto out2 = model->forward(ids);
    out2.last_hidden_state.pow(2).sum().backward();
    auto g = model->token_embedding_weight().grad();
    QVERIFY(g.defined());
    auto used = std::get<0>(at::_unique(ids.reshape({-1})));
    QVERIFY(g.index_select(0, used).abs().sum(1).min().item<double>() > 0);
    auto mask = torch::ones({g.size(0)}, torch::kBool);
    mask.index_put_({used}, false);
    QCOMPARE(g.index({mask}).abs().max().item<double>(), 0.0);
  }

  void resizeTokenEmbeddings() {
    MRTI_REQUIRE_FIXTURES();
    auto model = mrti::load_text_encoder(encoder_dir());
    auto before = model->token_embedding_weight().clone();
    model->resize_token_embeddings(49418);
    QCOMPARE(model->token_embedding_weight().size(0), int64_t(49418));
    QCOMPARE(model->config().vocab_size, int64_t(49418));
    QVERIFY(torch::equal(model->token_embedding_weight().slice(0, 0, 49408), before));
    // The resized matrix is still the module's parameter.
    bool found = false;
    for (const auto& p : model->named_parameters())
      if (p.key() == "text_model.embeddings.token_embedding.weight") found = p.value().size(0) == 49418;
    QVERIFY(found);
    torch::NoGradGuard no_grad;
    auto ids = torch::full({1, 77}, 49407, torch::kLong);
    ids.index_put_({0, 1}, 49417);
    model->forward(ids);  // the new id is in range now
  }

  void outOfVocabularyIdIsAnError() {
    MRTI_REQUIRE_FIXTURES();
    auto model = mrti::load_text_encoder(encoder_dir());
    auto ids = torch::full({1, 77}, 49407, torch::kLong);
    ids.index_put_({0, 3}, 49410);
    auto msg = error_of([&] { model->forward(ids); });
    QVERIFY2(msg.find("49410") != std::string::npos && msg.find("vocabulary") != std::string::npos, msg.c_str());
    msg = error_of([&] { model->forward(torch::full({1, 78}, 1, torch::kLong)); });
    QVERIFY2(msg.find("78") != std::string::npos, msg.c_str());
  }

  void bfloat16Runs() {
    MRTI_REQUIRE_FIXTURES();
    mrti::ModelLoadOptions o;
    o.dtype = torch::kBFloat16;
    auto model = mrti::load_text_encoder(encoder_dir(), o);
    for (const auto& p : model->parameters()) QCOMPARE(p.scalar_type(), torch::kBFloat16);
    const auto ref = reference();
    torch::NoGradGuard no_grad;
    // bf16 arithmetic, and bf16 weights with float32 arithmetic (CPUs without bf16 units).
    for (const auto math : {mrti::Bfloat16Math::Native, mrti::Bfloat16Math::Float32}) {
      const mrti::Bfloat16MathScope scope(math);
      const bool native = math == mrti::Bfloat16Math::Native;
      auto out = model->forward(ref.input_ids);
      QCOMPARE(out.last_hidden_state.scalar_type(), native ? torch::kBFloat16 : torch::kFloat);
      const double err = mrti_test::rel_l2(out.last_hidden_state, ref.last_hidden_state);
      qInfo("bf16 weights, %s arithmetic: last_hidden_state rel L2 %.3g", mrti::bfloat16_math_name(math).c_str(), err);
      QVERIFY2(err < (native ? 5e-2 : 1e-2), qPrintable(QString::number(err)));
    }
  }
};

QTEST_APPLESS_MAIN(TestClipTextModel)
#include "test_clip_text_model.moc"
