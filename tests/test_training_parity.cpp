// One textual-inversion training step at a time against the original implementation's
// recorded steps (fixtures/multires/ti_train_steps.*): the same latents, noise and
// timesteps must give the same loss, noise prediction, gradient of the placeholder rows
// and, after AdamW, the same placeholder rows.
#include "test_support.h"

#include <cstdio>

#include "models/stable_diffusion.h"
#include "tensor_io/safetensors.h"
#include "training/textual_inversion_trainer.h"

using namespace mrti;

class TestTrainingParity : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void three_steps_match_the_original() {
    MRTI_REQUIRE_FIXTURES();
    torch::manual_seed(0);
    auto model = load_stable_diffusion(mrti_test::fixture("tiny-sd15"));
    const auto ref = read_safetensors(mrti_test::fixture("multires/ti_train_steps.safetensors")).tensors;
    TextualInversionSettings s;
    s.name = "S";
    s.init_token = "painting";
    s.num_scales = 10;
    s.lr = 5e-4;
    s.lr_schedule = "constant";
    TextualInversionTrainer trainer(model, s, nullptr);
    const auto rows = [&] { return trainer.embeddings().detach().select(1, 0); };
    MRTI_COMPARE_REL(rows(), ref.at("placeholder_rows_init"), 1e-7);

    const int64_t timesteps[] = {437, 912, 55};
    const int64_t scales[] = {4, 9, 0};
    for (int k = 0; k < 3; ++k) {
      const std::string p = "step" + std::to_string(k) + "_";
      QCOMPARE(ref.at(p + "timestep").item<int64_t>(), timesteps[k]);
      TrainingBatch batch;
      batch.latents = ref.at("latents");
      batch.noise = ref.at(p + "noise");
      batch.timesteps = ref.at(p + "timestep").reshape({1});
      batch.captions = {"a photo of a " + trainer.placeholder(scales[k])};
      const StepResult r = trainer.train_on(batch, 5e-4);
      QCOMPARE(r.scale_indices.size(), std::size_t(1));
      QCOMPARE(r.scale_indices[0], scales[k]);
      const auto loss = torch::tensor({r.loss}, torch::kFloat);
      const double e_loss = mrti_test::rel_l2(loss, ref.at(p + "loss"));
      const double e_states = mrti_test::rel_l2(r.encoder_hidden_states, ref.at(p + "encoder_hidden_states"));
      const double e_pred = mrti_test::rel_l2(r.noise_pred, ref.at(p + "noise_pred"));
      const double e_grad = mrti_test::rel_l2(r.grad.select(1, 0), ref.at(p + "grad_placeholder_rows"));
      const double e_rows = mrti_test::rel_l2(rows(), ref.at(p + "placeholder_rows_after"));
      std::printf("step %d (t=%lld, scale %lld): loss %.3g, states %.3g, noise_pred %.3g, grad %.3g, rows %.3g\n", k,
                  (long long)timesteps[k], (long long)scales[k], e_loss, e_states, e_pred, e_grad, e_rows);
      QVERIFY2(e_loss < 1e-4, qPrintable(QString("loss error %1").arg(e_loss)));
      QVERIFY2(e_states < 1e-4, qPrintable(QString("encoder states error %1").arg(e_states)));
      QVERIFY2(e_pred < 1e-4, qPrintable(QString("noise_pred error %1").arg(e_pred)));
      QVERIFY2(e_grad < 1e-4, qPrintable(QString("gradient error %1").arg(e_grad)));
      QVERIFY2(e_rows < 1e-3, qPrintable(QString("rows after AdamW error %1").arg(e_rows)));
      // Only the sampled scale has a gradient.
      for (int64_t i = 0; i < 10; ++i)
        if (i != scales[k]) QCOMPARE(r.grad[i].abs().max().item<float>(), 0.0f);
    }
  }
};

QTEST_APPLESS_MAIN(TestTrainingParity)
#include "test_training_parity.moc"
