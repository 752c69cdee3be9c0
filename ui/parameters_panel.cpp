#include "parameters_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>
#include <QSpinBox>

#include "qt_convert.h"
#include "studio/studio_engine.h"

namespace mrti::ui {

ParametersPanel::ParametersPanel(QWidget* parent) : QWidget(parent) {
  sampler_ = new QComboBox;
  sampler_->addItem(tr("Model default"), QString());
  for (const auto& [cli, display] : studio::samplers()) sampler_->addItem(qs(display), qs(cli));
  steps_ = new QSpinBox;
  steps_->setRange(1, 500);
  steps_->setValue(20);
  guidance_ = new QDoubleSpinBox;
  guidance_->setRange(0, 50);
  guidance_->setSingleStep(0.5);
  guidance_->setValue(7.5);
  seed_ = new QSpinBox;
  seed_->setRange(0, 2147483647);
  seed_->setValue(1234);
  randomSeed_ = new QCheckBox(tr("Random"));
  randomSeed_->setChecked(true);
  seed_->setEnabled(false);
  connect(randomSeed_, &QCheckBox::toggled, seed_, [this](bool on) { seed_->setEnabled(!on); });
  reuseSeed_ = new QPushButton(tr("Reuse"));
  reuseSeed_->setToolTip(tr("Reuse the seed of the selected image"));
  connect(reuseSeed_, &QPushButton::clicked, this, &ParametersPanel::reuseSeedRequested);
  auto* seedRow = new QHBoxLayout;
  seedRow->addWidget(seed_, 1);
  seedRow->addWidget(randomSeed_);
  seedRow->addWidget(reuseSeed_);
  width_ = new QSpinBox;
  height_ = new QSpinBox;
  for (auto* s : {width_, height_}) {
    s->setRange(64, 2048);
    s->setSingleStep(64);
    s->setValue(512);
  }
  auto* sizeRow = new QHBoxLayout;
  sizeRow->addWidget(width_);
  sizeRow->addWidget(height_);
  batch_ = new QSpinBox;
  batch_->setRange(1, 16);
  interpolate_ = new QCheckBox(tr("Continuous detail levels (interpolate)"));
  // Less work per picture, as other tools offer it; both off by default.
  deepCache_ = new QSpinBox;
  deepCache_->setRange(1, 10);
  deepCache_->setSpecialValueText(tr("Off"));
  deepCache_->setPrefix(tr("every "));
  deepCache_->setSuffix(tr(" steps"));
  deepCache_->setToolTip(tr("DeepCache: compute the deep features of the model only every N steps and reuse them "
                            "between. 3 makes pictures about 1.4x faster for a little fidelity."));
  tokenMerging_ = new QDoubleSpinBox;
  tokenMerging_->setRange(0, 0.75);
  tokenMerging_->setSingleStep(0.05);
  tokenMerging_->setSpecialValueText(tr("Off"));
  tokenMerging_->setToolTip(tr("Token merging (ToMe): this fraction of the picture's tokens is merged before each "
                               "high-resolution self-attention. 0.5 makes pictures about 1.4x faster."));

  auto* form = new QFormLayout(this);
  form->setContentsMargins(0, 0, 0, 0);
  form->addRow(tr("Sampler"), sampler_);
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Guidance"), guidance_);
  form->addRow(tr("Seed"), seedRow);
  form->addRow(tr("Size"), sizeRow);
  form->addRow(tr("Batch count"), batch_);
  form->addRow(tr("Feature reuse"), deepCache_);
  form->addRow(tr("Token merging"), tokenMerging_);
  form->addRow(interpolate_);

  connect(sampler_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ParametersPanel::scheduleChanged);
  connect(steps_, qOverload<int>(&QSpinBox::valueChanged), this, &ParametersPanel::scheduleChanged);
  connect(interpolate_, &QCheckBox::toggled, this, &ParametersPanel::interpolateChanged);
}

void ParametersPanel::fill(GenerationJob& job) const {
  auto& r = job.request;
  r.sampler = ss(sampler());
  r.steps = steps_->value();
  r.guidance = guidance_->value();
  r.seed = randomSeed_->isChecked() ? -1 : seed_->value();
  r.width = width_->value() / 8 * 8;
  r.height = height_->value() / 8 * 8;
  r.batch = batch_->value();
  r.interpolate = interpolate_->isChecked();
  r.deep_cache_interval = deepCache_->value();
  r.token_merge_ratio = tokenMerging_->value();
}

void ParametersPanel::setSeed(qint64 seed) {
  if (seed < 0) return;
  randomSeed_->setChecked(false);
  seed_->setValue(static_cast<int>(seed));
}

void ParametersPanel::apply(const QString& sampler, int steps, double guidance, qint64 seed, int width, int height) {
  const int i = sampler_->findData(sampler);
  if (!sampler.isEmpty() && i >= 0) sampler_->setCurrentIndex(i);
  if (steps > 0) steps_->setValue(steps);
  if (guidance > 0) guidance_->setValue(guidance);
  setSeed(seed);
  if (width > 0) width_->setValue(width);
  if (height > 0) height_->setValue(height);
}

void ParametersPanel::applyModelDefaults(const ModelDescription& model) {
  sampler_->setCurrentIndex(0);
  steps_->setValue(model.defaultSteps);
  guidance_->setValue(model.defaultGuidance);
  width_->setValue(model.defaultWidth);
  height_->setValue(model.defaultHeight);
}

QString ParametersPanel::sampler() const { return sampler_->currentData().toString(); }
int ParametersPanel::steps() const { return steps_->value(); }
double ParametersPanel::guidance() const { return guidance_->value(); }
bool ParametersPanel::interpolate() const { return interpolate_->isChecked(); }

}  // namespace mrti::ui
